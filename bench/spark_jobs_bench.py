"""Driver of bench/50-spark-jobs.sh (see there). Prints one table and a JSON line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "jobs" / "tools" / "generate_sample_data.py"  # lake rows, as Firehose lands them
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000000"))
DAYS = int(os.environ.get("BENCH_DAYS", "7"))
START = "2026-01-27"  # crosses the January/February boundary
RANGE_DAY = "2026-01-31"
HOUR = "year=2026/month=01/day=31/hour=12"


def zip_common(dest: Path) -> Path:
    z = dest / "common.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted((REPO / "jobs" / "common").glob("*.py")):
            zf.write(p, f"common/{p.name}")
    return z


def spark_submit(script: str, args: list[str], common: Path) -> dict:
    cmd = [
        str(REPO / ".venv/bin/spark-submit"),
        "--master",
        "local[2]",
        "--driver-memory",
        "4g",
        "--conf",
        "spark.ui.enabled=false",
        "--py-files",
        str(common),
        str(REPO / "jobs" / script),
        *args,
    ]
    env = {**os.environ, "PYSPARK_PYTHON": str(REPO / ".venv/bin/python")}
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"50-spark-jobs: {script} failed with exit {proc.returncode}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    summary["wall_seconds"] = round(wall, 2)
    return summary


DUCK_SQL = """
create or replace temp view events as
with valid as (
  select * from read_parquet('{lake}/**/*.parquet', hive_partitioning=true,
                             hive_types_autocast=false)
  where event_id is not null and trim(event_id) <> '' and timestamp is not null
    and log_type in ('web_access', 'application', 'iot_sensor')
    and event_type is not null and trim(event_type) <> '' and (value is null or isfinite(value))
)
select distinct on (event_id) * from valid order by event_id, processed_at;
copy (select year, month, day, user_id, event_type, count(*) as event_count,
             sum(value) as total_value, avg(value) as avg_value
      from events where event_type in ('view', 'click', 'purchase') and user_id is not null
      group by all) to '{out}/daily-activity' (format parquet, partition_by (year, month, day));
copy (select year, month, category, count(distinct user_id) as unique_users,
             count(*) as total_events,
             count(*) filter (where event_type = 'purchase') as purchases,
             coalesce(sum(value) filter (where event_type = 'purchase'), 0) as total_revenue
      from events group by all) to '{out}/monthly-summary' (format parquet, partition_by (year, month));
"""


def duckdb_reference(lake: Path, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set threads = 2")  # the same two cores Spark gets
    t0 = time.monotonic()
    con.execute(DUCK_SQL.format(lake=lake, out=out))
    return time.monotonic() - t0


def main() -> int:
    base = Path(os.environ["BENCH_DIR"]) if os.environ.get("BENCH_DIR") else None
    tmp = Path(tempfile.mkdtemp(prefix="spark-bench-", dir=base))
    try:
        lake, out = tmp / "streaming-data", tmp / "processed"
        t0 = time.monotonic()
        gen = subprocess.run(
            [sys.executable, str(GENERATOR), "--output", str(lake)]
            + ["--events", str(EVENTS), "--start-day", START, "--days", str(DAYS)]
            + ["--corrupt-share", "0.01", "--duplicate-share", "0.005", "--users", "50000"],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"generated: {gen.stdout.strip()} in {time.monotonic() - t0:.1f}s", flush=True)
        common = zip_common(tmp)
        runs = [
            ("batch-processing (all days)", "batch_processing.py", []),
            (f"batch-processing ({RANGE_DAY})", "batch_processing.py",
             ["--from-day", RANGE_DAY, "--to-day", RANGE_DAY]),
            (f"streaming-processor ({HOUR})", "streaming_processor.py", ["--partition", HOUR]),
            ("optimization", "optimization.py", []),
        ]  # fmt: skip
        results = []
        for label, script, extra in runs:
            job_out = out / script.removesuffix(".py")
            s = spark_submit(
                script, ["--input", str(lake), "--output", str(job_out), *extra], common
            )
            s["label"] = label
            results.append(s)
            print(f"  ran {label}: {s['seconds']}s", flush=True)
        duck_s = duckdb_reference(lake, tmp / "duckdb")

        print()
        print(f"{'job':44} {'rows_in':>10} {'seconds':>8} {'rows/s':>10} {'read/needed':>12}")
        for s in results:
            ratio = s["input_bytes_read"] / s["input_files_bytes"] if s["input_files_bytes"] else 0
            rps = s["rows_in"] / s["seconds"] if s["seconds"] else 0
            print(
                f"{s['label']:44} {s['rows_in']:>10} {s['seconds']:>8.1f} {rps:>10.0f} {ratio:>12.3f}"
            )
            s["read_ratio"], s["rows_per_second"] = round(ratio, 4), round(rps)
        batch = results[0]
        print(
            f"\nDuckDB daily+monthly on the same files (2 threads): {duck_s:.1f}s; "
            f"Spark batch-processing / DuckDB = {batch['seconds'] / duck_s:.2f}x"
        )
        worst = max(s["read_ratio"] for s in results)
        verdict = "OK" if worst <= 1.1 else "ABOVE TARGET"
        print(f"worst input_bytes_read / input_files_bytes = {worst:.3f} (target ≤ 1.1: {verdict})")
        print(
            json.dumps(
                {
                    "bench": "spark-jobs",
                    "events": EVENTS,
                    "duckdb_seconds": round(duck_s, 2),
                    "jobs": results,
                }
            )
        )
        return 0 if worst <= 1.1 else 1
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
