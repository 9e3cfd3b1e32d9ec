"""jobs/tools run as plain scripts from any directory, and a bad input is one line, not a trace."""

import json
import subprocess
import sys

import pytest
from conftest import REPO

TOOLS = REPO / "jobs" / "tools"


def run_tool(name: str, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(TOOLS / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("tool", ["generate_sample_data.py", "check_results.py"])
def test_runs_as_a_script_outside_the_repo(tool, tmp_path):
    proc = run_tool(tool, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "usage:" in proc.stdout


def test_generator_writes_a_lake_from_another_directory(tmp_path):
    proc = run_tool("generate_sample_data.py", "--output", "lake", "--events", "50", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["events"] >= 50
    assert list((tmp_path / "lake").glob("year=*/month=*/day=*/hour=*/part-00000.parquet"))


def test_check_results_rejects_a_directory_that_is_no_lake(tmp_path):
    proc = run_tool("check_results.py", "--lake", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"check-results: {tmp_path} has no streaming-data/: is it a lake directory?"
    ]


def test_land_parquet_rejects_an_unknown_column_type(tmp_path):
    columns = tmp_path / "columns.json"
    columns.write_text(json.dumps({"fields": [{"name": "a", "type": "decimal(9,2)"}]}))
    proc = run_tool("land_parquet.py", str(tmp_path), str(tmp_path / "out"), str(columns))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"land_parquet: {columns}: no Arrow type for Glue type(s) decimal(9,2)"
    ]
