/**
 * fast-check arbitraries of Firehose transform inputs, shared by the fuzz test (through
 * processRecords) and the fast path's differential test.
 */
import fc from "fast-check";
import { EVENT_FIELDS, LOG_TYPES } from "../../constructs/contract/event-schema";

// A valid event, then 0–2 mutations (missing, null, wrong type, huge, edge value, unknown key):
// valid and invalid records both stay frequent, so both paths are exercised hard.
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
