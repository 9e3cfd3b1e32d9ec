/**
 * The deploy-emulated harness's view of a synthesised stack (cdk.tf.json): which resources the
 * emulator cannot hold, what that removes with them, and the summary line of a run.
 *
 *   tsx scripts/emulated/stack-copy.ts prepare --in <cdk.tf.json> --out <cdk.tf.json> \
 *       --exclusions scripts/emulated/exclusions.json [--substitute aws_emr_cluster.id=j-…]…
 *     writes the emulator's copy of the stack and prints {"total","excluded","services"} as JSON
 *   tsx scripts/emulated/stack-copy.ts summary --prepared <prepare.json> --state-list <file> \
 *       --plan <plan.json> --destroyed true|false
 *     prints the run's one summary line
 *
 * Only the copy changes: the product's cdk.tf.json is read, never written.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** A cdk.tf.json document: the parts read here. */
export interface TfConfig {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value?: unknown } & Record<string, unknown>>;
  [key: string]: unknown;
}

/** Resource type → why the emulator cannot create resources of that type. */
export type Exclusions = Record<string, string>;

/** "<resource type>.<attribute>" → the value that stands in for it (e.g. a stand-in cluster's id). */
export type Substitutions = Record<string, string>;

export interface Prepared {
  config: TfConfig;
  /** Resources in the stack as synthesised. */
  total: number;
  /** Address → reason, for every resource left out of the copy. */
  excluded: Record<string, string>;
}

export class HarnessError extends Error {}

const REF = /\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([a-z0-9_]+))?/g;
const SAFE_VALUE = /^[A-Za-z0-9:/._-]+$/;

/** Every managed resource address ("type.name") in the configuration. */
export function resourceAddresses(config: TfConfig): string[] {
  return Object.entries(config.resource ?? {}).flatMap(([type, byName]) =>
    Object.keys(byName).map((name) => `${type}.${name}`),
  );
}

/** Addresses that a value refers to (in `${…}` expressions or depends_on entries). */
export function referencedAddresses(value: unknown): Set<string> {
  const found = new Set<string>();
  walkStrings(value, (s) => {
    for (const m of s.matchAll(REF)) found.add(`${m[1]}.${m[2]}`);
    return s;
  });
  return found;
}

function walkStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, fn));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walkStrings(v, fn)]),
    );
  }
  return value;
}

/**
 * Replaces references to `address`'s attributes by the substitutes: a whole interpolation
 * `${type.name.attr}` becomes the bare value, a reference inside a larger expression
 * (jsonencode({...})) becomes the HCL string literal "value". Throws when a reference has no
 * substitute (the caller then excludes the referring resource instead).
 */
function substitute(value: unknown, address: string, type: string, subs: Substitutions): unknown {
  const name = address.slice(type.length + 1);
  const esc = `${type}\\.${name}`;
  const whole = new RegExp(`\\$\\{${esc}\\.([a-z0-9_]+)\\}`, "g");
  const inner = new RegExp(`\\b${esc}\\.([a-z0-9_]+)\\b`, "g");
  const pick = (attr: string): string => {
    const v = subs[`${type}.${attr}`];
    if (v === undefined) throw new HarnessError(`no substitute for ${type}.${attr}`);
    return v;
  };
  return walkStrings(value, (s) =>
    s
      .replace(whole, (_m, attr: string) => pick(attr))
      .replace(inner, (_m, attr: string) => `"${pick(attr)}"`),
  );
}

/**
 * The emulator's copy: resources of excluded types are removed; a resource that refers to one is
 * kept with the substitutes in place of the reference when every referenced attribute has one,
 * and removed too (reason: the dependency) otherwise, transitively. depends_on entries naming a
 * removed resource are dropped; outputs are substituted or dropped the same way.
 */
export function prepareConfig(
  original: TfConfig,
  exclusions: Exclusions,
  substitutions: Substitutions = {},
): Prepared {
  for (const [k, v] of Object.entries(substitutions)) {
    if (!SAFE_VALUE.test(v)) throw new HarnessError(`substitute for ${k} has unexpected characters: ${v}`);
  }
  const config = JSON.parse(JSON.stringify(original)) as TfConfig;
  const resources = config.resource ?? {};
  const all = resourceAddresses(config);
  const excluded: Record<string, string> = {};
  for (const address of all) {
    const type = address.split(".")[0];
    if (exclusions[type] !== undefined) excluded[address] = exclusions[type];
  }
  const typeOf = (a: string) => a.split(".")[0];
  const body = (a: string) => resources[typeOf(a)][a.slice(typeOf(a).length + 1)];

  // Remove dependents until nothing left refers to a removed resource without a substitute.
  for (let changed = true; changed;) {
    changed = false;
    for (const address of all) {
      if (excluded[address] !== undefined) continue;
      const rest: Record<string, unknown> = { ...body(address) };
      delete rest.depends_on;
      for (const ref of referencedAddresses(rest)) {
        if (excluded[ref] === undefined) continue;
        try {
          substitute(rest, ref, typeOf(ref), substitutions);
        } catch {
          excluded[address] = `depends on ${ref}, which is excluded`;
          changed = true;
          break;
        }
      }
    }
  }

  for (const address of Object.keys(excluded)) {
    const type = typeOf(address);
    delete resources[type][address.slice(type.length + 1)];
    if (Object.keys(resources[type]).length === 0) delete resources[type];
  }
  for (const byName of Object.values(resources)) {
    for (const [name, res] of Object.entries(byName)) {
      let next: Record<string, unknown> = res;
      if (Array.isArray(next.depends_on)) {
        const deps = (next.depends_on as string[]).filter((d) => excluded[d] === undefined);
        next = { ...next, depends_on: deps };
        if (deps.length === 0) delete next.depends_on;
      }
      for (const ref of referencedAddresses(next)) {
        if (excluded[ref] !== undefined)
          next = substitute(next, ref, typeOf(ref), substitutions) as typeof next;
      }
      byName[name] = next;
    }
  }
  for (const [name, out] of Object.entries(config.output ?? {})) {
    let next: unknown = out;
    for (const ref of referencedAddresses(out)) {
      if (excluded[ref] === undefined) continue;
      try {
        next = substitute(next, ref, typeOf(ref), substitutions);
      } catch {
        next = undefined;
        break;
      }
    }
    if (next === undefined) delete config.output![name];
    else config.output![name] = next as { value?: unknown };
  }
  return { config, total: all.length, excluded };
}

/** The AWS services (provider `endpoints` keys) that the copy's resources belong to. */
export function servicesUsed(config: TfConfig): string[] {
  const byPrefix: [RegExp, string][] = [
    [/^aws_cloudwatch_event_/, "events"],
    [/^aws_cloudwatch_log_/, "logs"],
    [/^aws_cloudwatch_/, "cloudwatch"],
    [
      /^aws_(vpc|subnet|route|security_group|default_security_group|flow_log|internet_gateway|nat_gateway|eip)/,
      "ec2",
    ],
    [/^aws_emr_/, "emr"],
    [/^aws_glue_/, "glue"],
    [/^aws_iam_/, "iam"],
    [/^aws_kinesis_firehose_/, "firehose"],
    [/^aws_kinesis_/, "kinesis"],
    [/^aws_kms_/, "kms"],
    [/^aws_lambda_/, "lambda"],
    [/^aws_s3_/, "s3"],
    [/^aws_sns_/, "sns"],
    [/^aws_sqs_/, "sqs"],
  ];
  const services = new Set<string>(["sts"]);
  for (const type of Object.keys(config.resource ?? {})) {
    const hit = byPrefix.find(([re]) => re.test(type));
    if (!hit) throw new HarnessError(`no emulator endpoint known for resource type ${type}`);
    services.add(hit[1]);
  }
  return [...services].sort();
}

/** Managed resources in `terraform state list` output (data sources and blank lines not counted). */
export function countStateResources(stateList: string): number {
  return stateList
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/(^|\.)data\./.test(l)).length;
}

interface PlanJson {
  resource_changes?: { address: string; change: { actions: string[] } }[];
}

/** Addresses that a `terraform show -json <plan>` document would change (anything but no-op/read). */
export function plannedChanges(plan: PlanJson): string[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => rc.change.actions.some((a) => a !== "no-op" && a !== "read"))
    .map((rc) => `${rc.address} (${rc.change.actions.join("+")})`);
}

export interface Summary {
  applied: number;
  total: number;
  excluded: Record<string, string>;
  replan_changes: number;
  destroyed: boolean;
}

/** The run's summary line, keys in a fixed order. */
export function summaryLine(s: Summary): string {
  return JSON.stringify({
    applied: s.applied,
    total: s.total,
    excluded: s.excluded,
    replan_changes: s.replan_changes,
    destroyed: s.destroyed,
  });
}

function args(argv: string[]): { cmd: string; opts: Record<string, string[]> } {
  const [cmd, ...rest] = argv;
  const opts: Record<string, string[]> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    if (!k.startsWith("--") || rest[i + 1] === undefined) throw new HarnessError(`bad argument ${k}`);
    (opts[k.slice(2)] ??= []).push(rest[i + 1]);
  }
  return { cmd: cmd ?? "", opts };
}

function one(opts: Record<string, string[]>, key: string): string {
  const v = opts[key];
  if (!v || v.length !== 1) throw new HarnessError(`--${key} is required once`);
  return v[0];
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw new HarnessError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function main(argv: string[]): void {
  const { cmd, opts } = args(argv);
  if (cmd === "prepare") {
    const subs: Substitutions = {};
    for (const s of opts.substitute ?? []) {
      const eq = s.indexOf("=");
      if (eq < 1) throw new HarnessError(`--substitute wants type.attr=value, got ${s}`);
      subs[s.slice(0, eq)] = s.slice(eq + 1);
    }
    const exclusions = readJson<Exclusions>(one(opts, "exclusions"));
    const prepared = prepareConfig(readJson<TfConfig>(one(opts, "in")), exclusions, subs);
    writeFileSync(one(opts, "out"), JSON.stringify(prepared.config, null, 2));
    process.stdout.write(
      `${JSON.stringify({ total: prepared.total, excluded: prepared.excluded, services: servicesUsed(prepared.config) })}\n`,
    );
    return;
  }
  if (cmd === "summary") {
    const prepared = readJson<{ total: number; excluded: Record<string, string> }>(one(opts, "prepared"));
    const stateList = readFileSync(one(opts, "state-list"), "utf8");
    const plan = opts.plan ? readJson<PlanJson>(one(opts, "plan")) : undefined;
    process.stdout.write(
      `${summaryLine({
        applied: countStateResources(stateList),
        total: prepared.total,
        excluded: prepared.excluded,
        replan_changes: plan ? plannedChanges(plan).length : -1,
        destroyed: one(opts, "destroyed") === "true",
      })}\n`,
    );
    return;
  }
  if (cmd === "changes") {
    for (const c of plannedChanges(readJson<PlanJson>(one(opts, "plan")))) process.stdout.write(`${c}\n`);
    return;
  }
  throw new HarnessError(`unknown command "${cmd}" (prepare | summary | changes)`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`stack-copy: ${e instanceof HarnessError ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
