// One measurement of bench/streaming-transform.ts, in a fresh plain-node process (no loader hooks,
// no garbage or JIT state left over from the other contender): records/s of `baseline` or of the
// built firehose-transform bundle on the 500-record batch in RECORDS_FILE.
//   node bench/transform-rate.cjs baseline|handler RECORDS_FILE BUNDLE SECONDS   → prints records/s
/* global Buffer, performance */
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

async function main() {
  console.log = () => undefined; // the handler logs one summary line per batch
  const fn = mode === "baseline" ? baseline : require(resolve(bundle)).handler;
  const run = async (ms) => {
    let done = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      await fn(event);
      done += records.length;
    }
    return done / ((performance.now() - t0) / 1000);
  };
  await run(300); // warm-up: JIT tiers, scratch buffers
  process.stdout.write(`${await run(Number(secondsArg) * 1000)}\n`);
}

main().catch((err) => {
  process.stderr.write(`transform-rate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
