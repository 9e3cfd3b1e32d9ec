/**
 * plan-review on saved plans that terraform 1.11 and the hashicorp/aws 5.100.0 provider produced
 * (test/fixtures/plans/, made by scripts/make-plan-fixtures.ts): one change per fixture, each
 * asserting the level, the exit code and the rendered text of what that change must report.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../scripts/plan-review/cli";
import { Report } from "../scripts/plan-review/types";

const PLANS = join(__dirname, "fixtures", "plans");
const ROOT = join(__dirname, "..");

interface Result {
  code: number;
  out: string;
  err: string;
}

function review(args: string[]): Result {
  let out = "";
  let err = "";
  const code = run(
    args,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

/** Reviews fixture `name` with its head synth and its stack's base synth. */
function fixture(name: string, extra: string[] = [], base = true): Result & { report: Report } {
  const stack = name.startsWith("prod-") ? "pipeline-prod" : "pipeline-dev";
  const args = [
    join(PLANS, name, "plan.json"),
    "--synth",
    join(PLANS, name, "synth"),
    ...(base ? ["--base-synth", join(PLANS, "_base", stack)] : []),
    ...extra,
  ];
  const text = review(args);
  const json = review([...args, "--format", "json"]);
  expect(json.code).toBe(text.code);
  return { ...text, report: (json.out ? JSON.parse(json.out) : undefined) as Report };
}

const open = (r: Report) => r.findings.filter((f) => !f.acknowledged);
const levels = (r: Report) => open(r).map((f) => `${f.level} ${f.kind}`);

describe("fixture plans", () => {
  test("no-op plan: nothing to report, exit 0", () => {
    const r = fixture("noop");
    expect(r.code).toBe(0);
    expect(r.report.findings).toEqual([]);
    expect(r.report.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0, noop: 131 });
    expect(r.out).toContain("131 unchanged");
    expect(r.out).toContain("nothing to report");
  });

  test("lake bucket renamed: block, the bucket first, with the forcing name and what it drags", () => {
    const r = fixture("lake-bucket-renamed");
    expect(r.code).toBe(3);
    const [first, second] = open(r.report);
    expect(first).toMatchObject({
      level: "block",
      kind: "stateful-replace",
      construct: "pipeline-dev/lake/bucket",
    });
    expect(first.address).toMatch(/^aws_s3_bucket\.lake_bucket_/);
    // the EMR cluster is replaced too (its log URI is in the bucket), ranked after the lake
    expect(second).toMatchObject({
      level: "block",
      kind: "stateful-replace",
      construct: "pipeline-dev/spark/cluster",
    });
    expect(r.out).toContain(
      'forced by bucket: "bdp-dev-lake-111111111111-eu-west-1" → "bdp-dev-datalake-111111111111-eu-west-1"',
    );
    expect(r.out).toMatch(
      /drags along \d+ replace\(s\): .*aws_s3_bucket_versioning\.lake_bucket-versioning_/,
    );
    expect(r.out).toMatch(
      /drags along .*aws_s3_bucket_server_side_encryption_configuration\.lake_bucket-encryption_/,
    );
    expect(r.out).toContain("force_destroy is true");
    // the grants now name the new bucket instead of the old: a substitution, not a widening
    expect(levels(r.report).filter((l) => l.endsWith("policy-widened"))).toEqual([]);
    expect(r.report.summary.replace).toBeGreaterThanOrEqual(9);
  });

  test("versioning suspended: warn, exit 2", () => {
    const r = fixture("versioning-suspended");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn security-regression"]);
    expect(r.out).toContain('versioning "Enabled" → "Suspended"');
    expect(r.out).toContain("pipeline-dev/lake/bucket-versioning");
  });

  test("SSE aws:kms → AES256: warn", () => {
    const r = fixture("sse-downgraded");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn security-regression"]);
    expect(r.out).toContain('default encryption "aws:kms" → "AES256"');
  });

  test("public access opened: warn naming all four flags", () => {
    const r = fixture("public-access-opened");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn security-regression"]);
    for (const flag of [
      "block_public_acls",
      "block_public_policy",
      "ignore_public_acls",
      "restrict_public_buckets",
    ])
      expect(r.out).toContain(`${flag} true → false`);
  });

  test("Kinesis encryption off: warn", () => {
    const r = fixture("kinesis-encryption-off");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn security-regression"]);
    expect(r.out).toContain('encryption_type "KMS" → "NONE"');
  });

  test("KMS rotation off: warn on the lake key", () => {
    const r = fixture("kms-rotation-off");
    expect(r.code).toBe(2);
    expect(open(r.report)).toEqual([
      expect.objectContaining({
        level: "warn",
        kind: "security-regression",
        construct: "pipeline-dev/lake/kms/key",
      }),
    ]);
    expect(r.out).toContain("enable_key_rotation true → false");
  });

  test("EMR release label: block replace, forced by release_label, dragging the task group and scaling", () => {
    const r = fixture("emr-release-label");
    expect(r.code).toBe(3);
    expect(levels(r.report)).toEqual(["block stateful-replace"]);
    expect(r.out).toContain('forced by release_label: "emr-7.9.0" → "emr-7.10.0"');
    expect(r.out).toMatch(
      /drags along 2 replace\(s\): aws_emr_instance_group\.spark_task-group_\w+, aws_emr_managed_scaling_policy\.spark_managed-scaling_\w+/,
    );
    expect(r.out).toMatch(/and \d+ update\(s\): .*aws_cloudwatch_metric_alarm\./);
  });

  test("construct renamed without a moved block: block with the moveFromId fix", () => {
    const r = fixture("construct-renamed");
    expect(r.code).toBe(3);
    expect(levels(r.report)).toEqual(["block rename-without-move"]);
    expect(r.out).toContain('.moveFromId("aws_s3_bucket.lake_log-bucket_B880C446");');
    expect(r.out).toContain("pipeline-dev/lake/access-log-bucket");
    expect(r.out).toMatch(/drags along \d+ replace\(s\): .*lake_log-bucket-versioning_/);
  });

  test("the same rename with a moved block: no finding, shown as a move, exit 0", () => {
    const r = fixture("construct-renamed-moved");
    expect(r.code).toBe(0);
    expect(r.report.findings).toEqual([]);
    expect(r.report.summary.moved).toEqual([
      {
        from: "aws_s3_bucket.lake_log-bucket_B880C446",
        to: expect.stringMatching(/^aws_s3_bucket\.lake_access-log-bucket_/),
      },
    ]);
    expect(r.out).toMatch(
      /moved: aws_s3_bucket\.lake_log-bucket_B880C446 → aws_s3_bucket\.lake_access-log-bucket_\w+/,
    );
  });

  test("IAM statement widened to s3:*: warn with the statement diff", () => {
    const r = fixture("iam-widened");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn policy-widened"]);
    expect(r.out).toContain(
      'Allow "Objects" changed: + actions s3:* · − actions s3:GetObject, s3:GetObjectVersion',
    );
  });

  test("ingress from 0.0.0.0/0: warn naming the group", () => {
    const r = fixture("ingress-open");
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn ingress-widened"]);
    expect(r.out).toContain("ingress opened to 0.0.0.0/0 on tcp/22");
    expect(r.out).toContain("pipeline-dev/spark/master-sg");
  });

  test("prod prevent_destroy removed: a block only the synth can show", () => {
    const r = fixture("prod-prevent-destroy-removed");
    expect(r.code).toBe(3);
    expect(open(r.report)).toEqual([
      expect.objectContaining({
        level: "block",
        kind: "protection-removed",
        construct: "pipeline-prod/lake/bucket",
      }),
    ]);
    expect(r.out).toContain("lifecycle.prevent_destroy removed");
    // the plan itself is a no-op: without the base synth there is nothing to see
    expect(fixture("prod-prevent-destroy-removed", [], false).code).toBe(0);
  });

  test("prod lake renamed under prevent_destroy: the errored plan is a block, and says why", () => {
    const r = fixture("prod-lake-bucket-renamed");
    expect(r.code).toBe(3);
    expect(r.report.errored).toBe(true);
    expect(levels(r.report).slice(0, 2)).toEqual(["block plan-errored", "block stateful-replace"]);
    expect(r.out).toMatch(/lifecycle\.prevent_destroy, which terraform refuses: aws_s3_bucket\.lake_bucket_/);
    expect(r.out).toContain("force_destroy is false");
  });

  test("drift: the auto-terminated cluster is expected, out-of-band edits are not", () => {
    const r = fixture("drift", ["--drift"], false);
    expect(r.report.mode).toBe("drift");
    const cluster = r.report.findings.find((f) => f.address.startsWith("aws_emr_cluster."));
    expect(cluster).toMatchObject({ level: "info", kind: "drift-expected" });
    expect(r.out).toContain("the EMR cluster auto-terminated when idle");
    const unexpected = open(r.report).filter((f) => f.kind === "drift-unexpected");
    expect(unexpected.map((f) => f.address.split(".")[0]).sort()).toEqual([
      "aws_s3_bucket_policy",
      "aws_s3_bucket_server_side_encryption_configuration",
    ]);
    expect(unexpected.every((f) => f.level === "warn")).toBe(true);
    expect(r.out).toContain('default encryption "aws:kms" → "AES256"');
    expect(r.out).toMatch(/Allow "PartnerRead" added: \+ actions s3:GetObject/);
    expect(r.code).toBe(2);
    expect(r.err).toBe("");
  });

  test("the same plan without --drift passes, with a note that it records drift, in every format", () => {
    const r = fixture("drift", [], false);
    expect(r.code).toBe(0);
    const note =
      "the plan records 4 resource(s) changed outside Terraform (resource_drift); --drift reviews them";
    expect(r.report.notes).toEqual([note]);
    expect(r.out).toContain(`note: ${note}\n`);
    expect(r.err).toBe("");
    // The PR comment carries it: the reviewer reads the comment, not the CI log.
    const md = review([join(PLANS, "drift", "plan.json"), "--format", "markdown"]);
    expect(md.out).toContain(`> **Note:** ${note}`);
  });

  test("--drift on a clean refresh-only plan (no resource_drift, no changes) has nothing to say", () => {
    const clean = planFile({ format_version: "1.2", terraform_version: "1.11.4", resource_changes: [] });
    const r = review([clean, "--drift", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).notes).toEqual([]);
  });

  test("--drift on a plan that also changes resources reviews those changes too, never drops them", () => {
    const plain = fixture("lake-bucket-renamed");
    const r = fixture("lake-bucket-renamed", ["--drift"]);
    expect(r.code).toBe(3);
    expect(levels(r.report)).toEqual(levels(plain.report));
    expect(r.report.notes).toEqual([
      "--drift on a plan without resource_drift (make it with `terraform plan -refresh-only`)",
      expect.stringMatching(
        /^the plan also changes 38 resource\(s\) \(0 create, 24 update, 14 replace, 0 delete\): their findings are included/,
      ),
    ]);
  });
});

describe("checkov", () => {
  const reports = ["--checkov", join(PLANS, "public-access-opened", "checkov.json")];
  const base = ["--base-checkov", join(PLANS, "_base", "pipeline-dev", "checkov.json")];

  test("failures new against the base are info, on the addresses the synth names", () => {
    const r = fixture("public-access-opened", [...reports, ...base]);
    const fresh = r.report.findings.filter((f) => f.kind === "checkov-new");
    // the four public-access flags and the bucket-level public-access check; the Lambda findings
    // the base already has are not new
    expect(fresh.map((f) => f.level)).toEqual(["info", "info", "info", "info", "info"]);
    const addresses = fresh.map((f) => f.address).sort();
    expect(
      addresses.filter((a) => /^aws_s3_bucket_public_access_block\.lake_bucket-public-access_/.test(a)),
    ).toHaveLength(4);
    expect(addresses.filter((a) => /^aws_s3_bucket\.lake_bucket_/.test(a))).toHaveLength(1);
    expect(fresh.some((f) => f.address.startsWith("aws_lambda_function."))).toBe(false);
    expect(r.out).toMatch(
      /checkov CKV_AWS_53 fails, new against the base: Ensure S3 bucket has block public ACLS enabled/,
    );
    expect(r.code).toBe(2); // the warning of the regression itself; checkov adds info only
  });

  test("without the base every failure is listed", () => {
    const r = fixture("public-access-opened", reports);
    const fresh = r.report.findings.filter((f) => f.kind === "checkov-new");
    expect(fresh.length).toBe(13);
    expect(r.out).not.toContain("new against the base");
  });

  test("a file that is not a checkov report is an input error", () => {
    const r = fixture("noop", ["--checkov", join(PLANS, "noop", "plan.json")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a checkov JSON report/);
    expect(fixture("noop", base).code).toBe(1);
  });
});

describe("acknowledgements", () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-review-ack-"));
  const ackFile = (acks: unknown[]) => {
    const f = join(dir, `acks-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify({ acknowledgements: acks }));
    return f;
  };

  test("an acknowledged block no longer fails; the finding is still shown with the reason", () => {
    const plan = JSON.parse(readFileSync(join(PLANS, "emr-release-label", "plan.json"), "utf8")) as {
      resource_changes: { address: string; type: string }[];
    };
    const cluster = plan.resource_changes.find((rc) => rc.type === "aws_emr_cluster")!.address;
    const f = ackFile([
      { address: cluster, kind: "stateful-replace", reason: "EMR upgrade, no steps queued" },
    ]);
    const r = fixture("emr-release-label", ["--ack", f]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("[acknowledged: EMR upgrade, no steps queued]");
  });

  test("an acknowledgement that matches nothing is stale: a warning", () => {
    const f = ackFile([{ address: "aws_s3_bucket.gone_12345678", kind: "stateful-delete", reason: "old" }]);
    const r = fixture("noop", ["--ack", f]);
    expect(r.code).toBe(2);
    expect(levels(r.report)).toEqual(["warn stale-acknowledgement"]);
    expect(r.out).toContain(
      "stale acknowledgement: no stateful-delete finding on aws_s3_bucket.gone_12345678",
    );
  });

  test("a malformed acknowledgements file is an input error: exit 1, one line", () => {
    const f = ackFile([{ address: "x", kind: "no-such-kind", reason: "r" }]);
    const r = fixture("noop", ["--ack", f]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain('unknown kind "no-such-kind"');
  });
});

/** A plan file with this content, in a scratch directory. */
function planFile(doc: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), "pr-plan-")), "plan.json");
  writeFileSync(f, JSON.stringify(doc));
  return f;
}

test("--help: whole example lines that fit 80 columns, and the exit codes", () => {
  const main = join(__dirname, "..", "scripts", "plan-review", "main.ts");
  const r = spawnSync(process.execPath, ["--import", "tsx", main, "--help"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  const epilogue = lines.slice(lines.indexOf("Examples:"));
  expect(epilogue.filter((l) => l.length > 80)).toEqual([]);
  expect(epilogue.join("\n")).toMatch(
    /Exit codes: 0 nothing to report · 2 warnings only · 3 an unacknowledged block\n\s+1 a usage or input error/,
  );
});

describe("usage and input errors: exit 1, one line, no stack trace", () => {
  const plan = join(PLANS, "noop", "plan.json");
  test.each([
    ["no plan", [], /^plan-review: name the plan: plan-review PLAN_JSON \[options\]/],
    ["unknown flag", [plan, "--bogus"], /^plan-review: unknown option --bogus \(see --help\)$/],
    [
      "an unknown flag before the plan",
      ["--json", plan],
      /^plan-review: unknown option --json \(see --help\)$/,
    ],
    [
      "bad format",
      [plan, "--format", "yaml"],
      /^plan-review: --format must be one of "markdown", "json", "text", got "yaml"$/,
    ],
    ["missing plan", ["/nonexistent/plan.json"], /does not exist/],
    ["state, not plan", [join(PLANS, "_base", "pipeline-dev", "cdk.tf.json")], /not a saved plan's JSON/],
    ["synth dir without cdk.tf.json", [plan, "--synth", PLANS], /has no cdk\.tf\.json/],
    [
      "a plan format this does not read",
      [planFile({ format_version: "2.0", resource_changes: [] })],
      /format_version "2\.0" is not one plan-review reads \(1\.x\)$/,
    ],
    [
      "a change without actions, named",
      [planFile({ format_version: "1.2", resource_changes: [{ address: "aws_sqs_queue.q", change: {} }] })],
      /resource_changes\[0\] \(aws_sqs_queue\.q\) has no change\.actions: not `terraform show -json` output$/,
    ],
    // An unset variable in a CI script must not switch a check off.
    ["an empty --base-synth", [plan, "--base-synth", ""], /^plan-review: --base-synth needs a value$/],
    ["a trailing --synth", [plan, "--synth"], /^plan-review: --synth needs a value$/],
    ["--ack followed by a flag", [plan, "--ack", "--drift"], /^plan-review: --ack needs a value$/],
    ["an empty --checkov=", [plan, "--checkov="], /^plan-review: --checkov needs a value$/],
    ["a bare --format", [plan, "--format"], /^plan-review: --format needs a value$/],
    [
      "--drift=maybe",
      [plan, "--drift=maybe"],
      /^plan-review: --drift takes no value \(or true\/false\), got "maybe"$/,
    ],
  ])("%s", (_name, args, message) => {
    const r = review(args as string[]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const lines = r.err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^plan-review: /);
    expect(lines[0]).toMatch(message as RegExp);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test("options in yargs' camelCase spelling are options too", () => {
    const r = review([join(PLANS, "noop", "plan.json"), "--baseSynth", join(PLANS, "_base", "pipeline-dev")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  test("a synth of another environment than the plan's is refused: the addresses match, the stacks do not", () => {
    const prodPlan = join(PLANS, "prod-lake-bucket-renamed", "plan.json");
    const devSynth = join(PLANS, "lake-bucket-renamed", "synth");
    const r = review([prodPlan, "--synth", devSynth]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "plan-review: --synth is the dev stack's synth, but the plan's resources are tagged Environment=prod: review a plan with its own stack's synth\n",
    );
    const base = review(
      [prodPlan, "--synth", join(PLANS, "prod-lake-bucket-renamed", "synth")].concat([
        "--base-synth",
        join(PLANS, "_base", "pipeline-dev"),
      ]),
    );
    expect(base.code).toBe(1);
    expect(base.err).toMatch(
      /^plan-review: --base-synth is the dev stack's synth, but the plan's resources are tagged Environment=prod/,
    );
    // The plan's own stack's synths pass.
    expect(fixture("prod-lake-bucket-renamed").code).not.toBe(1);
  });

  test("a binary plan file is refused with the command that makes the JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-review-bin-"));
    const f = join(dir, "plan.bin");
    writeFileSync(f, Buffer.from([0x50, 0x4b, 3, 4, 0, 0]));
    const r = review([f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("terraform show -json");
  });
});

describe("the package bin", () => {
  test("bin/plan-review.js runs and sets the exit code", () => {
    const ok = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "plan-review.js"), join(PLANS, "noop", "plan.json")],
      {
        encoding: "utf8",
      },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("nothing to report");
    const bad = spawnSync(process.execPath, [join(ROOT, "bin", "plan-review.js"), "/nonexistent.json"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/plan-review: plan \/nonexistent\.json does not exist/);
  });

  test("piped into a reader that stops early (| head): no EPIPE stack trace, the exit code stands", () => {
    const bin = join(ROOT, "bin", "plan-review.js");
    // A report far larger than a pipe's buffer, so the writes after the reader left fail.
    const streams = Array.from({ length: 5000 }, (_, i) => ({
      address: `aws_kinesis_stream.s_${i}`,
      type: "aws_kinesis_stream",
      name: `s_${i}`,
      mode: "managed",
      change: { actions: ["update"], before: { encryption_type: "KMS" }, after: { encryption_type: "NONE" } },
    }));
    const plan = planFile({ format_version: "1.2", resource_changes: streams });
    const r = spawnSync(
      "bash",
      ["-c", `node "${bin}" "${plan}" | head -1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`],
      {
        encoding: "utf8",
      },
    );
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(r.stdout.trim()).toBe("rc=2");
  });

  test("the markdown of the largest fixture is a valid comment body", () => {
    const res = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin", "plan-review.js"),
        join(PLANS, "lake-bucket-renamed", "plan.json"),
        "--synth",
        join(PLANS, "lake-bucket-renamed", "synth"),
        "--format",
        "markdown",
      ],
      { encoding: "utf8" },
    );
    expect(res.status).toBe(3);
    const out = res.stdout;
    expect(out).toMatch(/^### plan-review: 2 block, 0 warn/);
    expect(out).toContain("#### Block (2)");
    expect(out.length).toBeLessThan(65_536);
  });
});
