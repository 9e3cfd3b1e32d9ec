#!/usr/bin/env bash
# Applies a synthesised stack with terraform to a local moto server, plans again (must be zero
# changes), destroys, and prints one JSON summary line on stdout:
#
#   scripts/deploy-emulated.sh [cdktf.out/stacks/pipeline-dev]
#   {"applied": N, "total": M, "excluded": {"<address>": "<reason>"}, "replan_changes": 0, "destroyed": true}
#
# total = resources in the stack's cdk.tf.json; applied = resources terraform created in the
# emulator. Resource types moto cannot hold are listed with the reason in
# scripts/emulated/exclusions.json and left out of a temporary copy of the stack (with whatever
# can only exist with them); the EMR cluster's id/arn are those of a stand-in cluster made in moto.
# moto runs on 127.0.0.1 on a free port, as scripts/emulated/moto_server.py (moto plus fixes for
# the moto bugs this stack meets), started and stopped here. The provider comes from the offline
# filesystem mirror, as for scripts/terraform-check.sh (scripts/lib/terraform-offline.sh);
# credentials are moto's dummies and every endpoint is the emulator's, so nothing reaches AWS.
# The stack carries no test setting: the endpoints and skip flags are an override file in the copy.
#
# Exit 0 only if apply succeeds, the re-plan has no change and destroy succeeds; otherwise the
# summary line still comes out (with what was reached) and the last stderr line says why.
# KEEP_WORK=1 keeps the work directory (logs, state, the copy) and prints its path; SUBMIT_DEMO=1
# also runs submit-job against the emulated stack before destroying it (see below).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/terraform-offline.sh
source scripts/lib/terraform-offline.sh
STACK="${1:-cdktf.out/stacks/pipeline-dev}"
PY=.venv/bin/python
TSX=node_modules/.bin/tsx
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_DEFAULT_PROFILE

fail() {
  echo "deploy-emulated: $1" >&2
  exit 1
}
log() { echo "deploy-emulated: $*" >&2; }

[[ -f "$STACK/cdk.tf.json" ]] || fail "$STACK/cdk.tf.json not found (run make synth first)"
why="$(tf_offline_check)" || fail "$why"
[[ -x "$PY" ]] && "$PY" -c "import moto.server" 2>/dev/null || fail "moto not installed in .venv (run make install)"
[[ -x "$TSX" ]] || fail "node_modules missing (run make install)"

start=$SECONDS
work="$(mktemp -d "${TMPDIR:-/tmp}/deploy-emulated.XXXXXX")"
moto_pid=""
cleanup() {
  if [[ -n "$moto_pid" ]] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$moto_pid" 2>/dev/null || true
  fi
  if [[ "${KEEP_WORK:-}" == "1" ]]; then log "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Region and account come from the stack itself: the provider's region, and the one 12-digit
# account its ARNs name (moto then answers as that account, so policies naming it hold).
read -r region account < <(node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const region = (c.provider?.aws ?? [])[0]?.region;
  const accounts = new Set([...JSON.stringify(c).matchAll(/arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/g)].map((m) => m[1]));
  if (!region || accounts.size !== 1) { console.error(`region ${region}, accounts ${[...accounts]}`); process.exit(1); }
  console.log(region, [...accounts][0]);
' "$STACK/cdk.tf.json") || fail "cannot tell the stack's region and single account from $STACK/cdk.tf.json"

# --- emulator ---------------------------------------------------------------------------------
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"
# MOTO_IAM_LOAD_MANAGED_POLICIES: AWS-managed policies (AmazonEMRServicePolicy_v2,
# AWSXRayDaemonWriteAccess) exist only with it, so their attachments apply.
MOTO_ACCOUNT_ID="$account" MOTO_IAM_LOAD_MANAGED_POLICIES=true \
  "$PY" scripts/emulated/moto_server.py -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
answers() { "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$endpoint/moto-api/" 2>/dev/null; }
for _ in $(seq 150); do
  answers && break
  kill -0 "$moto_pid" 2>/dev/null || { tail -n 20 "$work/moto.log" >&2; fail "moto exited on start"; }
  sleep 0.2
done
answers || fail "moto did not answer on $endpoint within 30 s"
log "moto on $endpoint (account $account, region $region)"

cluster_id="$("$PY" scripts/emulated/standin_cluster.py "$endpoint" "$region" emulated-standin)" ||
  fail "could not create the stand-in EMR cluster in moto"
cluster_arn="arn:aws:elasticmapreduce:$region:$account:cluster/$cluster_id"

# --- the emulator's copy of the stack ---------------------------------------------------------
dir="$work/stack"
tf_offline_copy_stack "$STACK" "$dir"
rm -rf "$dir"/*.tfstate*
"$TSX" scripts/emulated/stack-copy.ts prepare --in "$STACK/cdk.tf.json" --out "$dir/cdk.tf.json" \
  --exclusions scripts/emulated/exclusions.json \
  --substitute "aws_emr_cluster.id=$cluster_id" --substitute "aws_emr_cluster.arn=$cluster_arn" \
  >"$work/prepare.json" || fail "could not prepare the stack copy"
node -e '
  const [prep, endpoint, out, state] = process.argv.slice(1);
  const { services } = JSON.parse(require("fs").readFileSync(prep, "utf8"));
  const fs = require("fs");
  fs.writeFileSync(out + "/provider_override.tf.json", JSON.stringify({ provider: { aws: [{
    access_key: "testing", secret_key: "testing",
    // The account comes from the emulated STS (MOTO_ACCOUNT_ID): without it the provider
    // builds ARNs with an empty account (Glue, flow logs) and reads no tags through them.
    skip_credentials_validation: true,
    skip_metadata_api_check: true, skip_region_validation: true,
    s3_use_path_style: true,
    // moto answers an unsupported call with a 500; retrying that 25 times only hides it.
    max_retries: 2,
    endpoints: [Object.fromEntries(services.map((s) => [s, endpoint]))],
  }] } }, null, 2));
  fs.writeFileSync(out + "/backend_override.tf.json", JSON.stringify({ terraform: { backend: { local: { path: state } } } }));
' "$work/prepare.json" "$endpoint" "$dir" "$work/terraform.tfstate"
tf_offline_cli_config "$work"
tf() { terraform -chdir="$dir" "$@" -no-color; }

applied_ok=false replan_ok=false destroyed=false reason=""
errors_of() { grep -A12 '^Error' "$1" | head -n 60 >&2 || true; }

summary() {
  local plan_arg=()
  [[ -f "$work/replan.json" ]] && plan_arg=(--plan "$work/replan.json")
  "$TSX" scripts/emulated/stack-copy.ts summary --prepared "$work/prepare.json" \
    --state-list "$work/applied-list.txt" "${plan_arg[@]}" --destroyed "$destroyed"
}

log "terraform init"
tf init -backend=true -reconfigure >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; fail "terraform init failed"; }

log "terraform apply ($(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(p.total-Object.keys(p.excluded).length)' "$work/prepare.json") resources)"
if tf apply -auto-approve >"$work/apply.log" 2>&1; then
  applied_ok=true
else
  errors_of "$work/apply.log"
  reason="terraform apply failed (errors above)"
fi
tf state list >"$work/applied-list.txt" 2>/dev/null || : >"$work/applied-list.txt"

if $applied_ok; then
  log "terraform plan (expect no change)"
  set +e
  tf plan -detailed-exitcode -out="$work/replan.bin" >"$work/replan.log" 2>&1
  rc=$?
  set -e
  if [[ $rc -eq 1 ]]; then
    errors_of "$work/replan.log"
    reason="terraform plan after apply failed (errors above)"
  else
    tf show -json "$work/replan.bin" >"$work/replan.json"
    if [[ $rc -eq 0 ]]; then
      replan_ok=true
    else
      "$TSX" scripts/emulated/stack-copy.ts changes --plan "$work/replan.json" | sed 's/^/  change: /' >&2
      reason="the plan after apply is not empty (changes above)"
    fi
  fi
fi

# SUBMIT_DEMO=1: with the stack still up, submit-job against it (outputs from terraform, the
# stand-in cluster as emr_cluster_id): a dry run, then a real submission without waiting (moto
# never runs a step). Its result goes to stderr; a failure fails the run.
if [[ "${SUBMIT_DEMO:-}" == "1" ]] && $replan_ok; then
  tf output -json >"$work/terraform-outputs.json"
  node -e '
    const [src, out, stack] = process.argv.slice(1);
    const doc = JSON.parse(require("fs").readFileSync(src, "utf8"));
    const values = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, v.value]));
    require("fs").writeFileSync(out, JSON.stringify({ [stack]: values }, null, 2));
  ' "$work/terraform-outputs.json" "$work/outputs.json" "$(basename "$STACK")"
  for mode in --dry-run --no-wait; do
    log "submit-job --outputs $work/outputs.json --endpoint-url $endpoint batch-processing $mode"
    if node bin/submit-job.js --outputs "$work/outputs.json" --endpoint-url "$endpoint" \
      batch-processing "$mode" >"$work/submit$mode.out" 2>"$work/submit$mode.err"; then
      sed 's/^/  /' "$work/submit$mode.out" | tail -n 12 >&2
    else
      sed 's/^/  /' "$work/submit$mode.err" | tail -n 12 >&2
      [[ -n "$reason" ]] || reason="submit-job batch-processing $mode failed against the emulated stack"
    fi
  done
fi

log "terraform destroy"
if tf destroy -auto-approve >"$work/destroy.log" 2>&1 && [[ -z "$(tf state list 2>/dev/null)" ]]; then
  destroyed=true
else
  errors_of "$work/destroy.log"
  [[ -n "$reason" ]] || reason="terraform destroy failed (errors above)"
fi

summary
log "done in $((SECONDS - start)) s"
[[ -z "$reason" ]] || fail "$reason"
