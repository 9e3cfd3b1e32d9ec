#!/usr/bin/env bash
# Streaming benchmark: the built firehose-transform bundle's throughput (records/s, 500-record
# batches of ~1 KB producer events) against the naive identity transform (decode, JSON.parse,
# JSON.stringify, encode) measured in the same run on the same batches, and the transform's
# Lambda bill per billion records next to Firehose's ingest bill for them.
# Targets: >= 0.6x the naive transform; the Lambda bill <= 1 % of Firehose's.
# Env: BENCH_SECONDS (per measurement, default 1), BENCH_ROUNDS (default 9).
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure the bundle that deploys: build it if it is missing or older than its sources.
BUNDLE=dist/lambda/firehose-transform/index.js
if [[ ! -f $BUNDLE || -n $(find constructs/lambdas/firehose-transform constructs/contract -newer "$BUNDLE" -print -quit) ]]; then
  npm run --silent build
fi
# The deployed settings the cost depends on, read from constructs/defaults.ts (bench/*.ts may not
# import the infrastructure code): the function's memory and the processor buffer size.
BENCH_STREAMING_DEFAULTS=$(npx tsx -e 'import { STREAMING_DEFAULTS as d } from "./constructs/defaults";
process.stdout.write(JSON.stringify({ transformMemoryMb: d.transformMemoryMb, processorBufferMb: d.processorBufferMb }));')
export BENCH_STREAMING_DEFAULTS
exec npx tsx bench/streaming-transform.ts --seconds "${BENCH_SECONDS:-1}" --rounds "${BENCH_ROUNDS:-9}"
