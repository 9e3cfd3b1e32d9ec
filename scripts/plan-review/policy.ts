/**
 * Policy documents diffed statement by statement: which actions, resources, principals and
 * conditions a statement gains or loses, and whether that widens what the policy allows.
 *
 * Widening is judged by coverage, IAM's own wildcards (`*`, `?`) included: an Allow widens when
 * its actions, resources or principals name something the old statement's did not cover (an
 * entry swapped for another counts: `s3:GetObject` → `s3:DeleteObject`, `.../scripts*` →
 * `.../*`, one bucket's ARN for another's, unless the plan renames that bucket), when it gains a
 * NotAction/NotResource/NotPrincipal or its NotAction/NotResource no longer excludes something,
 * or when a condition is dropped or loosened. A Deny widens what is allowed in the mirror cases: it goes away, stops covering an
 * action, resource or principal, excludes more, or gains or tightens a condition.
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
  /** The conditions as operator, key and values, for judging what a change does. */
  conds: Condition[];
}

export interface Condition {
  op: string;
  key: string;
  values: string[];
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
    for (const x of list(v))
      // An account id and its root ARN name the same principal.
      out.push(kind === "AWS" && /^\d{12}$/.test(x) ? `AWS:arn:aws:iam::${x}:root` : `${kind}:${x}`);
  return out;
}

function conds(c: unknown): Condition[] {
  const out: Condition[] = [];
  for (const [op, byKey] of Object.entries((c ?? {}) as Record<string, Record<string, unknown>>))
    for (const [key, v] of Object.entries(byKey ?? {})) out.push({ op, key, values: list(v).sort() });
  return out;
}

const condText = (c: Condition) => `${c.op} ${c.key} = ${c.values.join("|")}`;

/**
 * The JSON of a synthesised `${jsonencode({...})}` expression (how cdktf writes a policy built
 * from an object): HCL's `"key" = value` as `"key": value`, a bare reference
 * (`aws_sns_topic.t.arn`) as the string `"${aws_sns_topic.t.arn}"`. Undefined when `text` is not
 * one, or holds what this does not read (a function call, arithmetic).
 */
export function jsonencodeBody(text: string): unknown {
  const m = /^\$\{jsonencode\(([^]*)\)\}$/.exec(text.trim());
  if (!m) return undefined;
  const src = m[1];
  let out = "";
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (c === "=") {
      out += ":";
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const ref = /^[A-Za-z_][\w-]*(?:\.[\w-]+|\[\d+\])*/.exec(src.slice(i))![0];
      // An unquoted object key (`Statement = [...]`) is its name; anything else a reference.
      const isKey = /^\s*=(?!=)/.test(src.slice(i + ref.length));
      out += isKey
        ? JSON.stringify(ref)
        : ["true", "false", "null"].includes(ref)
          ? ref
          : JSON.stringify(`\${${ref}}`);
      i += ref.length;
    } else {
      out += c;
      i++;
    }
  }
  try {
    return JSON.parse(out);
  } catch {
    return undefined;
  }
}

/** Parses a policy document (a JSON string, a synthesised jsonencode, or an object); undefined when it is not one. */
export function parsePolicy(doc: unknown): Statement[] | undefined {
  let d = doc;
  if (typeof d === "string") {
    if (d.trim() === "") return [];
    const encoded = jsonencodeBody(d);
    if (encoded !== undefined) d = encoded;
    else
      try {
        d = JSON.parse(d);
      } catch {
        return undefined;
      }
  }
  if (!d || typeof d !== "object") return undefined;
  const raw = (d as { Statement?: unknown }).Statement;
  return list2(raw).map((s) => {
    const c = conds(s.Condition);
    return {
      sid: typeof s.Sid === "string" && s.Sid !== "" ? s.Sid : undefined,
      effect: s.Effect === "Deny" ? "Deny" : "Allow",
      actions: list(s.Action),
      notActions: list(s.NotAction),
      resources: list(s.Resource),
      notResources: list(s.NotResource),
      principals: [...principals(s.Principal), ...principals(s.NotPrincipal).map((x) => `not ${x}`)],
      conditions: c.map(condText),
      conds: c,
    };
  });
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

/**
 * Whether IAM pattern `pattern` allows everything `value` (itself possibly a pattern) does: `*`
 * any run of characters, `?` one character but not a `*` of `value` (`a?` does not cover `a*`);
 * actions ignore case.
 */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === "*") return true;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, "[^*]");
  return new RegExp(`^${re}$`, ignoreCase ? "is" : "s").test(value);
}

/** Whether `value` is allowed by one of `patterns` (a principal `*` or `AWS:*` covers any of its kind). */
function covered(value: string, patterns: string[], field: Field): boolean {
  const ignoreCase = field === "actions" || field === "notActions";
  return patterns.some((p) => {
    if (field === "principals") {
      if (p === "*" || p === "AWS:*") return !value.startsWith("not ");
      const [pk, ...pv] = p.split(":");
      const [vk, ...vv] = value.split(":");
      return pk === vk && matches(pv.join(":"), vv.join(":"), false);
    }
    return matches(p, value, ignoreCase);
  });
}

/** Entries of `after` that `before` did not cover: what the field now names that it did not. */
function uncovered(after: string[], before: string[], field: Field): string[] {
  return after.filter((x) => !covered(x, before, field));
}

/** Operators that exclude their values (Null is not one: its values are ORed like any test). */
const NEGATED = /Not/;

/** Whether the conditions of `a` allow something those of `b` did not (for an Allow). */
function conditionsLoosen(b: Condition[], a: Condition[]): boolean {
  // The test itself, without its set (ForAnyValue:/ForAllValues:) and IfExists modifiers, which
  // keep their meaning when the values change. Condition keys ignore case.
  const base = (op: string) => op.replace(/^For(Any|All)Values?:/, "").replace(/IfExists$/, "");
  const sameKey = (x: Condition, y: Condition) => x.key.toLowerCase() === y.key.toLowerCase();
  return b.some((bc) => {
    let ac = a.find((c) => c.op === bc.op && sameKey(c, bc));
    // StringLike → StringEquals of the same key (same modifiers): a narrower test of the values.
    const narrowed =
      !ac &&
      base(bc.op) === "StringLike" &&
      a.find(
        (c) =>
          sameKey(c, bc) &&
          base(c.op) === "StringEquals" &&
          c.op.replace("StringEquals", "StringLike") === bc.op,
      );
    if (narrowed) ac = { ...narrowed, op: bc.op };
    if (!ac) return true; // dropped (or its operator changed)
    const op = base(bc.op);
    const like = /Like$/.test(op);
    const within = (xs: string[], ys: string[]) =>
      xs.every((x) => ys.some((y) => (like ? matches(y, x, false) : y === x)));
    // A positive test allows its values: more values, or broader ones, allow more. A negated one
    // (StringNotEquals, ArnNotLike, ...) excludes them: fewer excluded allow more.
    if (NEGATED.test(op)) return !within(bc.values, ac.values);
    if (/^(String|Arn)/.test(op)) return !within(ac.values, bc.values);
    return ac.values.join("|") !== bc.values.join("|"); // numbers, dates, IPs, Bool: any change
  });
}

/**
 * Whether `a`, the new version of statement `b` (same effect), allows more than `b` did. The
 * `renames` (old → new names of resources the plan replaces) are applied to `b`'s resources,
 * principals and condition values first: a grant that follows its renamed bucket names nothing new.
 */
function widens(b0: Statement, a: Statement, renames: [string, string][]): boolean {
  // Whole names only: `bdp-dev-lake` → `bdp-dev-lake-v2` must not rename `bdp-dev-lake-logs`.
  const whole = (from: string) =>
    new RegExp(`(?<![\\w.-])${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w.-])`, "g");
  const rename = (x: string) => renames.reduce((v, [from, to]) => v.replace(whole(from), to), x);
  const b = {
    ...b0,
    resources: b0.resources.map(rename),
    principals: b0.principals.map(rename),
    conds: b0.conds.map((c) => ({ ...c, values: c.values.map(rename) })),
  };
  const pos = (xs: string[]) => xs.filter((x) => !x.startsWith("not "));
  const neg = (xs: string[]) => xs.filter((x) => x.startsWith("not "));
  const sameSet = (x: string[], y: string[]) => x.length === y.length && x.every((v) => y.includes(v));
  // What the wider side names that the narrower did not: for an Allow the new statement is the
  // wider one; for a Deny the old one (what it stops denying is allowed again).
  const [more, less] = a.effect === "Allow" ? [a, b] : [b, a];
  if (
    uncovered(more.actions, less.actions, "actions").length > 0 ||
    uncovered(more.resources, less.resources, "resources").length > 0 ||
    uncovered(pos(more.principals), pos(less.principals), "principals").length > 0 ||
    !sameSet(neg(a.principals), neg(b.principals)) ||
    uncovered(less.notActions, more.notActions, "notActions").length > 0 ||
    uncovered(less.notResources, more.notResources, "notResources").length > 0
  )
    return true;
  if (a.effect === "Allow")
    return (
      (a.notActions.length > 0 && b.notActions.length === 0) ||
      (a.notResources.length > 0 && b.notResources.length === 0) ||
      conditionsLoosen(b.conds, a.conds)
    );
  // A Deny's conditions narrow what it denies: a new one, or any change of one, may deny less.
  return a.conds.some((ac) => !b.conds.some((bc) => condText(bc) === condText(ac)));
}

export function diffPolicies(
  before: Statement[],
  after: Statement[],
  renames: [string, string][] = [],
): StatementDiff[] {
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
        widens: widens(b, a, renames),
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

/**
 * What a new policy's Allow statements grant broadly, one line each: any action, every action
 * but some (NotAction), every resource but some (NotResource), every principal with no
 * condition, or a whole service on every resource in an identity policy. A new policy has no
 * before to widen from; these are the grants a reviewer must see.
 */
export function broadGrants(statements: Statement[], identity: boolean): string[] {
  const out: string[] = [];
  statements.forEach((s, i) => {
    if (s.effect !== "Allow") return;
    const label = s.sid ? `"${s.sid}"` : `statement ${i + 1}`;
    const why: string[] = [];
    if (s.actions.includes("*")) why.push("any action");
    if (s.notActions.length) why.push(`every action but ${s.notActions.join(", ")}`);
    if (s.notResources.length) why.push(`every resource but ${s.notResources.join(", ")}`);
    if ((s.principals.includes("*") || s.principals.includes("AWS:*")) && s.conds.length === 0)
      why.push("every principal, with no condition");
    if (s.principals.some((p) => p.startsWith("not "))) why.push("every principal but some (NotPrincipal)");
    const services = s.actions.filter((a) => /^[\w-]+:\*$/.test(a));
    if (identity && s.resources.includes("*") && services.length)
      why.push(`all of ${services.join(", ")} on every resource`);
    if (why.length) out.push(`Allow ${label}: ${why.join("; ")}`);
  });
  return out;
}

/** AWS-managed policies that grant a whole account, or a whole service, to what they are attached to. */
const BROAD_MANAGED =
  /^arn:aws[\w-]*:iam::aws:policy\/(?:[\w-]+\/)?(AdministratorAccess|PowerUserAccess|IAMFullAccess|SystemAdministrator|[\w-]*FullAccess[\w-]*)$/;

/** The broad AWS-managed policy a policy ARN names, or undefined. */
export function broadManagedPolicy(arn: string): string | undefined {
  return BROAD_MANAGED.exec(arn)?.[1];
}
