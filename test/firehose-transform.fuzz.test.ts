/**
 * Property/fuzz test of the transform: ≥ 100,000 generated records — random bytes, invalid
 * base64, invalid JSON, wrong types, missing fields, huge fields, IPv4/IPv6 edge cases, strings
 * that need JSON escaping — never make an exception escape; every recordId is answered exactly
 * once, in order; every record gets the outcome an independent oracle expects; every Ok payload
 * re-parses, validates against schema v1 and carries the input's values (checks written in
 * test/support, independently of the transform's code).
 */
import fc from "fast-check";
import { processRecords } from "../constructs/lambdas/firehose-transform/batch";
import {
  eventObject,
  expectedFor,
  problemWithOutcome,
  problemWithRow,
  problemWithValues,
} from "./support/transform-arbitraries";

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString("base64");
const BUDGET_REASON = "transformed batch would exceed the 6 MB Lambda response limit";

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
  it("≥ 100,000 generated records: no throw, every id once, every outcome as expected, every Ok row valid", () => {
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
            const { expected, event } = expectedFor(records[i].data);
            const reason = reasons.get(r.recordId);
            // A record that did not fit the response fails for that; it would have been Ok.
            const outcome =
              reason === BUDGET_REASON
                ? expected.kind === "fail"
                  ? `failed for the budget, but must fail: ${String(expected.reason)}`
                  : null
                : problemWithOutcome(expected, r.result === "Ok", reason);
            if (outcome !== null) {
              throw new Error(`${r.recordId}: ${outcome}; input ${records[i].data.slice(0, 200)}`);
            }
            if (r.result === "Ok") {
              ok++;
              const rowText = Buffer.from(r.data, "base64").toString("utf8");
              const problem =
                problemWithRow(rowText, processedAt.toISOString()) ?? problemWithValues(rowText, event ?? {});
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
