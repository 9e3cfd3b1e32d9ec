/**
 * The transform's byte-level fast path against the JSON.parse path: wherever the fast path
 * answers, its answer is the JSON.parse path's, byte for byte; where it does not (null), the
 * JSON.parse path decides. Inputs are schema-v1 events, valid and broken, written out as JSON text
 * with the variations a byte-level reader can trip on: whitespace, key order, duplicate, escaped
 * and transform-owned keys, number spellings, control characters, non-UTF-8 bytes, base64 quirks.
 */
import fc from "fast-check";
import { EVENT_FIELDS } from "../constructs/contract/event-schema";
import { transformParsed } from "../constructs/lambdas/firehose-transform/batch";
import { fastTransform } from "../constructs/lambdas/firehose-transform/fast-path";
import { encodeEvent, generateEvents } from "../scripts/events/generator";
import { eventObject, plainEvent } from "./support/transform-arbitraries";

const PROCESSED_AT = "2026-02-01T12:00:00.000Z";
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString("base64");

/** The fast path's answer, checked against the JSON.parse path's; true when the fast path answered. */
function agrees(data: string): boolean {
  const fast = fastTransform(data, PROCESSED_AT);
  if (fast === null) return false;
  const slow = transformParsed(data, PROCESSED_AT);
  if (!slow.ok || slow.data !== fast) {
    const row = Buffer.from(fast, "base64").toString("utf8");
    const want = slow.ok ? Buffer.from(slow.data, "base64").toString("utf8") : `failure: ${slow.reason}`;
    throw new Error(
      `fast path differs for ${Buffer.from(data, "base64").toString("utf8").slice(0, 300)}\n` +
        `fast: ${row.slice(0, 300)}\nslow: ${want.slice(0, 300)}`,
    );
  }
  return true;
}

// ---- JSON text of an event, written the ways producers and attackers write it --------------
type Pair = [key: string, value: string]; // key and value as JSON text

const NUMBER_TEXTS = [
  "0",
  "-0",
  "7",
  "-7",
  "200",
  "1.0",
  "2.50",
  "1e2",
  "1E+2",
  "25e-1",
  "0.1",
  "-0.0",
  "1e400",
  "-1e400",
  "5e-324",
  "1e21",
  "2.65",
  "-0.5",
  "0.000001",
  "0.0000012",
  "0.0000001",
  "0.10",
  "100.25",
  "123456789012345.6",
  "12345678901234.5",
  "0.123456789012345",
  "0.1234567890123456",
  "0.000001234567890123456",
  "9007199254740991.5",
  "1.7976931348623157",
  "0.30000000000000004",
  "83.51441025510878", // 16 significant digits, written back as …879
  "9.365784630517946",
  "1234567890123.4567",
  "123456789012345",
  "1234567890123456",
  "9007199254740993",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "100000000000000000000",
  "01",
  "-01",
  "00",
  "1.",
  ".5",
  "+1",
  "-",
  "1e",
  "1e+",
  "0x10",
  "Infinity",
  "NaN",
  "1_000",
];
const VALUE_TEXTS = [
  "null",
  "true",
  "false",
  "[]",
  "{}",
  '{"a":1}',
  "[1]",
  '""',
  '"x"',
  '"a\\"b"',
  '"\\u0041"',
  '"tab\\there"',
  '"é"',
  '"日本"',
  '"😀"',
  '"\u2028"',
  '"a\u0001b"',
  '"a\tb"',
  '"web_access"',
  '"application"',
  '"iot_sensor"',
  '"WEB_ACCESS"',
  '"web_access "',
  '"2026-01-31T00:00:00.000Z"',
  '"2026-01-31T00:00:00Z"',
  '"2026-01-31t00:00:00.000z"',
  '"2026-01-31T01:00:00+01:00"',
  '"2026-02-30T00:00:00.000Z"',
  '"2026-01-31T00:00:00.000Z "',
  '"1.2.3.4"',
  '"01.2.3.4"',
  '"1.2.3.04"',
  '"1.2.3.256"',
  '"1.2.3"',
  '"1.2.3.4.5"',
  '"255.255.255.255"',
  '"0.0.0.0"',
  '"1..2.3"',
  '"::1"',
  '"2001:db8::1"',
  '"::ffff:10.1.2.3"',
  '"fe80::1%eth0"',
  '"1.2.3.4%x"',
  '"1.2.3.4 "',
  '" 1.2.3.4"',
  '"1.2.3.4\\n"',
  '"1234.1.1.1"',
  ...NUMBER_TEXTS,
];
const OWNED_OR_ODD_KEYS = [
  "status_category",
  "processed_at",
  "schema_version",
  "extra",
  "__proto__",
  "",
  "Event_id",
  "event_id ",
];
const ESCAPED_KEYS = ["ip_addres\\u0073", "\\u0065vent_id", "log\\u005ftype"];

const textEdit = fc.oneof(
  // a value written differently (any column, any spelling)
  fc.record({ kind: fc.constant("value" as const), at: fc.nat(), text: fc.constantFrom(...VALUE_TEXTS) }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), text: fc.constantFrom(...VALUE_TEXTS) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("add" as const),
    key: fc.constantFrom(...OWNED_OR_ODD_KEYS, ...ESCAPED_KEYS, ...EVENT_FIELDS.map((f) => f.name)),
    text: fc.constantFrom(...VALUE_TEXTS),
  }),
);
const layout = fc.record({
  // JSON.stringify's layout, spaces between tokens, or any JSON whitespace between tokens
  slots: fc.oneof(
    fc.constant([""]),
    fc.array(fc.constantFrom("", "", " ", "  "), { minLength: 1, maxLength: 60 }),
    fc.array(fc.constantFrom("", "", " ", "\n", "\t", "\r\n"), { minLength: 1, maxLength: 60 }),
  ),
  lead: fc.constantFrom("", "", "", "", "", " ", "\n", "\ufeff"),
  trail: fc.constantFrom("", "", "", "\n", "\r\n", " ", "\t\n", "x", ","),
});

function write(pairs: Pair[], lay: { slots: readonly string[]; lead: string; trail: string }): string {
  let slot = 0;
  const ws = (): string => lay.slots[slot++ % lay.slots.length];
  const body = pairs.map(([k, v]) => `"${k}"${ws()}:${ws()}${v}${ws()}`).join(`,${ws()}`);
  return `${lay.lead}{${ws()}${body}}${lay.trail}`;
}

/** Events as the producer writes them, and events from the fuzz test's generators (often broken). */
const producerEvents = [
  ...generateEvents({ seed: 11, count: 2000, start: new Date("2026-01-31T00:00:00Z"), hours: 3 }),
] as unknown as Record<string, unknown>[];
const event = fc.oneof(
  { arbitrary: fc.nat().map((i) => producerEvents[i % producerEvents.length]), weight: 3 },
  { arbitrary: plainEvent, weight: 2 },
  { arbitrary: eventObject, weight: 2 },
);

const jsonText = fc.tuple(event, fc.array(textEdit, { maxLength: 2 }), layout).map(([ev, edits, lay]) => {
  const pairs: Pair[] = Object.entries(ev)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [JSON.stringify(k).slice(1, -1), JSON.stringify(v)]);
  for (const e of edits) {
    const n = pairs.length;
    if (e.kind === "add") pairs.push([e.key, e.text]);
    else if (n === 0) continue;
    else if (e.kind === "value") pairs[e.at % n][1] = e.text;
    else if (e.kind === "duplicate") pairs.push([pairs[e.at % n][0], e.text]);
    else if (e.kind === "delete") pairs.splice(e.at % n, 1);
    else [pairs[e.at % n], pairs[e.to % n]] = [pairs[e.to % n], pairs[e.at % n]];
  }
  return write(pairs, lay);
});

/** Bytes and base64 the way Firehose sends them, and the ways it never does. */
const recordData = fc.oneof(
  { arbitrary: jsonText.map((t) => b64(t)), weight: 12 },
  {
    // an invalid UTF-8 byte (or a truncated sequence) somewhere in the record
    arbitrary: fc
      .tuple(jsonText, fc.nat(), fc.constantFrom(0x80, 0xc3, 0xe2, 0xff, 0xed, 0xf4))
      .map(([t, at, byte]) => {
        const bytes = Buffer.from(t);
        bytes[at % bytes.length] = byte;
        return b64(bytes);
      }),
    weight: 2,
  },
  {
    // base64 the JSON.parse path's atob rejects or reads differently from Node's decoder
    arbitrary: fc
      .tuple(
        jsonText,
        fc.nat(),
        fc.constantFrom("-", "_", " ", "\n", "=", "==", "*", "Ł", "é", "\u0141", "A"),
      )
      .map(([t, at, ch]) => {
        const d = b64(t);
        const i = at % (d.length + 1);
        return d.slice(0, i) + ch + d.slice(i + (ch.length === 1 && ch !== "=" ? 1 : 0));
      }),
    weight: 2,
  },
  { arbitrary: fc.uint8Array({ maxLength: 120 }).map(b64), weight: 1 },
);

describe("firehose transform fast path", () => {
  it("takes every generated producer event, and writes what the JSON.parse path writes", () => {
    let taken = 0;
    const start = new Date("2026-01-31T00:00:00Z");
    const events = [...generateEvents({ seed: 7, count: 3000, start, hours: 2 })];
    for (const ev of events) if (agrees(b64(encodeEvent(ev)))) taken++;
    expect(taken).toBe(events.length);
  });

  it("differential: 60,000 varied records, the fast path answers only as the JSON.parse path does", () => {
    let answered = 0;
    let total = 0;
    fc.assert(
      fc.property(fc.array(recordData, { minLength: 200, maxLength: 200 }), (datas) => {
        for (const d of datas) if (agrees(d)) answered++;
        total += datas.length;
      }),
      { numRuns: 300, seed: 20261201, endOnFailure: true },
    );
    expect(total).toBe(60_000);
    // It must take a fair share (~10 %: most variations are meant to be declined), or the
    // property says little about the rows it writes.
    expect(answered).toBeGreaterThan(total * 0.08);
  }, 600_000);

  it("takes spaces, trailing whitespace, any key order, explicit nulls and other number spellings", () => {
    const base = `"event_id":"e-1","timestamp":"2026-01-31T00:00:00.000Z","log_type":"web_access"`;
    const cases = [
      `{ ${base.replaceAll('":', '" : ').replaceAll(',"', ' , "')} }`,
      `{${base}}\r\n`,
      `{${base},"value":null,"status_code":404}`,
      `{"status_code":503,"ip_address":"10.1.2.3",${base}}`,
      `{${base},"value":2.50,"response_size":1e3,"status_code":2E2}`,
      `{${base},"value":-0,"response_size":0}`,
      `{${base},"value":1e400}`.replace("1e400", "5e-324"),
      `{${base.replace("2026-01-31T00:00:00.000Z", "2026-01-31T01:30:00+01:30")},"ip_address":"2001:db8:1:2::3"}`,
      `{${base},"user_agent":"Mozilla/5.0 (X11; Linux) — 日本 😀"}`,
    ];
    for (const text of cases) expect([text, agrees(b64(text))]).toEqual([text, true]);
  });

  it("reads every number spelling in every numeric column as JSON.parse does", () => {
    const base = `"event_id":"e-1","timestamp":"2026-01-31T00:00:00.000Z","log_type":"iot_sensor"`;
    let answered = 0;
    for (const column of ["value", "status_code", "response_size"]) {
      for (const n of NUMBER_TEXTS) if (agrees(b64(`{${base},"${column}":${n}}`))) answered++;
    }
    // Most spellings are valid JSON numbers that fit some column: the fast path must read them.
    expect(answered).toBeGreaterThan(NUMBER_TEXTS.length);
  });

  it("declines what it does not read itself, and the JSON.parse path decides", () => {
    const base = { event_id: "e-1", timestamp: "2026-01-31T00:00:00.000Z", log_type: "web_access" };
    const cases = [
      JSON.stringify({ ...base, surprise: 1 }), // unknown key: kept in extra
      JSON.stringify({ ...base, user_agent: 'say "hi"' }), // an escape
      `{"event_id":"e-1","event_id":"e-2","timestamp":"2026-01-31T00:00:00.000Z","log_type":"web_access"}`,
      JSON.stringify({ ...base, schema_version: 1 }), // a transform-owned key
      JSON.stringify(base, null, 2), // newlines between tokens
    ];
    for (const text of cases) {
      const data = b64(text);
      expect(fastTransform(data, PROCESSED_AT)).toBeNull();
      expect(transformParsed(data, PROCESSED_AT).ok).toBe(true);
    }
  });
});
