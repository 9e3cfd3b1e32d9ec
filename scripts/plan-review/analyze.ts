/**
 * The analysis: a saved plan's JSON joined with the synthesised configuration (head, and base when
 * given) → findings. Pure: no files, no process, no rendering.
 */
import { costFigures, StackJson } from "../synth-summary";
import { applyAcknowledgements, Acknowledgement } from "./ack";
import { CheckovFailure, newFailures } from "./checkov";
import { broadGrants, broadManagedPolicy, describeDiff, diffPolicies, parsePolicy } from "./policy";
import {
  at,
  GUARD_TYPES,
  ingressOpened,
  knownOrAsBefore,
  listed,
  POLICY_ATTRIBUTES,
  protectionsRemoved,
  securityRegressions,
  show,
  showChange,
  stateful,
  tlsOnlyRemoved,
  unknownAt,
} from "./rules";
import { constructFromAddress, indexSynth, SynthIndex, transitiveDependents } from "./synth";
import {
  Finding,
  Json,
  JsonObject,
  Level,
  PlanJson,
  Report,
  ResourceChange,
  Summary,
  SynthJson,
} from "./types";

export interface AnalyzeInput {
  plan: PlanJson;
  head?: SynthJson;
  base?: SynthJson;
  drift?: boolean;
  acknowledgements?: Acknowledgement[];
  /** checkov's failed checks on the head synth and, to report only new ones, on the base */
  checkov?: { head: CheckovFailure[]; base?: CheckovFailure[] };
}

const LEVEL_ORDER: Record<Level, number> = { block: 0, warn: 1, info: 2 };

const isReplace = (a: string[]) => a.includes("delete") && a.includes("create");
const isDeleteOnly = (a: string[]) => a.length === 1 && a[0] === "delete";

/** Counts of the plan's changes (with --drift: of resource_drift, what changed outside Terraform). */
export function summarize(plan: PlanJson, drift = false): Summary {
  const s: Summary = {
    create: 0,
    update: 0,
    replace: 0,
    delete: 0,
    noop: 0,
    read: 0,
    forget: 0,
    moved: [],
    outputs: [],
  };
  for (const rc of (drift ? plan.resource_drift : plan.resource_changes) ?? []) {
    const a = rc.change.actions;
    if (isReplace(a)) s.replace++;
    else if (a.includes("create")) s.create++;
    else if (a.includes("update")) s.update++;
    else if (a.includes("delete")) s.delete++;
    else if (a.includes("read")) s.read++;
    else if (a.includes("forget")) s.forget++;
    else s.noop++;
    if (rc.previous_address && rc.previous_address !== rc.address)
      s.moved.push({ from: rc.previous_address, to: rc.address });
  }
  for (const [name, o] of Object.entries(plan.output_changes ?? {}))
    if (o.actions.join() !== "no-op") s.outputs.push(name);
  return s;
}

class Context {
  readonly head?: SynthIndex;
  readonly base?: SynthIndex;
  readonly changes: ResourceChange[];
  readonly byAddress: Map<string, ResourceChange>;
  constructor(readonly input: AnalyzeInput) {
    this.head = input.head ? indexSynth(input.head) : undefined;
    this.base = input.base ? indexSynth(input.base) : undefined;
    this.changes = (input.plan.resource_changes ?? []).filter((rc) => (rc.mode ?? "managed") === "managed");
    this.byAddress = new Map(this.changes.map((rc) => [rc.address, rc]));
    this.renamedValues = renamedValues(this.changes);
  }

  /** Names this plan changes by replacing their resource (a bucket's old name → its new one). */
  readonly renamedValues: [string, string][];

  construct(address: string): string | undefined {
    return this.head?.resources.get(address)?.construct ?? this.base?.resources.get(address)?.construct;
  }

  finding(
    level: Level,
    kind: Finding["kind"],
    address: string,
    title: string,
    details: string[],
    rank = 100,
  ): Finding {
    const construct = this.construct(address);
    return { level, kind, address, ...(construct ? { construct } : {}), title, details, rank };
  }

  /**
   * One finding for the reasons a change to `address` is a risk, none when there are none: the
   * first reason is its title, the others its details.
   */
  reasonsFinding(
    level: Level,
    kind: Finding["kind"],
    address: string,
    reasons: string[],
    rank?: number,
  ): Finding[] {
    if (reasons.length === 0) return [];
    return [this.finding(level, kind, address, `${address}: ${reasons[0]}`, reasons.slice(1), rank)];
  }

  /** checkov's terraform_json runner names a resource `resource.<name>`: the address, from the synth. */
  checkovAddress(resource: string): string {
    if (!resource.startsWith("resource.")) return resource;
    const name = resource.slice("resource.".length);
    for (const a of this.head?.resources.keys() ?? []) if (a.slice(a.indexOf(".") + 1) === name) return a;
    return resource;
  }

  /** Names the security group a rule belongs to by its address and construct, from the synth. */
  securityGroup(rc: ResourceChange): string {
    const ref = String(this.head?.resources.get(rc.address)?.body.security_group_id ?? "");
    const m = /^\$\{(aws_security_group\.[A-Za-z0-9_-]+)\.id\}$/.exec(ref);
    if (m) return `on security group ${m[1]}${this.construct(m[1]) ? ` (${this.construct(m[1])})` : ""}`;
    const id = at(rc.change.after, ["security_group_id"]) ?? at(rc.change.after, ["id"]);
    return `on security group ${show(id)}`;
  }

  /** What else this plan changes because it references the replaced/deleted resource. */
  dragged(address: string): string[] {
    if (!this.head) return ["dependents not known: pass --synth to see what this drags along"];
    const deps = [...transitiveDependents(this.head, address)]
      .map((d) => this.byAddress.get(d))
      .filter((rc): rc is ResourceChange => !!rc && rc.change.actions.join() !== "no-op")
      .sort((x, y) => x.address.localeCompare(y.address));
    const replaced = deps.filter((rc) => isReplace(rc.change.actions)).map((rc) => rc.address);
    const updated = deps.filter((rc) => rc.change.actions.join() === "update").map((rc) => rc.address);
    const lines: string[] = [];
    if (replaced.length) lines.push(`drags along ${replaced.length} replace(s): ${listed(replaced)}`);
    if (updated.length) lines.push(`and ${updated.length} update(s): ${listed(updated)}`);
    return lines;
  }
}

/**
 * The string attributes that force a replace, before → after (a bucket's or a role's name): a
 * policy that swaps the old name for the new one follows the resource, it does not widen.
 */
function renamedValues(changes: ResourceChange[]): [string, string][] {
  const out: [string, string][] = [];
  for (const rc of changes) {
    if (!isReplace(rc.change.actions)) continue;
    for (const p of rc.change.replace_paths ?? []) {
      const [b, a] = [at(rc.change.before, p), at(rc.change.after, p)];
      if (typeof b === "string" && typeof a === "string" && b.length >= 3 && a !== b) out.push([b, a]);
    }
  }
  return out;
}

/** The forcing attributes of a replace, before → after. */
function forcedBy(rc: ResourceChange): string[] {
  const paths = rc.change.replace_paths ?? [];
  if (rc.action_reason === "replace_by_request")
    return ["replaced on request (`terraform plan -replace=...`), not by a changed attribute"];
  return paths.map((p) => {
    const name = p.map(String).join(".");
    if (unknownAt(rc.change.after_unknown, p))
      return `forced by ${name}: ${show(at(rc.change.before, p))} → (known after apply)`;
    return `forced by ${name}: ${showChange(at(rc.change.before, p), at(rc.change.after, p))}`;
  });
}

/** Construct-path similarity of two addresses, for pairing a delete with a create. */
function similarity(a: JsonObject, b: JsonObject): number {
  const keys = Object.keys(a).filter((k) => !["id", "arn", "tags_all", "timeouts"].includes(k));
  if (keys.length === 0) return 0;
  const same = keys.filter((k) => k in b && JSON.stringify(a[k]) === JSON.stringify(b[k])).length;
  return same / keys.length;
}

/** The attributes that name a resource in AWS: a renamed construct keeps them, another resource does not. */
const NAME_KEYS = [
  "bucket",
  "key",
  "name",
  "function_name",
  "role",
  "policy_arn",
  "alias",
  "cluster_identifier",
  "stream_name",
];

function namesDiffer(a: JsonObject, b: JsonObject): boolean {
  return NAME_KEYS.some((k) => typeof a[k] === "string" && typeof b[k] === "string" && a[k] !== b[k]);
}

/** Deletes paired with creates of the same type: a renamed or moved construct without a `moved` block. */
function renames(ctx: Context): Map<string, string> {
  const pairs = new Map<string, string>();
  const deletes = ctx.changes.filter(
    (rc) => isDeleteOnly(rc.change.actions) && rc.action_reason !== "delete_because_count_index",
  );
  const creates = ctx.changes.filter((rc) => rc.change.actions.join() === "create");
  const taken = new Set<string>();
  for (const d of deletes) {
    // A create naming another bucket, role, queue... is another resource, whatever else it shares.
    const candidates = creates.filter(
      (c) =>
        c.type === d.type &&
        !taken.has(c.address) &&
        !namesDiffer((d.change.before ?? {}) as JsonObject, (c.change.after ?? {}) as JsonObject),
    );
    let best: ResourceChange | undefined;
    let bestScore = 0;
    for (const c of candidates) {
      const s = similarity((d.change.before ?? {}) as JsonObject, (c.change.after ?? {}) as JsonObject);
      if (s > bestScore) {
        best = c;
        bestScore = s;
      }
    }
    if (best && (bestScore >= 0.5 || candidates.length === 1)) {
      pairs.set(d.address, best.address);
      taken.add(best.address);
    }
  }
  return pairs;
}

/** Identity policies (what a principal may do); the other policy attributes are resource or trust policies. */
const IDENTITY_POLICIES = new Set([
  "aws_iam_role_policy",
  "aws_iam_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
]);
/** Resources that attach a policy by ARN (`policy_arn`), and the role's own list of them. */
const ATTACHMENTS: Record<string, string> = {
  aws_iam_role_policy_attachment: "policy_arn",
  aws_iam_user_policy_attachment: "policy_arn",
  aws_iam_group_policy_attachment: "policy_arn",
  aws_iam_policy_attachment: "policy_arn",
  aws_iam_role: "managed_policy_arns",
};

/** A created or changed attachment of a broad AWS-managed policy (AdministratorAccess, *FullAccess, ...). */
function attachmentFindings(ctx: Context, rc: ResourceChange): Finding[] {
  const attr = ATTACHMENTS[rc.type];
  if (!attr || isDeleteOnly(rc.change.actions)) return [];
  const arns = (v: Json | undefined) =>
    (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(String);
  const before = arns(at(rc.change.before, [attr]));
  const added = arns(at(rc.change.after, [attr])).filter((a) => !before.includes(a));
  const broad = added.filter((a) => broadManagedPolicy(a));
  if (broad.length === 0) return [];
  return [
    ctx.finding(
      "warn",
      "policy-widened",
      rc.address,
      `${rc.address}: attaches ${broad.map((a) => broadManagedPolicy(a)).join(", ")}`,
      broad.map((a) => `${attr} + ${a}`),
    ),
  ];
}

function policyFindings(ctx: Context, rc: ResourceChange): Finding[] {
  const out: Finding[] = attachmentFindings(ctx, rc);
  for (const attr of POLICY_ATTRIBUTES[rc.type] ?? []) {
    const before = at(rc.change.before, [attr]);
    let after = at(rc.change.after, [attr]);
    let source = "plan";
    if (unknownAt(rc.change.after_unknown, [attr])) {
      // Known only after apply (it interpolates another resource): compare the configurations.
      const h = ctx.head?.resources.get(rc.address)?.body[attr];
      const b = ctx.base?.resources.get(rc.address)?.body[attr];
      if (h === undefined) continue;
      // A new policy has no base to compare with: its broad grants are read from the head.
      if (before === null || before === undefined) {
        pushDiff(ctx, rc, attr, null, h, "synth", out);
        continue;
      }
      if (b === undefined) continue;
      after = h;
      source = "synth";
      if (tlsOnlyRemoved(b, h)) out.push(tlsFinding(ctx, rc, attr));
      pushDiff(ctx, rc, attr, b, h, source, out);
      continue;
    }
    if (isDeleteOnly(rc.change.actions)) after = null;
    // A bucket policy deleted with its bucket guards nothing any more.
    const withItsBucket =
      isDeleteOnly(rc.change.actions) &&
      rc.type === "aws_s3_bucket_policy" &&
      bucketDeleted(ctx, at(rc.change.before, ["bucket"]));
    if (!withItsBucket && tlsOnlyRemoved(before, after)) out.push(tlsFinding(ctx, rc, attr));
    pushDiff(ctx, rc, attr, before, after, source, out);
  }
  return out;
}

/** Whether the plan deletes the bucket named `bucket` for good (a replace brings it back, unguarded). */
function bucketDeleted(ctx: Context, bucket: Json | undefined): boolean {
  return ctx.changes.some(
    (o) =>
      o.type === "aws_s3_bucket" &&
      isDeleteOnly(o.change.actions) &&
      at(o.change.before, ["bucket"]) === bucket,
  );
}

function tlsFinding(ctx: Context, rc: ResourceChange, attr: string): Finding {
  return ctx.finding(
    "warn",
    "tls-only-removed",
    rc.address,
    `${rc.address}: the deny-unless-TLS statement is removed`,
    [`${attr} no longer denies requests with aws:SecureTransport = false`],
  );
}

function pushDiff(
  ctx: Context,
  rc: ResourceChange,
  attr: string,
  before: Json | undefined,
  after: Json | undefined,
  source: string,
  out: Finding[],
): void {
  if (isDeleteOnly(rc.change.actions)) return;
  if (before === null || before === undefined) {
    // A new policy (or one the resource had none of): nothing to widen from, its broad grants shown.
    const a = parsePolicy(after);
    const broad = a ? broadGrants(a, IDENTITY_POLICIES.has(rc.type)) : [];
    if (broad.length)
      out.push(
        ctx.finding("warn", "policy-widened", rc.address, `${rc.address}: new ${attr} grants broadly`, [
          ...broad,
          ...(source === "synth" ? ["(after is known only at apply: read from the head configuration)"] : []),
        ]),
      );
    return;
  }
  const b = parsePolicy(before);
  const a = parsePolicy(after);
  if (!b || !a) return;
  const diffs = diffPolicies(b, a, ctx.renamedValues);
  if (!diffs.some((d) => d.widens)) return;
  out.push(
    ctx.finding("warn", "policy-widened", rc.address, `${rc.address}: ${attr} widens`, [
      ...diffs.map((d) => `${d.widens ? "widens: " : ""}${describeDiff(d)}`),
      ...(source === "synth"
        ? ["(after is known only at apply: compared the base and head configurations)"]
        : []),
    ]),
  );
}

function planFindings(ctx: Context): Finding[] {
  const findings: Finding[] = [];
  const { plan } = ctx.input;
  const renamed = renames(ctx);
  const renamedTo = new Set(renamed.values());

  if (plan.errored) {
    const refused = [...(ctx.head?.resources.values() ?? [])]
      .filter((r) => r.preventDestroy && ctx.byAddress.get(r.address)?.change.actions.includes("delete"))
      .map((r) => r.address);
    findings.push(
      ctx.finding(
        "block",
        "plan-errored",
        "(plan)",
        "terraform could not finish this plan (errored: true): it cannot be applied, and it may list only part of the changes",
        refused.length
          ? [
              `it would destroy resources with lifecycle.prevent_destroy, which terraform refuses: ${listed(refused)}`,
            ]
          : ["read terraform's error output for the reason"],
        0,
      ),
    );
  }

  for (const rc of ctx.changes) {
    const a = rc.change.actions;
    const construct = ctx.construct(rc.address);
    const st = stateful(rc.type, construct ?? constructFromAddress(rc.address));

    if (renamed.has(rc.address)) {
      const to = renamed.get(rc.address)!;
      const toConstruct = ctx.construct(to) ?? constructFromAddress(to);
      findings.push(
        ctx.finding(
          st ? "block" : "warn",
          "rename-without-move",
          rc.address,
          `${rc.address} is deleted and ${to} created: the construct was renamed or moved without a moved block`,
          [
            ...(st ? [`the delete loses ${st.loses}`] : ["it is recreated, not kept"]),
            `fix: in the construct that defines ${toConstruct}, on the new resource: \`.moveFromId("${rc.address}");\``,
            ...ctx.dragged(to),
          ],
          st?.rank ?? 100,
        ),
      );
    } else if ((isReplace(a) || isDeleteOnly(a)) && st && !renamedTo.has(rc.address)) {
      const verb = isReplace(a) ? "replace" : "delete";
      const details = [
        ...(isReplace(a)
          ? forcedBy(rc)
          : [`reason: ${rc.action_reason ?? "removed from the configuration"}`]),
      ];
      if (rc.type === "aws_s3_bucket") {
        const fd = at(rc.change.before, ["force_destroy"]);
        details.push(
          fd === true
            ? "force_destroy is true: terraform deletes every object with the bucket"
            : "force_destroy is false: the apply fails while the bucket holds objects (after deleting what ran before it)",
        );
      }
      if (ctx.head?.resources.get(rc.address)?.preventDestroy)
        details.push(
          "lifecycle.prevent_destroy is set: terraform refuses this plan until the change is undone",
        );
      if (isDeleteOnly(a) && ctx.base?.resources.get(rc.address)?.preventDestroy)
        details.push(
          "the base had lifecycle.prevent_destroy on it: the protection went with the resource block",
        );
      details.push(...ctx.dragged(rc.address));
      findings.push(
        ctx.finding(
          "block",
          isReplace(a) ? "stateful-replace" : "stateful-delete",
          rc.address,
          `${verb} ${rc.address}: loses ${st.loses}`,
          details,
          st.rank,
        ),
      );
    }

    findings.push(
      ...ctx.reasonsFinding(
        "block",
        "protection-removed",
        rc.address,
        protectionsRemoved(rc.type, rc.change.before, rc.change.after),
        (st?.rank ?? 50) + 0.5,
      ),
      ...ctx.reasonsFinding(
        "warn",
        "security-regression",
        rc.address,
        securityRegressions(
          rc.type,
          rc.change.before,
          knownOrAsBefore(rc.change.before, rc.change.after, rc.change.after_unknown),
        ),
      ),
    );
    if (isDeleteOnly(a) && GUARD_TYPES.has(rc.type) && !renamed.has(rc.address)) {
      const bucket = at(rc.change.before, ["bucket"]);
      // The guard goes with what it guards: the bucket, or (an EMR security configuration) every
      // cluster, as in a destroy.
      const guardedGoes =
        rc.type === "aws_emr_security_configuration"
          ? !ctx.changes.some((o) => o.type === "aws_emr_cluster" && !isDeleteOnly(o.change.actions))
          : bucketDeleted(ctx, bucket);
      if (!guardedGoes)
        findings.push(
          ctx.finding(
            "warn",
            "security-regression",
            rc.address,
            `${rc.address} is deleted: the guard it holds goes`,
            [
              rc.type === "aws_emr_security_configuration"
                ? `${rc.type} removed while the EMR cluster stays`
                : `${rc.type} removed while ${show(bucket)} stays`,
            ],
          ),
        );
    }

    const opened = ingressOpened(
      rc.type,
      isDeleteOnly(a) ? undefined : rc.change.before,
      isDeleteOnly(a) ? undefined : rc.change.after,
    );
    if (opened.length)
      findings.push(
        ctx.finding(
          "warn",
          "ingress-widened",
          rc.address,
          `${rc.address}: ingress opened to ${opened.join(", ")}`,
          [ctx.securityGroup(rc)],
        ),
      );

    findings.push(...policyFindings(ctx, rc));
  }

  // prevent_destroy is only in the configuration: compare base and head.
  if (ctx.base && ctx.head) {
    for (const [address, r] of ctx.base.resources) {
      if (!r.preventDestroy) continue;
      const h = ctx.head.resources.get(address);
      if (h && !h.preventDestroy)
        findings.push(
          ctx.finding(
            "block",
            "protection-removed",
            address,
            `${address}: lifecycle.prevent_destroy removed`,
            [
              "the plan cannot show this (prevent_destroy is not in the plan JSON): the next plan may delete it without terraform refusing",
            ],
            (stateful(r.type, r.construct)?.rank ?? 50) + 0.5,
          ),
        );
    }
  }

  const cost = costFinding(ctx);
  if (cost) findings.push(cost);
  const checkov = ctx.input.checkov;
  if (checkov) {
    const fresh = checkov.base ? newFailures(checkov.head, checkov.base) : checkov.head;
    for (const f of fresh)
      findings.push(
        ctx.finding(
          "info",
          "checkov-new",
          ctx.checkovAddress(f.resource),
          `checkov ${f.checkId} fails${checkov.base ? ", new against the base" : ""}: ${f.checkName}`,
          [],
          250,
        ),
      );
  }
  return findings;
}

const money = (n: number) => `$${n.toFixed(2)}`;

function costFinding(ctx: Context): Finding | undefined {
  if (!ctx.input.head) return undefined;
  const head = costFigures(ctx.input.head as StackJson);
  if (!ctx.input.base) return undefined;
  const base = costFigures(ctx.input.base as StackJson);
  const dMonth = head.alwaysOnMonthly - base.alwaysOnMonthly;
  const dHour = head.emrPerHour - base.emrPerHour;
  if (Math.abs(dMonth) < 0.005 && Math.abs(dHour) < 0.0005) return undefined;
  const sign = (n: number) => (n >= 0 ? `+${money(n)}` : `−${money(-n)}`);
  return ctx.finding(
    "info",
    "cost-delta",
    "(stack)",
    `cost: always-on ${money(base.alwaysOnMonthly)} → ${money(head.alwaysOnMonthly)}/month (${sign(dMonth)}); EMR ${money(base.emrPerHour)} → ${money(head.emrPerHour)}/h while running (${sign(dHour)})`,
    ["approximate us-east-1 list prices from synth-summary's cost model; usage-priced parts left out"],
    200,
  );
}

/** A refresh-only plan's resource_drift: expected (EMR idle auto-termination) or not. */
function driftFindings(ctx: Context): Finding[] {
  const findings: Finding[] = [];
  const drift = ctx.input.plan.resource_drift ?? [];
  const clusterGone = drift.some((d) => d.type === "aws_emr_cluster" && d.change.actions.includes("delete"));
  for (const d of drift) {
    const a = d.change.actions;
    const gone = a.includes("delete");
    if (
      gone &&
      (d.type === "aws_emr_cluster" ||
        (clusterGone && d.type.startsWith("aws_emr_") && d.type !== "aws_emr_security_configuration"))
    ) {
      findings.push(
        ctx.finding(
          "info",
          "drift-expected",
          d.address,
          `${d.address} is gone: the EMR cluster auto-terminated when idle`,
          [
            "expected: the next deploy recreates it (a plain create); nothing is lost that the lake does not hold",
          ],
          300,
        ),
      );
      continue;
    }
    const construct = ctx.construct(d.address) ?? constructFromAddress(d.address);
    const reasons: { level: Level; line: string }[] = [];
    const st = stateful(d.type, construct);
    if (gone)
      reasons.push({
        level: st ? "block" : "warn",
        line: st ? `deleted outside Terraform: lost ${st.loses}` : "deleted outside Terraform",
      });
    for (const l of protectionsRemoved(d.type, d.change.before, d.change.after))
      reasons.push({ level: "block", line: l });
    for (const l of securityRegressions(d.type, d.change.before, d.change.after))
      reasons.push({ level: "warn", line: l });
    for (const l of ingressOpened(d.type, d.change.before, d.change.after))
      reasons.push({ level: "warn", line: `ingress opened to ${l}` });
    for (const attr of POLICY_ATTRIBUTES[d.type] ?? []) {
      if (gone) continue;
      if (tlsOnlyRemoved(at(d.change.before, [attr]), at(d.change.after, [attr])))
        reasons.push({ level: "warn", line: `${attr}: the deny-unless-TLS statement is gone` });
      const b = parsePolicy(at(d.change.before, [attr]));
      const af = parsePolicy(at(d.change.after, [attr]));
      if (!b || !af) continue;
      for (const diff of diffPolicies(b, af))
        reasons.push({ level: diff.widens ? "warn" : "info", line: `${attr}: ${describeDiff(diff)}` });
    }
    if (reasons.length === 0) {
      const changed = changedKeys(d.change.before, d.change.after);
      reasons.push({
        level: "warn",
        line: `changed outside Terraform: ${changed.join(", ") || "(attributes)"}`,
      });
    }
    const level = reasons.reduce<Level>(
      (l, r) => (LEVEL_ORDER[r.level] < LEVEL_ORDER[l] ? r.level : l),
      "info",
    );
    findings.push(
      ctx.finding(
        level,
        "drift-unexpected",
        d.address,
        `${d.address} drifted: ${reasons[0].line}`,
        [
          ...reasons.slice(1).map((r) => r.line),
          "unexpected: the next apply reverts it to the configuration; find out who changed it",
        ],
        st?.rank ?? 100,
      ),
    );
  }
  return findings;
}

function changedKeys(before: Json | undefined, after: Json | undefined): string[] {
  const b = (before ?? {}) as JsonObject;
  const a = (after ?? {}) as JsonObject;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .sort();
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (x, y) =>
      LEVEL_ORDER[x.level] - LEVEL_ORDER[y.level] ||
      x.rank - y.rank ||
      x.address.localeCompare(y.address) ||
      x.kind.localeCompare(y.kind),
  );
}

/** 0 nothing to report · 2 warnings only · 3 an unacknowledged block. */
export function exitCodeOf(findings: Finding[]): 0 | 2 | 3 {
  const open = findings.filter((f) => !f.acknowledged);
  if (open.some((f) => f.level === "block")) return 3;
  if (open.some((f) => f.level === "warn")) return 2;
  return 0;
}

export function analyze(input: AnalyzeInput): Report {
  const ctx = new Context(input);
  const { plan } = input;
  const notes: string[] = [];
  const drifted = plan.resource_drift?.length ?? 0;
  const changing = ctx.changes.filter((rc) => !["no-op", "read"].includes(rc.change.actions.join())).length;
  let raw: Finding[];
  if (input.drift) {
    raw = driftFindings(ctx);
    // terraform leaves resource_drift out when nothing drifted: a clean refresh-only plan has
    // neither; only a plan that changes resources without it was made the wrong way.
    if ((plan.resource_drift === undefined || plan.resource_drift === null) && changing > 0)
      notes.push("--drift on a plan without resource_drift (make it with `terraform plan -refresh-only`)");
    if (changing > 0) {
      // Not a refresh-only plan: what it would change is reviewed too, never dropped.
      raw.push(...planFindings(ctx));
      const s = summarize(plan);
      notes.push(
        `the plan also changes ${changing} resource(s) (${s.create} create, ${s.update} update, ${s.replace} replace, ${s.delete} delete): their findings are included; the counts above are the drift's`,
      );
    }
  } else {
    raw = planFindings(ctx);
    if (drifted > 0)
      notes.push(
        `the plan records ${drifted} resource(s) changed outside Terraform (resource_drift); --drift reviews them`,
      );
  }
  const findings = sortFindings(applyAcknowledgements(raw, input.acknowledgements ?? []));
  return {
    version: 1,
    mode: input.drift ? "drift" : "plan",
    ...(plan.terraform_version ? { terraformVersion: plan.terraform_version } : {}),
    errored: plan.errored === true,
    summary: summarize(plan, input.drift === true),
    notes,
    findings,
    exitCode: exitCodeOf(findings),
  };
}
