# Terraform on a synthesised stack with no AWS account and no registry: sourced by
# scripts/terraform-check.sh, scripts/plan-review/review.sh, scripts/deploy-emulated.sh and
# bench/40-plan-review.sh (scripts/lib/terraform-offline.ts does the same for the TypeScript
# tools).
#
# The hashicorp/aws provider comes from a local filesystem mirror (TF_PROVIDER_MIRROR, default
# /opt/tf-plugins, layout registry.terraform.io/hashicorp/aws/<version>/<os_arch>/) through a CLI
# config written to a work directory. The stack runs in a copy with override files for the
# provider and the backend, so the synthesised stack itself carries no test-only settings and
# cdktf.out stays clean for checkov.
#
# Sourcing it sets TF_OFFLINE_MIRROR and TF_OFFLINE_PROVIDER and exports terraform's
# non-interactive settings; the functions below do the rest.

# Builtins only, here and in tf_offline_check: that check must be reached, and say what is
# missing, even on a PATH with nothing on it.
TF_OFFLINE_LIB="$(cd "${BASH_SOURCE[0]%/*}" && pwd)"
TF_OFFLINE_MIRROR="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
TF_OFFLINE_PROVIDER="registry.terraform.io/hashicorp/aws"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

# Prints what an offline run lacks (terraform, or the provider in the mirror) and returns 1;
# prints nothing when both are there. Use: `why="$(tf_offline_check)" || <fail with "$why">`.
tf_offline_check() {
  if ! command -v terraform >/dev/null 2>&1; then
    echo "terraform is not on PATH (need terraform >= 1.10)"
    return 1
  fi
  if ! compgen -G "$TF_OFFLINE_MIRROR/$TF_OFFLINE_PROVIDER/*/*/terraform-provider-aws_*" >/dev/null; then
    echo "no hashicorp/aws provider in the filesystem mirror $TF_OFFLINE_MIRROR (set TF_PROVIDER_MIRROR)"
    return 1
  fi
}

# Writes <dir>/terraformrc, which installs the provider from the mirror and never from the
# registry, and exports TF_CLI_CONFIG_FILE pointing at it.
tf_offline_cli_config() {
  cat >"$1/terraformrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$TF_OFFLINE_MIRROR"
    include = ["$TF_OFFLINE_PROVIDER"]
  }
  direct {
    exclude = ["$TF_OFFLINE_PROVIDER"]
  }
}
TFRC
  export TF_CLI_CONFIG_FILE="$1/terraformrc"
}

# Fake credentials, and none of the user's own AWS settings: a plan with the provider override's
# skip flags never calls AWS (no data sources that need AWS are synthesised for the default
# environments).
tf_offline_fake_credentials() {
  export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake
  unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
}

# Copies the stack <src> to <dest> without the working state a local terraform run leaves there.
tf_offline_copy_stack() {
  mkdir -p "$2"
  cp -R "$1/." "$2/"
  rm -rf "$2/.terraform" "$2/.terraform.lock.hcl"
}

# Writes the override files into the stack copy <dir>: the provider with fake credentials and
# skip flags (offline-provider.tf.json), and a local backend at <dir>/terraform.tfstate.
tf_offline_overrides() {
  cp "$TF_OFFLINE_LIB/offline-provider.tf.json" "$1/provider_override.tf.json"
  cat >"$1/backend_override.tf.json" <<JSON
{"terraform": {"backend": {"local": {"path": "$1/terraform.tfstate"}}}}
JSON
}
