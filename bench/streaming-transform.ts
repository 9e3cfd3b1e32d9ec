/**
 * Transform throughput benchmark (issue 3): the BUILT bundle dist/lambda/firehose-transform/index.js
 * on 500-record batches of ~1 KB schema-v1 events, against a baseline measured in the same run —
 * the naive identity transform: base64 decode → JSON.parse → JSON.stringify → base64 encode per
 * record, nothing else (the transform's byte-level fast path does none of those but the base64).
 * Also prints both Lambda bundle sizes. Prints; asserts nothing.
 *
 * Each measurement is a fresh plain-node process (bench/transform-rate.cjs): in one process the
 * contenders inherit each other's garbage and this script's loader hooks, which moved the ratio
 * by ±30 %. Rounds alternate which one goes first; medians are reported, with the range.
 *
 *   npx tsx bench/streaming-transform.ts [--seconds 1] [--rounds 9]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEvent, generateEvents } from "../scripts/events/generator";

const ROOT = join(__dirname, "..");
const TRANSFORM = join(ROOT, "dist/lambda/firehose-transform/index.js");
const TRIGGER = join(ROOT, "dist/lambda/emr-trigger/index.js");
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) || dflt : dflt;
};
const seconds = arg("--seconds", 1);
const rounds = arg("--rounds", 9);

type Rec = { recordId: string; data: string; approximateArrivalTimestamp: number };

/** ~1 KB records: generated events with a realistic long user agent / log message. */
function batch(): Rec[] {
  const filler =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 ";
  const evs = [
    ...generateEvents({ seed: 20, count: 500, start: new Date("2026-01-31T00:00:00Z"), hours: 1 }),
  ];
  return evs.map((ev, i) => {
    const base = encodeEvent(ev).length;
    const pad = filler.repeat(8).slice(0, Math.max(0, 1024 - base - 20));
    const e =
      ev.log_type === "application"
        ? { ...ev, message: `${ev.message} ${pad}` }
        : { ...ev, user_agent: `${ev.user_agent ?? ""} ${pad}` };
    return {
      recordId: `49546986683135544286507457936321625675700192471156785154-${i}`,
      data: Buffer.from(encodeEvent(e)).toString("base64"),
      approximateArrivalTimestamp: 0,
    };
  });
}

/** records/s of one contender, measured in a fresh process. */
function measure(mode: "baseline" | "handler", recordsFile: string): number {
  const out = execFileSync(
    process.execPath,
    [join(__dirname, "transform-rate.cjs"), mode, recordsFile, TRANSFORM, String(seconds)],
    { encoding: "utf8" },
  );
  return Number(out.trim());
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(TRANSFORM) as {
    handler: (e: unknown) => Promise<{ records: Array<{ result: string }> }>;
  };
  const records = batch();
  const avg = records.reduce((s, r) => s + Buffer.from(r.data, "base64").length, 0) / records.length;
  const log = console.log;
  console.log = () => undefined; // the handler logs one summary line per batch
  const out = await handler({ records });
  console.log = log;
  const ok = out.records.filter((r) => r.result === "Ok").length;
  if (ok !== records.length) throw new Error(`bench input invalid: only ${ok}/${records.length} records Ok`);

  const dir = mkdtempSync(join(tmpdir(), "bench-transform-"));
  const bases: number[] = [];
  const reals: number[] = [];
  try {
    const file = join(dir, "records.json");
    writeFileSync(file, JSON.stringify(records));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order, so a slow spell of the machine hits both alike.
      if (round % 2 === 0) {
        bases.push(measure("baseline", file));
        reals.push(measure("handler", file));
      } else {
        reals.push(measure("handler", file));
        bases.push(measure("baseline", file));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  const range = (xs: number[]): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  const base = median(bases);
  const real = median(reals);
  const kb = (f: string): string => `${(statSync(f).size / 1024).toFixed(1)} KB`;
  const w = (s: string) => process.stdout.write(s + "\n");
  w(
    `transform: 500-record batches, avg record ${avg.toFixed(0)} B, median of ${rounds} alternating ${seconds}s runs (fresh process each)`,
  );
  w(`  baseline (decode+parse+stringify+encode only): ${fmt(base)} records/s  (range ${range(bases)})`);
  w(
    `  firehose-transform bundle:                     ${fmt(real)} records/s  (range ${range(reals)}; ${(real / base).toFixed(2)}× baseline; target ≥ 200,000: ${real >= 200_000 ? "met" : "NOT met on this machine"})`,
  );
  const size = statSync(TRANSFORM).size;
  w(
    `bundle sizes: firehose-transform ${kb(TRANSFORM)} (target ≤ 15 KB: ${size <= 15 * 1024 ? "met" : "NOT met"}), emr-trigger ${kb(TRIGGER)} (includes @aws-sdk/client-emr)`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
