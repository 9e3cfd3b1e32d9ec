/**
 * Pure record transformation for the Firehose transform Lambda: validate event schema v1,
 * anonymise `ip_address`, classify `status_code`, stamp `processed_at` and `schema_version`,
 * fold unknown fields into `extra`.
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
/** The columns a producer sends, by name. */
const PRODUCER_FIELDS: ReadonlyMap<string, EventField> = new Map(
  EVENT_FIELDS.filter((f) => !f.addedByTransform).map((f) => [f.name, f]),
);
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** HTTP status class of a status code (1xx Informational … 5xx Server Error, else Unknown). */
export function statusCategory(code: number | null | undefined): string {
  if (typeof code !== "number" || !Number.isInteger(code) || code < 100 || code >= 600) {
    return STATUS_CATEGORIES[5];
  }
  return STATUS_CATEGORIES[Math.floor(code / 100) - 1];
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

/**
 * Normalises an ISO-8601 timestamp with an explicit zone to UTC `yyyy-MM-ddTHH:mm:ss.SSSZ`,
 * the form Firehose's OpenX JSON SerDe parses into a Glue `timestamp`. Returns null when the
 * value is not such a string or names an impossible date. Fractions beyond milliseconds are
 * truncated (Parquet stores what the SerDe reads: milliseconds).
 */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 40) return null;
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
  // Already UTC in the normal form (what producers send): nothing to rewrite.
  if (value.length === 24 && value[10] === "T" && value[23] === "Z" && y >= 1000) return value;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  const out = new Date(t);
  const oy = out.getUTCFullYear();
  // Date.UTC maps years 0–99 to 1900–1999, and toISOString leaves the 4-digit form after 9999.
  if (y < 1000 || oy < 1000 || oy > 9999) return null;
  return out.toISOString();
}

const WANTED: Readonly<Record<EventField["type"], string>> = {
  string: "a string",
  int: "a 32-bit integer",
  bigint: "a safe integer",
  double: "a finite number",
  timestamp: "an ISO-8601 timestamp with a zone",
};

function typeError(field: EventField, got: unknown): { ok: false; reason: string } {
  const kind = got === null ? "null" : Array.isArray(got) ? "array" : typeof got;
  const shown = kind === "number" || kind === "string" ? JSON.stringify(got).slice(0, 40) : kind;
  return { ok: false, reason: `${field.name} must be ${WANTED[field.type]}, got ${shown}` };
}

/** The column value of a present (non-null) producer value, or why the record is rejected. */
function columnValue(
  field: EventField,
  v: unknown,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  switch (field.type) {
    case "string":
      if (typeof v !== "string") return typeError(field, v);
      if (field.name === "ip_address") {
        const anon = anonymizeIp(v);
        return anon === null
          ? { ok: false, reason: "ip_address is not an IPv4 or IPv6 address" }
          : { ok: true, value: anon };
      }
      if (field.name === "event_id" && v === "") return { ok: false, reason: "event_id must not be empty" };
      return { ok: true, value: v };
    case "int":
      return typeof v === "number" && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX
        ? { ok: true, value: v }
        : typeError(field, v);
    case "bigint":
      return Number.isSafeInteger(v) ? { ok: true, value: v } : typeError(field, v);
    case "double":
      return Number.isFinite(v) ? { ok: true, value: v } : typeError(field, v);
    case "timestamp": {
      const ts = normalizeTimestamp(v);
      return ts === null ? typeError(field, v) : { ok: true, value: ts };
    }
  }
}

/** A row with every column null, in table order: each record's row starts as a copy of it. */
const EMPTY_ROW: Readonly<Record<string, unknown>> = Object.fromEntries(
  EVENT_FIELDS.map((f) => [f.name, null]),
);

/**
 * Validates and enriches one parsed record into the JSON text of a schema-v1 row: every column
 * of EVENT_FIELDS, in table order, null when absent — nothing else — terminated by "\n" so the
 * objects Firehose concatenates stay one JSON document per line. The first invalid value in the
 * record's own key order is the one reported. `processedAt` is an ISO-8601 UTC string (one per
 * batch). Never throws for any JSON value.
 */
export function transformEvent(input: unknown, processedAt: string): TransformOutcome {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, reason: "record is not a JSON object" };
  }
  const src = input as Record<string, unknown>;
  const row: Record<string, unknown> = { ...EMPTY_ROW };
  let extra: Record<string, unknown> | null = null;
  // The record's own keys in its order (JSON.parse objects inherit no enumerable key).
  for (const key in src) {
    const v = src[key];
    const field = PRODUCER_FIELDS.get(key);
    if (field === undefined) {
      if (TRANSFORM_OWNED.has(key)) continue;
      // Unknown fields are kept, not dropped. A null-prototype object keeps "__proto__" a key.
      extra ??= Object.create(null) as Record<string, unknown>;
      extra[key] = v;
      continue;
    }
    if (v === undefined || v === null) continue; // the column stays null
    const res = columnValue(field, v);
    if (!res.ok) return res;
    row[key] = res.value;
  }
  const missing = EVENT_FIELDS.find((f) => f.required && row[f.name] === null);
  if (missing !== undefined) return { ok: false, reason: `missing required field ${missing.name}` };
  if (!LOG_TYPE_SET.has(row.log_type as string)) {
    const shown = JSON.stringify(row.log_type).slice(0, 40);
    return { ok: false, reason: `log_type must be one of ${LOG_TYPES.join(", ")}, got ${shown}` };
  }
  const sv = src.schema_version;
  if (sv !== undefined && sv !== null && sv !== SCHEMA_VERSION) {
    return { ok: false, reason: `unsupported schema_version ${String(JSON.stringify(sv)).slice(0, 20)}` };
  }

  row.status_category = statusCategory(row.status_code as number | null);
  row.processed_at = processedAt;
  row.schema_version = SCHEMA_VERSION;
  row.extra = extra === null ? null : JSON.stringify(extra);
  return { ok: true, json: JSON.stringify(row) + "\n" };
}
