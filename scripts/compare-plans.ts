/**
 * Compares two saved plans (`terraform show -json plan`) of the same stack — the plan of the
 * synthesised cdk.tf.json and the plan of its `cdktf synth --hcl` twin — and lists every
 * difference: resource addresses, actions, planned values, which values are unknown until
 * apply, sensitivity, and the planned outputs.
 *
 *   node --import tsx scripts/compare-plans.ts json-plan.json hcl-plan.json
 *
 * Exit 0 when the plans match, 1 with one line per difference otherwise.
 *
 * A string value that is a JSON object or array (a policy, an event pattern, a dashboard body)
 * is compared as parsed JSON: the two syntaxes may render the same document with different key
 * order or spacing, which AWS does not see either.
 */
import { readFileSync } from "node:fs";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface PlanResource {
  address: string;
  mode?: string;
  type?: string;
  name?: string;
  provider_name?: string;
  values?: Json;
  sensitive_values?: Json;
}
interface PlanModule {
  resources?: PlanResource[];
  child_modules?: PlanModule[];
}
interface Plan {
  planned_values?: { root_module?: PlanModule; outputs?: Record<string, Json> };
  resource_changes?: { address: string; change: { actions: string[]; after_unknown?: Json } }[];
}

/** A JSON document string as {"<json>": parsed}, so documents compare by content. */
function normalise(v: Json): Json {
  if (typeof v === "string") {
    const t = v.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
      try {
        return { "<json>": normalise(JSON.parse(t) as Json) };
      } catch {
        return v;
      }
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === "object") {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v).sort()) out[k] = normalise(v[k]);
    return out;
  }
  return v;
}

function resourcesOf(
  m: PlanModule | undefined,
  into = new Map<string, PlanResource>(),
): Map<string, PlanResource> {
  for (const r of m?.resources ?? []) into.set(r.address, r);
  for (const c of m?.child_modules ?? []) resourcesOf(c, into);
  return into;
}

/** Where two normalised values first differ, as a path with both sides (shortened). */
function firstDifference(a: Json, b: Json, path: string): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  const bothObjects =
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    Array.isArray(a) === Array.isArray(b);
  if (bothObjects) {
    const ao = a as { [k: string]: Json };
    const bo = b as { [k: string]: Json };
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])];
    for (const k of keys) {
      const d = firstDifference(ao[k] ?? null, bo[k] ?? null, `${path}.${k}`);
      if (d) return d;
    }
  }
  const show = (v: Json) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  return `${path}: ${show(a)} vs ${show(b)}`;
}

/** The differences between plan `a` and plan `b` (empty when they match). */
export function comparePlans(a: Plan, b: Plan): string[] {
  const diffs: string[] = [];
  const ra = resourcesOf(a.planned_values?.root_module);
  const rb = resourcesOf(b.planned_values?.root_module);
  for (const addr of ra.keys()) if (!rb.has(addr)) diffs.push(`${addr}: only in the first plan`);
  for (const addr of rb.keys()) if (!ra.has(addr)) diffs.push(`${addr}: only in the second plan`);
  for (const [addr, x] of ra) {
    const y = rb.get(addr);
    if (!y) continue;
    for (const field of ["mode", "type", "name", "provider_name", "values", "sensitive_values"] as const) {
      const d = firstDifference(
        normalise((x[field] ?? null) as Json),
        normalise((y[field] ?? null) as Json),
        field,
      );
      if (d) diffs.push(`${addr}: ${d}`);
    }
  }
  const ca = new Map((a.resource_changes ?? []).map((c) => [c.address, c.change]));
  const cb = new Map((b.resource_changes ?? []).map((c) => [c.address, c.change]));
  for (const [addr, x] of ca) {
    const y = cb.get(addr);
    if (!y) {
      diffs.push(`${addr}: change only in the first plan`);
      continue;
    }
    if (x.actions.join(",") !== y.actions.join(",")) {
      diffs.push(`${addr}: actions ${x.actions.join(",")} vs ${y.actions.join(",")}`);
    }
    const d = firstDifference(
      normalise(x.after_unknown ?? null),
      normalise(y.after_unknown ?? null),
      "after_unknown",
    );
    if (d) diffs.push(`${addr}: ${d}`);
  }
  for (const addr of cb.keys()) if (!ca.has(addr)) diffs.push(`${addr}: change only in the second plan`);
  const d = firstDifference(
    normalise((a.planned_values?.outputs ?? {}) as Json),
    normalise((b.planned_values?.outputs ?? {}) as Json),
    "outputs",
  );
  if (d) diffs.push(d);
  return diffs;
}

/** How many resources the plan declares (for the summary line). */
export function resourceCount(p: Plan): number {
  return resourcesOf(p.planned_values?.root_module).size;
}

if (require.main === module) {
  const [fa, fb] = process.argv.slice(2);
  if (!fa || !fb) {
    console.error("usage: compare-plans.ts <plan-a.json> <plan-b.json>");
    process.exit(2);
  }
  let a: Plan, b: Plan;
  try {
    a = JSON.parse(readFileSync(fa, "utf8")) as Plan;
    b = JSON.parse(readFileSync(fb, "utf8")) as Plan;
  } catch (e) {
    console.error(`compare-plans: ${(e as Error).message}`);
    process.exit(2);
  }
  const diffs = comparePlans(a, b);
  if (diffs.length) {
    for (const line of diffs.slice(0, 50)) console.error(`  ${line}`);
    if (diffs.length > 50) console.error(`  ... and ${diffs.length - 50} more`);
    console.error(`compare-plans: ${diffs.length} difference(s) between ${fa} and ${fb}`);
    process.exit(1);
  }
  console.log(`compare-plans: same plan (${resourceCount(a)} resources, addresses, values and outputs)`);
}
