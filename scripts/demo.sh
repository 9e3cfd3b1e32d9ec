#!/usr/bin/env bash
# make demo — the whole pipeline on this machine, no AWS, with the real code of every part:
#   producer's generator → the deployed transform Lambda bundle (local Firehose stand-in) → a local lake
#   in the deployed layout (Parquet, hourly partitions, streaming-errors/) → `submit-job ... --local`
#   for the streaming processor (each hour), batch processing and the optimisation job → check-results;
#   then synthesises both stacks and prints what a deploy would create and what it costs.
#
# Options: --events N (default 20000), --hours H (default 3), --seed S, --out DIR (default demo-output),
#          --invalid-ratio R (default 0.02), --skip-synth, --check (assert outputs against the input: the
#          end-to-end test in `make test` runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PWD/node_modules/.bin:$PATH" CHECKPOINT_DISABLE=1

EVENTS=${EVENTS:-20000}
HOURS=3
SEED=42
OUT=demo-output
INVALID=0.02
# Starts two hours before a month boundary so daily and monthly partitions both split.
START=2026-01-31T22:00:00Z
SYNTH=1
CHECK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --hours) HOURS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --invalid-ratio) INVALID=$2; shift 2 ;;
    --skip-synth) SYNTH=0; shift ;;
    --check) CHECK=1; shift ;;
    *) echo "demo: unknown option $1 (see the header of scripts/demo.sh)" >&2; exit 2 ;;
  esac
done
[[ "$EVENTS" =~ ^[0-9]+$ && "$EVENTS" -gt 0 ]] || { echo "demo: --events must be a positive integer, got '$EVENTS'" >&2; exit 2; }
[[ "$HOURS" =~ ^[0-9]+$ && "$HOURS" -gt 0 && "$HOURS" -le 48 ]] || { echo "demo: --hours must be 1..48, got '$HOURS'" >&2; exit 2; }

T0=$SECONDS
step() { printf '\n\033[1m[%3ss] %s\033[0m\n' "$((SECONDS - T0))" "$*" >&2; }
LAKE="$OUT/lake"
rm -rf "$OUT"
mkdir -p "$LAKE"

step "1/6 generate $EVENTS events over $HOURS hours from $START (seed $SEED, ${INVALID} invalid) — scripts/produce-events --out"
node dist/cli/produce-events.js --count "$EVENTS" --hours "$HOURS" --start "$START" --seed "$SEED" \
  --invalid-ratio "$INVALID" --out "$OUT/events.ndjson"

step "2/6 Firehose stand-in: the deployed transform bundle (dist/lambda/firehose-transform) → $LAKE/streaming-data (Parquet)"
tsx scripts/local-firehose.ts --in "$OUT/events.ndjson" --lake "$LAKE" | tee "$OUT/landing.json"

mapfile -t PARTITIONS < <(cd "$LAKE/streaming-data" && ls -d year=*/month=*/day=*/hour=* | sort)
step "3/6 streaming processor per hour partition (what the S3 trigger Lambda adds as EMR steps): ${#PARTITIONS[@]} hours"
for p in "${PARTITIONS[@]}"; do
  step "    submit-job streaming-processor --local -- --partition $p"
  node bin/submit-job.js streaming-processor --local \
    --input "$LAKE/streaming-data/" --output "$LAKE/processed-data/streaming-processor/" -- --partition "$p"
done

step "4/6 submit-job batch-processing --local"
node bin/submit-job.js batch-processing --local \
  --input "$LAKE/streaming-data/" --output "$LAKE/processed-data/batch-processing/"

step "5/6 submit-job optimization --local"
node bin/submit-job.js optimization --local \
  --input "$LAKE/streaming-data/" --output "$LAKE/processed-data/optimization/"

step "6/6 check-results"
CHECK_ARGS=(--lake "$LAKE")
[[ $CHECK == 1 ]] && CHECK_ARGS+=(--expect-from "$OUT/events.ndjson")
python jobs/tools/check_results.py "${CHECK_ARGS[@]}"

if [[ $SYNTH == 1 ]]; then
  step "what a deploy would create: cdktf synth (pipeline-dev, pipeline-prod)"
  cdktf synth --output cdktf.out > "$OUT/synth.log" 2>&1 || { cat "$OUT/synth.log" >&2; exit 1; }
  tsx scripts/synth-summary.ts cdktf.out
fi
step "done in $((SECONDS - T0)) s. Outputs under $OUT/; next: README 'Quick start on AWS', then submit-job for real."
