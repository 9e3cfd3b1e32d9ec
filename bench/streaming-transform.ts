/**
 * Transform throughput and cost benchmark: the BUILT bundle dist/lambda/firehose-transform/index.js
 * on 500-record batches of ~1 KB producer events, against the naive identity transform measured
 * in the same run on the same batches — base64 decode → JSON.parse → JSON.stringify → base64
 * encode per record, nothing else. Then what the transform costs per billion records on Lambda,
 * next to what Firehose bills to ingest and convert them. Prints; asserts nothing.
 *
 * Each measurement is a fresh plain-node process (bench/transform-rate.cjs): in one process the
 * contenders inherit each other's garbage and this script's loader hooks, which moved the ratio
 * by ±30 %. Rates are records per CPU-second of that process, so other work on the machine
 * does not move them much. Rounds alternate which one goes first; medians are reported, with
 * the range.
 *
 *   BENCH_STREAMING_DEFAULTS='{"transformMemoryMb":512,"processorBufferMb":1}' \
 *     npx tsx bench/streaming-transform.ts [--seconds 1] [--rounds 9]
 * (bench/20-streaming.sh reads those two settings from constructs/defaults.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEvent, generateEvents } from "../scripts/events/generator";

const ROOT = join(__dirname, "..");
const TRANSFORM = join(ROOT, "dist/lambda/firehose-transform/index.js");
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) || dflt : dflt;
};
const seconds = arg("--seconds", 1);
const rounds = arg("--rounds", 9);

// ---- cost model: us-east-1 list prices ------------------------------------------------------
/** Lambda, Arm: per GB-second (first 7.5 billion GB-s a month). https://aws.amazon.com/lambda/pricing/ */
const LAMBDA_ARM_USD_PER_GB_SECOND = 0.0000133334;
/** Lambda: $0.20 per million requests. https://aws.amazon.com/lambda/pricing/ */
const LAMBDA_USD_PER_REQUEST = 0.2 / 1e6;
/**
 * Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): below that, the
 * single-core time measured here stretches by 1,769 / memory. (Assumes a Graviton core as fast
 * as this machine's.)
 */
const LAMBDA_MB_PER_VCPU = 1769;
/**
 * Firehose ingestion (Kinesis Data Streams or Direct PUT as source, first 500 TB a month):
 * $0.029 per GB, each record rounded up to the next 5 KB. https://aws.amazon.com/firehose/pricing/
 */
const FIREHOSE_INGEST_USD_PER_GB = 0.029;
const FIREHOSE_BILLED_RECORD_BYTES = 5 * 1024;
/** Firehose format conversion (JSON → Parquet): $0.018 per GB of input. Same page. */
const FIREHOSE_CONVERSION_USD_PER_GB = 0.018;
/** AWS bills data in GB of 2^30 bytes. */
const GB = 2 ** 30;
const RECORDS = 1e9;

interface StreamingSettings {
  readonly transformMemoryMb: number;
  readonly processorBufferMb: number;
}

function settings(): StreamingSettings {
  const raw = process.env.BENCH_STREAMING_DEFAULTS;
  const parsed = raw === undefined ? undefined : (JSON.parse(raw) as Partial<StreamingSettings>);
  if (!(Number(parsed?.transformMemoryMb) > 0 && Number(parsed?.processorBufferMb) > 0)) {
    throw new Error(
      "BENCH_STREAMING_DEFAULTS must hold transformMemoryMb and processorBufferMb (bench/20-streaming.sh sets it)",
    );
  }
  return parsed as StreamingSettings;
}

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

/** records per CPU-second of one contender, measured in a fresh process. */
function measure(mode: "baseline" | "handler", recordsFile: string): number {
  const out = execFileSync(
    process.execPath,
    [join(__dirname, "transform-rate.cjs"), mode, recordsFile, TRANSFORM, String(seconds)],
    { encoding: "utf8" },
  );
  return Number(out.trim());
}

async function main(): Promise<void> {
  const { transformMemoryMb, processorBufferMb } = settings();
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
  const usd = (n: number): string => `$${n.toFixed(2)}`;
  const range = (xs: number[]): string => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
  const base = median(bases);
  const real = median(reals);
  const ratio = real / base;

  // The transform's Lambda bill for RECORDS records of the benchmark's size.
  const vcpu = Math.min(1, transformMemoryMb / LAMBDA_MB_PER_VCPU);
  const lambdaSeconds = RECORDS / real / vcpu;
  const gbSeconds = lambdaSeconds * (transformMemoryMb / 1024);
  const computeUsd = gbSeconds * LAMBDA_ARM_USD_PER_GB_SECOND;
  const perInvocation = Math.floor((processorBufferMb * 2 ** 20) / avg);
  const invocations = Math.ceil(RECORDS / perInvocation);
  const requestsUsd = invocations * LAMBDA_USD_PER_REQUEST;
  const lambdaUsd = computeUsd + requestsUsd;
  // Firehose's bill for the same records.
  const billedGb =
    (RECORDS * Math.ceil(avg / FIREHOSE_BILLED_RECORD_BYTES) * FIREHOSE_BILLED_RECORD_BYTES) / GB;
  const inputGb = (RECORDS * avg) / GB;
  const ingestUsd = billedGb * FIREHOSE_INGEST_USD_PER_GB;
  const conversionUsd = inputGb * FIREHOSE_CONVERSION_USD_PER_GB;
  const firehoseUsd = ingestUsd + conversionUsd;
  const share = lambdaUsd / firehoseUsd;

  const w = (s: string) => process.stdout.write(s + "\n");
  w(
    `transform: 500-record batches, avg record ${avg.toFixed(0)} B, median of ${rounds} alternating runs of ${seconds} CPU-s (fresh process each)`,
  );
  w(
    `  naive identity transform (decode, parse, stringify, encode): ${fmt(base)} records/CPU-s  (range ${range(bases)})`,
  );
  w(
    `  firehose-transform bundle:                                  ${fmt(real)} records/CPU-s  (range ${range(reals)})`,
  );
  w(`  ratio: ${ratio.toFixed(2)}× the naive transform (target ≥ 0.6×: ${ratio >= 0.6 ? "met" : "NOT met"})`);
  w(`cost per ${RECORDS.toExponential(0)} records of ${avg.toFixed(0)} B (us-east-1 list prices):`);
  w(
    `  transform Lambda: ${usd(computeUsd)} compute (${fmt(gbSeconds)} GB-s: ${transformMemoryMb} MB, ${vcpu.toFixed(2)} vCPU, arm64)` +
      ` + ${usd(requestsUsd)} requests (${fmt(invocations)} invocations of ${processorBufferMb} MiB, ${fmt(perInvocation)} records)` +
      ` = ${usd(lambdaUsd)}`,
  );
  w(
    `  Firehose:         ${usd(ingestUsd)} ingest (${fmt(billedGb)} GB billed, 5 KB per record)` +
      ` + ${usd(conversionUsd)} format conversion (${fmt(inputGb)} GB) = ${usd(firehoseUsd)}`,
  );
  w(
    `  transform share: ${(share * 100).toFixed(2)} % of the Firehose bill (target ≤ 1 %: ${share <= 0.01 ? "met" : "NOT met"})`,
  );
  w(`bundle size: firehose-transform ${(statSync(TRANSFORM).size / 1024).toFixed(1)} KB`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
