"""optimization: each output by hand on tiny rows, the broadcast join, the whole job with
--performance-test on generated files (counts checked against DuckDB)."""

import datetime as dt
import json

import pytest
from conftest import duck, lake_glob, run_and_read_quarantine

import optimization as job
from common.schema import LAKE_SCHEMA


def ev(eid, day, etype, user, cat, value=None, hour=12):
    t = dt.datetime(2026, 1, day, hour, tzinfo=dt.UTC)
    d = {f.name: None for f in LAKE_SCHEMA.fields}
    d.update(event_id=eid, timestamp=t, log_type="web_access", event_type=etype, user_id=user)
    d.update(category=cat, value=value, year="2026", month="01", day=f"{day:02d}", hour="12")
    return tuple(d[f.name] for f in LAKE_SCHEMA.fields)


@pytest.fixture(scope="module")
def events(spark):
    rows = [
        # u1: 5 events; books and toys tie (2 each) -> primary category "books".
        ev("1", 1, "view", "u1", "toys"),
        ev("2", 1, "purchase", "u1", "toys", 30.0),
        ev("3", 2, "view", "u1", "books"),
        ev("4", 2, "purchase", "u1", "books", 12.5),
        ev("5", 9, "click", "u1", "home", hour=18),
        # u2: 4 events -> not in user-behavior.
        ev("6", 1, "view", "u2", "books"),
        ev("7", 1, "view", "u2", "books"),
        ev("8", 9, "purchase", "u2", "books", 7.5),
        ev("9", 9, "view", "u2", "gadgets"),  # not in the category dimension
    ]
    return spark.createDataFrame(rows, LAKE_SCHEMA)


def test_user_behavior_by_hand(events):
    got = [tuple(r) for r in job.user_behavior(events).collect()]
    last = dt.datetime(2026, 1, 9, 18)  # session time zone is UTC; collect() gives naive UTC
    assert got == [("u1", 3, 5, 42.5, "books", last)]


def test_daily_trends_moving_averages_by_hand(events):
    got = {
        (r.date.isoformat(), r.category): (
            r.events,
            r.revenue,
            r.active_users,
            r.events_7d_avg,
            r.revenue_7d_avg,
        )
        for r in job.daily_trends(events).collect()
        if r.category == "books"
    }
    assert got == {
        ("2026-01-01", "books"): (2, 0.0, 1, 2.0, 0.0),
        ("2026-01-02", "books"): (2, 12.5, 1, 2.0, 6.25),
        # Jan 3-9 holds only Jan 9: the earlier days are outside the 7-day window.
        ("2026-01-09", "books"): (1, 7.5, 1, 1.0, 7.5),
    }


def test_cube_has_every_level_and_the_grand_total(events):
    rows = {
        (r.category, r.event_type, r.grouping_id): r
        for r in job.multi_dimensional(events).collect()
    }
    total = rows[(None, None, 3)]
    assert (total.events, total.revenue, total.unique_users) == (9, 50.0, 2)
    assert rows[("books", None, 1)].events == 5
    assert rows[(None, "purchase", 2)].revenue == 50.0
    assert rows[("toys", "purchase", 0)].events == 1


def test_category_performance_broadcasts_the_dimension(spark, events, capsys):
    df = job.category_performance(events, job.category_dimension(spark))
    capsys.readouterr()
    df.explain()  # the physical plan, printed
    plan = capsys.readouterr().out
    assert "BroadcastHashJoin" in plan or "BroadcastExchange" in plan, plan
    got = {
        r.category: (r.department, r.events, r.views, r.purchases, r.revenue) for r in df.collect()
    }
    assert got == {
        "books": ("Media", 5, 3, 2, 20.0),
        "toys": ("Media", 2, 1, 1, 30.0),
        "home": ("Home & Living", 1, 0, 0, 0.0),
        "gadgets": ("Unassigned", 1, 1, 0, 0.0),
    }
    conv = {r.category: r.conversion_rate for r in df.collect()}
    assert conv["books"] == pytest.approx(2 / 3) and conv["home"] is None


def test_whole_job_with_performance_test(tmp_path, spark, capsys, generator):
    lake = tmp_path / "lake"
    generator.main(["--output", str(lake), "--events", "1500", "--days", "2", "--users", "60"])
    out = tmp_path / "out"
    argv = ["--input", str(lake), "--output", str(out), "--performance-test"]
    code = job.main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out_lines = captured.out.strip().splitlines()
    s = json.loads(out_lines[-1])  # the summary is the last line ...
    # ... after the timings and the physical plan.
    assert any(line.startswith("performance-test: naive ") for line in out_lines)
    assert any("Physical Plan" in line for line in out_lines)
    con = duck()
    base = f"""with valid as (select * from {lake_glob(lake)} where event_id is not null
      and timestamp is not null and log_type in ('web_access', 'application', 'iot_sensor')
      and event_type is not null and (value is null or isfinite(value))),
    events as (select distinct on (event_id) * from valid order by event_id, processed_at)"""
    want_users = con.sql(
        base + " select count(*) from (select user_id from events where user_id is not null"
        " group by 1 having count(*) >= 5)"
    ).fetchone()[0]
    got_users = con.sql(f"select count(*) from read_parquet('{out}/user-behavior/*.parquet')")
    assert got_users.fetchone()[0] == want_users == s["outputs"]["user-behavior"] > 0
    want_rev = con.sql(
        base + " select category, sum(value) from events where event_type = 'purchase'"
        " and category is not null group by 1 order by 1"
    ).fetchall()
    got_rev = con.sql(
        f"select category, revenue from read_parquet('{out}/category-performance/*.parquet')"
        " where revenue > 0 order by 1"
    ).fetchall()
    assert [(c, round(v, 6)) for c, v in got_rev] == [(c, round(v, 6)) for c, v in want_rev]
    perf = s["performance_test"]
    assert perf["naive_seconds"] > 0 and perf["optimized_seconds"] > 0


def test_the_quarantine_reads_only_the_files_that_hold_rejected_rows(
    lake_with_an_unreadable_clean_file, tmp_path, capsys
):
    """A file with no invalid row is never read whole (see the fixture)."""
    lake = lake_with_an_unreadable_clean_file
    summary, quarantined = run_and_read_quarantine(job, lake, tmp_path / "out", capsys)
    assert (summary["rows_in"], summary["rows_quarantined"]) == (6, 1)
    assert quarantined == [("x0", "missing_event_type")]
