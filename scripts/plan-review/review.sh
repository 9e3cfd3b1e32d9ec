#!/usr/bin/env bash
# `make review ENV=dev`: the synthesised stack → an offline terraform plan → plan-review.
#
#   scripts/plan-review/review.sh dev|prod
#
# The plan runs in a temporary copy of cdktf.out/stacks/pipeline-<env> with the same overrides
# as scripts/terraform-check.sh (scripts/lib/terraform-offline.sh: provider from the filesystem
# mirror, fake credentials, a local backend), with -refresh=false: nothing talks to AWS. Its state is REVIEW_STATE when set, else
# the stack's local-backend state (terraform.pipeline-<env>.tfstate, what a local deploy writes)
# when it exists — copied, never written — else none (the plan then creates everything).
# REVIEW_BASE_SYNTH=<stack dir> adds the base for what only the configuration shows
# (prevent_destroy, cost delta), and with REVIEW_CHECKOV=1 checkov's new failures; the
# acknowledgements in plan-review-acks.json at the repo root (or REVIEW_ACK) are used when present. Writes build/review/pipeline-<env>/{plan.json,plan-review.md}; prints the text
# report and exits with plan-review's code (0 nothing, 2 warnings, 3 a block, 1 an error).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
env="${1:-dev}"
stack="pipeline-$env"
synth="$root/cdktf.out/stacks/$stack"
# shellcheck source=../lib/terraform-offline.sh
source "$root/scripts/lib/terraform-offline.sh"

# A path given explicitly must be there: a typo would otherwise review against no state (every
# resource a create), without the base, or without the acknowledgements, and still pass.
for var in REVIEW_STATE REVIEW_ACK; do
  if [[ -n "${!var:-}" && ! -f "${!var}" ]]; then
    echo "review: $var=${!var}: no such file" >&2
    exit 1
  fi
done
if [[ -n "${REVIEW_BASE_SYNTH:-}" && ! -f "$REVIEW_BASE_SYNTH/cdk.tf.json" ]]; then
  echo "review: REVIEW_BASE_SYNTH=$REVIEW_BASE_SYNTH: no cdk.tf.json there (a stack directory of a base synth)" >&2
  exit 1
fi
if [[ ! -f "$synth/cdk.tf.json" ]]; then
  echo "review: no $synth/cdk.tf.json: run \`make synth\` (ENV is dev or prod)" >&2
  exit 1
fi
why="$(tf_offline_check)" || { echo "review: $why" >&2; exit 1; }

out="$root/build/review/$stack"
mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/review.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tf_offline_cli_config "$work"
tf_offline_fake_credentials

dir="$work/$stack"
tf_offline_copy_stack "$synth" "$dir"
tf_offline_overrides "$dir"

if ! terraform -chdir="$dir" init -no-color -input=false >"$work/init.log" 2>&1; then
  cat "$work/init.log" >&2
  echo "review: terraform init failed" >&2
  exit 1
fi
# The local backend's path is relative to where terraform runs: the stack directory under
# `cdktf deploy`.
state="${REVIEW_STATE:-$synth/terraform.$stack.tfstate}"
if [[ -f "$state" ]]; then
  # After init: initialising a local backend writes an empty state at its path.
  cp "$state" "$dir/terraform.tfstate"
  echo "review: planning $stack against the state in $state (copied, -refresh=false)" >&2
else
  echo "review: planning $stack against no state (no $state): every resource is a create" >&2
fi

if ! terraform -chdir="$dir" plan -refresh=false -lock=false -no-color -input=false -out="$dir/plan.bin" \
  >"$work/plan.log" 2>&1; then
  # A plan that breaks prevent_destroy still saves (errored: true): review it rather than stop.
  if [[ ! -f "$dir/plan.bin" ]]; then
    cat "$work/plan.log" >&2
    echo "review: terraform plan failed" >&2
    exit 1
  fi
  grep -E "Error|prevent_destroy" "$work/plan.log" >&2 || true
fi
terraform -chdir="$dir" show -json "$dir/plan.bin" >"$out/plan.json"

args=("$out/plan.json" --synth "$synth")
[[ -n "${REVIEW_BASE_SYNTH:-}" ]] && args+=(--base-synth "$REVIEW_BASE_SYNTH")
ack="${REVIEW_ACK:-$root/plan-review-acks.json}"
[[ -f "$ack" ]] && args+=(--ack "$ack")
# REVIEW_CHECKOV=1 with a base: checkov on both synths, new failures become info findings.
checkov="${CHECKOV:-$root/.venv-checkov/bin/checkov}"
if [[ "${REVIEW_CHECKOV:-}" == "1" && -n "${REVIEW_BASE_SYNTH:-}" && -x "$checkov" ]]; then
  for side in head base; do
    src="$synth"
    [[ $side == base ]] && src="$REVIEW_BASE_SYNTH"
    "$checkov" --framework terraform_json -f "$src/cdk.tf.json" -o json --quiet --compact --skip-download \
      >"$out/checkov-$side.json" 2>/dev/null || true
  done
  args+=(--checkov "$out/checkov-head.json" --base-checkov "$out/checkov-base.json")
fi

set +e
node "$root/bin/plan-review.js" "${args[@]}" --format markdown >"$out/plan-review.md"
node "$root/bin/plan-review.js" "${args[@]}" --format text
rc=$?
set -e
echo "review: plan JSON $out/plan.json, PR comment $out/plan-review.md (exit $rc)" >&2
exit $rc
