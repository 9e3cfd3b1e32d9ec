/**
 * A static reading of a job script's argparse definition (no Python needed, so `submit-job list`
 * is instant), and the checks of a job's own arguments against it.
 */
import { isDayArg, parsePartitionArg } from "../../constructs/contract/lake";
import { UsageError } from "./errors";

/** One `parser.add_argument(...)` as read from the source. */
export interface JobArg {
  readonly flags: readonly string[];
  readonly required: boolean;
  /** True when the flag takes no value (store_true / store_false / count). */
  readonly isSwitch: boolean;
  readonly help?: string;
  /** The default as written in the source (a Python expression). */
  readonly default?: string;
  /** The `type=` as written in the source (e.g. `day_arg`), whose values {@link VALUE_CHECKS} may know. */
  readonly type?: string;
}

/** What the argument checks need to know of a job. */
export interface ArgparseJob {
  readonly name: string;
  readonly args: readonly JobArg[];
  /** False when some add_argument call could not be read statically (then args are advisory). */
  readonly argsComplete: boolean;
}

/** Python string literal(s), with implicit concatenation: `"a" 'b'` → `ab`. Undefined if not a literal. */
export function pyString(expr: string): string | undefined {
  const re = /\s*([rRuUfFbB]{0,2})("""|'''|"|')/y;
  let i = 0;
  let out = "";
  let any = false;
  const t = expr.trim();
  while (i < t.length) {
    re.lastIndex = i;
    const m = re.exec(t);
    if (!m) return undefined;
    const raw = m[1].toLowerCase().includes("r");
    const q = m[2];
    let j = re.lastIndex;
    let s = "";
    for (;;) {
      if (j >= t.length) return undefined;
      if (t.startsWith(q, j)) {
        j += q.length;
        break;
      }
      const c = t[j];
      if (c === "\\" && !raw && j + 1 < t.length) {
        const n = t[j + 1];
        s += n === "n" ? "\n" : n === "t" ? "\t" : n === "\n" ? "" : n;
        j += 2;
        continue;
      }
      s += c;
      j += 1;
    }
    out += s;
    any = true;
    i = j;
    while (i < t.length && /\s/.test(t[i])) i += 1;
  }
  return any ? out : undefined;
}

/** Splits a call's argument text at top-level commas (respecting brackets and strings). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      let j = i + q.length;
      while (j < text.length && !text.startsWith(q, j)) j += text[j] === "\\" ? 2 : 1;
      cur += text.slice(i, j + q.length);
      i = j + q.length - 1;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if ("([{".includes(c)) depth++;
    if (")]}".includes(c)) depth--;
    if (c === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

/** Finds each `.add_argument(` call and returns its argument text (balanced parentheses). */
function addArgumentCalls(src: string): string[] {
  const calls: string[] = [];
  const re = /\.add_argument\s*\(/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    let depth = 1;
    let j = re.lastIndex;
    const start = j;
    while (j < src.length && depth > 0) {
      const c = src[j];
      if (c === '"' || c === "'") {
        const q = src.startsWith(c.repeat(3), j) ? c.repeat(3) : c;
        j += q.length;
        while (j < src.length && !src.startsWith(q, j)) j += src[j] === "\\" ? 2 : 1;
        j += q.length;
        continue;
      }
      if (c === "(") depth++;
      if (c === ")") depth--;
      j++;
    }
    calls.push(src.slice(start, j - 1));
  }
  return calls;
}

/** Reads argparse definitions from Python source: both `add_argument("--x", ...)` shapes. */
export function parseArgparse(src: string): { args: JobArg[]; complete: boolean } {
  const args: JobArg[] = [];
  let complete = true;
  for (const call of addArgumentCalls(src)) {
    const flags: string[] = [];
    const kw: Record<string, string> = {};
    for (const part of splitTopLevel(call)) {
      const m = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]*)$/.exec(part);
      if (m) kw[m[1]] = m[2].trim();
      else {
        const s = pyString(part);
        if (s === undefined) complete = false;
        else flags.push(s);
      }
    }
    if (flags.length === 0) {
      complete = false;
      continue;
    }
    const action = kw.action ? pyString(kw.action) : undefined;
    const positional = !flags[0].startsWith("-");
    args.push({
      flags,
      required: positional || kw.required === "True",
      isSwitch: action === "store_true" || action === "store_false" || action === "count",
      help: kw.help ? (pyString(kw.help) ?? kw.help).replace(/\s+/g, " ").trim() : undefined,
      default: kw.default,
      type: kw.type,
    });
  }
  return { args, complete };
}

/** First paragraph of the module docstring, if any. */
export function moduleSummary(src: string): string | undefined {
  const m = /^(?:\s*#[^\n]*\n|\s*\n)*\s*[rRuU]?("""|''')([\s\S]*?)\1/.exec(src);
  if (!m) return undefined;
  // The first paragraph, unwrapped (docstrings wrap at ~100 columns).
  const para = m[2]
    .trim()
    .split(/\n\s*\n/)[0]
    .replace(/\s+/g, " ")
    .trim();
  return para || undefined;
}

/** `-5`, `2.5`: values, never flags (argparse reads them the same way). */
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

/** The job's `--` flags that submit-job does not set itself (for messages). */
function ownFlags(job: ArgparseJob): string[] {
  return job.args.flatMap((a) =>
    a.flags.filter((f) => f.startsWith("--") && f !== "--input" && f !== "--output"),
  );
}

/**
 * The job's own flags given among submit-job's options (`submit-job streaming-processor
 * --partition P --local`). The CLI parser leaves the options it does not define, and the words
 * after them, in order; each option must be one of the job's argparse flags, and takes the next
 * word as its value unless it is a switch or written `--flag=value`. Anything else is a one-line
 * usage error naming it.
 */
export function jobFlags(job: ArgparseJob, words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith("-") || NEGATIVE_NUMBER.test(word))
      throw new UsageError(`unexpected argument ${word}; job args go after \`--\``);
    const flag = word.split("=")[0];
    const spec = job.args.find((a) => a.flags.includes(flag));
    if (!spec) {
      const known = ownFlags(job);
      throw new UsageError(
        `unknown option ${flag}: not a submit-job option (see --help) and ${job.name} does not take it (${
          known.length ? `it takes: ${known.join(", ")}` : "it takes only --input and --output"
        })${job.argsComplete ? "" : "; if its script does, pass it after `--`"}`,
      );
    }
    out.push(word);
    if (spec.isSwitch || word.includes("=")) continue;
    const value = words[i + 1];
    if (value === undefined || (value.startsWith("-") && !NEGATIVE_NUMBER.test(value)))
      throw new UsageError(`${flag} needs a value (${job.name} option${spec.help ? `: ${spec.help}` : ""})`);
    out.push(value);
    i++;
  }
  return out;
}

/**
 * The argparse types of the jobs in jobs/ (`common.cli`) whose values submit-job checks before it
 * uploads anything, with the jobs' own messages: a bad value then fails here, not as a step on the
 * cluster. Each is the TypeScript reading of the same rule (`constructs/contract/lake.ts`).
 */
const VALUE_CHECKS: Record<string, { ok: (v: string) => boolean; expected: (flag: string) => string }> = {
  day_arg: { ok: isDayArg, expected: () => "a day as YYYY-MM-DD" },
  partition_arg: {
    ok: (v) => parsePartitionArg(v) !== null,
    expected: (flag) => `${flag} year=YYYY/month=MM/day=DD/hour=HH (zero-padded, a real hour)`,
  },
};

/** The values of the job's valued flags in `extra` (`--flag value` or `--flag=value`), by the arg. */
function givenValues(
  job: ArgparseJob,
  extra: readonly string[],
): Map<JobArg, { flag: string; value: string }> {
  const out = new Map<JobArg, { flag: string; value: string }>();
  for (let i = 0; i < extra.length; i++) {
    const word = extra[i];
    if (!word.startsWith("--")) continue;
    const [flag, ...rest] = word.split("=");
    const spec = job.args.find((a) => a.flags.includes(flag));
    if (!spec || spec.isSwitch) continue;
    const value = rest.length > 0 ? rest.join("=") : extra[i + 1];
    if (value !== undefined) out.set(spec, { flag, value });
    if (rest.length === 0) i++;
  }
  return out;
}

/** Checks extra job args against the job's argparse definition (when it was fully readable). */
export function checkJobArgs(job: ArgparseJob, extra: readonly string[]): void {
  if (!job.argsComplete || job.args.length === 0) return;
  const given = new Set(extra.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]));
  for (const flag of given) {
    if (flag === "--input" || flag === "--output") {
      throw new UsageError(`pass ${flag} as a submit-job option (before --), not as an extra job arg`);
    }
    if (!job.args.some((a) => a.flags.includes(flag))) {
      const known = job.args.flatMap((a) => a.flags.filter((f) => f.startsWith("--")));
      throw new UsageError(
        `${job.name} does not accept ${flag} (it takes: ${known.join(", ")}); see \`submit-job list\``,
      );
    }
  }
  for (const a of job.args) {
    if (
      !a.required ||
      a.flags.includes("--input") ||
      a.flags.includes("--output") ||
      !a.flags[0].startsWith("-")
    )
      continue;
    if (!a.flags.some((f) => given.has(f))) {
      throw new UsageError(
        `${job.name} requires ${a.flags[0]}${a.help ? ` (${a.help})` : ""}; pass it after \`--\` or as a job flag`,
      );
    }
  }
  const values = givenValues(job, extra);
  for (const [spec, { flag, value }] of values) {
    const check = spec.type === undefined ? undefined : VALUE_CHECKS[spec.type];
    if (check && !check.ok(value))
      throw new UsageError(`${flag}: expected ${check.expected(flag)}, got "${value}" (${job.name} option)`);
  }
  // A day range the jobs would refuse (batch-processing's own check), refused before the upload.
  const day = (name: string) =>
    [...values].find(([a]) => a.type === "day_arg" && a.flags.includes(name))?.[1].value;
  const [from, to] = [day("--from-day"), day("--to-day")];
  if (from !== undefined && to !== undefined && to < from)
    throw new UsageError(`--to-day ${to} is before --from-day ${from} (${job.name} option)`);
}
