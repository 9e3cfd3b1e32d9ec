#!/usr/bin/env bash
# Synth cost vs the barrel import: wall time and peak RSS of the full 2-environment synth
# (node --import tsx bench/synth-once.ts, deep provider imports) against a process that only does
# require("@cdktf/provider-aws") (the barrel). Both measured in this run, median of RUNS (default 3).
# Target: synth ≤ 0.5× the barrel load alone, for both metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-synth.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# measure <label> <cmd...>: appends "<wall_ms> <maxrss_kib>" lines to $work/<label>
measure() {
  local label="$1"
  shift
  for _ in $(seq "$RUNS"); do
    local usage="$work/$label.usage"
    : >"$usage"
    local t0 t1
    t0=$(date +%s%N)
    BENCH_USAGE_FILE="$usage" "$@" >/dev/null
    t1=$(date +%s%N)
    echo "$(((t1 - t0) / 1000000)) $(tail -n1 "$usage")" >>"$work/$label"
  done
}

measure barrel node --require ./bench/report-usage.cjs -e 'require("@cdktf/provider-aws")'
measure synth node --require ./bench/report-usage.cjs --import tsx bench/synth-once.ts "$work/out"
[[ -f "$work/out/stacks/pipeline-dev/cdk.tf.json" && -f "$work/out/stacks/pipeline-prod/cdk.tf.json" ]] || {
  echo "bench/10-synth: synth did not produce both stacks" >&2
  exit 1
}

node - "$work/barrel" "$work/synth" <<'JS'
const fs = require("node:fs");
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const load = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
const [barrel, synth] = [process.argv[2], process.argv[3]].map(load);
const row = (name, rows) => ({ name, ms: median(rows.map((r) => r[0])), mb: median(rows.map((r) => r[1])) / 1024 });
const b = row('require("@cdktf/provider-aws") (barrel only)', barrel);
const s = row("full synth: pipeline-dev + pipeline-prod", synth);
for (const r of [b, s]) console.log(`${r.name.padEnd(46)} wall ${(r.ms / 1000).toFixed(2)} s   peak RSS ${r.mb.toFixed(0)} MB`);
const tr = s.ms / b.ms, mr = s.mb / b.mb;
console.log(`ratio synth/barrel: wall ${tr.toFixed(2)}x, peak RSS ${mr.toFixed(2)}x (target <= 0.5x) ${tr <= 0.5 && mr <= 0.5 ? "OK" : "ABOVE TARGET"}`);
JS
