#!/usr/bin/env bash
# Spark jobs benchmark: each job against the port of the course's version of it (bench/course_jobs/)
# on the same generated lake in the same run, spark-submit --master local[2] --driver-memory 4g (as
# `submit-job --local` runs them): wall time ours vs course, vs DuckDB computing our job's outputs from
# the same files, stages and shuffle bytes from each run's Spark event log, and the scale line (our
# jobs at BENCH_SCALE_FROM events vs BENCH_EVENTS). Fails if a target is missed.
# Env: BENCH_EVENTS (default 2000000), BENCH_DAYS (40), BENCH_SCALE_FROM (BENCH_EVENTS / 10),
#      BENCH_REPEAT (3: runs per side, interleaved; the median run is shown),
#      BENCH_JOBS (comma-separated job names; default all three),
#      BENCH_DIR (default: a temp dir, removed unless BENCH_KEEP is set).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[[ -x $PY && -x .venv/bin/spark-submit ]] || { echo "50-spark-jobs: .venv missing (run make install)" >&2; exit 1; }
command -v java >/dev/null || { echo "50-spark-jobs: java not found (Spark needs Java 17)" >&2; exit 1; }
exec "$PY" bench/spark_jobs_bench.py "$@"
