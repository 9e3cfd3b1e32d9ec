#!/usr/bin/env bash
# checkov (--framework terraform) over the stacks' HCL (scripts/export-hcl.sh); must report 0
# failed checks.
#
#   scripts/checkov-check.sh cdktf.out/hcl/pipeline-dev [cdktf.out/hcl/pipeline-prod ...]
#
# The HCL, not cdk.tf.json: the documents are jsonencode() expressions, which checkov's
# terraform_json runner does not evaluate — its IAM, KMS and bucket policy checks would pass any
# policy — while its terraform runner evaluates them.
#
# Accepted findings are listed, each with its reason and a resource glob, in checkov-skips.txt
# (CHECKOV_SKIPS to override). The HCL is generated, so no inline skip comment can live in it; this
# script applies the list to checkov's JSON results: a failure matching an entry is reported as
# skipped (with the reason); any other failure, or an entry matching nothing, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV="${CHECKOV:-.venv-checkov/bin/checkov}"
SKIPS="${CHECKOV_SKIPS:-checkov-skips.txt}"
PY="${CHECKOV_PYTHON:-$(dirname "$CHECKOV")/python}"

if [[ $# -eq 0 ]]; then
  echo "usage: scripts/checkov-check.sh <HCL stack dir>... (e.g. cdktf.out/hcl/*)" >&2
  exit 2
fi
if [[ ! -x "$CHECKOV" ]]; then
  echo "checkov-check: $CHECKOV not found (run: make .venv-checkov/.installed)" >&2
  exit 1
fi
[[ -f "$SKIPS" ]] || { echo "checkov-check: skip list $SKIPS not found" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/checkov.XXXXXX")"
trap 'rm -rf "$work"' EXIT
for stack in "$@"; do
  [[ -f "$stack/cdk.tf" ]] || { echo "checkov-check: $stack has no cdk.tf (run scripts/export-hcl.sh first)" >&2; exit 2; }
  name="$(basename "$stack")"
  # -f on the one file: checkov ignores .terraform/ leftovers and the assets.
  "$CHECKOV" --framework terraform -f "$stack/cdk.tf" -o json --quiet --compact \
    --skip-download >"$work/$name.json" 2>"$work/$name.err" || true
  if [[ ! -s "$work/$name.json" ]]; then
    cat "$work/$name.err" >&2
    echo "checkov-check: checkov produced no report for $name" >&2
    exit 1
  fi
done

"$PY" - "$SKIPS" "$work" "$@" <<'PYEOF'
import fnmatch, json, os, sys

skips_file, work, stacks = sys.argv[1], sys.argv[2], sys.argv[3:]
skips = []
for n, line in enumerate(open(skips_file, encoding="utf-8"), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    parts = line.split(None, 2)
    if len(parts) < 3 or not parts[0].startswith("CKV"):
        sys.exit(f"checkov-check: {skips_file}:{n}: expected 'CHECK_ID RESOURCE_GLOB REASON', got {line!r}")
    skips.append({"id": parts[0], "glob": parts[1], "reason": parts[2], "used": 0})

status = 0
for stack in stacks:
    name = os.path.basename(stack.rstrip("/"))
    data = json.load(open(os.path.join(work, name + ".json"), encoding="utf-8"))
    reports = data if isinstance(data, list) else [data]
    passed, failed, accepted = 0, [], []
    for r in reports:
        res = r.get("results", {})
        passed += int(r.get("summary", {}).get("passed", 0))
        for f in res.get("failed_checks", []):
            match = next((s for s in skips if s["id"] == f["check_id"] and fnmatch.fnmatch(f["resource"], s["glob"])), None)
            if match:
                match["used"] += 1
                accepted.append((f, match))
            else:
                failed.append(f)
    print(f"== {name}: {passed} passed, {len(failed)} failed, {len(accepted)} skipped (accepted in {skips_file})")
    for f, s in accepted:
        print(f"   SKIPPED {f['check_id']} {f['resource']}: {s['reason'][:140]}")
    for f in failed:
        print(f"   FAILED  {f['check_id']} {f['resource']}: {f['check_name']}", file=sys.stderr)
        status = 1
for s in skips:
    if s["used"] == 0:
        print(f"checkov-check: stale skip entry {s['id']} {s['glob']} matched no failure; remove it", file=sys.stderr)
        status = 1
print("checkov-check: OK (0 failed checks)" if status == 0 else "checkov-check: FAILED", file=sys.stderr if status else sys.stdout)
sys.exit(status)
PYEOF
