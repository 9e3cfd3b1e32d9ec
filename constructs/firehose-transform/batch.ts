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

/**
 * Scratch memory for decoding and encoding one record at a time (Firehose records are at most
 * 1,000 KiB, so it stays small); grown on demand. Saves two Buffer allocations per record.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
function scratchOf(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
  return scratch;
}

/** Decoded record text; `plain` = it holds no backslash, so no JSON string in it is escaped. */
type Decoded = { ok: true; text: string; plain: boolean } | { ok: false; reason: string };

function decode(data: unknown): Decoded {
  if (typeof data !== "string") return { ok: false, reason: "data is not a base64 string" };
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  const expected = (data.length / 4) * 3 - pad;
  if (data.length % 4 !== 0) return { ok: false, reason: "data is not valid base64" };
  const buf = scratchOf(expected);
  // Node skips characters outside the alphabet; a length mismatch reveals them without a regex pass.
  const n = buf.write(data, 0, "base64");
  if (n !== expected) return { ok: false, reason: "data is not valid base64" };
  const text = buf.toString("utf8", 0, n);
  // Decoding replaces invalid UTF-8 with U+FFFD, so only text holding one needs the byte check.
  if (text.indexOf("\uFFFD") !== -1 && !isUtf8(buf.subarray(0, n))) {
    return { ok: false, reason: "data is not UTF-8" };
  }
  return { ok: true, text, plain: text.indexOf("\\") === -1 };
}

/** Base64 of the UTF-8 bytes of `text` (a UTF-16 code unit is at most 3 UTF-8 bytes). */
function encode(text: string): string {
  const buf = scratchOf(text.length * 3);
  const n = buf.write(text, 0, "utf8");
  return buf.toString("base64", 0, n);
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
    let res: Transformed;
    try {
      res = transformData((records[i] as Record<string, unknown> | null)?.data, processedAt);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      res = { ok: false, reason: `internal error: ${message}`.slice(0, 200) };
    }
    if (res.ok) {
      const delta =
        entryBytes(idBytes[i], "Ok", res.data) - entryBytes(idBytes[i], "ProcessingFailed", inputs[i]);
      if (reserved + delta <= budget) {
        reserved += delta;
        out[i] = { recordId: ids[i], result: "Ok", data: res.data };
        continue;
      }
      res = { ok: false, reason: "transformed batch would exceed the 6 MB Lambda response limit" };
    }
    out[i] = { recordId: ids[i], result: "ProcessingFailed", data: inputs[i] };
    onFailure({ recordId: ids[i], reason: res.reason });
  }
  return out;
}

type Transformed = { ok: true; data: string } | { ok: false; reason: string };

/** One record's answer: the base64 of its row, or why it fails. */
function transformData(data: unknown, processedAt: string): Transformed {
  const decoded = decode(data);
  if (!decoded.ok) return decoded;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.text);
  } catch {
    return { ok: false, reason: "data is not valid JSON" };
  }
  // Valid UTF-8 without a backslash: every string in `parsed` can be written as it is.
  const res = transformEvent(parsed, processedAt, { stringsNeedNoEscaping: decoded.plain });
  return res.ok ? { ok: true, data: encode(res.json) } : res;
}
