/**
 * The transform on schema-v1 events, valid and broken, written out as JSON text with the
 * variations a reader of the text can trip on: whitespace, key order, duplicate, escaped and
 * transform-owned keys, number spellings, control characters, non-UTF-8 bytes, base64 quirks.
 * Every record's outcome is checked against the independent oracle of test/support, every Ok row
 * against the schema and the input's values; the cases below spell their expectations out.
 */
import fc from "fast-check";
import { processRecords } from "../constructs/lambdas/firehose-transform/batch";
import { EVENT_FIELDS } from "../constructs/contract/event-schema";
import { encodeEvent, generateEvents } from "../scripts/events/generator";
import {
  eventObject,
  expectedFor,
  plainEvent,
  problemWithOutcome,
  problemWithRow,
  problemWithValues,
  type Expected,
} from "./support/transform-arbitraries";

const PROCESSED_AT = "2026-02-01T12:00:00.000Z";
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString("base64");

type Answer = { ok: true; row: Record<string, unknown>; text: string } | { ok: false; reason: string };

/** The transform's answers for records' data, in one batch with no response budget to meet. */
function answers(datas: readonly string[]): Answer[] {
  const reasons = new Map<string, string>();
  const out = processRecords(
    datas.map((data, i) => ({ recordId: String(i), data })),
    {
      now: () => new Date(PROCESSED_AT),
      maxResponseBytes: Number.MAX_SAFE_INTEGER,
      onFailure: ({ recordId, reason }) => reasons.set(recordId, reason),
    },
  );
  return out.map((r) => {
    if (r.result !== "Ok") return { ok: false, reason: reasons.get(r.recordId) ?? "(no reason)" };
    const text = Buffer.from(r.data, "base64").toString("utf8");
    return { ok: true, text, row: JSON.parse(text) as Record<string, unknown> };
  });
}
const answer = (data: string): Answer => answers([data])[0];

/** Checks each record's answer against the oracle; returns what was expected of each. */
function checkAll(datas: readonly string[]): Expected[] {
  const got = answers(datas);
  return datas.map((data, i) => {
    const { expected, event } = expectedFor(data);
    const a = got[i];
    const problem =
      problemWithOutcome(expected, a.ok, a.ok ? undefined : a.reason) ??
      (a.ok ? (problemWithRow(a.text, PROCESSED_AT) ?? problemWithValues(a.text, event ?? {})) : null);
    if (problem !== null) {
      throw new Error(`${problem}\nrecord: ${Buffer.from(data, "base64").toString("utf8").slice(0, 300)}`);
    }
    return expected;
  });
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
  '"2026-01-31T01:00:00+15:00"',
  '"2026-01-31T01:00:00-14:59"',
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
    // base64 that is not standard padded base64 (base64url, whitespace, misplaced padding, …)
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

describe("firehose transform inputs", () => {
  it("transforms every generated producer event, keeping its values", () => {
    const start = new Date("2026-01-31T00:00:00Z");
    const events = [...generateEvents({ seed: 7, count: 3000, start, hours: 2 })];
    const expected = checkAll(events.map((ev) => b64(encodeEvent(ev))));
    expect(expected.filter((e) => e.kind === "ok")).toHaveLength(events.length);
  });

  it("60,000 varied records: every outcome as the oracle expects, every Ok row valid", () => {
    const kinds = { ok: 0, fail: 0, either: 0 };
    fc.assert(
      fc.property(fc.array(recordData, { minLength: 200, maxLength: 200 }), (datas) => {
        for (const e of checkAll(datas)) kinds[e.kind]++;
      }),
      { numRuns: 300, seed: 20261201, endOnFailure: true },
    );
    expect(kinds.ok + kinds.fail + kinds.either).toBe(60_000);
    // The generators must reach both outcomes, and the oracle must judge nearly all of them,
    // or the property says little.
    expect(kinds.ok).toBeGreaterThan(60_000 * 0.15);
    expect(kinds.fail).toBeGreaterThan(60_000 * 0.5);
    expect(kinds.either).toBeLessThan(60_000 * 0.01);
  }, 600_000);

  const base = `"event_id":"e-1","timestamp":"2026-01-31T00:00:00.000Z","log_type":"web_access"`;

  it.each<[string, Record<string, unknown>]>([
    [
      `{ ${base.replaceAll('":', '" : ').replaceAll(',"', ' , "')} }`,
      { event_id: "e-1", timestamp: "2026-01-31T00:00:00.000Z", log_type: "web_access" },
    ],
    [`{${base}}\r\n`, { event_id: "e-1" }],
    [JSON.stringify(JSON.parse(`{${base}}`), null, 2), { event_id: "e-1" }],
    [
      `{${base},"value":null,"status_code":404}`,
      { value: null, status_code: 404, status_category: "Client Error" },
    ],
    [
      `{"status_code":503,"ip_address":"10.1.2.3",${base}}`,
      { status_code: 503, status_category: "Server Error", ip_address: "10.1.2.0" },
    ],
    [
      `{${base},"value":2.50,"response_size":1e3,"status_code":2E2}`,
      { value: 2.5, response_size: 1000, status_code: 200, status_category: "Success" },
    ],
    [`{${base},"value":5e-324,"response_size":-0}`, { value: 5e-324, response_size: 0 }],
    [
      `{${base.replace("2026-01-31T00:00:00.000Z", "2026-01-31T01:30:00+01:30")},"ip_address":"2001:db8:1:2::3"}`,
      { timestamp: "2026-01-31T00:00:00.000Z", ip_address: "2001:db8:1::" },
    ],
    [
      `{${base},"user_agent":"Mozilla/5.0 (X11; Linux) — 日本 😀"}`,
      { user_agent: "Mozilla/5.0 (X11; Linux) — 日本 😀" },
    ],
    [`{${base},"surprise":1,"extra":{"a":[1]}}`, { extra: '{"surprise":1,"extra":{"a":[1]}}' }],
    [`{${base},"user_agent":"say \\"hi\\"\\t\\u0001"}`, { user_agent: 'say "hi"\t\u0001' }],
    [`{${base},"event_id":"e-2"}`, { event_id: "e-2" }], // a duplicate key: the last one counts
    [
      `{${base},"status_category":"x","processed_at":"y","schema_version":1}`,
      { status_category: "Unknown", processed_at: PROCESSED_AT, schema_version: 1 },
    ],
    [`{${base.replace('"event_id"', '"\\u0065vent_id"')}}`, { event_id: "e-1" }],
  ])("reads %s", (text, want) => {
    const a = answer(b64(text));
    expect(a.ok && a.row).toMatchObject(want);
  });

  it("writes numbers as JSON.stringify does, whatever the input's spelling", () => {
    const a = answer(b64(`{${base},"value":-0.0,"response_size":1E+2,"status_code":200.0}`));
    expect(a.ok && a.text).toContain(
      `"value":0,"ip_address":null,"method":null,"path":null,"status_code":200,"response_size":100,`,
    );
  });

  it.each<[string, string]>([
    ["\ufeff" + `{${base}}`, "data is not valid JSON"], // a byte order mark is not JSON
    [`{${base},"path":"a\u0001b"}`, "data is not valid JSON"], // a raw control character
    [`{${base}}x`, "data is not valid JSON"],
    [`[{${base}}]`, "record is not a JSON object"],
    [`{${base},"status_code":true}`, "status_code must be a 32-bit integer, got boolean"],
    [`{${base},"status_code":1e400}`, "status_code must be a 32-bit integer, got null"],
    [`{${base},"value":"1.5","status_code":"x"}`, 'value must be a finite number, got "1.5"'], // the first in key order
    [
      `{${base},"log_type":"WEB_ACCESS"}`,
      'log_type must be one of web_access, application, iot_sensor, got "WEB_ACCESS"',
    ],
    [`{"event_id":"e-1","timestamp":"2026-01-31T00:00:00.000Z"}`, "missing required field log_type"],
    [`{${base},"ip_address":"1.2.3.4%x"}`, "ip_address is not an IPv4 or IPv6 address"],
  ])("rejects %s", (text, reason) => {
    expect(answer(b64(text))).toEqual({ ok: false, reason });
  });

  // 81 bytes of JSON: base64 without padding; with a path of "/>>?", 128 characters with "/" and "=".
  const plain = b64(`{${base}}`);
  const slashes = b64(`{${base},"path":"/>>?"}`);
  const onePad = b64(`{${base}}  `); // 83 bytes: the last group has one padding character

  it("has inputs of the shapes the base64 cases below need", () => {
    expect(plain).toMatch(/^[A-Za-z0-9]+$/);
    expect(slashes).toMatch(/\/.*=$/);
    expect(onePad).toMatch(/[^=]=$/);
  });

  it.each<[string, string, string]>([
    ["base64url", slashes.replaceAll("/", "_").replaceAll("+", "-"), "data is not valid base64"],
    ["a line break", plain.replace(/^(.{8})/, "$1\n"), "data is not valid base64"],
    ["a space", plain.replace(/^(.{8})./, "$1 "), "data is not valid base64"],
    ["no padding", slashes.replace(/=+$/, ""), "data is not valid base64"],
    ["padding inside", "AA==" + plain, "data is not valid base64"],
    ["three padding characters", plain.slice(0, -3) + "===", "data is not valid base64"],
    ["a non-ASCII character", "Ł" + plain.slice(1), "data is not valid base64"],
    [
      "a truncated UTF-8 sequence",
      b64(Buffer.concat([Buffer.from(`{${base},"path":"`), Buffer.from([0xe2, 0x82]), Buffer.from('"}')])),
      "data is not UTF-8",
    ],
    [
      "a UTF-16 surrogate in UTF-8",
      b64(
        Buffer.concat([Buffer.from(`{${base},"path":"`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      ),
      "data is not UTF-8",
    ],
    [
      "an overlong encoding",
      b64(Buffer.concat([Buffer.from(`{${base},"path":"`), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])),
      "data is not UTF-8",
    ],
  ])("rejects data with %s", (_name, data, reason) => {
    expect(answer(data)).toEqual({ ok: false, reason });
  });

  it("reads base64 whose last character carries unused bits, as Node's decoder does", () => {
    // Before one '=', a character's lowest 2 bits are unused: 'Q' (16) and 'R' (17) read alike.
    const last = onePad.length - 2;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const i = alphabet.indexOf(onePad[last]);
    const odd = onePad.slice(0, last) + alphabet[i ^ 1] + "=";
    expect(odd).not.toBe(onePad);
    expect(answer(odd)).toMatchObject({ ok: true, row: { event_id: "e-1" } });
  });

  it("reads every number spelling in every numeric column as JSON.parse does", () => {
    const columns = EVENT_FIELDS.filter((f) => ["int", "bigint", "double"].includes(f.type)).map(
      (f) => f.name,
    );
    const datas = columns.flatMap((column) => NUMBER_TEXTS.map((n) => b64(`{${base},"${column}":${n}}`)));
    const expected = checkAll(datas);
    // Most spellings are valid JSON numbers that fit some column.
    expect(expected.filter((e) => e.kind === "ok").length).toBeGreaterThan(NUMBER_TEXTS.length);
    expect(expected.filter((e) => e.kind === "either")).toEqual([]);
  });
});
