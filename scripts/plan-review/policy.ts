/**
 * Policy documents diffed statement by statement: which actions, resources, principals and
 * conditions a statement gains or loses, and whether that widens what the policy allows.
 * Widening: an Allow gains actions/resources/principals or loses conditions, a new Allow, or a
 * Deny that goes away, loses actions/resources/principals or gains conditions.
 */

export interface Statement {
  sid?: string;
  effect: "Allow" | "Deny";
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  principals: string[];
  conditions: string[];
}

export interface StatementDiff {
  /** how the statement is named in the report: its Sid or its position */
  label: string;
  effect: "Allow" | "Deny";
  change: "added" | "removed" | "changed";
  added: Partial<Record<Field, string[]>>;
  removed: Partial<Record<Field, string[]>>;
  widens: boolean;
}

type Field = "actions" | "notActions" | "resources" | "notResources" | "principals" | "conditions";
const FIELDS: Field[] = ["actions", "notActions", "resources", "notResources", "principals", "conditions"];

const list = (v: unknown): string[] =>
  v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x));

function principals(p: unknown): string[] {
  if (p === undefined || p === null) return [];
  if (typeof p === "string") return [p === "*" ? "*" : p];
  const out: string[] = [];
  for (const [kind, v] of Object.entries(p as Record<string, unknown>))
    for (const x of list(v)) out.push(`${kind}:${x}`);
  return out;
}

function conditions(c: unknown): string[] {
  const out: string[] = [];
  for (const [op, byKey] of Object.entries((c ?? {}) as Record<string, Record<string, unknown>>))
    for (const [key, v] of Object.entries(byKey ?? {}))
      out.push(`${op} ${key} = ${list(v).sort().join("|")}`);
  return out;
}

/** Parses a policy document (a JSON string or object); undefined when it is not one. */
export function parsePolicy(doc: unknown): Statement[] | undefined {
  let d = doc;
  if (typeof d === "string") {
    if (d.trim() === "") return [];
    try {
      d = JSON.parse(d);
    } catch {
      return undefined;
    }
  }
  if (!d || typeof d !== "object") return undefined;
  const raw = (d as { Statement?: unknown }).Statement;
  return list2(raw).map((s) => ({
    sid: typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : undefined,
    effect: s.Effect === "Deny" ? "Deny" : "Allow",
    actions: list(s.Action),
    notActions: list(s.NotAction),
    resources: list(s.Resource),
    notResources: list(s.NotResource),
    principals: [...principals(s.Principal), ...principals(s.NotPrincipal).map((x) => `not ${x}`)],
    conditions: conditions(s.Condition),
  }));
}

function list2(raw: unknown): Record<string, unknown>[] {
  if (!raw) return [];
  return (Array.isArray(raw) ? raw : [raw]).filter(
    (s): s is Record<string, unknown> => !!s && typeof s === "object",
  );
}

const minus = (a: string[], b: string[]) => [...new Set(a)].filter((x) => !b.includes(x)).sort();

function overlap(a: Statement, b: Statement): number {
  if (a.effect !== b.effect) return -1;
  let n = 0;
  for (const f of FIELDS) n += a[f].filter((x) => b[f].includes(x)).length;
  return n;
}

/** Pairs statements: same Sid first, then the most overlapping of the same effect. */
function pair(before: Statement[], after: Statement[]): [Statement | undefined, Statement | undefined][] {
  const pairs: [Statement | undefined, Statement | undefined][] = [];
  const left = [...before];
  const right = [...after];
  for (const b of [...left]) {
    if (!b.sid) continue;
    const i = right.findIndex((a) => a.sid === b.sid);
    if (i >= 0) {
      pairs.push([b, right[i]]);
      right.splice(i, 1);
      left.splice(left.indexOf(b), 1);
    }
  }
  for (const b of [...left]) {
    let best = -1;
    let bestScore = 0;
    right.forEach((a, i) => {
      if (a.sid && b.sid) return;
      const s = overlap(b, a);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    if (best >= 0) {
      pairs.push([b, right[best]]);
      right.splice(best, 1);
      left.splice(left.indexOf(b), 1);
    }
  }
  for (const b of left) pairs.push([b, undefined]);
  for (const a of right) pairs.push([undefined, a]);
  return pairs;
}

const wildcards = (x: string) => (x === "*" ? 99 : (x.match(/[*?]/g) ?? []).length);

/**
 * Whether a field really gains: more entries than it loses, or an entry broader (more wildcards)
 * than the ones it replaces. One ARN swapped for another (a renamed bucket) is a substitution.
 */
function gains(plus: string[] | undefined, less: string[] | undefined, field: Field): boolean {
  if (!plus?.length) return false;
  if (!less?.length || plus.length > less.length) return true;
  if (field === "conditions") {
    // A condition whose value changed keeps its operator and key.
    const keyOf = (c: string) => c.slice(0, c.indexOf(" = "));
    return plus.some((c) => !less.some((l) => keyOf(l) === keyOf(c)) || wildcards(c) > wildcards(less[0]));
  }
  const broadest = Math.max(...less.map(wildcards));
  return plus.some((x) => wildcards(x) > broadest);
}

/** Widening for an Allow; for a Deny the same change narrows what is denied, so the rule flips. */
function widens(
  effect: "Allow" | "Deny",
  added: Partial<Record<Field, string[]>>,
  removed: Partial<Record<Field, string[]>>,
): boolean {
  const up = (f: Field) => gains(added[f], removed[f], f);
  const down = (f: Field) => gains(removed[f], added[f], f);
  if (effect === "Allow")
    return (
      up("actions") ||
      up("resources") ||
      up("principals") ||
      down("conditions") ||
      down("notActions") ||
      down("notResources")
    );
  return (
    down("actions") ||
    down("resources") ||
    down("principals") ||
    up("conditions") ||
    up("notActions") ||
    up("notResources")
  );
}

export function diffPolicies(before: Statement[], after: Statement[]): StatementDiff[] {
  const diffs: StatementDiff[] = [];
  pair(before, after).forEach(([b, a], i) => {
    const s = (a ?? b)!;
    const label = s.sid ? `"${s.sid}"` : `statement ${(a ? after.indexOf(a) : before.indexOf(b!)) + 1}`;
    const added: Partial<Record<Field, string[]>> = {};
    const removed: Partial<Record<Field, string[]>> = {};
    for (const f of FIELDS) {
      const plus = minus(a?.[f] ?? [], b?.[f] ?? []);
      const less = minus(b?.[f] ?? [], a?.[f] ?? []);
      if (plus.length) added[f] = plus;
      if (less.length) removed[f] = less;
    }
    if (b && a && b.effect !== a.effect) {
      diffs.push({
        label,
        effect: a.effect,
        change: "changed",
        added,
        removed,
        widens: a.effect === "Allow",
      });
      return;
    }
    if (!b)
      diffs.push({ label, effect: s.effect, change: "added", added, removed, widens: s.effect === "Allow" });
    else if (!a)
      diffs.push({ label, effect: s.effect, change: "removed", added, removed, widens: s.effect === "Deny" });
    else if (Object.keys(added).length + Object.keys(removed).length > 0)
      diffs.push({
        label,
        effect: s.effect,
        change: "changed",
        added,
        removed,
        widens: widens(s.effect, added, removed),
      });
    void i;
  });
  return diffs;
}

const FIELD_NAMES: Record<Field, string> = {
  actions: "actions",
  notActions: "NotAction",
  resources: "resources",
  notResources: "NotResource",
  principals: "principals",
  conditions: "conditions",
};

/** Report lines for one diff: `Allow "Objects" changed: + actions s3:* · − actions s3:GetObject`. */
export function describeDiff(d: StatementDiff, max = 6): string {
  const bits: string[] = [];
  const show = (xs: string[]) =>
    xs.length > max ? `${xs.slice(0, max).join(", ")} and ${xs.length - max} more` : xs.join(", ");
  for (const f of FIELDS) {
    if (d.added[f]) bits.push(`+ ${FIELD_NAMES[f]} ${show(d.added[f]!)}`);
    if (d.removed[f]) bits.push(`− ${FIELD_NAMES[f]} ${show(d.removed[f]!)}`);
  }
  return `${d.effect} ${d.label} ${d.change}${bits.length ? `: ${bits.join(" · ")}` : ""}`;
}

/** Whether the statements contain the deny-unless-TLS guard (Deny when aws:SecureTransport is false). */
export function hasTlsOnly(statements: Statement[]): boolean {
  return statements.some(
    (s) => s.effect === "Deny" && s.conditions.some((c) => /^Bool aws:SecureTransport = false$/i.test(c)),
  );
}
