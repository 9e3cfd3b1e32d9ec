/**
 * Checks the Terraform-native exit path: the HCL that `cdktf synth --hcl` writes (exported and
 * formatted by scripts/export-hcl.sh) must be accepted by Terraform and describe exactly what the
 * synthesised cdk.tf.json describes.
 *
 *   node --import tsx scripts/hcl-check.ts <json stacks dir> <hcl stacks dir>
 *   (e.g. cdktf.out/stacks cdktf.out/hcl; every stack of the HCL dir is checked)
 *
 * Per stack, offline, in temporary copies (the same provider mirror and override files as
 * scripts/terraform-check.sh: scripts/lib/terraform-offline.ts, so neither output carries
 * test-only settings):
 * 1. the HCL is `terraform fmt`-clean and names no path of this machine;
 * 2. `terraform init` + `validate` of both: the HCL has 0 errors;
 * 3. `terraform plan` of both from an empty state: same resource addresses, actions, planned
 *    values (JSON documents compared parsed), unknown values and outputs (scripts/compare-plans.ts),
 *    and the HCL plan declares the contract's outputs;
 * 4. a state as if the JSON had been applied: the JSON's planned values, with every value that
 *    is unknown until apply filled with a fake of its type (ARNs shaped like ARNs), planned
 *    again until the JSON plans no change. Against that state the HCL must plan no change
 *    either — what a user moving to plain Terraform with the same state sees — and the two plans
 *    must match again, now with every document known (a policy that references another
 *    resource is unknown in an empty-state plan).
 *
 * The provider comes from the filesystem mirror TF_PROVIDER_MIRROR (default /opt/tf-plugins).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { comparePlans } from "./compare-plans";
import * as offline from "./lib/terraform-offline";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const root = resolve(__dirname, "..");
const MAX_ROUNDS = 6;

class CheckError extends Error {}

function fail(msg: string): never {
  throw new CheckError(msg);
}

const work = mkdtempSync(join(tmpdir(), "hclcheck-"));
const env: NodeJS.ProcessEnv = { ...process.env };
offline.useOfflineTerraform(env, offline.writeCliConfig(work));

function tf(dir: string, args: string[]): string {
  try {
    return execFileSync("terraform", [`-chdir=${dir}`, ...args], {
      env,
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    fail(`terraform ${args[0]} in ${dir} failed:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** A copy of the stack with the fake-credentials provider and a local backend in the copy. */
function prepare(src: string, dest: string): string {
  offline.copyStack(src, dest);
  offline.writeOverrides(dest, join(dest, "terraform.tfstate"));
  tf(dest, ["init", "-backend=true", "-reconfigure", "-no-color"]);
  return dest;
}

interface Change {
  address: string;
  mode: string;
  type: string;
  name: string;
  index?: Json;
  change: { actions: string[]; after: Json; after_unknown: Json };
}
interface Plan {
  resource_changes?: Change[];
  planned_values?: Obj;
}

function plan(dir: string, name: string): Plan {
  const out = join(dir, `${name}.bin`);
  tf(dir, ["plan", "-refresh=false", "-lock=false", "-no-color", `-out=${out}`]);
  const json = tf(dir, ["show", "-json", out]);
  writeFileSync(join(dir, `${name}.json`), json);
  return JSON.parse(json) as Plan;
}

// ---- a state as if the JSON had been applied ---------------------------------------------

type CtyType = string | [string, CtyType] | ["object", Record<string, CtyType>] | ["tuple", CtyType[]];
interface SchemaBlock {
  attributes?: Record<string, { type?: CtyType; nested_type?: { attributes: SchemaBlock["attributes"] } }>;
  block_types?: Record<string, { nesting_mode: string; block: SchemaBlock }>;
}
interface Schemas {
  [type: string]: { version: number; block: SchemaBlock };
}

function loadSchemas(dir: string): Schemas {
  const all = JSON.parse(tf(dir, ["providers", "schema", "-json"])) as {
    provider_schemas: Record<string, { resource_schemas: Schemas }>;
  };
  return all.provider_schemas[offline.PROVIDER].resource_schemas;
}

/** A fake known value of a cty type; ARNs look like ARNs. */
function fakeOf(type: CtyType | undefined, attr: string, address: string): Json {
  if (type === "number") return 1;
  if (type === "bool") return false;
  if (type === "string" || type === undefined) {
    const [rtype, rname] = address.split(".");
    const service = rtype.replace(/^aws_/, "").split("_")[0];
    if (attr === "arn" || attr.endsWith("_arn")) return `arn:aws:${service}:eu-west-1:000000000000:${rname}`;
    // Identifiers get distinct values (other resources reference them); any other string is
    // empty, which the provider's plan-time checks accept (e.g. SNS's FIFO-only settings).
    if (/(^|_)(id|name|url|endpoint)$/.test(attr)) return `fake-${rname}-${attr}`.slice(0, 250);
    return "";
  }
  if (Array.isArray(type)) {
    if (type[0] === "map") return {};
    if (type[0] === "list" || type[0] === "set" || type[0] === "tuple") return [];
    if (type[0] === "object") {
      const out: Obj = {};
      for (const [k, t] of Object.entries(type[1] as Record<string, CtyType>)) out[k] = fakeOf(t, k, address);
      return out;
    }
  }
  return null;
}

/** `value` with every leaf that `unknown` marks true replaced by a fake of its schema type. */
function fillUnknown(value: Json, unknown: Json, block: SchemaBlock | undefined, address: string): Json {
  if (unknown === null || unknown === false || unknown === undefined) return value;
  if (Array.isArray(unknown)) {
    const list = Array.isArray(value) ? value : [];
    return unknown.map((u, i) => fillUnknown(list[i] ?? {}, u, block, address));
  }
  if (typeof unknown !== "object") return value;
  const out: Obj = { ...((value ?? {}) as Obj) };
  for (const [k, u] of Object.entries(unknown)) {
    const attr = block?.attributes?.[k];
    const nested = block?.block_types?.[k]?.block;
    if (u === true) {
      out[k] = nested ? [] : fakeOf(attr?.type, k, address);
    } else {
      out[k] = fillUnknown(out[k] ?? null, u, nested, address);
    }
  }
  return out;
}

interface StateResource {
  mode: string;
  type: string;
  name: string;
  provider: string;
  instances: { index_key?: Json; schema_version: number; attributes: Json; sensitive_attributes: Json[] }[];
}

function applyChanges(state: Map<string, StateResource>, p: Plan, schemas: Schemas): number {
  let changed = 0;
  for (const c of p.resource_changes ?? []) {
    if (c.mode !== "managed" || c.change.actions.join() === "no-op") continue;
    changed++;
    const key = `${c.type}.${c.name}`;
    const schema = schemas[c.type] ?? fail(`no provider schema for ${c.type}`);
    const attributes = fillUnknown(c.change.after, c.change.after_unknown, schema.block, c.address);
    const instance = {
      ...(c.index !== undefined ? { index_key: c.index } : {}),
      schema_version: schema.version,
      attributes,
      sensitive_attributes: [],
    };
    const r = state.get(key) ?? {
      mode: "managed",
      type: c.type,
      name: c.name,
      provider: `provider["${offline.PROVIDER}"]`,
      instances: [],
    };
    r.instances = [
      ...r.instances.filter((i) => JSON.stringify(i.index_key) !== JSON.stringify(c.index)),
      instance,
    ];
    state.set(key, r);
  }
  return changed;
}

function writeState(dir: string, state: Map<string, StateResource>, serial: number): void {
  const version = (JSON.parse(tf(dir, ["version", "-json"])) as { terraform_version: string })
    .terraform_version;
  writeFileSync(
    join(dir, "terraform.tfstate"),
    JSON.stringify({
      version: 4,
      terraform_version: version,
      serial,
      lineage: "hcl-check-converged-state",
      outputs: {},
      resources: [...state.values()],
      check_results: null,
    }),
  );
}

function notNoOp(p: Plan): string[] {
  return (p.resource_changes ?? [])
    .filter((c) => c.change.actions.join() !== "no-op")
    .map((c) => `${c.address} (${c.change.actions.join(",")})`);
}

function reportDiffs(what: string, diffs: string[]): void {
  if (diffs.length === 0) return;
  for (const d of diffs.slice(0, 30)) console.error(`   ${d}`);
  if (diffs.length > 30) console.error(`   ... and ${diffs.length - 30} more`);
  fail(`${what}: ${diffs.length} difference(s)`);
}

function checkStack(name: string, jsonSrc: string, hclSrc: string): void {
  const hclFile = join(hclSrc, "cdk.tf");
  if (!existsSync(hclFile)) fail(`${hclSrc} has no cdk.tf (run scripts/export-hcl.sh first)`);
  if (!existsSync(join(jsonSrc, "cdk.tf.json")))
    fail(`${jsonSrc} has no cdk.tf.json (run cdktf synth first)`);
  const text = readFileSync(hclFile, "utf8");
  if (text.includes(root)) fail(`${name}: the HCL names a path of this machine (${root})`);
  try {
    execFileSync("terraform", ["fmt", "-check", "-list=true", hclFile], { env, stdio: "pipe" });
  } catch {
    fail(`${name}: the HCL is not terraform fmt-clean (terraform fmt -diff ${hclFile})`);
  }

  console.log(`== ${name}: init + validate (JSON and HCL)`);
  const jdir = prepare(jsonSrc, join(work, name, "json"));
  const hdir = prepare(hclSrc, join(work, name, "hcl"));
  for (const [label, dir] of [
    ["JSON", jdir],
    ["HCL", hdir],
  ]) {
    const v = JSON.parse(tf(dir, ["validate", "-json", "-no-color"])) as {
      valid: boolean;
      error_count: number;
      warning_count: number;
      diagnostics: { severity: string; summary: string }[];
    };
    console.log(`   ${label}: ${v.error_count} error(s), ${v.warning_count} warning(s)`);
    for (const d of v.diagnostics) console.log(`     ${d.severity}: ${d.summary}`);
    if (!v.valid || v.error_count > 0) fail(`${name}: ${label} validate failed`);
  }

  console.log(`== ${name}: plan from an empty state (JSON vs HCL)`);
  const pj = plan(jdir, "plan-empty");
  const ph = plan(hdir, "plan-empty");
  reportDiffs(`${name}: empty-state plans differ`, comparePlans(pj, ph));
  execFileSync(
    "node",
    ["--import", "tsx", join(root, "scripts", "check-plan-outputs.ts"), join(hdir, "plan-empty.json")],
    {
      env,
      stdio: "inherit",
    },
  );
  console.log(
    `   same plan: ${(pj.resource_changes ?? []).length} resource changes, outputs match the contract`,
  );

  console.log(`== ${name}: state as if the JSON were applied, then plan the HCL against it`);
  const schemas = loadSchemas(jdir);
  const state = new Map<string, StateResource>();
  let p = pj;
  let rounds = 0;
  while (applyChanges(state, p, schemas) > 0) {
    if (++rounds > MAX_ROUNDS) reportDiffs(`${name}: the JSON plan did not converge`, notNoOp(p));
    writeState(jdir, state, rounds);
    p = plan(jdir, `plan-round${rounds}`);
  }
  console.log(`   JSON plans no change after ${rounds} round(s) (${state.size} resources in the state)`);
  cpSync(join(jdir, "terraform.tfstate"), join(hdir, "terraform.tfstate"));
  const hp = plan(hdir, "plan-converged");
  reportDiffs(`${name}: the HCL plans changes against the JSON's state`, notNoOp(hp));
  reportDiffs(`${name}: converged plans differ`, comparePlans(p, hp));
  console.log(`   HCL plans no change; plans match with every document known`);
}

function main(): void {
  const [jsonStacks, hclStacks] = process.argv.slice(2);
  if (!jsonStacks || !hclStacks) {
    console.error(
      "usage: hcl-check.ts <json stacks dir> <hcl stacks dir>  (e.g. cdktf.out/stacks cdktf.out/hcl)",
    );
    process.exit(2);
  }
  const names = existsSync(hclStacks) ? readdirSync(hclStacks).sort() : [];
  if (names.length === 0) {
    console.error(`hcl-check: no stacks in ${hclStacks} (run scripts/export-hcl.sh ${hclStacks})`);
    process.exit(2);
  }
  try {
    for (const n of names) checkStack(n, join(jsonStacks, n), join(hclStacks, n));
    console.log(
      `hcl-check: OK (${names.length} stack(s): fmt, validate, plans equal, no change against the JSON's state)`,
    );
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    console.error(`hcl-check: ${e.message}`);
    process.exitCode = 1;
  } finally {
    if (!process.env.HCL_CHECK_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`hcl-check: work dir kept: ${work}`);
  }
}

main();
