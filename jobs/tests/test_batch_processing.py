"""batch_processing: transforms on hand-built rows, the whole job against DuckDB on generated
files, re-run safety (byte-identical untouched partitions), edge cases and bad arguments."""

import datetime as dt

import pytest
from conftest import duck, lake_glob, partition_digest, run_and_read_quarantine, run_job

import batch_processing as job
from common.schema import LAKE_SCHEMA

UTC = dt.UTC


def ev(eid, ts, etype, user, cat=None, value=None, log_type="web_access"):
    t = dt.datetime.fromisoformat(ts).replace(tzinfo=UTC)
    d = {f.name: None for f in LAKE_SCHEMA.fields}
    d.update(
        event_id=eid,
        timestamp=t,
        log_type=log_type,
        event_type=etype,
        user_id=user,
        category=cat,
        value=value,
        year=f"{t:%Y}",
        month=f"{t:%m}",
        day=f"{t:%d}",
        hour=f"{t:%H}",
    )
    return tuple(d[f.name] for f in LAKE_SCHEMA.fields)


@pytest.fixture(scope="module")
def events(spark):
    rows = [
        ev("1", "2026-01-31T23:59:59", "purchase", "u1", "books", 10.0),
        ev("2", "2026-01-31T10:00:00", "purchase", "u1", "books", 20.0),
        ev("3", "2026-01-31T11:00:00", "view", "u1", "books"),
        ev("4", "2026-01-31T12:00:00", "view", None, "books"),  # no user: not in daily
        ev("5", "2026-02-01T00:00:00", "purchase", "u2", "books", 5.0),  # next month
        ev("6", "2026-02-01T01:00:00", "add_to_cart", "u2", "toys"),  # not an activity type
        ev("7", "2026-02-01T02:00:00", "click", "u3", None),  # null category
        ev("8", "2026-02-01T03:00:00", "purchase", "u3", "toys", None),  # purchase, no value
    ]
    return spark.createDataFrame(rows, LAKE_SCHEMA)


def test_daily_activity_by_hand(events):
    got = {
        (r.year, r.month, r.day, r.user_id, r.event_type): (
            r.event_count,
            r.total_value,
            r.avg_value,
        )
        for r in job.daily_activity(events).collect()
    }
    assert got == {
        ("2026", "01", "31", "u1", "purchase"): (2, 30.0, 15.0),
        ("2026", "01", "31", "u1", "view"): (1, None, None),
        ("2026", "02", "01", "u2", "purchase"): (1, 5.0, 5.0),
        ("2026", "02", "01", "u3", "click"): (1, None, None),
        ("2026", "02", "01", "u3", "purchase"): (1, None, None),
    }


def test_monthly_summary_by_hand_across_a_month_boundary(events):
    got = {
        (r.year, r.month, r.category): (
            r.unique_users,
            r.total_events,
            r.purchases,
            r.total_revenue,
            r.avg_order_value,
        )
        for r in job.monthly_summary(events).collect()
    }
    assert got == {
        ("2026", "01", "books"): (1, 4, 2, 30.0, 15.0),
        ("2026", "02", "books"): (1, 1, 1, 5.0, 5.0),
        ("2026", "02", "toys"): (2, 2, 1, 0.0, 0.0),
        ("2026", "02", None): (1, 1, 0, 0.0, None),
    }


# --- the whole job on generated files, checked against DuckDB -------------------------------

DUCK_VALID = """
with raw as (select * from {lake}),
valid as (
  select * from raw
  where event_id is not null and trim(event_id) <> '' and timestamp is not null
    and log_type in ('web_access', 'application', 'iot_sensor')
    and event_type is not null and trim(event_type) <> ''
    and (value is null or isfinite(value))
),
events as (select distinct on (event_id) * from valid order by event_id, processed_at)
"""


def norm(rows):
    """Rows as sortable tuples: floats rounded, None sorted first."""
    return sorted(
        tuple((v is not None, round(v, 6) if isinstance(v, float) else v) for v in r) for r in rows
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory, generator):
    root = tmp_path_factory.mktemp("lake") / "streaming-data"
    # Jan 30 – Feb 1: crosses a month boundary; corrupt rows and re-delivered duplicates.
    generator.main(
        [
            "--output",
            str(root),
            "--events",
            "3000",
            "--start-day",
            "2026-01-30",
            "--days",
            "3",
            "--corrupt-share",
            "0.05",
            "--duplicate-share",
            "0.03",
            "--users",
            "150",
            "--seed",
            "11",
        ]
    )
    return root


@pytest.fixture(scope="module")
def full_run(lake, tmp_path_factory, spark):
    out = tmp_path_factory.mktemp("batch") / "out"
    import io
    import json
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = job.main(["--input", str(lake), "--output", str(out)])
    assert code == 0
    return out, json.loads(buf.getvalue().strip().splitlines()[-1])


def test_full_run_matches_duckdb(lake, full_run):
    out, summary = full_run
    con = duck()
    base = DUCK_VALID.format(lake=lake_glob(lake))
    want_daily = con.sql(
        base
        + """select year, month, day, user_id, event_type, count(*), sum(value), avg(value)
        from events where event_type in ('view', 'click', 'purchase') and user_id is not null
        group by all"""
    ).fetchall()
    got_daily = con.sql(
        f"""select year, month, day, user_id, event_type, event_count, total_value, avg_value
        from {lake_glob(out / "daily-activity")}"""
    ).fetchall()
    assert norm(got_daily) == norm(want_daily)

    want_monthly = con.sql(
        base
        + """select year, month, category, count(distinct user_id), count(*),
          count(*) filter (where event_type = 'purchase'),
          coalesce(sum(value) filter (where event_type = 'purchase'), 0),
          sum(value) filter (where event_type = 'purchase')
            / nullif(count(*) filter (where event_type = 'purchase'), 0)
        from events group by all"""
    ).fetchall()
    got_monthly = con.sql(
        f"""select year, month, category, unique_users, total_events, purchases, total_revenue,
          avg_order_value from {lake_glob(out / "monthly-summary")}"""
    ).fetchall()
    assert {(r[0], r[1]) for r in want_monthly} == {("2026", "01"), ("2026", "02")}
    assert norm(got_monthly) == norm(want_monthly)

    raw = con.sql(f"select count(*) from {lake_glob(lake)}").fetchone()[0]
    valid = con.sql(base + "select count(*) from valid").fetchone()[0]
    distinct = con.sql(base + "select count(*) from events").fetchone()[0]
    quarantined = con.sql(f"select count(*) from {lake_glob(out / '_quarantine')}").fetchone()[0]
    assert summary["rows_in"] == raw
    assert summary["rows_quarantined"] == raw - valid == quarantined > 0
    assert summary["duplicates_dropped"] == valid - distinct > 0
    assert summary["rows_out"] == len(got_daily) + len(got_monthly)
    assert set(summary) >= {"job", "rows_in", "rows_out", "rows_quarantined", "seconds"}


def test_files_bytes_are_the_lake_files(lake, full_run):
    _, summary = full_run
    on_disk = sum(p.stat().st_size for p in lake.rglob("*.parquet"))
    assert summary["input_files_bytes"] == on_disk


def test_rerun_of_one_day_leaves_every_other_partition_byte_identical(lake, full_run, capsys):
    out, _ = full_run
    before = partition_digest(out)
    argv = ["--input", str(lake), "--output", str(out), "--from-day", "2026-01-31"]
    code, summary, _ = run_job(job, argv + ["--to-day", "2026-01-31"], capsys)
    assert code == 0
    after = partition_digest(out)
    rewritten = {
        "daily-activity/year=2026/month=01/day=31",
        "_quarantine/year=2026/month=01/day=31",
        "monthly-summary/year=2026/month=01",
    }
    assert set(before) == set(after)
    for part in before:
        if part not in rewritten:
            assert after[part] == before[part], part
    # ... and the rewritten ones hold the same bytes as the full run produced.
    for part in rewritten:
        assert after[part] == before[part], part
    # Only January's files were needed (the month of the day range).
    jan = sum(p.stat().st_size for p in (lake / "year=2026" / "month=01").rglob("*.parquet"))
    assert summary["input_files_bytes"] == jan
    assert summary["range"] == {"from": "2026-01-31", "to": "2026-01-31"}


def test_running_twice_gives_identical_output(lake, full_run, capsys):
    out, _ = full_run
    first = partition_digest(out)
    code, _, _ = run_job(job, ["--input", str(lake), "--output", str(out)], capsys)
    assert code == 0
    assert partition_digest(out) == first


def test_empty_input_succeeds_with_zero_rows(tmp_path, spark, capsys):
    (tmp_path / "lake").mkdir()
    argv = ["--input", str(tmp_path / "lake"), "--output", str(tmp_path / "out")]
    code, summary, _ = run_job(job, argv, capsys)
    assert code == 0
    assert (summary["rows_in"], summary["rows_out"], summary["rows_quarantined"]) == (0, 0, 0)
    assert summary["input_files_bytes"] == 0


def test_stale_day_is_removed_when_a_rerun_finds_no_rows(tmp_path, spark, capsys, generator):
    lake = tmp_path / "lake"
    generator.main(["--output", str(lake), "--events", "200", "--days", "2", "--seed", "3"])
    out = tmp_path / "out"
    assert run_job(job, ["--input", str(lake), "--output", str(out)], capsys)[0] == 0
    day2 = out / "daily-activity" / "year=2026" / "month=01" / "day=31"
    assert day2.is_dir()
    import shutil

    shutil.rmtree(lake / "year=2026" / "month=01" / "day=31")  # that day's input is gone
    argv = ["--input", str(lake), "--output", str(out), "--from-day", "2026-01-31"]
    assert run_job(job, argv, capsys)[0] == 0
    assert not day2.exists()
    assert (out / "daily-activity" / "year=2026" / "month=01" / "day=30").is_dir()


def test_bad_day_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        job.main(["--input", "x", "--output", "y", "--from-day", "2026-13-01"])
    assert e.value.code == 2
    assert "expected a day as YYYY-MM-DD, got '2026-13-01'" in capsys.readouterr().err


def test_reversed_range_is_a_one_line_usage_error(tmp_path, spark, capsys):
    argv = ["--input", str(tmp_path), "--output", str(tmp_path / "o")]
    code, _, err = run_job(
        job, argv + ["--from-day", "2026-02-02", "--to-day", "2026-02-01"], capsys
    )
    assert code == 2
    assert (
        err.strip()
        == "batch-processing: error: --to-day 2026-02-01 is before --from-day 2026-02-02"
    )


def test_failure_is_one_line_and_exit_1(tmp_path, spark, capsys):
    (tmp_path / "lake").mkdir()
    (tmp_path / "file").write_text("not a directory")
    argv = ["--input", str(tmp_path / "lake"), "--output", str(tmp_path / "file" / "out")]
    code, _, err = run_job(job, argv, capsys)
    assert code == 1
    ours = [ln for ln in err.splitlines() if ln.startswith("batch-processing: error: ")]
    assert len(ours) == 1 and "Traceback" not in err


def test_a_ranged_run_lists_only_the_months_it_reads(lake, tmp_path, capsys, monkeypatch):
    import common.lake

    walked = []
    real = common.lake._list_local

    def spy(root, sub=""):
        walked.append(sub)
        return real(root, sub)

    monkeypatch.setattr(common.lake, "_list_local", spy)
    argv = ["--input", str(lake), "--output", str(tmp_path / "out")]
    code, summary, _ = run_job(job, argv + ["--from-day", "2026-01-31"], capsys)
    assert code == 0 and summary["rows_in"] > 0
    assert walked == ["year=2026/month=01"]  # not February, though the lake holds it
    walked.clear()
    code, _, _ = run_job(job, argv + ["--from-day", "2026-01-31", "--to-day", "2026-02-01"], capsys)
    assert code == 0
    assert walked == ["year=2026/month=01", "year=2026/month=02"]


def test_month_dirs_cover_the_range_across_a_year_end():
    import argparse

    ns = argparse.Namespace(from_day=dt.date(2025, 11, 30), to_day=dt.date(2026, 1, 1))
    assert job._month_dirs(ns) == [
        "year=2025/month=11",
        "year=2025/month=12",
        "year=2026/month=01",
    ]
    one = argparse.Namespace(from_day=None, to_day=dt.date(2026, 2, 28))
    assert job._month_dirs(one) == ["year=2026/month=02"]


def test_the_quarantine_reads_only_the_files_that_hold_rejected_rows(
    lake_with_an_unreadable_clean_file, tmp_path, capsys
):
    """A file with no invalid row is never read whole (see the fixture)."""
    lake = lake_with_an_unreadable_clean_file
    summary, quarantined = run_and_read_quarantine(job, lake, tmp_path / "out", capsys)
    assert (summary["rows_in"], summary["rows_quarantined"]) == (6, 1)
    assert summary["outputs"]["daily-activity"] == 1  # u1's five views
    assert quarantined == [("x0", "missing_event_type")]
