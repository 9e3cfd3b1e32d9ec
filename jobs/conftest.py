"""pytest setup for the Spark jobs: `jobs/` on sys.path (so `common.*` imports exactly as from
the zip EMR gets, and `tools.*` as the tools import each other), one local SparkSession for the
whole run, lake/summary helpers."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

JOBS = Path(__file__).resolve().parent
REPO = JOBS.parent
sys.path.insert(0, str(JOBS))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    from common.session import build_spark

    session = (
        SparkSession.builder.master("local[2]")
        .appName("jobs-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session = build_spark("jobs-tests")  # the jobs' own defaults on top
    yield session
    session.stop()


@pytest.fixture(scope="session")
def generator():
    """jobs/tools/generate_sample_data.py: the lake rows the job tests read."""
    from tools import generate_sample_data

    return generate_sample_data


def run_job(module, argv: list[str], capsys) -> tuple[int, dict | None, str]:
    """Run ``module.main(argv)``; return (exit code, parsed last stdout line, stderr)."""
    code = module.main(argv)
    captured = capsys.readouterr()
    lines = [ln for ln in captured.out.splitlines() if ln.strip()]
    summary = json.loads(lines[-1]) if code == 0 and lines else None
    return code, summary, captured.err


def tree_digest(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every data file under ``root`` (hidden files skipped)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not any(s.startswith((".", "_")) for s in rel.split("/")[-1:]):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def partition_digest(root: Path) -> dict[str, list[str]]:
    """partition directory -> sorted file content hashes (file names carry a fresh UUID)."""
    out: dict[str, list[str]] = {}
    for rel, digest in tree_digest(root).items():
        out.setdefault(rel.rsplit("/", 1)[0], []).append(digest)
    return {k: sorted(v) for k, v in out.items()}


def duck():
    import duckdb

    return duckdb.connect()


def lake_glob(root: Path) -> str:
    return f"read_parquet('{root}/**/*.parquet', hive_partitioning=true, hive_types_autocast=false)"


@pytest.fixture
def lake_with_an_unreadable_clean_file(tmp_path):
    """A lake of two hour files: one holds three valid views and one row without an event
    type; the other holds two valid views only, and its user_agent column has a type the lake
    schema cannot read — which only a read of that file's full rows would hit."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tools.parquet_schema import EVENT_ARROW_SCHEMA

    ts = dt.datetime(2026, 1, 31, 5, tzinfo=dt.timezone.utc)

    def rows(prefix, n, **kw):
        base = {f.name: None for f in EVENT_ARROW_SCHEMA}
        return [
            {**base, "event_id": f"{prefix}{i}", "timestamp": ts, "log_type": "web_access",
             "event_type": "view", "user_id": "u1", "category": "books", "processed_at": ts,
             "user_agent": "ua", **kw}
            for i in range(n)
        ]  # fmt: skip

    lake = tmp_path / "a lake"  # Spark names its files URL-encoded: "a%20lake"
    with_bad = lake / "year=2026/month=01/day=31/hour=05"
    clean = lake / "year=2026/month=01/day=31/hour=06"
    for d in (with_bad, clean):
        d.mkdir(parents=True)
    table = pa.Table.from_pylist(rows("a", 3) + rows("x", 1, event_type=None), EVENT_ARROW_SCHEMA)
    pq.write_table(table, with_bad / "part-0.parquet")
    at = EVENT_ARROW_SCHEMA.get_field_index("user_agent")
    int_agent = EVENT_ARROW_SCHEMA.set(at, pa.field("user_agent", pa.int64()))
    clean_rows = [{**r, "user_agent": 7} for r in rows("b", 2)]
    pq.write_table(pa.Table.from_pylist(clean_rows, int_agent), clean / "part-0.parquet")
    return lake


def run_and_read_quarantine(job, lake: Path, out: Path, capsys):
    """Run ``job`` (a job module) on ``lake``; its summary and quarantined (event_id, reason)s."""
    code, summary, _ = run_job(job, ["--input", str(lake), "--output", str(out)], capsys)
    assert code == 0
    con = duck()
    rows = con.sql(f"select event_id, quarantine_reason from {lake_glob(out / '_quarantine')}")
    return summary, sorted(rows.fetchall())
