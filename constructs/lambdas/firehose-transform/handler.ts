/**
 * Firehose transform Lambda (bundled to dist/lambda/firehose-transform/index.js, no AWS SDK).
 * Usable outside Lambda too: the local demo requires the bundle and calls `handler(event)`.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from "aws-lambda";
import { processRecords } from "./batch";

/** Transforms one Firehose batch; answers every recordId; never throws for bad records. */
export async function handler(
  event: FirehoseTransformationEvent,
  _context?: unknown,
): Promise<FirehoseTransformationResult> {
  const records: unknown[] = Array.isArray(event?.records) ? event.records : [];
  let failed = 0;
  const out = processRecords(records, {
    onFailure: ({ recordId, reason }) => {
      failed++;
      // One structured line per failed record (CloudWatch Logs Insights: filter msg = "record failed").
      console.warn(JSON.stringify({ level: "warn", msg: "record failed", recordId, reason }));
    },
  });
  if (records.length > 0) {
    console.log(
      JSON.stringify({
        level: "info",
        msg: "batch",
        records: records.length,
        ok: records.length - failed,
        failed,
      }),
    );
  }
  return { records: out };
}
