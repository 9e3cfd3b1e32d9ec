/**
 * fast-path-bytes.wat, the fast path's byte scan: the committed bytes are the compiler's output of the
 * committed text, and the scan agrees with a plain byte loop on records of every length and byte.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import fc from "fast-check";
import { indexRecord, QUOTES, RECORD } from "../constructs/lambdas/firehose-transform/fast-path-bytes";
import { FAST_PATH_BYTES_WASM_BASE64 } from "../constructs/lambdas/firehose-transform/fast-path-bytes.wasm";

/** What the scan must find, by reading each byte. */
function reference(bytes: Uint8Array): { bad: boolean; quotes: number[]; high: boolean } {
  const quotes: number[] = [];
  let bad = false;
  let high = false;
  bytes.forEach((b, i) => {
    if (b < 0x20 || b === 0x5c) bad = true;
    if (b >= 0x80) high = true;
    if (b === 0x22) quotes.push(i);
  });
  return { bad, quotes, high };
}

describe("fast-path-bytes.wat", () => {
  it("fast-path-bytes.wasm.ts holds what wabt compiles from fast-path-bytes.wat (npm run gen:wasm)", () => {
    const compiled = execFileSync(
      process.execPath,
      [join(__dirname, "..", "scripts", "gen-wasm.mjs"), "--print"],
      {
        encoding: "utf8",
      },
    ).trim();
    expect(compiled).toBe(FAST_PATH_BYTES_WASM_BASE64);
  });

  it("finds control bytes, backslashes, quotes and high bytes as a byte loop does", () => {
    // Bytes drawn mostly from the interesting ones; records of 0–100 bytes put each byte at every
    // offset within a 16-byte load, and the memory after each record holds the previous one's bytes.
    const byte = fc.oneof(
      fc.constantFrom(0x22, 0x5c, 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, 0x41, 0x7b),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 100 }), fc.boolean(), (arr, clean) => {
        // Clean records (no control byte or backslash) test the quote positions at every offset.
        const bytes = Uint8Array.from(arr, (b) => (clean && (b < 0x20 || b === 0x5c) ? 0x41 : b));
        RECORD.set(bytes, 0);
        const found = indexRecord(bytes.length);
        const want = reference(bytes);
        if (want.bad) {
          expect(found).toBe(-1);
        } else {
          expect(found & 1).toBe(want.high ? 1 : 0);
          expect([...QUOTES.subarray(0, found >>> 1)]).toEqual(want.quotes);
        }
      }),
      { numRuns: 20_000, seed: 16 },
    );
  });

  it("reports every quote of a 64 KiB record", () => {
    const bytes = Buffer.alloc(64 * 1024 - 16, '"');
    RECORD.set(bytes, 0);
    const found = indexRecord(bytes.length);
    expect(found >>> 1).toBe(bytes.length);
    expect(QUOTES[bytes.length - 1]).toBe(bytes.length - 1);
  });
});
