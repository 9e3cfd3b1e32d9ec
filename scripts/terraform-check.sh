#!/usr/bin/env bash
# terraform init + validate + plan of synthesised CDKTF stacks, offline.
#
#   scripts/terraform-check.sh cdktf.out/stacks/pipeline-dev [cdktf.out/stacks/pipeline-prod ...]
#
# The hashicorp/aws provider comes from a local filesystem mirror (TF_PROVIDER_MIRROR, default
# /opt/tf-plugins, layout registry.terraform.io/hashicorp/aws/<version>/<os_arch>/) via a tfrc
# written here and exported as TF_CLI_CONFIG_FILE. Each stack is checked in a temporary copy with
# two Terraform override files — fake credentials + skip flags for the provider, and a local
# backend — so the synthesised stack itself carries no test-only settings and cdktf.out stays
# clean for checkov. Missing terraform or provider → exit 1 with a clear message, unless
# ALLOW_NO_TERRAFORM=1 (prints a loud warning and exits 0).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
MIRROR="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
PROVIDER="registry.terraform.io/hashicorp/aws"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

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
command -v terraform >/dev/null 2>&1 || missing "terraform is not on PATH (need terraform ≥ 1.10)"
if ! compgen -G "$MIRROR/$PROVIDER/*/*/terraform-provider-aws_*" >/dev/null; then
  missing "no hashicorp/aws provider in the filesystem mirror $MIRROR (set TF_PROVIDER_MIRROR)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tfcheck.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat >"$work/terraformrc" <<TFRC
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
export TF_CLI_CONFIG_FILE="$work/terraformrc"
# Fake credentials: plan never calls AWS with the skip flags below (no data sources that need AWS
# are synthesised for the default environments).
export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake AWS_SESSION_TOKEN=fake
unset AWS_PROFILE AWS_ENDPOINT_URL

status=0
for stack in "$@"; do
  name="$(basename "$stack")"
  if [[ ! -f "$stack/cdk.tf.json" ]]; then
    echo "terraform-check: $stack has no cdk.tf.json (run cdktf synth first)" >&2
    exit 2
  fi
  dir="$work/$name"
  mkdir -p "$dir"
  cp -R "$stack/." "$dir/"
  rm -rf "$dir/.terraform" "$dir/.terraform.lock.hcl"
  cat >"$dir/provider_override.tf.json" <<JSON
{"provider": {"aws": [{
  "access_key": "AKIAFAKEFAKEFAKEFAKE", "secret_key": "fake",
  "skip_credentials_validation": true, "skip_requesting_account_id": true,
  "skip_metadata_api_check": true, "skip_region_validation": true
}]}}
JSON
  cat >"$dir/backend_override.tf.json" <<JSON
{"terraform": {"backend": {"local": {"path": "$dir/terraform.tfstate"}}}}
JSON
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
