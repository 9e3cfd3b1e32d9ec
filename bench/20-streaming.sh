#!/usr/bin/env bash
# Streaming benchmark (issue 3): firehose-transform throughput (records/s, 500-record batches of
# ~1 KB) against an identity-JSON baseline measured in the same run, and both Lambda bundle sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure the bundles that deploy: build them if missing.
if [[ ! -f dist/lambda/firehose-transform/index.js || ! -f dist/lambda/emr-trigger/index.js ]]; then
  npm run --silent build
fi
npx tsx bench/streaming-transform.ts "$@"
