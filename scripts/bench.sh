#!/usr/bin/env bash
# Runs every benchmark under bench/ in name order. Each prints its own ratios against a
# baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
status=0
for b in bench/*.sh; do
  echo "=== $b"
  bash "$b" || status=1
done
exit $status
