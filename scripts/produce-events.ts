/**
 * produce-events: generates realistic schema-v1 events (seeded) and puts them on the Kinesis
 * stream with PutRecords, or writes them to an NDJSON file with --out.
 *
 *   produce-events --count 10000 --outputs outputs.json
 *   produce-events --rate 200 --duration 5m --stream bdp-dev-events
 *   produce-events --count 5000 --hours 3 --invalid-ratio 0.02 --out events.ndjson
 *
 * Exit codes: 0 all sent · 1 some records failed or AWS error · 2 usage/config error.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { createWriteStream, readFileSync } from "node:fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { LOG_TYPES } from "../constructs/contract/event-schema";
import {
  encodeEvent,
  generateEvents,
  partitionKeyOf,
  type EventMix,
  type RawEvent,
} from "./events/generator";
import { kinesisClient, sendRecords, type OutRecord } from "./events/producer";

/** A usage or configuration problem: exit 2, message only. */
export class UsageError extends Error {}

/** Parses a duration like 90, 90s, 5m, 2h into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--duration must look like 90s, 5m or 2h, got ${text}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "s" | "m" | "h"];
}

/** Parses --mix web_access=0.6,application=0.3,iot_sensor=0.1. */
export function parseMix(text: string): Partial<EventMix> {
  const mix: Record<string, number> = {};
  for (const part of text.split(",").filter(Boolean)) {
    const [k, v] = part.split("=");
    if (!(LOG_TYPES as readonly string[]).includes(k) || v === undefined || !(Number(v) >= 0)) {
      throw new UsageError(`--mix entries must be <${LOG_TYPES.join("|")}>=<weight ≥ 0>, got ${part}`);
    }
    mix[k] = Number(v);
  }
  return mix as Partial<EventMix>;
}

/** The stream name from a `cdktf output --outputs-file` JSON (or a flat outputs object). */
export function streamFromOutputs(file: string, stack?: string): string {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--outputs ${file}: cannot read JSON (${(err as Error).message})`);
  }
  const unwrap = (v: unknown): unknown =>
    typeof v === "object" && v !== null && "value" in v ? (v as { value: unknown }).value : v;
  if (typeof unwrap(doc.kinesis_stream_name) === "string") return unwrap(doc.kinesis_stream_name) as string;
  const stacks = Object.keys(doc).filter((k) => typeof doc[k] === "object" && doc[k] !== null);
  const chosen = stack ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (!chosen)
    throw new UsageError(`--outputs ${file} has stacks ${stacks.join(", ")}: pick one with --stack`);
  const name = unwrap((doc[chosen] as Record<string, unknown> | undefined)?.kinesis_stream_name);
  if (typeof name !== "string")
    throw new UsageError(`--outputs ${file}: no kinesis_stream_name for stack ${chosen}`);
  return name;
}

export interface ProduceArgs {
  count?: number;
  rate?: number;
  duration?: string;
  seed: number;
  start?: string;
  hours: number;
  invalidRatio: number;
  mix?: string;
  stream?: string;
  outputs?: string;
  stack?: string;
  out?: string;
  json: boolean;
}

/** Runs the producer; returns the exit code. `now` and `kinesis` are injectable for tests. */
export async function run(
  args: ProduceArgs,
  deps: { kinesis?: KinesisClient; now?: () => number } = {},
): Promise<number> {
  const now = deps.now ?? Date.now;
  if (args.duration !== undefined && args.rate === undefined) throw new UsageError("--duration needs --rate");
  if (args.rate !== undefined && !(args.rate > 0))
    throw new UsageError(`--rate must be > 0, got ${args.rate}`);
  const count =
    args.count ??
    (args.rate !== undefined && args.duration !== undefined
      ? Math.round(args.rate * parseDuration(args.duration))
      : 1000);
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`--count must be an integer ≥ 0, got ${count}`);
  if (!(args.hours > 0)) throw new UsageError(`--hours must be > 0, got ${args.hours}`);
  if (!(args.invalidRatio >= 0 && args.invalidRatio <= 1)) {
    throw new UsageError(`--invalid-ratio must be between 0 and 1, got ${args.invalidRatio}`);
  }
  // Default window: the last `hours` hours, so events land in recent partitions.
  const start = args.start !== undefined ? new Date(args.start) : new Date(now() - args.hours * 3_600_000);
  if (Number.isNaN(start.getTime()))
    throw new UsageError(`--start must be an ISO-8601 time, got ${args.start}`);
  const events = generateEvents({
    seed: args.seed,
    count,
    start,
    hours: args.hours,
    invalidRatio: args.invalidRatio,
    mix: args.mix !== undefined ? parseMix(args.mix) : undefined,
  });

  if (args.out !== undefined) {
    const file = createWriteStream(args.out);
    let n = 0;
    for (const ev of events) {
      if (!file.write(Buffer.concat([encodeEvent(ev), Buffer.from("\n")])))
        await new Promise<void>((r) => file.once("drain", () => r()));
      n++;
    }
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    report(args.json, { out: args.out, written: n, sent: 0, failed: 0 });
    return 0;
  }

  const streamName =
    args.stream ?? (args.outputs !== undefined ? streamFromOutputs(args.outputs, args.stack) : undefined);
  if (!streamName)
    throw new UsageError(
      "name the stream: --stream NAME, or --outputs FILE (kinesis_stream_name), or --out FILE",
    );
  const kinesis = deps.kinesis ?? kinesisClient();
  const records = (function* (): Generator<OutRecord> {
    let i = 0;
    for (const ev of events as Iterable<RawEvent>)
      yield { data: encodeEvent(ev), partitionKey: partitionKeyOf(ev, i++) };
  })();
  const t0 = now();
  const pace =
    args.rate === undefined
      ? undefined
      : async (sentSoFar: number) => {
          const due = t0 + (sentSoFar / args.rate!) * 1000;
          const wait = due - now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        };
  const totals = await sendRecords(
    kinesis,
    records,
    {
      streamName,
      batchRecords: args.rate === undefined ? 500 : Math.max(1, Math.min(500, Math.ceil(args.rate / 5))),
    },
    pace,
  );
  report(args.json, { stream: streamName, ...totals, seconds: Math.round((now() - t0) / 100) / 10 });
  return totals.failed > 0 ? 1 : 0;
}

function report(json: boolean, result: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  const where =
    result.out !== undefined ? `wrote ${result.written} records to ${result.out}` : `stream ${result.stream}`;
  process.stdout.write(
    result.out !== undefined
      ? `${where}\n`
      : `${where}: sent ${result.sent}, failed ${result.failed} (${result.batches} batches, ${result.retries} retried)\n`,
  );
}

/** CLI entry: parses arguments and sets the exit code in exactly one place. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = await yargs(argv)
      .scriptName("produce-events")
      .usage("$0 [options]: generate schema-v1 events and put them on Kinesis (or --out FILE)")
      .env("PRODUCE_EVENTS")
      .option("count", { type: "number", describe: "number of events (default 1000, or rate × duration)" })
      .option("rate", { type: "number", describe: "events per second (paces PutRecords)" })
      .option("duration", { type: "string", describe: "with --rate: how long, e.g. 90s, 5m, 1h" })
      .option("seed", { type: "number", default: 1, describe: "PRNG seed: same seed, same events" })
      .option("start", {
        type: "string",
        describe: "ISO-8601 time of the first event (default: now − hours)",
      })
      .option("hours", { type: "number", default: 1, describe: "spread event times over this many hours" })
      .option("invalid-ratio", {
        type: "number",
        default: 0,
        describe: "share of schema-invalid records (0–1)",
      })
      .option("mix", {
        type: "string",
        describe: "log-type weights, e.g. web_access=0.6,application=0.3,iot_sensor=0.1",
      })
      .option("stream", { type: "string", describe: "Kinesis stream name" })
      .option("outputs", { type: "string", describe: "cdktf outputs JSON with kinesis_stream_name" })
      .option("stack", { type: "string", describe: "stack in --outputs (default: the only one)" })
      .option("out", {
        type: "string",
        describe: "write NDJSON (the exact record bytes) to this file instead of Kinesis",
      })
      .option("json", { type: "boolean", default: false, describe: "one JSON result line on stdout" })
      .example("$0 --count 10000 --outputs outputs.json", "10k events into the stack's stream")
      .example("$0 --rate 100 --duration 5m --stream bdp-dev-events", "100 events/s for 5 minutes")
      .example(
        "$0 --count 5000 --hours 3 --invalid-ratio 0.02 --out events.ndjson",
        "a local file for the demo",
      )
      .strict()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .help()
      .parseAsync();
    return await run({ ...args, invalidRatio: args.invalidRatio, json: args.json });
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      process.stderr.write(`produce-events: ${err.message}\n`);
      return 2;
    }
    const e = err as { name?: string; message?: string; $metadata?: { requestId?: string } };
    const id = e.$metadata?.requestId ? ` (request id ${e.$metadata.requestId})` : "";
    process.stderr.write(`produce-events: ${e.name ?? "Error"}: ${e.message ?? String(err)}${id}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
