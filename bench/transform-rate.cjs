// One measurement of bench/streaming-transform.ts, in a fresh plain-node process (no loader hooks,
// no garbage or JIT state left over from the other contender): records/s of `baseline` or of the
// built firehose-transform bundle on the 500-record batch in RECORDS_FILE, per CPU-second.
//   node bench/transform-rate.cjs baseline|handler RECORDS_FILE BUNDLE SECONDS   → prints records/s
/* global Buffer */
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");

const [mode, recordsFile, bundle, secondsArg] = process.argv.slice(2);
const records = JSON.parse(readFileSync(recordsFile, "utf8"));
const event = {
  invocationId: "bench",
  deliveryStreamArn: "arn:aws:firehose:us-east-1:123456789012:deliverystream/bench",
  region: "us-east-1",
  records,
};

/** The naive identity transform: decode → parse → stringify → encode, nothing else. */
function baseline(ev) {
  return {
    records: ev.records.map((r) => ({
      recordId: r.recordId,
      result: "Ok",
      data: Buffer.from(
        JSON.stringify(JSON.parse(Buffer.from(r.data, "base64").toString("utf8"))) + "\n",
      ).toString("base64"),
    })),
  };
}

/**
 * CPU seconds this process has used (all its threads, the garbage collector's included). The
 * rate is records per CPU-second, not per wall-second: on a shared machine other processes take
 * turns on the cores, which moves wall time but not the CPU time the transform needs — what a
 * Lambda function, with its own share of a vCPU, is billed for.
 */
function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main() {
  console.log = () => undefined; // the handler logs one summary line per batch
  const fn = mode === "baseline" ? baseline : require(resolve(bundle)).handler;
  const run = async (seconds) => {
    let done = 0;
    const t0 = cpuSeconds();
    while (cpuSeconds() - t0 < seconds) {
      await fn(event);
      done += records.length;
    }
    return done / (cpuSeconds() - t0);
  };
  await run(0.3); // warm-up: JIT tiers
  process.stdout.write(`${await run(Number(secondsArg))}\n`);
}

main().catch((err) => {
  process.stderr.write(`transform-rate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
