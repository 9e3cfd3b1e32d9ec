#!/usr/bin/env bash
# The HCL exit path in one command: `cdktf synth --hcl`, then one directory per stack with its
# cdk.tf and assets/, formatted with `terraform fmt`.
#
#   scripts/export-hcl.sh <dest>        (e.g. cdktf.out/hcl → cdktf.out/hcl/pipeline-dev/cdk.tf ...)
#
# Two things cdktf's HCL renderer leaves that Terraform only warns about or reformats:
# interpolation-only strings ("${aws_x.y.id}", "${jsonencode({...})}") and quoted depends_on
# entries ("Quoted references are deprecated"). `terraform fmt` unwraps the first; the second is
# unquoted here. Nothing else is changed: scripts/hcl-check.ts proves the result plans exactly
# like cdk.tf.json.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -ne 1 ]]; then
  echo "usage: scripts/export-hcl.sh <dest dir>" >&2
  exit 2
fi
command -v terraform >/dev/null 2>&1 || { echo "export-hcl: terraform is not on PATH" >&2; exit 1; }
dest="$1"
export CHECKPOINT_DISABLE=1

synth="$(mktemp -d "${TMPDIR:-/tmp}/synth-hcl.XXXXXX")"
trap 'rm -rf "$synth"' EXIT
(cd "$root" && npx cdktf synth --hcl --output "$synth" >"$synth.log" 2>&1) || {
  cat "$synth.log" >&2
  echo "export-hcl: cdktf synth --hcl failed" >&2
  exit 1
}
rm -f "$synth.log"

rm -rf "$dest"
mkdir -p "$dest"
for stack in "$synth"/stacks/*/; do
  name="$(basename "$stack")"
  mkdir -p "$dest/$name"
  cp "$stack/cdk.tf" "$dest/$name/cdk.tf"
  [[ -d "$stack/assets" ]] && cp -R "$stack/assets" "$dest/$name/assets"
  # depends_on = [ "aws_x.y", ] → depends_on = [ aws_x.y, ]  (only inside depends_on lists)
  awk '
    /^[[:space:]]*depends_on[[:space:]]*=[[:space:]]*\[[[:space:]]*$/ { in_dep = 1; print; next }
    in_dep && /^[[:space:]]*\][[:space:]]*$/ { in_dep = 0; print; next }
    in_dep { sub(/"/, ""); sub(/"/, ""); print; next }
    { print }
  ' "$dest/$name/cdk.tf" >"$dest/$name/cdk.tf.tmp"
  mv "$dest/$name/cdk.tf.tmp" "$dest/$name/cdk.tf"
  # An empty CLI config: fmt needs no provider, and a missing ~/.terraformrc would only warn.
  TF_CLI_CONFIG_FILE=/dev/null terraform fmt -list=false "$dest/$name/cdk.tf"
  echo "$dest/$name/cdk.tf"
done
