/**
 * One Firehose transformation batch: decode → transform → encode, one answer per recordId, and
 * the whole response kept under Lambda's 6 MB synchronous payload limit.
 *
 * Firehose contract: every input recordId must come back exactly once with `Ok`, `Dropped` or
 * `ProcessingFailed`; failed records are written by Firehose (original bytes) under the error
 * prefix. https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */
import { isUtf8 } from "node:buffer";
import { fastTransform } from "./fast-path";
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
 * Bytes one response entry adds to the JSON body besides its JSON-escaped recordId:
 * `{"recordId":,"result":"…","data":"…"}` plus a comma. Base64 data never needs escaping.
 */
const entryBytes = (result: string, data: string): number => 36 + result.length + data.length;

/** Bytes of the recordIds as JSON writes them, quotes included: one JSON.stringify per batch. */
function idsJsonBytes(ids: readonly string[]): number {
  return ids.length === 0 ? 0 : Buffer.byteLength(JSON.stringify(ids)) - ids.length - 1; // [ , ]
}

/**
 * Decoded record text. `plain`: it holds no backslash, so no JSON string in it is escaped.
 * `ascii`: every byte was ASCII, so the text's code units are its UTF-8 bytes.
 */
type Decoded = { ok: true; text: string; plain: boolean; ascii: boolean } | { ok: false; reason: string };

function decode(data: unknown): Decoded {
  if (typeof data !== "string") return { ok: false, reason: "data is not a base64 string" };
  if (data.length % 4 !== 0) return { ok: false, reason: "data is not valid base64" };
  let bytes: string; // one code unit per byte
  try {
    bytes = atob(data);
  } catch {
    return { ok: false, reason: "data is not valid base64" };
  }
  // atob skips ASCII whitespace; a length mismatch reveals it.
  const pad = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (bytes.length !== (data.length / 4) * 3 - pad) return { ok: false, reason: "data is not valid base64" };
  // Bytes 0x80–0xFF count twice in UTF-8: equal lengths mean ASCII, which is its own UTF-8 text.
  const ascii = Buffer.byteLength(bytes, "utf8") === bytes.length;
  let text = bytes;
  if (!ascii) {
    const buf = Buffer.from(bytes, "latin1");
    if (!isUtf8(buf)) return { ok: false, reason: "data is not UTF-8" };
    text = buf.toString("utf8");
  }
  return { ok: true, text, plain: text.indexOf("\\") === -1, ascii };
}

/**
 * Base64 of the UTF-8 bytes of `text`. For ASCII text those bytes are its code units, which
 * `btoa` encodes without a copy into a buffer.
 */
function encode(text: string, ascii: boolean): string {
  return ascii ? btoa(text) : Buffer.from(text, "utf8").toString("base64");
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
  const inputs: string[] = [];
  // Reserve the worst case up front: every record failing with its original data, which is
  // never larger than the request. An Ok record only replaces its reservation if the total fits.
  let reserved = 2;
  let idsUpper = 0; // the recordIds' share of `reserved`, at their largest (see below)
  for (const rec of records) {
    const r = (typeof rec === "object" && rec !== null ? rec : {}) as Record<string, unknown>;
    const id = typeof r.recordId === "string" ? r.recordId : String(r.recordId);
    const data = typeof r.data === "string" ? r.data : "";
    ids.push(id);
    inputs.push(data);
    idsUpper += 6 * id.length + 2;
    reserved += entryBytes("ProcessingFailed", data);
  }
  reserved += idsUpper;
  // The recordIds are reserved at their largest (JSON writes a UTF-16 unit in at most 6 bytes, as
  // \uXXXX) until a record would not fit; then they are counted exactly, once. The decisions are
  // those of exact counting from the start, without its cost on every batch.
  let idsExact = false;

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
      const delta = entryBytes("Ok", res.data) - entryBytes("ProcessingFailed", inputs[i]);
      if (reserved + delta > budget && !idsExact) {
        reserved += idsJsonBytes(ids) - idsUpper;
        idsExact = true;
      }
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

export type Transformed = { ok: true; data: string } | { ok: false; reason: string };

/**
 * One record's answer: the base64 of its row, or why it fails. Most records take the byte-level
 * fast path; whatever it does not take is decided by {@link transformParsed}, whose answer the
 * fast path's equals wherever both answer.
 */
function transformData(data: unknown, processedAt: string): Transformed {
  const fast = typeof data === "string" ? fastTransform(data, processedAt) : null;
  return fast !== null ? { ok: true, data: fast } : transformParsed(data, processedAt);
}

/** One record's answer through JSON.parse and {@link transformEvent}: any input. */
export function transformParsed(data: unknown, processedAt: string): Transformed {
  const decoded = decode(data);
  if (!decoded.ok) return decoded;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.text);
  } catch {
    return { ok: false, reason: "data is not valid JSON" };
  }
  // Valid UTF-8 without a backslash: every string in `parsed` can be written as it is. If the
  // bytes were ASCII too, so is the row: its own text is ASCII and processedAt comes from toISOString.
  const res = transformEvent(parsed, processedAt, { stringsNeedNoEscaping: decoded.plain });
  return res.ok ? { ok: true, data: encode(res.json, decoded.plain && decoded.ascii) } : res;
}
