/**
 * The memory of the transform's fast path and its byte work, fast-path-bytes.wat: the scan of a
 * record (WebAssembly SIMD, 16 bytes at a time) and the copies that assemble a row. The decoded
 * record, the positions of its quotes, the row's literal text, rewritten values and the row
 * itself are all in the module's memory: one buffer, viewed as {@link RECORD}, {@link QUOTES} and
 * {@link PIECES}. The memory never grows (the module declares 8 pages, 512 KiB, and nothing grows
 * it), so the views stay valid.
 */
import { FAST_PATH_BYTES_WASM_BASE64 } from "./fast-path-bytes.wasm";

// The global WebAssembly API of Node (the project compiles without the DOM library).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

/** Largest decoded record the fast path takes; the rest of its memory follows from it. */
export const IN_MAX = 64 * 1024;
/**
 * Where the row is assembled. A row is at most its input plus the literal text (~700 bytes) plus
 * ~24 bytes per rewritten value (IP, timestamp, number), so 64 KiB + 8 KiB after the input is enough.
 */
export const OUT_AT = IN_MAX;
/** Where the scan writes the positions of the record's quotes: at most one per input byte. */
const QUOTES_AT = IN_MAX * 2 + 8 * 1024;
/** Literal row text (cached per row shape), then values the fast path rewrites, then the pieces. */
export const GAPS_AT = QUOTES_AT + IN_MAX * 4;
export const GAPS_END = GAPS_AT + 64 * 1024;
export const TEXT_AT = GAPS_END;
export const TEXT_END = TEXT_AT + 4 * 1024;
const PIECES_AT = TEXT_END;
const PIECES_MAX = 512;

const wasm = new WebAssembly.Instance(
  new WebAssembly.Module(Buffer.from(FAST_PATH_BYTES_WASM_BASE64, "base64")),
).exports as {
  memory: { buffer: ArrayBuffer };
  index: (end: number, out: number) => number;
  assemble: (prog: number, count: number, out: number) => number;
};

/** The module's memory: the record at [0, IN_MAX), the row from OUT_AT. */
export const RECORD: Buffer = Buffer.from(wasm.memory.buffer);
/** Positions of the record's quotes, in order, as written by the last {@link indexRecord}. */
export const QUOTES = new Int32Array(wasm.memory.buffer, QUOTES_AT, IN_MAX);
/** The row to assemble: (start, length) pairs of memory ranges, copied in order by {@link assembleRow}. */
export const PIECES = new Int32Array(wasm.memory.buffer, PIECES_AT, PIECES_MAX * 2);

/**
 * Scans the record in RECORD[0, end) (end ≤ IN_MAX - 16): -1 when it holds a byte < 0x20 or a
 * backslash; else `(count << 1) | high`, with the positions of its `count` quotes in QUOTES and
 * `high` = 1 when some byte is ≥ 0x80.
 */
export const indexRecord = (end: number): number => wasm.index(end, QUOTES_AT);

/** Copies the first `count` PIECES to RECORD at OUT_AT, one after another; returns the row's end. */
export const assembleRow = (count: number): number => wasm.assemble(PIECES_AT, count, OUT_AT);
