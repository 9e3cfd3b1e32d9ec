/**
 * Byte-level fast path of the Firehose transform, for the records producers send every day: a
 * flat JSON object of known schema-v1 columns, valid UTF-8, with no backslash and no control
 * character. Such a record is checked and rewritten as bytes in the memory of fast-path-bytes.wat
 * — no JSON.parse, no row string — which is what takes the transform past the JSON.parse round
 * trip (bench/20-streaming.sh).
 *
 * It answers only when it is sure: for anything else (an unknown, duplicate or transform-owned
 * key, a nested value, a boolean, an escape, whitespace other than spaces, a value the schema
 * rejects, a record over 64 KiB) it returns null, and the caller takes the JSON.parse path, which
 * decides the outcome and the reason. What it does return is byte-for-byte the base64 that the
 * JSON.parse path returns for the same record (a differential fuzz test holds it to that), so it
 * changes speed only, never a row.
 *
 * WebAssembly scans the bytes (SIMD, 16 at a time) and copies the row's pieces together; the
 * checks and the plan of the row are plain TypeScript. Synchronous and not re-entrant: one record
 * at a time owns the memory.
 */
import { isUtf8 } from "node:buffer";
import { EVENT_FIELDS, LOG_TYPES } from "../../contract/event-schema";
import {
  assembleRow,
  GAPS_AT,
  GAPS_END,
  IN_MAX,
  indexRecord,
  OUT_AT,
  PIECES,
  QUOTES,
  RECORD,
  TEXT_AT,
} from "./fast-path-bytes";
import {
  anonymizeIp,
  buildGaps,
  columnAt,
  EVENT_ID_AT,
  INT_MAX,
  INT_MIN,
  IP_AT,
  isCanonicalUtcAt,
  normalizeTimestamp,
  PRODUCER_AT,
  REQUIRED_MASK,
  STATUS_CODE_AT,
  statusClass,
} from "./transform";

const S = RECORD;
const Q = QUOTES;

const T_STRING = 0;
const T_TIMESTAMP = 1;
const T_INT = 2;
const T_BIGINT = 3;
const T_DOUBLE = 4;

const TYPE = Int8Array.from(EVENT_FIELDS, (f) =>
  ["string", "timestamp", "int", "bigint", "double"].indexOf(f.type),
);
const LOG_TYPE_AT = columnAt("log_type");

const QUOTE = 0x22;
const SPACE = 0x20;

/** Each producer column's key as bytes (undefined for the transform's own columns). */
const KEY_BYTES: ReadonlyArray<Uint8Array | undefined> = EVENT_FIELDS.map((f) =>
  PRODUCER_AT.has(f.name) ? Buffer.from(f.name, "latin1") : undefined,
);
/**
 * Keys of 4 bytes or more as 32-bit words (little-endian) at offsets 0, 4, 8, … and one more
 * ending where the key ends: a key is compared 4 bytes at a time.
 */
const KEY_WORDS = KEY_BYTES.map((key) => {
  if (key === undefined || key.length < 4) return undefined;
  const offsets: number[] = [];
  for (let off = 0; off + 4 < key.length; off += 4) offsets.push(off);
  offsets.push(key.length - 4);
  return Int32Array.from(offsets, (off) => Buffer.from(key).readInt32LE(off));
});
const DV = new DataView(S.buffer, S.byteOffset, S.byteLength);

/** The producer column whose key is the bytes S[a, b), or -1 (unknown or transform-owned key). */
function keyColumn(a: number, b: number): number {
  for (let col = 0; col < KEY_BYTES.length; col++) if (isKey(col, a, b)) return col;
  return -1;
}

/** Whether the bytes S[a, b) are the key of producer column `col`. */
function isKey(col: number, a: number, b: number): boolean {
  const key = KEY_BYTES[col];
  if (key === undefined || key.length !== b - a) return false;
  const words = KEY_WORDS[col];
  if (words === undefined) {
    for (let k = 0; k < key.length; k++) if (S[a + k] !== key[k]) return false;
    return true;
  }
  const last = words.length - 1;
  for (let j = 0; j < last; j++) if (DV.getInt32(a + 4 * j, true) !== words[j]) return false;
  return DV.getInt32(b - 4, true) === words[last];
}

/** The string of bytes S[a, b): latin1 is the cheaper decoding, and the same for ASCII. */
const str = (a: number, b: number, ascii: boolean): string =>
  ascii ? S.toString("latin1", a, b) : S.toString("utf8", a, b);

const LOG_TYPE_BYTES = LOG_TYPES.map((t) => Buffer.from(t, "latin1"));
function isLogType(a: number, b: number): boolean {
  next: for (const t of LOG_TYPE_BYTES) {
    if (t.length !== b - a) continue;
    for (let k = 0; k < t.length; k++) if (S[a + k] !== t[k]) continue next;
    return true;
  }
  return false;
}

/** Column values of the record being rewritten: bytes S[from, to), or, where `text` is not null, its ASCII. */
const from = new Int32Array(EVENT_FIELDS.length);
const to = new Int32Array(EVENT_FIELDS.length);
const text = new Array<string | null>(EVENT_FIELDS.length).fill(null);
/** With `text`: how many bytes of the value come before it (the rest of S[from, to) is replaced). */
const kept = new Int32Array(EVENT_FIELDS.length);

/**
 * The row's literal text in memory (GAPS_AT…) for a set of present columns and status class:
 * buildGaps's pieces as (start, length), with the one holding `processed_at` split around its
 * value, which is written per batch. Kept across batches (unlike gapsFor's strings, which hold
 * the batch time); when the region or the 256 entries are used up, the cache starts over.
 */
interface GapBytes {
  readonly start: Int32Array;
  readonly length: Int32Array;
  /** Index of the piece processed_at's value follows; the text after the value is the last entry. */
  readonly at: number;
}
const gapBytesCache = new Map<number, GapBytes>();
let gapsFree = GAPS_AT;
const TIME_MARK = "@"; // JSON.stringify keeps it as it is, and no key or category holds it
function gapBytesFor(mask: number, statusIndex: number): GapBytes {
  const key = mask * 8 + statusIndex;
  let bytes = gapBytesCache.get(key);
  if (bytes === undefined) {
    const gaps = buildGaps(mask, statusIndex, TIME_MARK);
    const at = gaps.findIndex((g) => g.includes(`"${TIME_MARK}"`));
    const [before, after] = gaps[at].split(`"${TIME_MARK}"`);
    const texts = [...gaps.map((g, i) => (i === at ? `${before}"` : g)), `"${after}`];
    const size = texts.reduce((n, t) => n + t.length, 0);
    if (gapBytesCache.size >= 256 || gapsFree + size > GAPS_END) {
      gapBytesCache.clear();
      gapsFree = GAPS_AT;
    }
    bytes = { start: new Int32Array(texts.length), length: new Int32Array(texts.length), at };
    for (const [i, t] of texts.entries()) {
      bytes.start[i] = gapsFree;
      bytes.length[i] = S.write(t, gapsFree, "latin1"); // keys, nulls, categories: ASCII
      gapsFree += t.length;
    }
    gapBytesCache.set(key, bytes);
  }
  return bytes;
}

/** The batch time's bytes, at TEXT_AT, written when it changes. */
let timeWritten = "";
const TIME_AT = TEXT_AT;
const VALUES_AT = TEXT_AT + 64;

/** Pieces of the row being assembled: (start, length) pairs in PIECES, 2 × `pieces` numbers. */
let pieces = 0;
function piece(start: number, length: number): void {
  if (length === 0) return;
  PIECES[pieces++] = start;
  PIECES[pieces++] = length;
}

/** Adds literal piece `g` of a row (with processed_at's value where it goes). */
function gapPiece(gaps: GapBytes, g: number, timeLength: number): void {
  piece(gaps.start[g], gaps.length[g]);
  if (g === gaps.at) {
    const last = gaps.start.length - 1;
    piece(TIME_AT, timeLength);
    piece(gaps.start[last], gaps.length[last]);
  }
}

/** Writes an ASCII string to S at `o` and adds it as a piece; returns its end. */
function textPiece(s: string, o: number): number {
  for (let k = 0; k < s.length; k++) S[o + k] = s.charCodeAt(k);
  piece(o, s.length);
  return o + s.length;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Where the last '.' of S[a, b) is when those bytes are a dotted-quad IPv4 address as
 * anonymizeIp reads one (octets 0–255, no leading zeros), else -1. Its anonymised form is the
 * bytes up to that dot and a 0.
 */
function ipv4LastDot(a: number, b: number): number {
  let p = a;
  let lastDot = -1;
  for (let part = 0; part < 4; part++) {
    const start = p;
    let v = 0;
    while (p < b && p - start < 3 && isDigit(S[p])) v = v * 10 + (S[p++] - 0x30);
    const digits = p - start;
    if (digits === 0 || (digits > 1 && S[start] === 0x30) || v > 255) return -1;
    if (part < 3) {
      if (p >= b || S[p] !== 0x2e) return -1;
      lastDot = p++;
    }
  }
  return p === b ? lastDot : -1;
}

/**
 * The base64 of the transformed row of base64 record `data`, or null when the fast path does not
 * take the record (the caller then transforms it with JSON.parse). `processedAt` is the batch's
 * time from Date.toISOString, as for transformEvent.
 */
export function fastTransform(data: string, processedAt: string): string | null {
  // Decode into S what the JSON.parse path's atob decodes, or nothing. Node's decoder also takes
  // base64url's '-' and '_' and reads only the low byte of other characters, so those are refused
  // here; what it skips (whitespace, anything after a '=') makes the length come out short.
  const len = data.length;
  if (len % 4 !== 0 || (len / 4) * 3 > IN_MAX - 16) return null;
  if (data.indexOf("-") !== -1 || data.indexOf("_") !== -1 || Buffer.byteLength(data, "utf8") !== len) {
    return null;
  }
  const pad = data.charCodeAt(len - 1) !== 0x3d ? 0 : data.charCodeAt(len - 2) !== 0x3d ? 1 : 2;
  const n = S.write(data, 0, IN_MAX, "base64");
  if (n !== (len / 4) * 3 - pad) return null;

  // JSON whitespace after the object is allowed; inside it only spaces take this path.
  let end = n;
  for (let c = S[end - 1]; c === SPACE || c === 0x0a || c === 0x0d || c === 0x09; c = S[end - 1]) end--;
  const found = indexRecord(end);
  if (found < 0) return null; // a backslash or a control character: JSON.parse's business
  const quotes = found >>> 1;
  const ascii = (found & 1) === 0;
  if (!ascii && !isUtf8(new Uint8Array(S.buffer, 0, n))) return null;
  S[end] = 0; // a sentinel: no scan below runs past the record into an earlier one's bytes

  // Walk the object. There is no backslash, so every quote opens or closes a string and Q holds
  // them in order: q is the next one. Besides checking the record, note which columns can be
  // copied together with the text before them: `cont` has column c when the input between the
  // previous present column's value and c's value is exactly the row's literal text there, that
  // is c's key follows c - 1's value (present or null) directly, with no spaces, and c - 1 is
  // present or itself in `cont`.
  let i = 0;
  while (S[i] === SPACE) i++;
  if (S[i++] !== 0x7b) return null; // {
  let canonical = i === 1;
  while (S[i] === SPACE) i++;
  canonical &&= i === 1;
  let q = 0;
  let seen = 0;
  let mask = 0;
  let cont = 0;
  let lastCol = -1;
  let statusCode: number | null = null;
  for (;;) {
    if (S[i] !== QUOTE || q + 1 >= quotes || Q[q] !== i) return null;
    const k0 = i + 1;
    const k1 = Q[q + 1];
    q += 2;
    i = k1 + 1;
    // Producers send their keys in one order, mostly the table's: try the column after the last.
    let col = lastCol + 1;
    if (!isKey(col, k0, k1)) {
      col = keyColumn(k0, k1);
      if (col < 0) return null;
    }
    const bit = 1 << col;
    if ((seen & bit) !== 0) return null;
    seen |= bit;
    if (S[i] !== 0x3a) {
      while (S[i] === SPACE) i++;
      if (S[i] !== 0x3a) return null;
      canonical = false;
    }
    i++; // past the ':'

    if (S[i] === SPACE) {
      while (S[i] === SPACE) i++;
      canonical = false;
    }
    if (canonical && col === lastCol + 1 && (col === 0 || ((mask | cont) & (bit >>> 1)) !== 0)) cont |= bit;
    lastCol = col;
    const c = S[i];
    const type = TYPE[col];
    if (c === QUOTE) {
      if (q + 1 >= quotes || Q[q] !== i) return null;
      const a = i + 1;
      const b = Q[q + 1];
      q += 2;
      i = b + 1;
      from[col] = a;
      to[col] = b;
      text[col] = null;
      if (type === T_STRING) {
        if (col === IP_AT) {
          const lastDot = ipv4LastDot(a, b);
          if (lastDot >= 0) {
            kept[col] = lastDot + 1 - a; // the /24 is copied, the last octet written as 0
            text[col] = "0";
          } else {
            const anon = anonymizeIp(str(a, b, ascii));
            if (anon === null) return null;
            text[col] = anon;
            kept[col] = 0;
          }
        } else if (col === EVENT_ID_AT ? b === a : col === LOG_TYPE_AT && !isLogType(a, b)) {
          return null;
        }
      } else if (type === T_TIMESTAMP) {
        // The canonical form is copied (normalizeTimestamp returns it unchanged); others are rewritten.
        if (b - a !== 24 || !isCanonicalUtcAt(S, a)) {
          const raw = str(a, b, ascii);
          const ts = normalizeTimestamp(raw);
          if (ts === null) return null;
          if (ts !== raw) {
            text[col] = ts;
            kept[col] = 0;
          }
        }
      } else return null;
      mask |= bit;
    } else if (c === 0x6e) {
      // null: the column stays absent, as JSON.parse's null does
      if (S[i + 1] !== 0x75 || S[i + 2] !== 0x6c || S[i + 3] !== 0x6c) return null;
      i += 4;
    } else if (c === 0x2d || isDigit(c)) {
      if (type === T_STRING || type === T_TIMESTAMP) return null;
      const a = i;
      const neg = c === 0x2d;
      if (neg) i++;
      const d0 = i;
      let v = 0;
      while (isDigit(S[i])) v = v * 10 + (S[i++] - 0x30);
      const digits = i - d0;
      if (digits === 0 || (digits > 1 && S[d0] === 0x30)) return null; // JSON: no leading zeros
      let fraction = 0; // digits after the point
      let zeros = 0; // of which leading zeros, when the integer part is 0
      if (S[i] === 0x2e) {
        const f0 = ++i;
        while (isDigit(S[i])) i++;
        fraction = i - f0;
        if (fraction === 0) return null;
        if (v === 0) while (S[f0 + zeros] === 0x30) zeros++;
      }
      let exponent = false;
      if (S[i] === 0x65 || S[i] === 0x45) {
        exponent = true;
        i++;
        if (S[i] === 0x2b || S[i] === 0x2d) i++;
        const e0 = i;
        while (isDigit(S[i])) i++;
        if (i === e0) return null;
      }
      from[col] = a;
      to[col] = i;
      text[col] = null;
      let value: number;
      if (fraction === 0 && !exponent && digits <= 15 && !(neg && v === 0)) {
        value = neg ? -v : v; // exact, and String(value) is the token itself
      } else if (
        type === T_DOUBLE &&
        fraction > 0 &&
        !exponent &&
        S[i - 1] !== 0x30 &&
        zeros <= 5 &&
        (v === 0 ? fraction - zeros : digits + fraction) <= 15
      ) {
        // At most 15 significant digits (DBL_DIG), no trailing zero, at least 1e-6: no other
        // decimal of as few digits reads as the same double, so this text is the one String
        // writes (without an exponent, from 1e-6 up): it is copied, and the double is finite.
        value = v;
      } else {
        const token = S.toString("latin1", a, i);
        value = Number(token); // a valid JSON number: Number reads it as JSON.parse does
        const shown = String(value);
        if (shown !== token) {
          text[col] = shown;
          kept[col] = 0;
        }
      }
      if (
        type === T_INT
          ? !Number.isInteger(value) || value < INT_MIN || value > INT_MAX
          : type === T_BIGINT
            ? !Number.isSafeInteger(value)
            : !Number.isFinite(value)
      ) {
        return null;
      }
      if (col === STATUS_CODE_AT) statusCode = value;
      mask |= bit;
    } else return null; // true/false, an object or array: the JSON.parse path rejects or keeps it
    if (S[i] === 0x2c && S[i + 1] === QUOTE) {
      i++; // the usual ,"
      continue;
    }
    while (S[i] === SPACE) i++;
    if (S[i] === 0x2c) {
      i++;
      while (S[i] === SPACE) i++;
      canonical = false;
      continue;
    }
    if (S[i++] !== 0x7d) return null; // }
    break;
  }
  if (i !== end || (mask & REQUIRED_MASK) !== REQUIRED_MASK) return null;

  // The row: runs of input bytes where they already are the row's text, literal text and
  // rewritten values (IP, normalised timestamps and numbers) in between.
  const gaps = gapBytesFor(mask, statusClass(statusCode));
  if (processedAt !== timeWritten) {
    S.write(processedAt, TIME_AT, "latin1"); // from toISOString: 24 ASCII characters
    timeWritten = processedAt;
  }
  const lastGap = gaps.start.length - 2;
  pieces = 0;
  let values = VALUES_AT; // where the next rewritten value is written
  let run = 0; // start of the input bytes not yet added
  let runEnd = 0; // end of the previous present value
  for (let col = 0, g = 0; col < EVENT_FIELDS.length; col++) {
    const bit = 1 << col;
    if ((mask & bit) === 0) continue;
    if ((cont & bit) === 0) {
      piece(run, runEnd - run);
      gapPiece(gaps, g, processedAt.length);
      run = from[col];
    }
    g++;
    const t = text[col];
    if (t !== null) {
      piece(run, from[col] + kept[col] - run);
      values = textPiece(t, values);
      run = to[col];
    }
    runEnd = to[col];
  }
  piece(run, runEnd - run);
  gapPiece(gaps, lastGap, processedAt.length);
  const o = assembleRow(pieces >>> 1);
  return S.toString("base64", OUT_AT, o);
}
