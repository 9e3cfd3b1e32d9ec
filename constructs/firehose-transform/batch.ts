/**
 * One Firehose transformation batch: decode → transform → encode, one answer per recordId, and
 * the whole response kept under Lambda's 6 MB synchronous payload limit.
 *
 * Firehose contract: every input recordId must come back exactly once with `Ok`, `Dropped` or
 * `ProcessingFailed`; failed records are written by Firehose (original bytes) under the error
 * prefix. https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */
import { isUtf8 } from "node:buffer";
import { transformEvent } from "./transform";

/** The subset of a Firehose transformation input record the transform reads. */
export interface FirehoseInputRecord {
  readonly recordId: string;
  readonly data: string;
}

/** One answer of the transformation response. */
export interface FirehoseOutputRecord {
  recordId: string;
  result: "Ok" | "ProcessingFailed";
  data: string;
}

/** Why a record failed, for the structured log line. */
export interface RecordFailure {
  readonly recordId: string;
  readonly reason: string;
}

export interface BatchOptions {
  /** Clock for `processed_at`. @default () => new Date() */
  readonly now?: () => Date;
  /** Called once per failed record. @default no-op */
  readonly onFailure?: (failure: RecordFailure) => void;
  /** Response size budget in bytes. @default RESPONSE_BUDGET_BYTES */
  readonly maxResponseBytes?: number;
}

/**
 * Lambda's synchronous response limit is 6 MB (6,291,456 bytes); keep 64 KiB for the JSON
 * envelope's rounding and the runtime. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const RESPONSE_BUDGET_BYTES = 6 * 1024 * 1024 - 64 * 1024;

/**
 * Bytes one response entry adds to the JSON body: `{"recordId":…,"result":"…","data":"…"}` plus
 * a comma. `idJsonBytes` is the byte length of the JSON-escaped recordId; base64 data never needs
 * escaping.
 */
const entryBytes = (idJsonBytes: number, result: string, data: string): number =>
  36 + idJsonBytes + result.length + data.length;

function decode(data: unknown): { ok: true; text: string } | { ok: false; reason: string } {
  if (typeof data !== "string") return { ok: false, reason: "data is not a base64 string" };
  const buf = Buffer.from(data, "base64");
  // Node skips characters outside the alphabet; a length mismatch reveals them without a regex pass.
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (data.length % 4 !== 0 || buf.length !== (data.length / 4) * 3 - pad) {
    return { ok: false, reason: "data is not valid base64" };
  }
  if (!isUtf8(buf)) return { ok: false, reason: "data is not UTF-8" };
  return { ok: true, text: buf.toString("utf8") };
}

/**
 * Transforms a batch. Never throws for any input shape: anything unexpected becomes
 * `ProcessingFailed` for that record only.
 */
export function processRecords(records: readonly unknown[], opts: BatchOptions = {}): FirehoseOutputRecord[] {
  const processedAt = (opts.now ?? (() => new Date()))().toISOString();
  const onFailure = opts.onFailure ?? (() => undefined);
  const budget = opts.maxResponseBytes ?? RESPONSE_BUDGET_BYTES;

  const ids: string[] = [];
  const idBytes: number[] = [];
  const inputs: string[] = [];
  // Reserve the worst case up front: every record failing with its original data, which is
  // never larger than the request. An Ok record only replaces its reservation if the total fits.
  let reserved = 2;
  for (const rec of records) {
    const r = (typeof rec === "object" && rec !== null ? rec : {}) as Record<string, unknown>;
    const id = typeof r.recordId === "string" ? r.recordId : String(r.recordId);
    const data = typeof r.data === "string" ? r.data : "";
    const idJsonBytes = Buffer.byteLength(JSON.stringify(id));
    ids.push(id);
    idBytes.push(idJsonBytes);
    inputs.push(data);
    reserved += entryBytes(idJsonBytes, "ProcessingFailed", data);
  }

  const out: FirehoseOutputRecord[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const id = ids[i];
    const original = inputs[i];
    const fail = (reason: string): void => {
      out[i] = { recordId: id, result: "ProcessingFailed", data: original };
      onFailure({ recordId: id, reason });
    };
    try {
      const rec = records[i] as Record<string, unknown> | null;
      const decoded = decode(rec?.data);
      if (!decoded.ok) {
        fail(decoded.reason);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoded.text);
      } catch {
        fail("data is not valid JSON");
        continue;
      }
      const res = transformEvent(parsed, processedAt);
      if (!res.ok) {
        fail(res.reason);
        continue;
      }
      const encoded = Buffer.from(res.json, "utf8").toString("base64");
      const delta =
        entryBytes(idBytes[i], "Ok", encoded) - entryBytes(idBytes[i], "ProcessingFailed", original);
      if (reserved + delta > budget) {
        fail("transformed batch would exceed the 6 MB Lambda response limit");
        continue;
      }
      reserved += delta;
      out[i] = { recordId: id, result: "Ok", data: encoded };
    } catch (err) {
      fail(`internal error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200));
    }
  }
  return out;
}
