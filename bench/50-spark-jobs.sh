#!/usr/bin/env bash
# Spark jobs benchmark: ≥ 2M generated events, spark-submit --master local[2] (as `submit-job
# --local` runs them), per job rows/s and input_bytes_read / input_files_bytes (target ≤ 1.1),
# and DuckDB's time for the same daily/monthly aggregates on the same files as a reference.
# Env: BENCH_EVENTS (default 2000000), BENCH_DAYS (7), BENCH_DIR (default: a temp dir, removed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[[ -x $PY && -x .venv/bin/spark-submit ]] || { echo "50-spark-jobs: .venv missing (run make install)" >&2; exit 1; }
command -v java >/dev/null || { echo "50-spark-jobs: java not found (Spark needs Java 17)" >&2; exit 1; }
exec "$PY" bench/spark_jobs_bench.py "$@"
