"""Driver of bench/50-spark-jobs.sh (see there). Prints one table, the scale line and a JSON line.

Each of the three jobs runs against the port of the course's version of it
(bench/course_jobs/) on the same generated lake in the same run, through the same
``spark-submit --master local[2] --driver-memory 4g``; DuckDB computes the same outputs as our
job (validation and de-duplication included) from the same files. Stage counts and bytes come
from each run's Spark event log (public JSON lines, one file per application).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "jobs" / "tools" / "generate_sample_data.py"  # lake rows, as Firehose lands them
COURSE = REPO / "bench" / "course_jobs"
EVENTS = int(os.environ.get("BENCH_EVENTS", "2000000"))
DAYS = int(os.environ.get("BENCH_DAYS", "40"))
# The scale line compares our jobs at SCALE_FROM events with the same jobs at EVENTS.
SCALE_FROM = int(os.environ.get("BENCH_SCALE_FROM", str(EVENTS // 10)))
START = "2026-01-27"  # crosses two month boundaries over 40 days
HOUR = "year=2026/month=01/day=31/hour=12"
#: Runs of each job per side; the table shows the median run (by wall time) of each.
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
#: Wall-time speed-up over the course's job that each of ours must reach.
TARGETS = {"batch-processing": 2.0, "optimization": 1.5, "streaming-processor": 1.5}
#: The jobs to run (comma-separated names; all by default), e.g. one job at 20 M events.
JOBS = [j for j in os.environ.get("BENCH_JOBS", ",".join(TARGETS)).split(",") if j]


def generate(lake: Path, events: int) -> int:
    """Generate about ``events`` events (plus their re-delivered copies); returns the rows
    written, which the table and the scale line report."""
    t0 = time.monotonic()
    gen = subprocess.run(
        [sys.executable, str(GENERATOR), "--output", str(lake)]
        + ["--events", str(events), "--start-day", START, "--days", str(DAYS)]
        + ["--corrupt-share", "0.01", "--duplicate-share", "0.005", "--users", "50000"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"generated: {gen.stdout.strip()} in {time.monotonic() - t0:.1f}s", flush=True)
    return int(json.loads(gen.stdout.strip().splitlines()[-1])["events"])


def zip_common(dest: Path) -> Path:
    z = dest / "common.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted((REPO / "jobs" / "common").glob("*.py")):
            zf.write(p, f"common/{p.name}")
    return z


def event_log_metrics(log_dir: Path) -> dict[str, float]:
    """Stages that ran, the input bytes they read (files, and cached blocks), the bytes they
    wrote to shuffles and their task CPU time, from the run's event log (StageCompleted
    events: a stage skipped because its shuffle is reused never completes, so never counts)."""
    (log,) = [p for p in log_dir.iterdir() if p.is_file()]
    stages = input_bytes = shuffle_bytes = cpu_ns = 0
    with log.open(encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if event.get("Event") != "SparkListenerStageCompleted":
                continue
            stages += 1
            for acc in event["Stage Info"].get("Accumulables", []):
                if acc.get("Name") == "internal.metrics.input.bytesRead":
                    input_bytes += int(acc["Value"])
                elif acc.get("Name") == "internal.metrics.shuffle.write.bytesWritten":
                    shuffle_bytes += int(acc["Value"])
                elif acc.get("Name") == "internal.metrics.executorCpuTime":
                    cpu_ns += int(acc["Value"])
    return {
        "stages": stages,
        "input_bytes": input_bytes,
        "shuffle_bytes": shuffle_bytes,
        "task_cpu_seconds": round(cpu_ns / 1e9, 2),
    }


def spark_submit(script: Path, args: list[str], work: Path, label: str, py_files=None) -> dict:
    """One spark-submit: its wall time (what a cluster is paid for) and event-log metrics."""
    log_dir = work / "event-logs" / label.replace(" ", "_").replace("/", "_")
    log_dir.mkdir(parents=True)
    cmd = [
        str(REPO / ".venv/bin/spark-submit"),
        "--master",
        "local[2]",
        "--driver-memory",
        "4g",
        "--conf",
        "spark.ui.enabled=false",
        "--conf",
        "spark.eventLog.enabled=true",
        "--conf",
        f"spark.eventLog.dir={log_dir.as_uri()}",
    ]
    cmd += ["--py-files", str(py_files)] if py_files else []
    cmd += [str(script), *args]
    env = {
        **os.environ,
        "PYSPARK_PYTHON": str(REPO / ".venv/bin/python"),
        "PATH": f"{REPO / '.venv/bin'}:{os.environ.get('PATH', '')}",
    }
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"50-spark-jobs: {label} failed with exit {proc.returncode}")
    load = round(os.getloadavg()[0], 2)
    result = {"label": label, "wall_seconds": round(wall, 2), "load_1m": load}
    result.update(event_log_metrics(log_dir))
    print(f"  ran {label}: {wall:.1f}s (load {load})", flush=True)
    return result


def ours(job: str, lake: Path, out: Path, work: Path, common: Path, tag: str) -> dict:
    script = REPO / "jobs" / f"{job.replace('-', '_')}.py"
    args = ["--input", str(lake), "--output", str(out / job)]
    args += ["--partition", HOUR] if job == "streaming-processor" else []
    return spark_submit(script, args, work, f"ours {job} {tag}", py_files=common)


def course(job: str, lake: Path, out: Path, work: Path, tag: str) -> dict:
    script = COURSE / f"{job.replace('-', '_')}.py"
    if job == "streaming-processor":  # the course's trigger passes the hour's directory
        args = [f"{lake}/{HOUR}", str(out / job)]
    else:
        args = ["--input", str(lake), "--output", str(out / job)]
    return spark_submit(script, args, work, f"course {job} {tag}")


# --- DuckDB: our jobs' outputs (validation, de-duplication, aggregates) on the same files ---

VALID_EVENTS = """
create or replace temp view raw as
  select * from read_parquet('{files}', hive_partitioning=true, hive_types_autocast=false);
create or replace temp table events as
with valid as (
  select * from raw
  where event_id is not null and trim(event_id) <> '' and timestamp is not null
    and log_type in ('web_access', 'application', 'iot_sensor')
    and event_type is not null and trim(event_type) <> '' and (value is null or isfinite(value))
)
select distinct on (event_id) * from valid order by event_id, processed_at;
copy (select * exclude (hour), 'rejected' as quarantine_reason from raw
      where event_id is null or trim(event_id) = '' or timestamp is null
        or log_type is null or log_type not in ('web_access', 'application', 'iot_sensor')
        or event_type is null or trim(event_type) = '' or not isfinite(value))
  to '{out}/_quarantine' (format parquet, partition_by (year, month, day));
"""

DUCK_SQL = {
    "batch-processing": """
copy (select year, month, day, user_id, event_type, count(*) as event_count,
             sum(value) as total_value, avg(value) as avg_value
      from events where event_type in ('view', 'click', 'purchase') and user_id is not null
      group by all) to '{out}/daily-activity' (format parquet, partition_by (year, month, day));
copy (select year, month, category, count(distinct user_id) as unique_users,
             count(*) as total_events,
             count(*) filter (where event_type = 'purchase') as purchases,
             coalesce(sum(value) filter (where event_type = 'purchase'), 0) as total_revenue
      from events group by all) to '{out}/monthly-summary' (format parquet, partition_by (year, month));
""",
    "optimization": """
copy (with per_user as (
        select user_id, count(distinct event_type) as distinct_event_types, count(*) as total_events,
               coalesce(sum(value) filter (where event_type = 'purchase'), 0) as lifetime_value,
               max(timestamp) as last_activity
        from events where user_id is not null group by all),
      by_cat as (select user_id, category, count(*) as n from events
                 where user_id is not null and category is not null group by all),
      prim as (select user_id, category as primary_category from (
                 select *, row_number() over (partition by user_id order by n desc, category) as r
                 from by_cat) where r = 1)
      select * from per_user left join prim using (user_id) where total_events >= 5)
  to '{out}/user-behavior.parquet' (format parquet);
copy (with d as (
        select year, month, day, category, count(*) as events,
               coalesce(sum(value) filter (where event_type = 'purchase'), 0) as revenue,
               count(distinct user_id) as active_users,
               cast(year || '-' || month || '-' || day as date) as date
        from events where category is not null group by year, month, day, category)
      select *, avg(events) over w as events_7d_avg, avg(revenue) over w as revenue_7d_avg,
             avg(active_users) over w as active_users_7d_avg from d
      window w as (partition by category order by date
                   range between interval 6 days preceding and current row))
  to '{out}/daily-trends' (format parquet, partition_by (year, month));
copy (select category, event_type, grouping(category, event_type) as grouping_id,
             count(*) as events,
             coalesce(sum(value) filter (where event_type = 'purchase'), 0) as revenue,
             count(distinct user_id) as unique_users
      from events group by cube (category, event_type))
  to '{out}/multi-dimensional.parquet' (format parquet);
copy (with c as (
        select category, count(*) as events, count(*) filter (where event_type = 'view') as views,
               count(*) filter (where event_type = 'purchase') as purchases,
               coalesce(sum(value) filter (where event_type = 'purchase'), 0) as revenue,
               count(distinct user_id) as unique_users
        from events where category is not null group by all),
      dim(category, department) as (values ('electronics', 'Technology'), ('clothing', 'Fashion'),
        ('beauty', 'Fashion'), ('books', 'Media'), ('toys', 'Media'), ('home', 'Home & Living'),
        ('food', 'Home & Living'), ('sports', 'Outdoor'))
      select c.*, coalesce(department, 'Unassigned') as department,
             purchases / nullif(views, 0) as conversion_rate
      from c left join dim using (category))
  to '{out}/category-performance.parquet' (format parquet);
""",
    "streaming-processor": """
copy (select log_type, count(*) as event_count, count(distinct user_id) as unique_users,
             count(distinct session_id) as unique_sessions, count(distinct ip_address) as unique_ips
      from events group by all) to '{out}/log-statistics.parquet' (format parquet);
copy (select log_type, event_type, count(*) as event_count, count(distinct user_id) as unique_users,
             sum(value) as total_value, avg(value) as avg_value,
             avg(response_size) as avg_response_size
      from events group by all) to '{out}/hourly-statistics.parquet' (format parquet);
copy (select status_code, count(*) as request_count,
             round(count(*) * 100.0 / sum(count(*)) over (), 2) as percentage
      from events where log_type = 'web_access' and status_code is not null group by all)
  to '{out}/status-statistics.parquet' (format parquet);
copy (select row_number() over (order by count(*) desc, ip_address) as rank, ip_address,
             count(*) as request_count, count(distinct user_id) as unique_users,
             count(*) filter (where status_code >= 400) as error_count
      from events where log_type = 'web_access' and ip_address is not null
      group by ip_address order by rank limit 100) to '{out}/top-ips.parquet' (format parquet);
copy (select coalesce(upper(level), 'UNKNOWN') as level, count(*) as log_count,
             round(count(*) * 100.0 / sum(count(*)) over (), 2) as percentage
      from events where log_type = 'application' group by 1)
  to '{out}/level-statistics.parquet' (format parquet);
copy (select coalesce(logger, 'unknown') as logger, count(*) as error_count,
             count(distinct message) as distinct_messages, min(message) as sample_message
      from events where log_type = 'application'
        and upper(level) in ('ERROR', 'FATAL', 'CRITICAL') group by 1)
  to '{out}/error-analysis.parquet' (format parquet);
copy (select user_id, count(*) as log_count,
             count(*) filter (where upper(level) in ('ERROR', 'FATAL', 'CRITICAL')) as error_count
      from events where log_type = 'application' and user_id is not null group by all)
  to '{out}/user-activity.parquet' (format parquet);
""",
}


def duckdb_run(job: str, lake: Path, out: Path) -> float:
    """Seconds DuckDB (2 threads, the cores Spark gets) takes for our job's outputs."""
    files = f"{lake}/{HOUR}/*.parquet" if job == "streaming-processor" else f"{lake}/**/*.parquet"
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set threads = 2")
    t0 = time.monotonic()
    con.execute(VALID_EVENTS.format(files=files, out=out) + DUCK_SQL[job].format(out=out))
    seconds = time.monotonic() - t0
    con.close()
    return seconds


def median_run(runs: list[dict]) -> dict:
    """The run whose wall time is the median (the lower one of the middle two for an even
    count), so its event-log figures belong to the time shown."""
    return sorted(runs, key=lambda r: r["wall_seconds"])[(len(runs) - 1) // 2]


def fmt_bytes(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def main() -> int:
    unknown = sorted(set(JOBS) - set(TARGETS))
    if unknown or not JOBS:
        raise SystemExit(
            f"50-spark-jobs: BENCH_JOBS={','.join(JOBS)!r}: the jobs are {', '.join(TARGETS)}"
        )
    base = Path(os.environ["BENCH_DIR"]) if os.environ.get("BENCH_DIR") else None
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="spark-bench-", dir=base))
    try:
        lake, small = tmp / "lake", tmp / "lake-small"
        rows_large = generate(lake, EVENTS)
        rows_small = generate(small, SCALE_FROM)
        if not (lake / HOUR).is_dir() or not (small / HOUR).is_dir():
            raise SystemExit(f"50-spark-jobs: no {HOUR} in the lake: BENCH_DAYS must be ≥ 5")
        common = zip_common(tmp)
        runs: dict[tuple[str, str], list[dict]] = {}
        duck: dict[str, list[float]] = {}
        for rep in range(1, REPEAT + 1):
            for job in JOBS:
                # Interleaved, so a change in the machine's load hits both sides alike.
                tag = f"{rows_large:,} #{rep}"
                runs.setdefault((job, "ours"), []).append(
                    ours(job, lake, tmp / "ours", tmp, common, tag)
                )
                runs.setdefault((job, "course"), []).append(
                    course(job, lake, tmp / "course", tmp, f"#{rep}")
                )
                duck.setdefault(job, []).append(
                    duckdb_run(job, lake, tmp / "duckdb" / f"{job}-{rep}")
                )
                runs.setdefault((job, "small"), []).append(
                    ours(job, small, tmp / "ours-small", tmp, common, f"{rows_small:,} #{rep}")
                )
        rows = []
        scale = []
        for job in JOBS:
            o, c, s = (median_run(runs[(job, side)]) for side in ("ours", "course", "small"))
            d = statistics.median(duck[job])
            walls = {
                side: [r["wall_seconds"] for r in runs[(job, side)]] for side in ("ours", "course")
            }
            rows.append(
                {"job": job, "ours": o, "course": c, "duckdb_seconds": round(d, 2), "walls": walls}
            )
            scale.append({"job": job, "small": s, "large": o})

        loads = [x["load_1m"] for rs in runs.values() for x in rs]
        print(
            f"\n{rows_large:,} events over {DAYS} days, local[2], 4 GB driver; wall time of"
            f" spark-submit, the median of {REPEAT} interleaved runs per side;"
            f" {os.cpu_count()} CPUs, 1-minute load {min(loads)}–{max(loads)}"
        )
        head = (
            f"{'job':20} {'ours s':>7} {'course s':>9} {'course/ours':>12} {'duckdb s':>9}"
            f" {'ours/duckdb':>12} {'stages o/c':>11} {'shuffle ours / course':>24}"
        )
        print(head)
        ok = True
        for r in rows:
            o, c = r["ours"], r["course"]
            speedup = c["wall_seconds"] / o["wall_seconds"]
            vs_duck = o["wall_seconds"] / r["duckdb_seconds"] if r["duckdb_seconds"] else 0
            target = TARGETS[r["job"]]
            met = speedup >= target
            ok &= met
            r.update(speedup=round(speedup, 2), ours_vs_duckdb=round(vs_duck, 2), target=target)
            shuffle = f"{fmt_bytes(o['shuffle_bytes'])} / {fmt_bytes(c['shuffle_bytes'])}"
            print(
                f"{r['job']:20} {o['wall_seconds']:>7.1f} {c['wall_seconds']:>9.1f}"
                f" {speedup:>11.2f}x {r['duckdb_seconds']:>9.1f} {vs_duck:>11.2f}x"
                f" {o['stages']:>5}/{c['stages']:<5} {shuffle:>24}"
                f"  (target ≥ {target}x: {'OK' if met else 'MISSED'})"
            )
        print("\nevery run's wall time, ours | course:")
        for r in rows:
            w = r["walls"]
            print(
                f"  {r['job']:20} {' '.join(f'{x:.1f}' for x in w['ours'])} |"
                f" {' '.join(f'{x:.1f}' for x in w['course'])}"
            )
        print(
            "\nper job (median runs), ours / course: task CPU (hardly affected by the load), input bytes"
            " (Spark counts reads of cached blocks as input too)"
        )
        for r in rows:
            o, c = r["ours"], r["course"]
            print(
                f"  {r['job']:20} CPU {o['task_cpu_seconds']:.1f}s / {c['task_cpu_seconds']:.1f}s"
                f" ({c['task_cpu_seconds'] / max(o['task_cpu_seconds'], 0.01):.2f}x),"
                f" input {fmt_bytes(o['input_bytes'])} / {fmt_bytes(c['input_bytes'])}"
            )
        # Linear is the limit: time may grow at most as much as the events do.
        limit = rows_large / rows_small
        print(f"scale, ours at {rows_small:,} → {rows_large:,} events (×{limit:.2f}):")
        for s in scale:
            a, b = s["small"]["wall_seconds"], s["large"]["wall_seconds"]
            growth = b / a
            met = growth <= limit
            ok &= met
            s["growth"] = round(growth, 2)
            print(
                f"  {s['job']:20} {a:>6.1f}s → {b:>6.1f}s  time ×{growth:.2f}"
                f"  (limit ×{limit:.2f}: {'OK' if met else 'MISSED'})"
            )
        summary = {
            "bench": "spark-jobs",
            "events": rows_large,
            "days": DAYS,
            "scale_from": rows_small,
            "cpus": os.cpu_count(),
            "repeat": REPEAT,
            "jobs": rows,
            "scale": [{"job": s["job"], "growth": s["growth"]} for s in scale],
        }
        print(json.dumps(summary))
        return 0 if ok else 1
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
