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
 * Bytes one answer adds to the response body: `{"recordId":…,"result":"…","data":"…"}` and a
 * comma, with the recordId as JSON writes it (`idBytes`: escapes and multi-byte text counted as
 * bytes). Base64 data never needs escaping.
 */
const entryBytes = (idBytes: number, result: string, data: string): number =>
  idBytes + 36 + result.length + data.length;

/**
 * Transforms a batch. Never throws for any input shape: anything unexpected becomes
 * `ProcessingFailed` for that record only.
 */
export function processRecords(records: readonly unknown[], opts: BatchOptions = {}): FirehoseOutputRecord[] {
  const processedAt = (opts.now ?? (() => new Date()))().toISOString();
  const onFailure = opts.onFailure ?? (() => undefined);
  const budget = opts.maxResponseBytes ?? RESPONSE_BUDGET_BYTES;

  const inputs = records.map((rec) => {
    const r = (typeof rec === "object" && rec !== null ? rec : {}) as Record<string, unknown>;
    const recordId = typeof r.recordId === "string" ? r.recordId : String(r.recordId);
    return {
      recordId,
      idBytes: Buffer.byteLength(JSON.stringify(recordId)),
      data: r.data,
      /** What a failed record carries back: its original data. */
      failedData: typeof r.data === "string" ? r.data : "",
    };
  });
  // Reserve the worst case up front: every record failing with its original data, which is
  // never larger than the request. An Ok answer replaces its record's reservation only if the
  // total stays within the budget; otherwise that record fails (Firehose writes it to the error
  // prefix) and the response stays valid.
  let reserved = 2; // the array's brackets
  for (const { idBytes, failedData } of inputs)
    reserved += entryBytes(idBytes, "ProcessingFailed", failedData);

  return inputs.map(({ recordId, idBytes, data, failedData }) => {
    let res: Transformed;
    try {
      res = transformRecord(data, processedAt);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      res = { ok: false, reason: `internal error: ${message}`.slice(0, 200) };
    }
    if (res.ok) {
      const delta = entryBytes(idBytes, "Ok", res.data) - entryBytes(idBytes, "ProcessingFailed", failedData);
      if (reserved + delta <= budget) {
        reserved += delta;
        return { recordId, result: "Ok", data: res.data };
      }
      res = { ok: false, reason: "transformed batch would exceed the 6 MB Lambda response limit" };
    }
    onFailure({ recordId, reason: res.reason });
    return { recordId, result: "ProcessingFailed", data: failedData };
  });
}

export type Transformed = { ok: true; data: string } | { ok: false; reason: string };

/** The last group of padded base64: four characters, the last one or two of them may be `=`. */
const LAST_GROUP = /^[A-Za-z0-9+/]{2}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==)$/;

/**
 * The bytes of standard padded base64 (what Firehose sends), or null for anything else. Node's
 * decoder takes any text — it skips what is not base64 and reads base64url's "-" and "_" — so
 * the input is held to the encoding of the bytes it gave: standard base64 is that encoding up to
 * its last group, whose unused low bits the encoder writes as zeros; that group is checked by
 * itself. (A regular expression over the whole input says the same, but took a fifth of the
 * transform's time on ~1 KB records.)
 */
function decodeBase64(data: string): Buffer | null {
  if (data.length % 4 !== 0) return null;
  const bytes = Buffer.from(data, "base64");
  if (data.length === 0) return bytes;
  const head = data.length - 4;
  const sameHead = bytes.toString("base64").slice(0, head) === data.slice(0, head);
  return sameHead && LAST_GROUP.test(data.slice(head)) ? bytes : null;
}

/**
 * One record's answer: base64 → bytes → UTF-8 text → JSON.parse → {@link transformEvent} →
 * base64 of the row, or why the record fails.
 */
export function transformRecord(data: unknown, processedAt: string): Transformed {
  if (typeof data !== "string") return { ok: false, reason: "data is not a base64 string" };
  const bytes = decodeBase64(data);
  if (bytes === null) return { ok: false, reason: "data is not valid base64" };
  if (!isUtf8(bytes)) return { ok: false, reason: "data is not UTF-8" };
  let parsed: unknown;
  try {
    // A byte order mark stays in the text (Buffer's decoder keeps it), and JSON.parse rejects it.
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, reason: "data is not valid JSON" };
  }
  const res = transformEvent(parsed, processedAt);
  return res.ok ? { ok: true, data: Buffer.from(res.json, "utf8").toString("base64") } : res;
}
