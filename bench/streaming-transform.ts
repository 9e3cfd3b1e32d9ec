/**
 * Transform throughput benchmark (issue 3): the BUILT bundle dist/lambda/firehose-transform/index.js
 * on 500-record batches of ~1 KB schema-v1 events, against a baseline measured in the same run —
 * the floor of any JSON-rewriting transform: base64 decode → JSON.parse → JSON.stringify → base64
 * encode per record, nothing else. Also prints both Lambda bundle sizes. Prints; asserts nothing.
 *
 *   npx tsx bench/streaming-transform.ts [--seconds 0.5]   (per round; 6 alternating rounds, medians)
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { encodeEvent, generateEvents } from "../scripts/events/generator";

const ROOT = join(__dirname, "..");
const TRANSFORM = join(ROOT, "dist/lambda/firehose-transform/index.js");
const TRIGGER = join(ROOT, "dist/lambda/emr-trigger/index.js");
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1]) || 0.5;

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

function baseline(records: Rec[]) {
  return {
    records: records.map((r) => ({
      recordId: r.recordId,
      result: "Ok",
      data: Buffer.from(
        JSON.stringify(JSON.parse(Buffer.from(r.data, "base64").toString("utf8"))) + "\n",
      ).toString("base64"),
    })),
  };
}

async function rate(fn: () => unknown | Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < 50; i++) await fn(); // warm-up (JIT)
  let done = 0;
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - t0 < limit) {
    await fn();
    done += n;
  }
  return done / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(TRANSFORM) as {
    handler: (e: unknown) => Promise<{ records: Array<{ result: string }> }>;
  };
  const records = batch();
  const avg = records.reduce((s, r) => s + Buffer.from(r.data, "base64").length, 0) / records.length;
  const event = {
    invocationId: "bench",
    deliveryStreamArn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench",
    region: "us-east-1",
    records,
  };
  console.log = () => undefined; // the handler logs one summary line per batch
  const out = await handler(event);
  const ok = out.records.filter((r) => r.result === "Ok").length;
  if (ok !== records.length) throw new Error(`bench input invalid: only ${ok}/${records.length} records Ok`);
  // Alternate short rounds and take medians, so load from other processes hits both alike.
  const bases: number[] = [];
  const reals: number[] = [];
  for (let round = 0; round < 6; round++) {
    bases.push(await rate(() => baseline(records), records.length));
    reals.push(await rate(() => handler(event), records.length));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(bases);
  const real = median(reals);
  const kb = (f: string): string => `${(statSync(f).size / 1024).toFixed(1)} KB`;
  const w = (s: string) => process.stdout.write(s + "\n");
  w(
    `transform: 500-record batches, avg record ${avg.toFixed(0)} B, median of 6 alternating ${seconds}s rounds`,
  );
  w(`  baseline (decode+parse+stringify+encode only): ${Math.round(base).toLocaleString("en-US")} records/s`);
  w(
    `  firehose-transform bundle:                     ${Math.round(real).toLocaleString("en-US")} records/s  (${(real / base).toFixed(2)}× baseline; target ≥ 200,000: ${real >= 200_000 ? "met" : "NOT met on this machine"})`,
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
