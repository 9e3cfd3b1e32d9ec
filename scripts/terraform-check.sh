#!/usr/bin/env bash
# terraform init + validate + plan of synthesised CDKTF stacks, offline.
#
#   scripts/terraform-check.sh cdktf.out/stacks/pipeline-dev [cdktf.out/stacks/pipeline-prod ...]
#
# The hashicorp/aws provider comes from a local filesystem mirror (TF_PROVIDER_MIRROR, default
# /opt/tf-plugins). Each stack is checked in a temporary copy with two Terraform override files —
# fake credentials + skip flags for the provider, and a local backend — so the synthesised stack
# itself carries no test-only settings and cdktf.out stays clean for checkov (all of that is
# scripts/lib/terraform-offline.sh). Missing terraform or provider → exit 1 with a clear message,
# unless ALLOW_NO_TERRAFORM=1 (prints a loud warning and exits 0).
set -euo pipefail

# Builtins only up to the check for terraform, so that it says what is missing even on a PATH
# with nothing on it.
here="${BASH_SOURCE[0]%/*}"
[[ "$here" != "${BASH_SOURCE[0]}" ]] || here=.
root="$(cd "$here/.." && pwd)"
# shellcheck source=lib/terraform-offline.sh
source "$root/scripts/lib/terraform-offline.sh"

missing() {
  if [[ "${ALLOW_NO_TERRAFORM:-}" == "1" ]]; then
    echo "!!!!!!!! WARNING: terraform check SKIPPED: $1 (ALLOW_NO_TERRAFORM=1) !!!!!!!!" >&2
    exit 0
  fi
  echo "terraform-check: $1 (set ALLOW_NO_TERRAFORM=1 to skip with a warning)" >&2
  exit 1
}

if [[ $# -eq 0 ]]; then
  echo "usage: scripts/terraform-check.sh <stack dir>... (e.g. cdktf.out/stacks/*)" >&2
  exit 2
fi
why="$(tf_offline_check)" || missing "$why"

work="$(mktemp -d "${TMPDIR:-/tmp}/tfcheck.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tf_offline_cli_config "$work"
tf_offline_fake_credentials

status=0
for stack in "$@"; do
  name="$(basename "$stack")"
  if [[ ! -f "$stack/cdk.tf.json" ]]; then
    echo "terraform-check: $stack has no cdk.tf.json (run cdktf synth first)" >&2
    exit 2
  fi
  dir="$work/$name"
  tf_offline_copy_stack "$stack" "$dir"
  tf_offline_overrides "$dir"
  echo "== $name: init"
  if ! terraform -chdir="$dir" init -backend=true -reconfigure -no-color >"$dir/init.log" 2>&1; then
    cat "$dir/init.log" >&2
    echo "terraform-check: $name: init FAILED" >&2
    status=1
    continue
  fi
  echo "== $name: validate"
  if ! terraform -chdir="$dir" validate -no-color; then
    echo "terraform-check: $name: validate FAILED" >&2
    status=1
    continue
  fi
  echo "== $name: plan"
  if terraform -chdir="$dir" plan -refresh=false -lock=false -no-color -out="$dir/plan.bin" >"$dir/plan.log" 2>&1; then
    tail -n 30 "$dir/plan.log" | grep -E "^Plan:|Changes to Outputs" || true
    terraform -chdir="$dir" show -json "$dir/plan.bin" >"$dir/plan.json"
    # The plan declares exactly the contract's stack outputs (constructs/contract/outputs.ts).
    if ! node --import tsx "$root/scripts/check-plan-outputs.ts" "$dir/plan.json"; then
      echo "terraform-check: $name: outputs differ from the contract" >&2
      status=1
    fi
  else
    cat "$dir/plan.log" >&2
    echo "terraform-check: $name: plan FAILED" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "terraform-check: OK ($# stack(s): init + validate + plan)"
exit $status
