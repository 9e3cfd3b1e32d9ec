/**
 * fast-check arbitraries of Firehose transform inputs, and checks of the transform's answers
 * written here, independently of its code: the expected outcome of a record, and the schema-v1
 * checks of an Ok row. Shared by the fuzz test and the input-variations test.
 */
import { isIP } from "node:net";
import fc from "fast-check";
import { EVENT_FIELDS, LOG_TYPES, type EventField } from "../../constructs/contract/event-schema";

// A valid event, then 0–2 mutations (missing, null, wrong type, huge, edge value, unknown key):
// valid and invalid records both stay frequent.
export const huge = fc.integer({ min: 10_000, max: 100_000 }).map((n) => "h".repeat(n));
const ipEdge = fc.constantFrom(
  "0.0.0.0",
  "255.255.255.255",
  "256.0.0.1",
  "1.2.3",
  "01.02.03.04",
  "1.2.3.4 ",
  "",
  "::",
  "::1",
  "::ffff:1.2.3.4",
  "2001:db8::",
  "fe80::1%eth0",
  "1::2::3",
  ":::",
  "2001:db8:0:0:0:0:0:1:2",
);
export const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), ipEdge);
const isoTs = fc
  .date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());
const offsetTs = fc
  .tuple(isoTs, fc.integer({ min: -14, max: 14 }), fc.constantFrom("00", "30", "45"))
  .map(([t, h, m]) => `${t.slice(0, 19)}${h < 0 ? "-" : "+"}${String(Math.abs(h)).padStart(2, "0")}:${m}`);
export const tsEdge = fc.constantFrom(
  "2025-02-29T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01",
  "0999-01-01T00:00:00Z",
  "",
);
/** Characters JSON must escape (or that tempt a writer to), lone surrogates, multi-byte text. */
const needsCare = fc.constantFrom(
  '"',
  "\\",
  "\n",
  "\u0001",
  "\u001f",
  "\u007f",
  "\ud800",
  "\udfff",
  "é",
  "😀",
  "\u2028",
  "a",
  "/",
);
export const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: needsCare, maxLength: 12 }),
);

const PRODUCER = EVENT_FIELDS.filter((f) => !f.addedByTransform);
/** Text JSON writes without an escape, multi-byte included. */
const plainText = fc.string({
  unit: fc.constantFrom(
    "a",
    "Z",
    "0",
    " ",
    "-",
    "/",
    ".",
    ":",
    "%",
    "'",
    "é",
    "日",
    "😀",
    "\u007f",
    "\u2028",
  ),
  maxLength: 40,
});

function validArb(name: string, type: string, strings = text): fc.Arbitrary<unknown> {
  if (name === "ip_address") return ip;
  if (name === "log_type") return fc.constantFrom(...LOG_TYPES);
  if (type === "int")
    return fc.oneof(fc.integer({ min: 0, max: 700 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
  if (type === "bigint") return fc.oneof(fc.nat(), fc.maxSafeInteger());
  if (type === "double") return fc.double({ noNaN: true, noDefaultInfinity: true });
  if (type === "timestamp") return fc.oneof(isoTs, offsetTs);
  return strings;
}
const eventOf = (strings: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    Object.fromEntries(
      PRODUCER.map((f) => [
        f.name,
        f.required
          ? validArb(f.name, f.type, strings)
          : fc.option(validArb(f.name, f.type, strings), { nil: undefined, freq: 2 }),
      ]),
    ),
  );
const validEvent = eventOf(text);
/** A valid schema-v1 event whose strings need no JSON escape (the common case). */
export const plainEvent = eventOf(plainText);
const badValue = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(undefined, null, 2 ** 53 + 2, "1.5", true), weight: 5 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 3 },
  { arbitrary: fc.double(), weight: 2 },
  { arbitrary: ip, weight: 3 },
  { arbitrary: tsEdge, weight: 2 },
  { arbitrary: huge, weight: 1 },
);
const mutation = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...PRODUCER.map((f) => f.name)), badValue), weight: 4 },
  { arbitrary: fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), weight: 2 },
  { arbitrary: fc.tuple(fc.string({ maxLength: 12 }), huge), weight: 1 },
);
/** A schema-v1 event object, valid or broken by up to two mutations. */
export const eventObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(validEvent, fc.array(mutation, { maxLength: 2 }))
  .map(([ev, muts]) => {
    const out: Record<string, unknown> = { ...ev };
    for (const [k, v] of muts) out[k] = v;
    return out;
  });

// ---- the expected outcome of a record, decided without the transform's code ----------------

/** What the transform must answer for one record's data. */
export type Expected =
  /** must fail with this reason (a string is exact, a RegExp a pattern) */
  | { readonly kind: "fail"; readonly reason: string | RegExp }
  /** must be Ok */
  | { readonly kind: "ok" }
  /** either (a value this oracle does not judge, such as an odd timestamp): an Ok row is still checked */
  | { readonly kind: "either" };

/** Padded base64 in groups of four; `=` only as padding of the last group. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Strict UTF-8, and a byte order mark stays in the text (JSON.parse then rejects it). */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Anything that is not even shaped like a date-time with a zone. */
const TIMESTAMP_SHAPE = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d.{0,18}(?:[Zz]|[+-]\d\d:?\d\d)$/;

type Verdict = "ok" | "bad" | "unsure";

/** The ECMAScript date-time form with seconds, at most milliseconds and a `Z` or `±HH:MM` zone. */
const ES_DATE_TIME = /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,3})?(?:Z|[+-](\d\d):(\d\d))$/;

/**
 * A timestamp in the form above is valid when it names a real date (the calendar of Date) and
 * time, its zone is at most ±14:59, and it falls in years 1000–9999 in UTC too. Other spellings
 * the transform also reads (lowercase, no seconds, longer fractions, ±HHMM) are not judged here.
 */
function timestampVerdict(v: string): Verdict {
  const m = ES_DATE_TIME.exec(v);
  if (m === null) return "unsure";
  const [, date, hh, mm, ss, zh = "00", zm = "00"] = m;
  const midnight = Date.parse(`${date}T00:00:00Z`);
  const realDate = !Number.isNaN(midnight) && new Date(midnight).toISOString().slice(0, 10) === date;
  if (!realDate || +hh > 23 || +mm > 59 || +ss > 59 || +zh > 14 || +zm > 59) return "bad";
  const year = new Date(Date.parse(v)).getUTCFullYear();
  return date >= "1000" && year >= 1000 && year <= 9999 ? "ok" : "bad";
}

/** Whether a present (non-null) producer value is valid for its column. */
function verdictOf(f: EventField, v: unknown): Verdict {
  switch (f.type) {
    case "string":
      if (typeof v !== "string") return "bad";
      if (f.name === "event_id") return v === "" ? "bad" : "ok";
      // The transform also takes an IPv6 zone of any text after "%"; Node's isIP is stricter.
      if (f.name === "ip_address") return isIP(v) !== 0 ? "ok" : v.includes("%") ? "unsure" : "bad";
      return "ok";
    case "int":
      return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? "ok" : "bad";
    case "bigint":
      return typeof v === "number" && Number.isInteger(v) && Math.abs(v) <= 2 ** 53 - 1 ? "ok" : "bad";
    case "double":
      return typeof v === "number" && Math.abs(v) !== Infinity && !Number.isNaN(v) ? "ok" : "bad";
    case "timestamp":
      if (typeof v !== "string" || !TIMESTAMP_SHAPE.test(v)) return "bad";
      return timestampVerdict(v);
  }
}

/** The reason a bad value of column `f` gives (exact where the message is fixed). */
function badReason(f: EventField, v: unknown): string | RegExp {
  if (f.type === "string" && typeof v === "string") {
    return f.name === "event_id" ? "event_id must not be empty" : "ip_address is not an IPv4 or IPv6 address";
  }
  return new RegExp(`^${f.name} must be (a|an) `);
}

const PRODUCER_FIELD = new Map(PRODUCER.map((f) => [f.name, f]));

/** The expected answer for a record's `data`, and the parsed event when it got that far. */
export function expectedFor(data: unknown): { expected: Expected; event?: Record<string, unknown> } {
  const fail = (reason: string | RegExp) => ({ expected: { kind: "fail" as const, reason } });
  if (typeof data !== "string") return fail("data is not a base64 string");
  if (!STRICT_BASE64.test(data)) return fail("data is not valid base64");
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(data, "base64"));
  } catch {
    return fail("data is not UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail("data is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return fail("record is not a JSON object");
  }
  const event = parsed as Record<string, unknown>;
  const withEvent = (expected: Expected) => ({ expected, event });
  // Values are judged in the record's key order: the first bad one is the reason.
  for (const [key, v] of Object.entries(event)) {
    const f = PRODUCER_FIELD.get(key);
    if (f === undefined || v === null) continue;
    const verdict = verdictOf(f, v);
    if (verdict === "unsure") return withEvent({ kind: "either" });
    if (verdict === "bad") return withEvent({ kind: "fail", reason: badReason(f, v) });
  }
  for (const name of ["event_id", "timestamp", "log_type"]) {
    if (event[name] === undefined || event[name] === null) {
      return withEvent({ kind: "fail", reason: `missing required field ${name}` });
    }
  }
  if (!(LOG_TYPES as readonly unknown[]).includes(event.log_type)) {
    return withEvent({
      kind: "fail",
      reason: /^log_type must be one of web_access, application, iot_sensor, got /,
    });
  }
  if (event.schema_version !== undefined && event.schema_version !== null && event.schema_version !== 1) {
    return withEvent({ kind: "fail", reason: /^unsupported schema_version / });
  }
  return withEvent({ kind: "ok" });
}

/** A problem with an answer against {@link expectedFor}, or null. */
export function problemWithOutcome(
  expected: Expected,
  ok: boolean,
  reason: string | undefined,
): string | null {
  if (expected.kind === "ok" && !ok) return `failed (${reason}) but is valid`;
  if (expected.kind === "fail") {
    if (ok) return `Ok but must fail: ${String(expected.reason)}`;
    const matches =
      typeof expected.reason === "string" ? reason === expected.reason : expected.reason.test(reason ?? "");
    if (!matches) return `reason ${JSON.stringify(reason)}, want ${String(expected.reason)}`;
  }
  if (!ok && typeof reason !== "string") return "failed without a reason";
  return null;
}

// ---- schema-v1 checks of an Ok row ----------------------------------------------------------

const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectedCategory(code: unknown): string {
  if (typeof code !== "number") return "Unknown";
  const names: Record<number, string> = {
    1: "Informational",
    2: "Success",
    3: "Redirect",
    4: "Client Error",
    5: "Server Error",
  };
  return names[Math.floor(code / 100)] ?? "Unknown";
}

/** Independent schema-v1 check of one Ok row; returns a problem description or null. */
export function problemWithRow(text: string, processedAt: string): string | null {
  if (!text.endsWith("\n") || text.indexOf("\n") !== text.length - 1)
    return "not one newline-terminated line";
  const row = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(row);
  if (keys.join() !== EVENT_FIELDS.map((f) => f.name).join()) return `columns ${keys.join()}`;
  for (const f of EVENT_FIELDS) {
    const v = row[f.name];
    if (v === null) {
      if (
        f.required ||
        f.name === "status_category" ||
        f.name === "processed_at" ||
        f.name === "schema_version"
      ) {
        return `${f.name} is null`;
      }
      continue;
    }
    const okType =
      f.type === "string"
        ? typeof v === "string"
        : f.type === "int"
          ? Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31
          : f.type === "bigint"
            ? Number.isSafeInteger(v)
            : f.type === "double"
              ? typeof v === "number" && Number.isFinite(v)
              : typeof v === "string" && CANONICAL_TS.test(v) && !Number.isNaN(Date.parse(v));
    if (!okType) return `${f.name} has wrong type: ${JSON.stringify(v)?.slice(0, 50)}`;
  }
  if (!(LOG_TYPES as readonly unknown[]).includes(row.log_type)) return `log_type ${String(row.log_type)}`;
  if (row.event_id === "") return "empty event_id";
  if (row.schema_version !== 1) return "schema_version";
  if (row.processed_at !== processedAt) return "processed_at";
  if (row.status_category !== expectedCategory(row.status_code))
    return `status_category for ${String(row.status_code)}`;
  const ip = row.ip_address;
  if (
    typeof ip === "string" &&
    !(
      /^\d{1,3}\.\d{1,3}\.\d{1,3}\.0$/.test(ip) ||
      /^(::ffff:\d{1,3}\.\d{1,3}\.\d{1,3}\.0|[0-9a-f:]*::)$/.test(ip)
    )
  ) {
    return `ip_address not anonymised: ${ip}`;
  }
  if (row.extra !== null) {
    const extra = JSON.parse(row.extra as string);
    if (typeof extra !== "object" || extra === null || Array.isArray(extra)) return "extra is not an object";
  }
  // One line as JSON.stringify writes the row: no other spacing, escaping or number spelling.
  if (text !== JSON.stringify(row) + "\n") return "not the JSON.stringify form of the row";
  return null;
}

const TRANSFORM_COLUMNS = ["status_category", "processed_at", "schema_version"];

/** Differences between an Ok row and the event it came from: values kept, unknown keys in extra. */
export function problemWithValues(text: string, input: Record<string, unknown>): string | null {
  const row = JSON.parse(text) as Record<string, unknown>;
  for (const f of EVENT_FIELDS) {
    if (f.addedByTransform) continue;
    const want = input[f.name] ?? null;
    const got = row[f.name];
    if (f.name === "ip_address") {
      // IPv4 keeps its /24: the first three octets as sent.
      if (typeof want === "string" && isIP(want) === 4 && got !== want.replace(/\.\d+$/, ".0")) {
        return `ip_address ${String(got)} for ${want}`;
      }
    } else if (f.type === "timestamp") {
      if (Date.parse(got as string) !== Date.parse(want as string)) return `${f.name} ${String(got)}`;
    } else if (!Object.is(got, want) && !(want === 0 && got === 0)) {
      return `${f.name}: ${JSON.stringify(got)?.slice(0, 40)} ≠ ${JSON.stringify(want)?.slice(0, 40)}`;
    }
  }
  // What is left of the input once the producer columns and the transform's own columns are
  // taken out; a producer-sent "extra" is not one of those, it is kept as extra.extra.
  const unknown: Record<string, unknown> = { ...input };
  for (const f of PRODUCER) delete unknown[f.name];
  for (const name of TRANSFORM_COLUMNS) delete unknown[name];
  const wantExtra = Object.keys(unknown).length === 0 ? null : JSON.stringify(unknown);
  if (row.extra !== wantExtra)
    return `extra ${String(row.extra).slice(0, 60)} ≠ ${String(wantExtra).slice(0, 60)}`;
  return null;
}
