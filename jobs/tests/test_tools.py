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


def test_import_closure_follows_relative_nested_and_function_level_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import f\nfrom .sub import c\n")
    (pkg / "b.py").write_text("import json\n\ndef f():\n    import pkg.d\n")
    (pkg / "d.py").write_text("")
    (pkg / "unused.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from .. import b\n")  # sub/ has no __init__.py
    script = tmp_path / "job.py"
    script.write_text("import os\nimport pyspark\nfrom pkg.a import f\n")
    proc = run_tool("import_closure.py", "--root", str(tmp_path), str(script))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        str(script): ["pkg/__init__.py", "pkg/a.py", "pkg/b.py", "pkg/d.py", "pkg/sub/c.py"]
    }


def test_import_closure_reports_a_syntax_error_in_one_line(tmp_path):
    script = tmp_path / "job.py"
    script.write_text("def broken(:\n")
    proc = run_tool("import_closure.py", "--root", str(tmp_path), str(script))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith(f"import_closure: {script}: ")
