/**
 * local-firehose — the demo's stand-in for the Firehose delivery stream, driving the REAL transform
 * Lambda bundle (dist/lambda/firehose-transform/index.js, the file the stack deploys).
 *
 * Reads newline-delimited records (the exact bytes a producer would PutRecords), feeds them to the
 * handler in Firehose transformation events of ≤ 500 records, and lands the results the way the
 * delivery stream does:
 *   - `Ok` records → `<lake>/streaming-data/year=YYYY/month=MM/day=DD/hour=HH/` as Parquet
 *     (the conversion is done by jobs/tools/land_parquet.py with the Glue table's columns, i.e. EVENT_FIELDS);
 *     the hour comes from the record's arrival time, as with Firehose's `!{timestamp:...}` prefix.
 *   - `ProcessingFailed` records → `<lake>/streaming-errors/processing-failed/year=.../` as JSON lines
 *     in Firehose's error-record format (attemptsMade, arrivalTimestamp, errorCode, errorMessage,
 *     attemptEndingTimestamp, rawData, lambdaArn) — nothing is dropped.
 *
 * Usage: tsx scripts/local-firehose.ts --in events.ndjson --lake demo-output/lake [--bundle path]
 * Prints one JSON line: {"records":N,"ok":N,"failed":N,"dropped":N,"hours":[...],"okNdjsonDir":...}.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { EVENT_FIELDS } from "../constructs/contract/event-schema";
import { PARTITION_KEYS } from "../constructs/contract/lake";

const REPO = resolve(__dirname, "..");
const BATCH = 500;

interface FirehoseRecordIn {
  recordId: string;
  approximateArrivalTimestamp: number;
  data: string;
}
interface FirehoseRecordOut {
  recordId: string;
  result: "Ok" | "ProcessingFailed" | "Dropped";
  data?: string;
}
type Handler = (event: unknown, context?: unknown) => Promise<{ records: FirehoseRecordOut[] }>;

class UsageError extends Error {}

function parseArgs(argv: string[]): { input: string; lake: string; bundle: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!k?.startsWith("--") || v === undefined) throw new UsageError(`bad argument near '${k ?? ""}'`);
    out[k.slice(2)] = v;
  }
  if (!out.in || !out.lake)
    throw new UsageError("usage: local-firehose --in FILE.ndjson --lake DIR [--bundle FILE]");
  return {
    input: resolve(out.in),
    lake: resolve(out.lake),
    bundle: resolve(out.bundle ?? join(REPO, "dist/lambda/firehose-transform/index.js")),
  };
}

/** Firehose's `!{timestamp:...}` uses the record's arrival time; the demo "arrives" each record at its
 * own event time (real time replay), falling back to now for records without a parseable time. */
function arrivalMillis(line: string, now: number): number {
  try {
    const ts = (JSON.parse(line) as { timestamp?: unknown }).timestamp;
    const ms = typeof ts === "string" ? Date.parse(ts) : NaN;
    return Number.isFinite(ms) ? ms : now;
  } catch {
    return now;
  }
}

function hourPrefix(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `year=${d.getUTCFullYear()}/month=${p(d.getUTCMonth() + 1)}/day=${p(d.getUTCDate())}/hour=${p(d.getUTCHours())}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.input)) throw new UsageError(`input file not found: ${args.input}`);
  if (!existsSync(args.bundle))
    throw new UsageError(`transform bundle not found: ${args.bundle} (run npm run build)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handler = (require(args.bundle) as { handler: Handler }).handler;
  // In AWS the handler's structured log lines go to CloudWatch Logs; here they go to a file
  // beside the lake instead of flooding the demo's terminal.
  const logFile = join(dirname(args.lake), "transform.log");
  writeFileSync(logFile, "");
  const toLog = (...parts: unknown[]): void =>
    appendFileSync(
      logFile,
      `${parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")}\n`,
    );
  console.log = toLog;
  console.info = toLog;
  console.warn = toLog;
  console.error = toLog;

  const staging = join(args.lake, ".staging-ok");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const counts = { records: 0, ok: 0, failed: 0, dropped: 0 };
  const hours = new Set<string>();
  const now = Date.now();
  let seq = 0;
  let batch: FirehoseRecordIn[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const event = {
      invocationId: `local-${seq}`,
      deliveryStreamArn: "arn:aws:firehose:local:000000000000:deliverystream/local-demo",
      region: "local",
      records: batch,
    };
    const byId = new Map(batch.map((r) => [r.recordId, r]));
    const res = await handler(event, {});
    if (res.records.length !== batch.length) {
      throw new Error(`transform answered ${res.records.length} of ${batch.length} records`);
    }
    const okLines = new Map<string, string[]>();
    for (const r of res.records) {
      const src = byId.get(r.recordId);
      if (!src) throw new Error(`transform answered unknown recordId ${r.recordId}`);
      const prefix = hourPrefix(src.approximateArrivalTimestamp);
      if (r.result === "Ok") {
        counts.ok++;
        hours.add(prefix);
        const text = Buffer.from(r.data ?? "", "base64").toString("utf8");
        const list = okLines.get(prefix) ?? [];
        list.push(text.endsWith("\n") ? text : `${text}\n`);
        okLines.set(prefix, list);
      } else if (r.result === "ProcessingFailed") {
        counts.failed++;
        const dir = join(args.lake, "streaming-errors", "processing-failed", prefix);
        mkdirSync(dir, { recursive: true });
        const errorRecord = {
          attemptsMade: 1,
          arrivalTimestamp: src.approximateArrivalTimestamp,
          errorCode: "Lambda.ProcessingFailed",
          errorMessage: "The record was marked ProcessingFailed by the transform Lambda",
          attemptEndingTimestamp: Date.now(),
          rawData: src.data,
          lambdaArn: "arn:aws:lambda:local:000000000000:function:firehose-transform",
        };
        appendFileSync(join(dir, "local-demo-errors.json"), `${JSON.stringify(errorRecord)}\n`);
      } else {
        counts.dropped++;
      }
    }
    for (const [prefix, lines] of okLines) {
      const dir = join(staging, prefix);
      mkdirSync(dir, { recursive: true });
      appendFileSync(join(dir, "part.ndjson"), lines.join(""));
    }
    batch = [];
  };

  const rl = createInterface({ input: createReadStream(args.input), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.length === 0) continue;
    counts.records++;
    batch.push({
      recordId: `r${String(seq++).padStart(9, "0")}`,
      approximateArrivalTimestamp: arrivalMillis(line, now),
      data: Buffer.from(line, "utf8").toString("base64"),
    });
    if (batch.length >= BATCH) await flush();
  }
  await flush();

  // Parquet conversion with the Glue table's columns (the same list Firehose's conversion uses).
  const schemaFile = join(staging, "_columns.json");
  writeFileSync(
    schemaFile,
    JSON.stringify({
      fields: EVENT_FIELDS.map((f) => ({ name: f.name, type: f.type })),
      partitions: PARTITION_KEYS,
    }),
  );
  const py = join(REPO, ".venv", "bin", "python");
  if (!existsSync(py)) throw new UsageError(`${py} not found: run make install`);
  const conv = spawnSync(
    py,
    [join(REPO, "jobs", "tools", "land_parquet.py"), staging, join(args.lake, "streaming-data"), schemaFile],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (conv.status !== 0) throw new Error(`land_parquet.py failed with exit code ${conv.status}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(staging), { recursive: true });
  process.stdout.write(`${JSON.stringify({ ...counts, hours: [...hours].sort(), transformLog: logFile })}\n`);
}

main().catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`local-firehose: ${msg}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
