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
