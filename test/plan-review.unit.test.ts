/**
 * plan-review's pure parts on small hand-written inputs: the statement-level policy diff, the
 * protections and regressions no fixture covers, exit codes, acknowledgements and the markdown
 * limit. Expected values are written out from the rule, not copied from the output.
 */
import { analyze, exitCodeOf } from "../scripts/plan-review/analyze";
import { applyAcknowledgements, parseAcknowledgements } from "../scripts/plan-review/ack";
import { describeDiff, diffPolicies, parsePolicy } from "../scripts/plan-review/policy";
import { renderMarkdown } from "../scripts/plan-review/render";
import { showChange } from "../scripts/plan-review/rules";
import { constructFromAddress } from "../scripts/plan-review/synth";
import { Finding, Json, PlanJson, ResourceChange } from "../scripts/plan-review/types";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

function change(
  address: string,
  actions: string[],
  before: Json,
  after: Json,
  extra: Partial<ResourceChange> = {},
): ResourceChange {
  const type = address.split(".")[0];
  return {
    address,
    type,
    name: address.split(".")[1],
    mode: "managed",
    change: { actions, before, after, after_unknown: {} },
    ...extra,
  };
}

/** A bucket policy that only denies requests without TLS on `resource`. */
const tlsOnly = (sid: string, resource: string) =>
  doc({
    Sid: sid,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: resource,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });

const plan = (...rc: ResourceChange[]): PlanJson => ({ format_version: "1.2", resource_changes: rc });

describe("policy diff", () => {
  const before = parsePolicy(
    doc({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" }),
  )!;

  test("an action widened to a wildcard widens", () => {
    const after = parsePolicy(
      doc({ Sid: "Read", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }),
    )!;
    const [d] = diffPolicies(before, after);
    expect(d.widens).toBe(true);
    expect(describeDiff(d)).toBe('Allow "Read" changed: + actions s3:* · − actions s3:GetObject');
  });

  test("one ARN swapped for another widens, unless the plan renames that resource", () => {
    const after = parsePolicy(
      doc({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::c/*" }),
    )!;
    expect(diffPolicies(before, after).map((d) => d.widens)).toEqual([true]);
    expect(diffPolicies(before, after, [["arn:aws:s3:::b", "arn:aws:s3:::c"]]).map((d) => d.widens)).toEqual([
      false,
    ]);
  });

  /** Whether the one statement `from` → `to` widens. */
  const widensTo = (from: Record<string, unknown>, to: Record<string, unknown>) =>
    diffPolicies(parsePolicy(doc(from))!, parsePolicy(doc(to))!).some((d) => d.widens);
  const read = {
    Sid: "S",
    Effect: "Allow",
    Action: ["s3:GetObject"],
    Resource: "arn:aws:s3:::lake/scripts*",
  };

  test.each([
    ["an action swapped for another (read → delete)", { Action: ["s3:DeleteObject"] }],
    ["a resource prefix broadened to the whole bucket", { Resource: "arn:aws:s3:::lake/*" }],
    ["Action turned into NotAction", { Action: undefined, NotAction: ["s3:DeleteBucket"] }],
    ["an action broadened by a wildcard", { Action: ["s3:Get*"] }],
  ])("widens an Allow: %s", (_why, change) => {
    expect(widensTo(read, { ...read, ...change })).toBe(true);
  });

  test.each([
    ["an action narrowed within its wildcard", { Action: ["s3:Get*"] }, { Action: ["s3:GetObject"] }],
    ["a resource narrowed to a sub-prefix", {}, { Resource: "arn:aws:s3:::lake/scripts/jobs*" }],
    ["a condition added", {}, { Condition: { Bool: { "aws:SecureTransport": "true" } } }],
  ])("does not widen an Allow: %s", (_why, from, to) => {
    expect(widensTo({ ...read, ...from }, { ...read, ...from, ...to })).toBe(false);
  });

  test("a trust policy's principal swapped for another account widens", () => {
    const trust = { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } };
    expect(widensTo(trust, { ...trust, Principal: { AWS: "arn:aws:iam::999999999999:root" } })).toBe(true);
    expect(widensTo({ ...trust, Principal: "*" }, trust)).toBe(false);
  });

  test("conditions: loosened values widen, tightened ones do not; negated tests the other way", () => {
    const cond = (op: string, v: string | string[]) => ({ ...read, Condition: { [op]: { "s3:prefix": v } } });
    expect(widensTo(cond("StringLike", "scripts*"), cond("StringLike", "*"))).toBe(true);
    expect(widensTo(cond("StringLike", "*"), cond("StringLike", "scripts*"))).toBe(false);
    expect(widensTo(cond("StringEquals", ["a", "b"]), cond("StringEquals", ["a"]))).toBe(false);
    expect(widensTo(cond("StringEquals", ["a"]), cond("StringEquals", ["a", "b"]))).toBe(true);
    expect(widensTo(cond("StringNotEquals", ["a", "b"]), cond("StringNotEquals", ["a"]))).toBe(true);
    expect(widensTo(cond("StringNotEquals", ["a"]), cond("StringNotEquals", ["a", "b"]))).toBe(false);
    expect(widensTo(cond("NumericLessThan", "5"), cond("NumericLessThan", "10"))).toBe(true);
  });

  test.each([
    [
      "a value removed from an IfExists test",
      { StringEqualsIfExists: { "aws:SourceVpc": ["a", "b"] } },
      { StringEqualsIfExists: { "aws:SourceVpc": ["a"] } },
    ],
    [
      "a value removed from a ForAnyValue test",
      { "ForAnyValue:StringEquals": { "aws:TagKeys": ["a", "b"] } },
      { "ForAnyValue:StringEquals": { "aws:TagKeys": ["a"] } },
    ],
    [
      "a condition key's case changed",
      { StringEquals: { "aws:SourceAccount": "1" } },
      { StringEquals: { "aws:sourceaccount": "1" } },
    ],
    [
      "StringLike made StringEquals on the same value",
      { StringLike: { "s3:prefix": "scripts" } },
      { StringEquals: { "s3:prefix": "scripts" } },
    ],
  ])("does not widen: %s", (_why, from, to) => {
    expect(widensTo({ ...read, Condition: from }, { ...read, Condition: to })).toBe(false);
  });

  test("an account id and its root ARN are the same principal", () => {
    const trust = { Effect: "Allow", Action: "sts:AssumeRole" };
    expect(
      widensTo(
        { ...trust, Principal: { AWS: "111111111111" } },
        { ...trust, Principal: { AWS: "arn:aws:iam::111111111111:root" } },
      ),
    ).toBe(false);
    // Dropping IfExists lets an absent key pass no more: tighter. Adding it loosens.
    const c = (op: string) => ({ ...read, Condition: { [op]: { "aws:SourceVpc": "v" } } });
    expect(widensTo(c("StringEquals"), c("StringEqualsIfExists"))).toBe(true);
  });

  test("a `?` covers one character, not a `*`", () => {
    expect(
      widensTo({ ...read, Resource: "arn:aws:s3:::b/a?" }, { ...read, Resource: "arn:aws:s3:::b/a*" }),
    ).toBe(true);
    expect(
      widensTo({ ...read, Resource: "arn:aws:s3:::b/a*" }, { ...read, Resource: "arn:aws:s3:::b/a?" }),
    ).toBe(false);
  });

  test("a Null test's values are ORed: one added loosens it", () => {
    const nul = (v: string[]) => ({ ...read, Condition: { Null: { "aws:TokenIssueTime": v } } });
    expect(widensTo(nul(["true"]), nul(["false", "true"]))).toBe(true);
  });

  test("a rename is followed for whole names only", () => {
    const b = parsePolicy(doc({ ...read, Resource: ["arn:aws:s3:::lake/*", "arn:aws:s3:::lake-logs/*"] }))!;
    const a = parsePolicy(doc({ ...read, Resource: ["arn:aws:s3:::lake-v2/*", "arn:aws:s3:::other/*"] }))!;
    // lake → lake-v2 is followed; lake-logs is not lake, so other/* is new.
    expect(diffPolicies(b, a, [["lake", "lake-v2"]]).some((d) => d.widens)).toBe(true);
    const followed = parsePolicy(
      doc({ ...read, Resource: ["arn:aws:s3:::lake-v2/*", "arn:aws:s3:::lake-logs/*"] }),
    )!;
    expect(diffPolicies(b, followed, [["lake", "lake-v2"]]).some((d) => d.widens)).toBe(false);
  });

  test("a Deny widens what is allowed when it stops covering something", () => {
    const deny = { Sid: "D", Effect: "Deny", Action: ["s3:Delete*"], Resource: "*" };
    expect(widensTo(deny, { ...deny, Action: ["s3:DeleteBucket"] })).toBe(true);
    expect(widensTo({ ...deny, Action: ["s3:DeleteBucket"] }, deny)).toBe(false);
    expect(widensTo(deny, { ...deny, Condition: { Bool: { "aws:SecureTransport": "false" } } })).toBe(true);
  });

  test("a resource added, a principal added, a condition removed: each widens an Allow", () => {
    const withCond = parsePolicy(
      doc({
        Sid: "X",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::1:root" },
        Action: "s3:GetObject",
        Resource: "r1",
        Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } },
      }),
    )!;
    const variants = [
      { Resource: ["r1", "r2"] },
      { Principal: { AWS: ["arn:aws:iam::1:root", "arn:aws:iam::2:root"] } },
      { Condition: undefined },
    ];
    for (const v of variants) {
      const after = parsePolicy(
        doc({
          Sid: "X",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::1:root" },
          Action: "s3:GetObject",
          Resource: "r1",
          Condition: { StringEquals: { "aws:PrincipalOrgID": "o-1" } },
          ...v,
        }),
      )!;
      expect(diffPolicies(withCond, after).some((d) => d.widens)).toBe(true);
    }
  });

  test("narrowing an Allow does not widen; removing a Deny does", () => {
    const two = parsePolicy(
      doc({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "r" }),
    )!;
    const one = parsePolicy(doc({ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: "r" }))!;
    expect(diffPolicies(two, one).some((d) => d.widens)).toBe(false);
    const deny = parsePolicy(
      doc({ Sid: "NoDelete", Effect: "Deny", Action: "s3:DeleteObject", Resource: "r" }),
    )!;
    expect(diffPolicies(deny, []).map((d) => [d.change, d.widens])).toEqual([["removed", true]]);
  });

  test("statements without Sid pair by overlap", () => {
    const b = parsePolicy(doc({ Effect: "Allow", Action: "sqs:SendMessage", Resource: "q" }))!;
    const a = parsePolicy(
      doc({ Effect: "Allow", Action: ["sqs:SendMessage", "sqs:DeleteQueue"], Resource: "q" }),
    )!;
    const diffs = diffPolicies(b, a);
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({
      change: "changed",
      added: { actions: ["sqs:DeleteQueue"] },
      widens: true,
    });
  });
});

describe("rules no fixture covers", () => {
  test("force_destroy false → true, termination_protection off, a shorter KMS window: blocks", () => {
    const r = analyze({
      plan: plan(
        change(
          "aws_s3_bucket.b_1",
          ["update"],
          { bucket: "b", force_destroy: false },
          { bucket: "b", force_destroy: true },
        ),
        change(
          "aws_emr_cluster.c_1",
          ["update"],
          { termination_protection: true },
          { termination_protection: false },
        ),
        change(
          "aws_kms_key.k_1",
          ["update"],
          { deletion_window_in_days: 30 },
          { deletion_window_in_days: 7 },
        ),
      ),
    });
    expect(r.findings.map((f) => `${f.level} ${f.kind} ${f.address}`).sort()).toEqual([
      "block protection-removed aws_emr_cluster.c_1",
      "block protection-removed aws_kms_key.k_1",
      "block protection-removed aws_s3_bucket.b_1",
    ]);
    expect(r.exitCode).toBe(3);
  });

  test("a TLS-only Deny removed from a bucket policy: warn", () => {
    const tls = tlsOnly("TLS", "r");
    const r = analyze({
      plan: plan(change("aws_s3_bucket_policy.p_1", ["update"], { policy: tls }, { policy: doc() })),
    });
    expect(r.findings.map((f) => f.kind).sort()).toEqual(["policy-widened", "tls-only-removed"]);
    expect(r.exitCode).toBe(2);
  });

  test("a plain delete of a stateful resource ranks by what it loses: the lake before a queue", () => {
    const r = analyze({
      plan: plan(
        change("aws_sqs_queue.trigger_queue_1", ["delete"], { name: "q" }, null),
        change(
          "aws_s3_bucket.lake_bucket_7B773D1A",
          ["delete"],
          { bucket: "lake", force_destroy: false },
          null,
        ),
      ),
    });
    expect(r.findings.map((f) => f.address)).toEqual([
      "aws_s3_bucket.lake_bucket_7B773D1A",
      "aws_sqs_queue.trigger_queue_1",
    ]);
    expect(r.findings[0].title).toContain("the data lake");
  });

  test("a replace of something stateless is only counted", () => {
    const r = analyze({
      plan: plan(
        change("aws_security_group_rule.r_1", ["delete", "create"], { type: "egress" }, { type: "egress" }),
      ),
    });
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatchObject({ replace: 1, create: 0, delete: 0 });
    expect(r.exitCode).toBe(0);
  });

  test("without a synth the construct path comes from cdktf's address rule", () => {
    expect(constructFromAddress("aws_s3_bucket.lake_log-bucket_B880C446")).toBe("lake/log-bucket");
  });
});

describe("exit codes and acknowledgements", () => {
  const f = (level: Finding["level"], acknowledged?: string): Finding => ({
    level,
    kind: "stateful-replace",
    address: "a.b",
    title: "t",
    details: [],
    rank: 1,
    ...(acknowledged ? { acknowledged } : {}),
  });
  test.each([
    [[], 0],
    [[f("info")], 0],
    [[f("warn"), f("info")], 2],
    [[f("block"), f("warn")], 3],
    [[f("block", "accepted"), f("warn")], 2],
    [[f("block", "accepted")], 0],
  ] as [Finding[], number][])("%#", (findings, code) => {
    expect(exitCodeOf(findings)).toBe(code);
  });

  test("matching is by address and kind; a mismatch leaves both the finding and a stale warning", () => {
    const acks = parseAcknowledgements(
      { acknowledgements: [{ address: "a.b", kind: "stateful-delete", reason: "r" }] },
      "f",
    );
    const out = applyAcknowledgements([f("block")], acks);
    expect(out.map((x) => `${x.kind}${x.acknowledged ? " acked" : ""}`)).toEqual([
      "stateful-replace",
      "stale-acknowledgement",
    ]);
  });

  test.each([
    [{}, 'expected {"acknowledgements": [...]}'],
    [{ acknowledgements: [{ address: "a", kind: "stateful-delete" }] }, 'needs a non-empty "reason"'],
  ])("bad file %#", (docIn, message) => {
    expect(() => parseAcknowledgements(docIn, "acks.json")).toThrow(message);
  });
});

describe("before → after of a forcing attribute", () => {
  test("short values are shown whole", () => {
    expect(showChange("emr-7.9.0", "emr-7.10.0")).toBe('"emr-7.9.0" → "emr-7.10.0"');
  });
  test("long strings are shown from just before where they differ", () => {
    const common = "x".repeat(200);
    const line = showChange(`${common}-OLD-tail`, `${common}-NEW-tail`);
    expect(line).toContain("-OLD-tail");
    expect(line).toContain("-NEW-tail");
    expect(line.startsWith('"…')).toBe(true);
    expect(line.length).toBeLessThan(200);
  });
});

describe("markdown", () => {
  test("stays under GitHub's comment limit, truncating with counts", () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      change(
        `aws_kinesis_stream.s_${i}`,
        ["update"],
        { encryption_type: "KMS" },
        { encryption_type: "NONE" },
      ),
    );
    const r = analyze({ plan: plan(...many) });
    expect(r.findings).toHaveLength(3000);
    const md = renderMarkdown(r);
    expect(md.length).toBeLessThan(65_536);
    const shown = (md.match(/^- \*\*security-regression\*\*/gm) ?? []).length;
    expect(shown).toBeGreaterThan(100);
    expect(md).toContain(
      `_${3000 - shown} more finding(s) not shown (0 block, ${3000 - shown} warn, 0 info)`,
    );
  });

  test("its header lists (moved, outputs) are bounded too", () => {
    const moved = Array.from({ length: 1500 }, (_, i) =>
      change(
        `aws_sqs_queue.q_${i}_new_name_that_is_long`,
        ["no-op"],
        {},
        {},
        {
          previous_address: `aws_sqs_queue.q_${i}_old_name_that_is_long`,
        },
      ),
    );
    const md = renderMarkdown(analyze({ plan: plan(...moved) }));
    expect(md.length).toBeLessThan(65_536);
    expect(md).toMatch(/`aws_sqs_queue\.q_49_new_name_that_is_long` and 1450 more\n/);
  });
});

describe("a policy known only after apply", () => {
  const grant = (actions: string) =>
    `\${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Sid" = "Objects", "Effect" = "Allow", "Action" = ${actions}, "Resource" = "\${aws_s3_bucket.lake.arn}/scripts*"}, {"Effect" = "Allow", "Action" = "sns:Publish", "Resource" = aws_sns_topic.t.arn}]})}`;
  const synth = (actions: string) => ({
    resource: { aws_iam_role_policy: { grant: { name: "g", policy: grant(actions) } } },
  });

  test("a synthesised jsonencode body reads as its document, bare references as strings", () => {
    const st = parsePolicy(grant('["s3:GetObject"]'))!;
    expect(st.map((x) => [x.sid, x.actions, x.resources])).toEqual([
      ["Objects", ["s3:GetObject"], ["${aws_s3_bucket.lake.arn}/scripts*"]],
      [undefined, ["sns:Publish"], ["${aws_sns_topic.t.arn}"]],
    ]);
  });

  test("a new one is read from the head configuration for its broad grants", () => {
    const rc = change("aws_iam_role_policy.grant", ["create"], null, { name: "g" });
    rc.change.after_unknown = { policy: true };
    const r = analyze({ plan: plan(rc), head: synth('"*"') });
    expect(r.findings.map((f) => [f.kind, f.title, f.details[0]])).toEqual([
      [
        "policy-widened",
        "aws_iam_role_policy.grant: new policy grants broadly",
        'Allow "Objects": any action',
      ],
    ]);
    expect(analyze({ plan: plan(rc), head: synth('["s3:GetObject"]') }).findings).toEqual([]);
  });

  test("unquoted keys read as keys, not as references", () => {
    const st = parsePolicy(
      '${jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "*", Resource = aws_s3_bucket.b.arn}]})}',
    );
    expect(st?.map((x) => [x.actions, x.resources])).toEqual([[["*"], ["${aws_s3_bucket.b.arn}"]]]);
  });

  test("is compared in the base and head configurations", () => {
    const rc = change("aws_iam_role_policy.grant", ["update"], { name: "g", policy: "{}" }, { name: "g" });
    rc.change.after_unknown = { policy: true };
    const r = analyze({ plan: plan(rc), head: synth('"s3:*"'), base: synth('["s3:GetObject"]') });
    expect(r.findings.map((f) => [f.kind, f.details[0]])).toEqual([
      ["policy-widened", 'widens: Allow "Objects" changed: + actions s3:* · − actions s3:GetObject'],
    ]);
    const same = analyze({
      plan: plan(rc),
      head: synth('["s3:GetObject"]'),
      base: synth('["s3:GetObject"]'),
    });
    expect(same.findings).toEqual([]);
  });
});

test("a replace asked for with -replace says so instead of a forcing attribute", () => {
  const rc = change(
    "aws_s3_bucket.b",
    ["delete", "create"],
    { bucket: "lake" },
    { bucket: "lake" },
    {
      action_reason: "replace_by_request",
    },
  );
  const [f] = analyze({ plan: plan(rc) }).findings;
  expect(f.details[0]).toBe(
    "replaced on request (`terraform plan -replace=...`), not by a changed attribute",
  );
});

describe("a destroy", () => {
  const tls = tlsOnly("DenyInsecureTransport", "arn:aws:s3:::lake/*");
  const policy = change("aws_s3_bucket_policy.p", ["delete"], { bucket: "lake", policy: tls }, null);
  test("a bucket policy deleted with its bucket takes no guard away", () => {
    const bucket = change("aws_s3_bucket.b", ["delete"], { bucket: "lake" }, null);
    const kinds = analyze({ plan: plan(policy, bucket) }).findings.map((f) => f.kind);
    expect(kinds).toEqual(["stateful-delete"]);
  });
  test("deleted while its bucket is replaced, it does: the new bucket comes back unguarded", () => {
    const bucket = change("aws_s3_bucket.b", ["delete", "create"], { bucket: "lake" }, { bucket: "lake" });
    const kinds = analyze({ plan: plan(policy, bucket) }).findings.map((f) => f.kind);
    expect(kinds).toContain("tls-only-removed");
  });
  test("deleted while its bucket stays, it does", () => {
    const kinds = analyze({ plan: plan(policy) })
      .findings.map((f) => f.kind)
      .sort();
    expect(kinds).toEqual(["security-regression", "tls-only-removed"]);
  });
});

describe("rename-without-move", () => {
  const bucket = (name: string) => ({ bucket: name, force_destroy: false, tags: { Environment: "dev" } });
  /** The finding kinds of a plan deleting `<type>.old_1` (as `before`) and creating `<type>.new_2` (as `after`). */
  const kindsOf = (type: string, before: Json, after: Json) =>
    analyze({
      plan: plan(
        change(`${type}.old_1`, ["delete"], before, null),
        change(`${type}.new_2`, ["create"], null, after),
      ),
    }).findings.map((f) => f.kind);
  test("pairs a delete with the create of the same name: the construct was renamed", () => {
    expect(kindsOf("aws_s3_bucket", bucket("logs"), bucket("logs"))).toEqual(["rename-without-move"]);
  });
  test("not an attachment of another policy to the same role", () => {
    const att = (arn: string) => ({ role: "r", policy_arn: arn });
    const kinds = kindsOf(
      "aws_iam_role_policy_attachment",
      att("arn:aws:iam::aws:policy/A"),
      att("arn:aws:iam::aws:policy/B"),
    );
    expect(kinds).not.toContain("rename-without-move");
  });
  test("not with the create of another bucket: that delete is a delete", () => {
    expect(kindsOf("aws_s3_bucket", bucket("logs"), bucket("partner-exports"))).toEqual(["stateful-delete"]);
  });
});

describe("values known only after apply", () => {
  const key = { kms_master_key_id: "arn:aws:kms:eu-west-1:1:key/old", name: "q" };
  test("are not removed: a queue whose key is replaced keeps its encryption", () => {
    const rc = change("aws_sqs_queue.q", ["update"], key, { name: "q" }, {});
    rc.change.after_unknown = { kms_master_key_id: true };
    expect(analyze({ plan: plan(rc) }).findings).toEqual([]);
  });
  test("a value really removed still is", () => {
    const rc = change("aws_sqs_queue.q", ["update"], key, { name: "q", kms_master_key_id: null });
    expect(analyze({ plan: plan(rc) }).findings.map((f) => f.kind)).toEqual(["security-regression"]);
  });
});

describe("summary", () => {
  test("a resource forgotten (a removed block) is counted as such, not as unchanged", () => {
    const r = analyze({
      plan: plan(
        change("aws_glue_catalog_table.t", ["forget"], { name: "t" }, null),
        change("aws_sqs_queue.q", ["no-op"], {}, {}),
      ),
    });
    expect(r.summary).toMatchObject({ forget: 1, noop: 1, delete: 0 });
    expect(renderMarkdown(r)).toContain("1 to forget (removed from state, not destroyed)");
  });
});
