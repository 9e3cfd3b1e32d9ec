#!/usr/bin/env bash
# submit-job vs the course's submit script, to a step id, against one moto server in one run.
# Baseline (what the course script does): `terraform output -json` x3 on a real local state,
# `aws s3 cp` of the script, `aws emr add-steps`. Candidate: `submit-job --outputs FILE --no-wait`.
# Prints medians of N runs and the ratio (target >= 5x). No timed assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${BENCH_RUNS:-5}
VENV=$ROOT/.venv/bin
[[ -x $VENV/moto_server && -x $VENV/aws ]] || { echo "bench/30-submit-job: .venv missing moto/awscli: run make install" >&2; exit 1; }
command -v terraform >/dev/null || { echo "bench/30-submit-job: terraform not on PATH" >&2; exit 1; }
[[ -f dist/cli/submit-job.js ]] || { echo "bench/30-submit-job: run npm run build first" >&2; exit 1; }

TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$VENV/moto_server" -H 127.0.0.1 -p "$PORT" >"$TMP/moto.log" 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null; rm -rf "$TMP"' EXIT
export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=$TMP/tfrc NO_COLOR=1
: >"$TMP/tfrc"
for _ in $(seq 50); do curl -s -o /dev/null "$AWS_ENDPOINT_URL/moto-api/" && break; sleep 0.1; done

BUCKET=bench-lake
"$VENV/aws" s3api create-bucket --bucket $BUCKET >/dev/null
CID=$("$VENV/aws" emr create-cluster --name bench --release-label emr-7.5.0 --instance-type m5.xlarge --instance-count 1 \
  --service-role EMR_DefaultRole --ec2-attributes InstanceProfile=EMR_EC2_DefaultRole --log-uri s3://$BUCKET/emr-logs/ \
  --no-auto-terminate --query ClusterId --output text)

# A real local state holding the stack outputs (output blocks only: no provider needed).
mkdir -p "$TMP/stack"
cat >"$TMP/stack/main.tf" <<TF
output "region" { value = "us-east-1" }
output "lake_bucket_name" { value = "$BUCKET" }
output "scripts_uri" { value = "s3://$BUCKET/scripts/" }
output "raw_events_uri" { value = "s3://$BUCKET/streaming-data/" }
output "processed_uri" { value = "s3://$BUCKET/processed-data/" }
output "emr_cluster_id" { value = "$CID" }
output "emr_log_uri" { value = "s3://$BUCKET/emr-logs/" }
TF
(cd "$TMP/stack" && terraform init -input=false -no-color >/dev/null && terraform apply -auto-approve -input=false -no-color >/dev/null)
(cd "$TMP/stack" && terraform output -json) | python3 -c '
import json,sys; d={k:v["value"] for k,v in json.load(sys.stdin).items()}; json.dump({"pipeline-dev": d}, open(sys.argv[1],"w"))' "$TMP/outputs.json"

JOBS=$ROOT/jobs
[[ -f $JOBS/batch_processing.py ]] || JOBS=$ROOT/test/fixtures/jobs
SCRIPT=$JOBS/batch_processing.py

baseline() { # the course script's steps, to a step id
  local i=$1 bucket cluster processed
  bucket=$(cd "$TMP/stack" && terraform output -json | python3 -c 'import json,sys;print(json.load(sys.stdin)["lake_bucket_name"]["value"])')
  cluster=$(cd "$TMP/stack" && terraform output -json | python3 -c 'import json,sys;print(json.load(sys.stdin)["emr_cluster_id"]["value"])')
  processed=$(cd "$TMP/stack" && terraform output -json | python3 -c 'import json,sys;print(json.load(sys.stdin)["processed_uri"]["value"])')
  "$VENV/aws" s3 cp "$SCRIPT" "s3://$bucket/scripts/batch_processing.py" >/dev/null
  "$VENV/aws" emr add-steps --cluster-id "$cluster" --steps \
    "Type=Spark,Name=baseline-$i,ActionOnFailure=CONTINUE,Args=[--deploy-mode,cluster,s3://$bucket/scripts/batch_processing.py,--input,s3://$bucket/streaming-data/,--output,${processed}batch-processing/]" \
    --query 'StepIds[0]' --output text
}
# moto answers EMR with ISO timestamps the SDK refuses; the test-support preload rewrites them
# (submit-job itself ships no emulator workaround).
EMULATOR_PRELOAD="--require $ROOT/test/support/emulator-timestamps-preload.cjs"
candidate() {
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }$EMULATOR_PRELOAD" node bin/submit-job.js batch-processing --jobs-dir "$JOBS" --outputs "$TMP/outputs.json" --no-wait --run-id "bench-$1" --json \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["stepId"])'
}
now() { date +%s.%N; }
declare -a B C
for i in $(seq "$N"); do
  t=$(now); id=$(baseline "$i"); B+=("$(echo "$(now) - $t" | bc)"); [[ $id == s-* ]] || { echo "baseline gave no step id: $id" >&2; exit 1; }
  t=$(now); id=$(candidate "$i" 2>/dev/null); C+=("$(echo "$(now) - $t" | bc)"); [[ $id == s-* ]] || { echo "submit-job gave no step id: $id" >&2; exit 1; }
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(median "${B[@]}"); mc=$(median "${C[@]}")
printf 'submit-job to step id (median of %d, moto):\n' "$N"
printf '  course-style script (terraform output x3 + aws s3 cp + aws emr add-steps): %.3f s\n' "$mb"
printf '  submit-job --outputs FILE --no-wait:                                    %.3f s\n' "$mc"
printf '  speed-up: %.1fx (target >= 5x)\n' "$(echo "$mb / $mc" | bc -l)"
