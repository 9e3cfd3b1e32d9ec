import type { FirehoseTransformationEvent } from "aws-lambda";
import { EVENT_FIELDS, LOG_TYPES } from "../constructs/contract/event-schema";
import { STREAMING_DEFAULTS } from "../constructs/defaults";
import { processRecords, RESPONSE_BUDGET_BYTES } from "../constructs/lambdas/firehose-transform/batch";
import { handler } from "../constructs/lambdas/firehose-transform/handler";
import {
  anonymizeIp,
  normalizeTimestamp,
  statusCategory,
  transformEvent,
} from "../constructs/lambdas/firehose-transform/transform";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
const NOW = "2026-02-01T00:00:00.000Z";

/** A real Firehose transformation event (Kinesis stream as source), as AWS documents it. */
function firehoseEvent(datas: string[]): FirehoseTransformationEvent {
  return {
    invocationId: "invocationIdExample",
    deliveryStreamArn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/pipeline-dev-events",
    sourceKinesisStreamArn: "arn:aws:kinesis:us-east-1:123456789012:stream/pipeline-dev-events",
    region: "us-east-1",
    records: datas.map((d, i) => ({
      recordId: `49546986683135544286507457936321625675700192471156785154-${i}`,
      approximateArrivalTimestamp: 1769900000000,
      data: d,
      kinesisRecordMetadata: {
        shardId: "shardId-000000000000",
        partitionKey: `pk-${i}`,
        approximateArrivalTimestamp: 1769900000000,
        sequenceNumber: `4954698668313554428650745793632162567570019247115678515${i}`,
        subsequenceNumber: "",
      },
    })),
  };
}

const web = {
  event_id: "e-1",
  timestamp: "2026-01-31T23:59:59.123Z",
  log_type: "web_access",
  event_type: "purchase",
  user_id: "user-7",
  value: 19.99,
  ip_address: "203.0.113.77",
  method: "POST",
  path: "/checkout",
  status_code: 201,
  response_size: 5120,
};

describe("statusCategory", () => {
  it.each([
    [100, "Informational"],
    [199, "Informational"],
    [200, "Success"],
    [204, "Success"],
    [301, "Redirect"],
    [404, "Client Error"],
    [499, "Client Error"],
    [500, "Server Error"],
    [599, "Server Error"],
    [99, "Unknown"],
    [600, "Unknown"],
    [null, "Unknown"],
    [undefined, "Unknown"],
  ])("%p → %s", (code, want) => {
    expect(statusCategory(code)).toBe(want);
  });
});

describe("anonymizeIp", () => {
  it.each([
    ["203.0.113.77", "203.0.113.0"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.0"],
    ["2001:db8:abcd:12:34:56:78:9", "2001:db8:abcd::"],
    ["2001:0db8:ABCD:0012::1", "2001:db8:abcd::"],
    ["2001:db8::1", "2001:db8:0::"],
    ["::1", "::"],
    ["::", "::"],
    ["fe80::1%eth0", "fe80:0:0::"],
    ["::ffff:198.51.100.23", "::ffff:198.51.100.0"],
    ["64:ff9b::192.0.2.33", "64:ff9b:0::"],
  ])("%s → %s", (ip, want) => {
    expect(anonymizeIp(ip)).toBe(want);
  });

  it.each([
    "256.1.1.1",
    "1.2.3",
    "01.2.3.4",
    "1.2.3.4.5",
    "",
    "localhost",
    "1::2::3",
    "12345::",
    "1:2:3:4:5:6:7:8:9",
    ":::",
  ])("rejects %p", (ip) => {
    expect(anonymizeIp(ip)).toBeNull();
  });
});

describe("normalizeTimestamp", () => {
  it.each([
    ["2026-01-31T23:59:59.123Z", "2026-01-31T23:59:59.123Z"],
    ["2026-01-31T23:59:59Z", "2026-01-31T23:59:59.000Z"],
    ["2026-01-31T23:59Z", "2026-01-31T23:59:00.000Z"],
    ["2026-02-01T00:30:00+01:00", "2026-01-31T23:30:00.000Z"],
    ["2026-01-31T20:00:00.5-0330", "2026-01-31T23:30:00.500Z"],
    ["2026-01-31T23:59:59.123456789Z", "2026-01-31T23:59:59.123Z"],
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"],
    ["2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"],
    ["2000-02-29T00:00:00.000Z", "2000-02-29T00:00:00.000Z"],
    ["2026-02-01T14:00:00+14:00", "2026-02-01T00:00:00.000Z"],
    ["2026-01-31T10:01:00-14:59", "2026-02-01T01:00:00.000Z"],
  ])("%s → %s", (input, want) => {
    expect(normalizeTimestamp(input)).toBe(want);
  });

  it.each([
    "2026-01-31 23:59:59",
    "2026-01-31T23:59:59",
    "2025-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-31T24:00:00Z",
    "2026-01-31T23:60:00Z",
    "0099-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "2026-01-31T00:00:00+15:00",
    "2026-01-31T00:00:00+01:60",
    "2026-01-31T23:59:59.12aZ",
    "20a6-01-31T23:59:59.123Z",
    "2026-01-31T2a:59:59.123Z",
    // the canonical form (read byte by byte) naming no real instant
    "2025-02-29T00:00:00.000Z",
    "1900-02-29T00:00:00.000Z",
    "2026-04-31T00:00:00.000Z",
    "2026-00-10T00:00:00.000Z",
    "2026-13-10T00:00:00.000Z",
    "2026-01-00T00:00:00.000Z",
    "2026-01-31T24:00:00.000Z",
    "2026-01-31T23:60:00.000Z",
    "2026-01-31T23:59:60.000Z",
    "0999-01-31T23:59:59.000Z",
    "2026-01-31T23:59:59.00-Z",
    "2026-01-31T23:59:59.000ź",
    "yesterday",
    1769900000000,
    null,
  ])("rejects %p", (input) => {
    expect(normalizeTimestamp(input)).toBeNull();
  });
});

describe("transformEvent", () => {
  it("enriches a valid web event with every column in table order", () => {
    const res = transformEvent(web, NOW);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const row = JSON.parse(res.json);
    expect(Object.keys(row)).toEqual(EVENT_FIELDS.map((f) => f.name));
    expect(row).toMatchObject({
      event_id: "e-1",
      timestamp: "2026-01-31T23:59:59.123Z",
      ip_address: "203.0.113.0",
      status_code: 201,
      status_category: "Success",
      processed_at: NOW,
      schema_version: 1,
      extra: null,
      level: null,
    });
  });

  it("writes the row as one JSON line: every column in table order, absent ones null", () => {
    expect(transformEvent(web, NOW)).toEqual({
      ok: true,
      json:
        '{"event_id":"e-1","timestamp":"2026-01-31T23:59:59.123Z","log_type":"web_access",' +
        '"event_type":"purchase","user_id":"user-7","session_id":null,"category":null,"value":19.99,' +
        '"ip_address":"203.0.113.0","method":"POST","path":"/checkout","status_code":201,' +
        '"response_size":5120,"user_agent":null,"referer":null,"level":null,"logger":null,' +
        '"message":null,"request_id":null,"device_id":null,"device_type":null,"unit":null,' +
        '"status_category":"Success","processed_at":"2026-02-01T00:00:00.000Z","schema_version":1,' +
        '"extra":null}\n',
    });
  });

  it("escapes in strings what JSON must escape, and nothing else", () => {
    const res = transformEvent({ ...web, path: 'a"b\\c\n\u0001\u007f\u2028é😀', extra: "x\ud800" }, NOW);
    expect(res.ok && res.json).toContain('"path":"a\\"b\\\\c\\n\\u0001\u007f\u2028é😀",');
    // extra is a JSON string holding JSON: escaped twice; a lone surrogate is written as \uXXXX.
    expect(res.ok && res.json).toContain('"extra":"{\\"extra\\":\\"x\\\\ud800\\"}"}\n');
  });

  it("keeps unknown fields in extra as a JSON string, including __proto__", () => {
    const input = JSON.parse(
      '{"event_id":"e","timestamp":"2026-01-01T00:00:00Z","log_type":"iot_sensor","firmware":"1.2","__proto__":{"x":1},"extra":"mine"}',
    );
    const res = transformEvent(input, NOW);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const row = JSON.parse(res.json);
    expect(JSON.parse(row.extra)).toEqual(
      JSON.parse('{"firmware":"1.2","__proto__":{"x":1},"extra":"mine"}'),
    );
    expect(row.status_category).toBe("Unknown");
  });

  it("replaces producer-sent transform columns", () => {
    const res = transformEvent(
      { ...web, status_category: "Bogus", processed_at: "x", schema_version: 1 },
      NOW,
    );
    expect(res.ok && JSON.parse(res.json)).toMatchObject({
      status_category: "Success",
      processed_at: NOW,
      schema_version: 1,
      extra: null,
    });
  });

  it.each<[string, unknown, string]>([
    ["not an object", [1, 2], "record is not a JSON object"],
    ["null", null, "record is not a JSON object"],
    ["missing event_id", { ...web, event_id: undefined }, "missing required field event_id"],
    ["null timestamp", { ...web, timestamp: null }, "missing required field timestamp"],
    ["empty event_id", { ...web, event_id: "" }, "event_id must not be empty"],
    ["numeric event_id", { ...web, event_id: 5 }, "event_id must be a string, got 5"],
    [
      "bad log_type",
      { ...web, log_type: "mainframe" },
      'log_type must be one of web_access, application, iot_sensor, got "mainframe"',
    ],
    ["string status_code", { ...web, status_code: "200" }, 'status_code must be a 32-bit integer, got "200"'],
    [
      "fractional status_code",
      { ...web, status_code: 200.5 },
      "status_code must be a 32-bit integer, got 200.5",
    ],
    [
      "huge status_code",
      { ...web, status_code: 2 ** 31 },
      "status_code must be a 32-bit integer, got 2147483648",
    ],
    [
      "unsafe response_size",
      { ...web, response_size: 2 ** 53 },
      "response_size must be a safe integer, got 9007199254740992",
    ],
    ["string value", { ...web, value: "1.5" }, 'value must be a finite number, got "1.5"'],
    ["object path", { ...web, path: { a: 1 } }, "path must be a string, got object"],
    [
      "bad timestamp",
      { ...web, timestamp: "yesterday" },
      'timestamp must be an ISO-8601 timestamp with a zone, got "yesterday"',
    ],
    ["bad ip", { ...web, ip_address: "999.1.1.1" }, "ip_address is not an IPv4 or IPv6 address"],
    ["other schema_version", { ...web, schema_version: 2 }, "unsupported schema_version 2"],
  ])("fails when %s", (_name, input, reason) => {
    expect(transformEvent(input, NOW)).toEqual({ ok: false, reason });
  });
});

describe("processRecords / handler", () => {
  it("answers a real Firehose event: Ok rows newline-terminated, failures only for bad records", async () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    const ev = firehoseEvent([
      b64(JSON.stringify(web)),
      b64("{not json"),
      "!!!notbase64",
      b64(JSON.stringify({ ...web, log_type: "x" })),
    ]);
    const res = await handler(ev);
    expect(res.records.map((r) => r.recordId)).toEqual(ev.records.map((r) => r.recordId));
    expect(res.records.map((r) => r.result)).toEqual([
      "Ok",
      "ProcessingFailed",
      "ProcessingFailed",
      "ProcessingFailed",
    ]);
    const text = unb64(res.records[0].data ?? "");
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text).ip_address).toBe("203.0.113.0");
    // Failed records carry their original bytes.
    expect(res.records[1].data).toBe(ev.records[1].data);
    const lines = warn.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(lines).toEqual([
      {
        level: "warn",
        msg: "record failed",
        recordId: ev.records[1].recordId,
        reason: "data is not valid JSON",
      },
      {
        level: "warn",
        msg: "record failed",
        recordId: ev.records[2].recordId,
        reason: "data is not valid base64",
      },
      expect.objectContaining({ recordId: ev.records[3].recordId }),
    ]);
    warn.mockRestore();
    log.mockRestore();
  });

  it("rejects invalid UTF-8 and non-string data without throwing", () => {
    const out = processRecords([
      { recordId: "a", data: Buffer.from([0xff, 0xfe, 0x7b]).toString("base64") },
      { recordId: "b", data: 42 },
      { recordId: "c" },
      null,
    ]);
    expect(out.map((r) => r.result)).toEqual(Array(4).fill("ProcessingFailed"));
    expect(out.map((r) => r.recordId)).toEqual(["a", "b", "c", "undefined"]);
  });

  it("tells invalid UTF-8 from a real U+FFFD in the text", () => {
    const failures: string[] = [];
    const json = JSON.stringify({ ...web, path: "/\uFFFD" });
    const at = Buffer.from(json).indexOf("\uFFFD");
    const bad = Buffer.from(json);
    bad[at] = 0xff; // the first byte of the 3-byte U+FFFD, now invalid UTF-8
    const out = processRecords(
      [
        { recordId: "real", data: Buffer.from(json).toString("base64") },
        { recordId: "bad", data: bad.toString("base64") },
      ],
      { onFailure: ({ reason }) => failures.push(reason) },
    );
    expect(out.map((r) => r.result)).toEqual(["Ok", "ProcessingFailed"]);
    expect(JSON.parse(Buffer.from(out[0].data, "base64").toString("utf8")).path).toBe("/\uFFFD");
    expect(failures).toEqual(["data is not UTF-8"]);
  });

  it("handles an event without records", async () => {
    expect(await handler({} as FirehoseTransformationEvent)).toEqual({ records: [] });
  });

  it("keeps the response under the budget by failing records that would not fit", () => {
    // Unknown fields full of quotes double in size once escaped into `extra`.
    const big = b64(JSON.stringify({ ...web, blob: '"'.repeat(20_000) }));
    const records = Array.from({ length: 200 }, (_, i) => ({ recordId: `r${i}`, data: big }));
    const requestBytes = JSON.stringify({ records }).length;
    const budget = requestBytes + 1_000_000;
    const out = processRecords(records, { maxResponseBytes: budget });
    const responseBytes = JSON.stringify({ records: out }).length;
    expect(responseBytes).toBeLessThanOrEqual(budget);
    const ok = out.filter((r) => r.result === "Ok").length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(200);
    expect(RESPONSE_BUDGET_BYTES).toBeLessThan(6 * 1024 * 1024);
  });

  it("counts recordIds by the bytes JSON writes for them (escaped quotes, multi-byte text)", () => {
    const data = b64(JSON.stringify(web));
    const records = Array.from({ length: 200 }, (_, i) => ({
      recordId: i % 2 === 0 ? `q${i}${'"'.repeat(300)}` : `é${i}${"\u0001".repeat(100)}`,
      data,
    }));
    const allOk = processRecords(records);
    const size = (recs: unknown[]): number => Buffer.byteLength(JSON.stringify({ records: recs }));
    const budget = Math.floor(size(allOk) * 0.9);
    const out = processRecords(records, { maxResponseBytes: budget });
    expect(size(out)).toBeLessThanOrEqual(budget);
    // …and no record failed that fitted: the first failure, had it been Ok, would not have fitted.
    const first = out.findIndex((r) => r.result !== "Ok");
    expect(first).toBeGreaterThan(100);
    const failed = (i: number) => ({ recordId: records[i].recordId, result: "ProcessingFailed", data });
    const withIt = out.map((r, i) => (i < first ? r : i === first ? allOk[i] : failed(i)));
    expect(size(withIt) + 64).toBeGreaterThan(budget);
  });
});

describe("a full processor buffer of the sparsest valid events", () => {
  // The required columns at their shortest valid values: a 1-character id, a timestamp to the
  // minute in UTC (the shortest form the transform reads), the shortest log type.
  const shortest: Record<string, string> = {
    string: "a",
    timestamp: "2026-01-31T00:00Z",
  };
  const sparsest = Object.fromEntries(
    EVENT_FIELDS.filter((f) => f.required).map((f) => [
      f.name,
      f.name === "log_type" ? [...LOG_TYPES].sort((a, b) => a.length - b.length)[0] : shortest[f.type],
    ]),
  );
  const json = JSON.stringify(sparsest);
  const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;

  it("is the 72-byte event the buffer size was computed for", () => {
    expect(json).toBe('{"event_id":"a","timestamp":"2026-01-31T00:00Z","log_type":"web_access"}');
  });

  it("fits Lambda's request and response limits: every record Ok", () => {
    // Firehose fills the buffer with the records' bytes (MB read as MiB, the larger) and may
    // overshoot by the record that crosses it.
    const count = Math.ceil((STREAMING_DEFAULTS.processorBufferMb * 2 ** 20) / Buffer.byteLength(json)) + 1;
    const event = firehoseEvent(Array.from({ length: count }, () => b64(json)));
    // recordIds as long as Firehose's for a Kinesis source (AWS's example is 56 digits), and more.
    event.records.forEach((r, i) => (r.recordId = `${"4".repeat(56)}${String(i).padStart(8, "0")}`));
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(LAMBDA_PAYLOAD_LIMIT);
    const failures: string[] = [];
    const out = processRecords(event.records, { onFailure: ({ reason }) => failures.push(reason) });
    expect(failures).toEqual([]);
    expect(out.every((r) => r.result === "Ok")).toBe(true);
    expect(Buffer.byteLength(JSON.stringify({ records: out }))).toBeLessThanOrEqual(LAMBDA_PAYLOAD_LIMIT);
  });
});
