/**
 * Property/fuzz test of the transform (issue 3 "Must show"): ≥ 100,000 generated records —
 * random bytes, invalid base64, invalid JSON, wrong types, missing fields, huge fields, IPv4/IPv6
 * edge cases, strings that need JSON escaping — never make an exception escape; every recordId is
 * answered exactly once, in order; every Ok payload re-parses, validates against schema v1 and
 * carries the input's values, with checks written here, independently of the transform's code.
 */
import fc from "fast-check";
import { EVENT_FIELDS, LOG_TYPES } from "../constructs/contract/event-schema";
import { processRecords } from "../constructs/lambdas/firehose-transform/batch";
import { eventObject } from "./support/transform-arbitraries";

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString("base64");
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectedCategory(code: unknown): string {
  if (typeof code !== "number") return "Unknown";
  return (
    (
      { 1: "Informational", 2: "Success", 3: "Redirect", 4: "Client Error", 5: "Server Error" } as Record<
        number,
        string
      >
    )[Math.floor(code / 100)] ?? "Unknown"
  );
}

/** Independent schema-v1 check of one Ok row; returns a problem description or null. */
function problemWithRow(text: string, processedAt: string): string | null {
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
  // The transform assembles the line itself: it must be exactly what JSON.stringify writes.
  if (text !== JSON.stringify(row) + "\n") return "not the JSON.stringify form of the row";
  return null;
}

const TRANSFORM_COLUMNS = new Set(["status_category", "processed_at", "schema_version", "extra"]);

/** Differences between an Ok row and the record it came from: values kept, unknown keys in extra. */
function problemWithValues(text: string, inputText: string): string | null {
  const row = JSON.parse(text) as Record<string, unknown>;
  const input = JSON.parse(inputText) as Record<string, unknown>;
  for (const f of EVENT_FIELDS) {
    if (f.addedByTransform || f.name === "ip_address") continue;
    const want = input[f.name] ?? null;
    const got = row[f.name];
    if (f.type === "timestamp") {
      if (Date.parse(got as string) !== Date.parse(want as string)) return `${f.name} ${String(got)}`;
    } else if (!Object.is(got, want) && !(want === 0 && got === 0)) {
      return `${f.name}: ${JSON.stringify(got)?.slice(0, 40)} ≠ ${JSON.stringify(want)?.slice(0, 40)}`;
    }
  }
  const unknown = JSON.parse(inputText) as Record<string, unknown>;
  for (const f of EVENT_FIELDS) delete unknown[f.name];
  for (const name of TRANSFORM_COLUMNS) if (name !== "extra") delete unknown[name];
  const wantExtra = Object.keys(unknown).length === 0 ? null : JSON.stringify(unknown);
  if (row.extra !== wantExtra) return `extra ${String(row.extra).slice(0, 60)}`;
  return null;
}

const recordData: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: eventObject.map((ev) => b64(JSON.stringify(ev))), weight: 16 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map(b64), weight: 1 },
  { arbitrary: fc.string().map((s) => b64(s).slice(1) + "*"), weight: 1 },
  { arbitrary: fc.string().map((s) => b64("{" + s)), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => b64(JSON.stringify(v))), weight: 1 },
);

/** Firehose never sends a Lambda more than its 6 MB request limit: cut batches at 5.5 MB. */
function underRequestLimit(datas: string[]): string[] {
  let bytes = 0;
  return datas.filter((d) => (bytes += d.length + 200) <= 5_500_000);
}

describe("firehose transform fuzz", () => {
  it("≥ 100,000 generated records: no throw, every id once, every Ok row valid", () => {
    let total = 0;
    let ok = 0;
    let failedWithReason = 0;
    const processedAt = new Date("2026-02-01T12:00:00.000Z");
    fc.assert(
      fc.property(
        fc.array(recordData, { minLength: 450, maxLength: 500 }).map(underRequestLimit),
        (datas) => {
          const records = datas.map((data, i) => ({
            recordId: `rec-${total}-${i}`,
            data,
            approximateArrivalTimestamp: 0,
          }));
          const reasons = new Map<string, string>();
          const out = processRecords(records, {
            now: () => processedAt,
            onFailure: ({ recordId, reason }) => {
              if (reasons.has(recordId)) throw new Error(`two failures for ${recordId}`);
              reasons.set(recordId, reason);
            },
          });
          expect(out.map((r) => r.recordId)).toEqual(records.map((r) => r.recordId));
          out.forEach((r, i) => {
            if (r.result === "Ok") {
              ok++;
              const rowText = Buffer.from(r.data, "base64").toString("utf8");
              const problem =
                problemWithRow(rowText, processedAt.toISOString()) ??
                problemWithValues(rowText, Buffer.from(records[i].data, "base64").toString("utf8"));
              if (problem !== null)
                throw new Error(`${r.recordId}: ${problem}; input ${records[i].data.slice(0, 200)}`);
            } else {
              expect(r.result).toBe("ProcessingFailed");
              expect(r.data).toBe(records[i].data);
              expect(reasons.get(r.recordId)).toEqual(expect.any(String));
              failedWithReason++;
            }
          });
          expect(reasons.size).toBe(out.length - out.filter((r) => r.result === "Ok").length);
          total += records.length;
        },
      ),
      { numRuns: 240, seed: 20260131, endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(100_000);
    // The generators must reach both outcomes often, or the property says little.
    expect(ok).toBeGreaterThan(total * 0.2);
    expect(failedWithReason).toBeGreaterThan(total * 0.2);
    // Generous: ~1 min alone, longer on a loaded 2-core CI machine.
  }, 600_000);
});
