#!/usr/bin/env bash
# plan-review on the full dev plan (all 131 resources, terraform's own saved-plan JSON made
# offline here), next to the `terraform show -json` that produced its input: medians of N runs.
# Target: the review takes ≤ 2 s (the bundled bin, as CI runs it); exits 1 when it is slower.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_RUNS:-5}
LIMIT=${PLAN_REVIEW_LIMIT_S:-2}
# The offline plan, as scripts/plan-review/review.sh makes it.
# shellcheck source=../scripts/lib/terraform-offline.sh
source scripts/lib/terraform-offline.sh
why="$(tf_offline_check)" || { echo "bench/40-plan-review: $why" >&2; exit 1; }
[[ -f dist/cli/plan-review.js ]] || { echo "bench/40-plan-review: run npm run build first" >&2; exit 1; }
tf_offline_fake_credentials

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SYNTH=$ROOT/cdktf.out/stacks/pipeline-dev
if [[ ! -f $SYNTH/cdk.tf.json ]]; then
  npx cdktf synth --output "$TMP/synth" >/dev/null
  SYNTH=$TMP/synth/stacks/pipeline-dev
fi
tf_offline_cli_config "$TMP"
D=$TMP/stack
tf_offline_copy_stack "$SYNTH" "$D"
tf_offline_overrides "$D"
terraform -chdir="$D" init -no-color -input=false >/dev/null
terraform -chdir="$D" plan -refresh=false -lock=false -no-color -input=false -out="$D/plan.bin" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
secs() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || [[ $? -le 3 ]]; t1=$(date +%s%N); echo "scale=3; ($t1-$t0)/1000000000" | bc; }

for _ in $(seq "$N"); do secs terraform -chdir="$D" show -json "$D/plan.bin"; done | median >"$TMP/show"
terraform -chdir="$D" show -json "$D/plan.bin" >"$TMP/plan.json"
RESOURCES=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["resource_changes"]))' "$TMP/plan.json")
for _ in $(seq "$N"); do
  secs node bin/plan-review.js "$TMP/plan.json" --synth "$SYNTH" --base-synth "$SYNTH" --format markdown
done | median >"$TMP/review"
BIG=test/fixtures/plans/lake-bucket-renamed
for _ in $(seq "$N"); do
  secs node bin/plan-review.js "$BIG/plan.json" --synth "$BIG/synth" --base-synth test/fixtures/plans/_base/pipeline-dev
done | median >"$TMP/big"

SHOW=$(cat "$TMP/show")
REVIEW=$(cat "$TMP/review")
printf 'plan JSON: %s resources, %s bytes\n' "$RESOURCES" "$(wc -c <"$TMP/plan.json")"
printf 'terraform show -json          %6.3f s (median of %s)\n' "$SHOW" "$N"
printf 'plan-review (bin, markdown)   %6.3f s (median of %s; limit %s s)\n' "$REVIEW" "$N" "$LIMIT"
printf 'plan-review (bin, text) on the lake-bucket-renamed fixture %6.3f s\n' "$(cat "$TMP/big")"
if (($(echo "$REVIEW > $LIMIT" | bc))); then
  echo "bench/40-plan-review: plan-review took $REVIEW s > $LIMIT s" >&2
  exit 1
fi
