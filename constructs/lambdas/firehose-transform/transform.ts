/**
 * Pure record transformation for the Firehose transform Lambda (DESIGN §4.3): validate event
 * schema v1, anonymise `ip_address`, classify `status_code`, stamp `processed_at` and
 * `schema_version`, fold unknown fields into `extra`.
 *
 * No AWS SDK and no Lambda globals: the handler, the local demo and the tests all call this.
 */
import {
  EVENT_FIELDS,
  LOG_TYPES,
  SCHEMA_VERSION,
  STATUS_CATEGORIES,
  type EventField,
} from "../../contract/event-schema";

/** Outcome of transforming one decoded record: the row as one JSON line, or why it was rejected. */
export type TransformOutcome = { ok: true; json: string } | { ok: false; reason: string };

/**
 * Columns the transform computes: a producer-sent value is replaced (schema_version is checked).
 * A producer-sent `extra` is not among them: it is kept, nested, as `extra.extra`.
 */
const TRANSFORM_OWNED: ReadonlySet<string> = new Set(["status_category", "processed_at", "schema_version"]);
const LOG_TYPE_SET: ReadonlySet<string> = new Set(LOG_TYPES);
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

/** Index in STATUS_CATEGORIES of a status code's class: 1xx → 0 … 5xx → 4, anything else → 5. */
export function statusClass(code: number | null | undefined): number {
  if (typeof code !== "number" || !Number.isInteger(code) || code < 100 || code >= 600) return 5;
  return Math.floor(code / 100) - 1;
}

/** HTTP status class of a status code (1xx Informational … 5xx Server Error, else Unknown). */
export function statusCategory(code: number | null | undefined): string {
  return STATUS_CATEGORIES[statusClass(code)];
}

/** A dotted quad of octets 0–255 without leading zeros, each octet a group. */
const OCTET = String.raw`(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Parses an IPv6 address (with optional zone and embedded IPv4 tail) into 8 hextets, or null. */
function parseIpv6(input: string): number[] | null {
  const addr = input.split("%", 1)[0];
  if (addr.length < 2 || addr.length > 45) return null;
  let head = addr;
  let tail4: number[] = [];
  const lastColon = addr.lastIndexOf(":");
  if (addr.includes(".")) {
    const v4 = addr.slice(lastColon + 1);
    const m = IPV4.exec(v4);
    if (!m) return null;
    const o = [m[1], m[2], m[3], m[4]].map(Number);
    tail4 = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    head = addr.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const parts = head.split("::");
  if (parts.length > 2) return null;
  const toGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!HEXTET.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = toGroups(parts[0]);
  if (!left) return null;
  if (parts.length === 1) {
    const all = left.concat(tail4);
    return all.length === 8 ? all : null;
  }
  const right = toGroups(parts[1]);
  if (!right) return null;
  const known = left.length + right.length + tail4.length;
  if (known > 7) return null;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail4];
}

/**
 * Anonymises an IP address: IPv4 keeps the /24 (last octet → 0), IPv6 keeps the /48
 * (`2001:db8:abcd::`), IPv4-mapped IPv6 is treated as its IPv4. Returns null when the string is
 * not an IP address: the caller rejects the record rather than storing an unparsed identifier.
 */
export function anonymizeIp(ip: string): string | null {
  const m4 = IPV4.exec(ip);
  if (m4) return `${m4[1]}.${m4[2]}.${m4[3]}.0`;
  if (!ip.includes(":")) return null;
  const g = parseIpv6(ip);
  if (!g) return null;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.0`;
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0) return "::";
  return `${g[0].toString(16)}:${g[1].toString(16)}:${g[2].toString(16)}::`;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2}):?(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const D0 = 48;
const digit = (b: Uint8Array, i: number): number => {
  const c = b[i] - D0;
  return c >= 0 && c <= 9 ? c : -1e6; // poisons any sum it is part of
};
const num2 = (b: Uint8Array, i: number): number => digit(b, i) * 10 + digit(b, i + 1);

/**
 * Whether the 24 bytes at `b[a]` are a timestamp in the form producers normally send and the
 * transform emits (`yyyy-MM-ddTHH:mm:ss.SSSZ`) naming a real date: checked with byte codes, no
 * regex, Date or string. The transform's fast path reads record bytes with it.
 */
export function isCanonicalUtcAt(b: Uint8Array, a: number): boolean {
  if (b[a + 4] !== 0x2d || b[a + 7] !== 0x2d || b[a + 10] !== 0x54 || b[a + 13] !== 0x3a) return false;
  if (b[a + 16] !== 0x3a || b[a + 19] !== 0x2e || b[a + 23] !== 0x5a) return false;
  const y = num2(b, a) * 100 + num2(b, a + 2);
  const mo = num2(b, a + 5);
  const d = num2(b, a + 8);
  const ms = num2(b, a + 20) * 10 + digit(b, a + 22);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || ms < 0) return false;
  if (num2(b, a + 11) < 0 || num2(b, a + 11) > 23 || num2(b, a + 14) < 0 || num2(b, a + 14) > 59)
    return false;
  if (num2(b, a + 17) < 0 || num2(b, a + 17) > 59) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]);
}

/** isCanonicalUtcAt for a string: 24 characters that are 24 UTF-8 bytes are ASCII. */
function isCanonicalUtc(s: string): boolean {
  const b = Buffer.from(s, "utf8");
  return b.length === 24 && isCanonicalUtcAt(b, 0);
}

/**
 * Normalises an ISO-8601 timestamp with an explicit zone to UTC `yyyy-MM-ddTHH:mm:ss.SSSZ`,
 * the form Firehose's OpenX JSON SerDe parses into a Glue `timestamp`. Returns null when the
 * value is not such a string or names an impossible date. Fractions beyond milliseconds are
 * truncated (Parquet stores what the SerDe reads: milliseconds).
 */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 40) return null;
  if (value.length === 24 && isCanonicalUtc(value)) return value;
  const m = ISO.exec(value);
  if (!m) return null;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const h = +m[4];
  const mi = +m[5];
  const s = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : +(m[7] + "00").slice(0, 3);
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const dim = mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1];
  if (d < 1 || d > dim) return null;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = +m[10];
    const om = +m[11];
    if (oh > 14 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (m[9] === "-" ? -1 : 1);
  }
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  const out = new Date(t);
  const oy = out.getUTCFullYear();
  // Date.UTC maps years 0–99 to 1900–1999, and toISOString leaves the 4-digit form after 9999.
  if (y < 1000 || oy < 1000 || oy > 9999) return null;
  return out.toISOString();
}

function typeError(field: EventField, got: unknown): string {
  const kind = got === null ? "null" : Array.isArray(got) ? "array" : typeof got;
  const want: Record<string, string> = {
    string: "a string",
    int: "a 32-bit integer",
    bigint: "a safe integer",
    double: "a finite number",
    timestamp: "an ISO-8601 timestamp with a zone",
  };
  const shown = kind === "number" || kind === "string" ? JSON.stringify(got).slice(0, 40) : kind;
  return `${field.name} must be ${want[field.type]}, got ${shown}`;
}

/**
 * Table-order index of each producer column. A row's present columns are a bit mask, so the
 * table may have at most 31 columns (a test holds EVENT_FIELDS to that).
 */
export const PRODUCER_AT: ReadonlyMap<string, number> = new Map(
  EVENT_FIELDS.flatMap((f, i) => (f.addedByTransform ? [] : [[f.name, i] as const])),
);
export const REQUIRED_MASK = EVENT_FIELDS.reduce((m, f, i) => (f.required ? m | (1 << i) : m), 0);
export const columnAt = (name: string): number => EVENT_FIELDS.findIndex((f) => f.name === name);
export const EVENT_ID_AT = columnAt("event_id");
export const IP_AT = columnAt("ip_address");
export const STATUS_CODE_AT = columnAt("status_code");
const STATUS_CATEGORY_AT = columnAt("status_category");
const PROCESSED_AT_AT = columnAt("processed_at");
const SCHEMA_VERSION_AT = columnAt("schema_version");
const EXTRA_AT = columnAt("extra");
/** Columns whose JSON value is a string: their quotes belong to the literal text around them. */
const QUOTED = EVENT_FIELDS.map((f) => f.type === "string" || f.type === "timestamp");

/**
 * The literal JSON text between the present values of a row: keys, `null`s of the absent
 * columns, quotes of string values, the columns that are the same for a whole batch and status
 * class (`status_category`, `processed_at`, `schema_version`), braces and the newline. A row is
 * `gaps[0] + v1 + gaps[1] + … + vN + gaps[N]`: a web event is ~30 pieces instead of ~50 (V8
 * flattens every piece, and on a ~1 KB row that costs more than copying the bytes). Cached per
 * set of present columns and status class for the batch's `processed_at`; records from one
 * producer have a handful of shapes, and the cache is bounded so odd inputs cannot grow it.
 */
const gapsCache = new Map<number, readonly string[]>();
let gapsProcessedAt = "";
export function gapsFor(mask: number, statusIndex: number, processedAt: string): readonly string[] {
  if (processedAt !== gapsProcessedAt) {
    gapsCache.clear();
    gapsProcessedAt = processedAt;
  }
  const key = mask * 8 + statusIndex;
  const cached = gapsCache.get(key);
  if (cached !== undefined) return cached;
  const gaps = buildGaps(mask, statusIndex, processedAt);
  if (gapsCache.size < 256) gapsCache.set(key, gaps);
  return gaps;
}

/** The literal text of {@link gapsFor}, uncached. `processedAt` is written as JSON.stringify writes it. */
export function buildGaps(mask: number, statusIndex: number, processedAt: string): string[] {
  const gaps: string[] = [];
  let gap = "{";
  EVENT_FIELDS.forEach((f, i) => {
    gap += (i === 0 ? "" : ",") + JSON.stringify(f.name) + ":";
    if (i === STATUS_CATEGORY_AT) gap += JSON.stringify(STATUS_CATEGORIES[statusIndex]);
    else if (i === PROCESSED_AT_AT) gap += JSON.stringify(processedAt);
    else if (i === SCHEMA_VERSION_AT) gap += JSON.stringify(SCHEMA_VERSION);
    else if ((mask & (1 << i)) === 0) gap += "null";
    else {
      gaps.push(gap + (QUOTED[i] ? '"' : ""));
      gap = QUOTED[i] ? '"' : "";
    }
  });
  gaps.push(gap + "}\n");
  return gaps;
}

/** Column texts of the record being transformed (one at a time: transformEvent is synchronous). */
const values = new Array<string>(EVENT_FIELDS.length).fill("");

/** Options of {@link transformEvent}. */
export interface TransformOptions {
  /**
   * The caller guarantees that every string in `input` was parsed from JSON text that holds no
   * backslash and was decoded from valid UTF-8. Such a string holds no `"`, `\\`, control
   * character or lone surrogate, so `JSON.stringify(s)` is `"` + s + `"`: the transform then
   * writes strings as they are instead of escaping them (the costliest step of a ~1 KB record).
   * @default false
   */
  readonly stringsNeedNoEscaping?: boolean;
}

/** JSON string escaping without the quotes (the quotes are part of the row's literal text). */
const escapeJson = (s: string): string => {
  const q = JSON.stringify(s);
  return q.length === s.length + 2 ? s : q.slice(1, -1);
};
const asIs = (s: string): string => s;

/**
 * Validates and enriches one parsed record into the JSON text of a schema-v1 row: every column
 * of EVENT_FIELDS, in table order, null when absent — nothing else — terminated by "\n" so the
 * objects Firehose concatenates stay one JSON document per line. The text is exactly what
 * `JSON.stringify(row) + "\n"` gives (a fuzz test holds it to that); it is assembled from the
 * values and cached literal text because stringifying a freshly built object costs more than
 * the rest of the transform. `processedAt` is an ISO-8601 UTC string (one per batch).
 * Never throws for any JSON value.
 */
export function transformEvent(
  input: unknown,
  processedAt: string,
  opts: TransformOptions = {},
): TransformOutcome {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, reason: "record is not a JSON object" };
  }
  const src = input as Record<string, unknown>;
  const text = opts.stringsNeedNoEscaping === true ? asIs : escapeJson;
  let mask = 0;
  let statusCode: number | null = null;
  let extra: Record<string, unknown> | null = null;
  // One walk over the record's own keys (JSON.parse objects inherit no enumerable key).
  for (const key in src) {
    const i = PRODUCER_AT.get(key);
    const v = src[key];
    if (i === undefined) {
      if (TRANSFORM_OWNED.has(key)) continue;
      // Unknown fields are kept, not dropped. A null-prototype object keeps "__proto__" a key.
      extra ??= Object.create(null) as Record<string, unknown>;
      extra[key] = v;
      continue;
    }
    if (v === undefined || v === null) continue;
    const field = EVENT_FIELDS[i];
    switch (field.type) {
      case "string":
        if (typeof v !== "string") return { ok: false, reason: typeError(field, v) };
        if (i === IP_AT) {
          const anon = anonymizeIp(v);
          if (anon === null) return { ok: false, reason: "ip_address is not an IPv4 or IPv6 address" };
          values[i] = anon; // digits, hex, '.', ':' only
        } else {
          if (i === EVENT_ID_AT && v === "") return { ok: false, reason: "event_id must not be empty" };
          values[i] = text(v);
        }
        break;
      case "int":
        if (typeof v !== "number" || !Number.isInteger(v) || v < INT_MIN || v > INT_MAX) {
          return { ok: false, reason: typeError(field, v) };
        }
        if (i === STATUS_CODE_AT) statusCode = v;
        values[i] = String(v); // JSON.stringify of a finite number is its String
        break;
      case "bigint":
        if (typeof v !== "number" || !Number.isSafeInteger(v))
          return { ok: false, reason: typeError(field, v) };
        values[i] = String(v);
        break;
      case "double":
        if (typeof v !== "number" || !Number.isFinite(v)) return { ok: false, reason: typeError(field, v) };
        values[i] = String(v);
        break;
      case "timestamp": {
        const ts = normalizeTimestamp(v);
        if (ts === null) return { ok: false, reason: typeError(field, v) };
        values[i] = ts; // yyyy-MM-ddTHH:mm:ss.SSSZ
        break;
      }
    }
    mask |= 1 << i;
  }
  if ((mask & REQUIRED_MASK) !== REQUIRED_MASK) {
    const missing = EVENT_FIELDS.find((f, i) => f.required && (mask & (1 << i)) === 0);
    return { ok: false, reason: `missing required field ${missing?.name}` };
  }
  const logType = src.log_type;
  if (!LOG_TYPE_SET.has(logType as string)) {
    const shown = JSON.stringify(logType).slice(0, 40);
    return { ok: false, reason: `log_type must be one of ${LOG_TYPES.join(", ")}, got ${shown}` };
  }
  const sv = src.schema_version;
  if (sv !== undefined && sv !== null && sv !== SCHEMA_VERSION) {
    return { ok: false, reason: `unsupported schema_version ${String(JSON.stringify(sv)).slice(0, 20)}` };
  }

  if (extra !== null) {
    values[EXTRA_AT] = escapeJson(JSON.stringify(extra));
    mask |= 1 << EXTRA_AT;
  }
  const gaps = gapsFor(mask, statusClass(statusCode), processedAt);
  let json = gaps[0];
  for (let i = 0, g = 1; i < values.length; i++) {
    if ((mask & (1 << i)) !== 0) json += values[i] + gaps[g++];
  }
  return { ok: true, json };
}
