#!/usr/bin/env bash
# plan-review on the full dev plan (all 131 resources, terraform's own saved-plan JSON made
# offline here), next to the `terraform show -json` that produced its input: medians of N runs.
# Target: the review takes ≤ 2 s (the bundled bin, as CI runs it); exits 1 when it is slower.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_RUNS:-5}
LIMIT=${PLAN_REVIEW_LIMIT_S:-2}
MIRROR="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
PROVIDER="registry.terraform.io/hashicorp/aws"
command -v terraform >/dev/null || { echo "bench/40-plan-review: terraform not on PATH" >&2; exit 1; }
[[ -f dist/cli/plan-review.js ]] || { echo "bench/40-plan-review: run npm run build first" >&2; exit 1; }
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SYNTH=$ROOT/cdktf.out/stacks/pipeline-dev
if [[ ! -f $SYNTH/cdk.tf.json ]]; then
  npx cdktf synth --output "$TMP/synth" >/dev/null
  SYNTH=$TMP/synth/stacks/pipeline-dev
fi
cat >"$TMP/tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["$PROVIDER"]
  }
  direct {
    exclude = ["$PROVIDER"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE=$TMP/tfrc
D=$TMP/stack
mkdir -p "$D"
cp -R "$SYNTH/." "$D/"
echo '{"provider": {"aws": [{"access_key": "AKIAFAKEFAKEFAKEFAKE", "secret_key": "fake", "skip_credentials_validation": true, "skip_requesting_account_id": true, "skip_metadata_api_check": true, "skip_region_validation": true}]}}' >"$D/provider_override.tf.json"
echo "{\"terraform\": {\"backend\": {\"local\": {\"path\": \"$D/terraform.tfstate\"}}}}" >"$D/backend_override.tf.json"
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
