"""streaming_processor: one hour in, per-hour outputs; checked against DuckDB and by hand."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import duck, lake_glob, partition_digest, run_job

import streaming_processor as job

HOUR = "year=2026/month=01/day=31/hour=05"
OTHER = "year=2026/month=01/day=31/hour=06"


@pytest.fixture(scope="module")
def lake(tmp_path_factory, generator):
    root = tmp_path_factory.mktemp("stream") / "streaming-data"
    generator.main(
        ["--output", str(root), "--events", "6000", "--start-day", "2026-01-31", "--days", "1"]
        + ["--corrupt-share", "0.03", "--duplicate-share", "0.02", "--users", "300", "--seed", "5"]
    )
    return root


@pytest.fixture(scope="module")
def processed(lake, tmp_path_factory, spark):
    import io
    import json
    from contextlib import redirect_stdout

    out = tmp_path_factory.mktemp("stream-out") / "out"
    summaries = {}
    for part in (HOUR, OTHER):
        buf = io.StringIO()
        with redirect_stdout(buf):
            assert job.main(["--input", str(lake), "--output", str(out), "--partition", part]) == 0
        summaries[part] = json.loads(buf.getvalue().strip().splitlines()[-1])
    return out, summaries


def hour_events(lake):
    return f"""
    with raw as (select * from {lake_glob(lake)} where year = '2026' and month = '01'
                 and day = '31' and hour = '05'),
    valid as (select * from raw where event_id is not null and trim(event_id) <> ''
      and timestamp is not null and log_type in ('web_access', 'application', 'iot_sensor')
      and event_type is not null and trim(event_type) <> '' and (value is null or isfinite(value))),
    events as (select distinct on (event_id) * from valid order by event_id, processed_at)
    """


def out_table(out, name):
    return f"(select * from {lake_glob(out / name)} where hour = '05')"


def test_hour_statistics_match_duckdb(lake, processed):
    out, summaries = processed
    con, base = duck(), hour_events(lake)
    logs_want = con.sql(
        base + "select log_type, count(*), count(distinct user_id), count(distinct session_id),"
        " count(distinct ip_address) from events group by all order by 1"
    ).fetchall()
    logs_got = con.sql(
        "select log_type, event_count, unique_users, unique_sessions, unique_ips from "
        + out_table(out, "log-statistics")
        + " order by 1"
    ).fetchall()
    assert logs_got == logs_want and len(logs_want) == 3

    status_want = con.sql(
        base
        + """select status_code, count(*),
          round(count(*) * 100.0 / sum(count(*)) over (), 2) from events
        where log_type = 'web_access' and status_code is not null group by all order by 1"""
    ).fetchall()
    status_got = con.sql(
        "select status_code, request_count, percentage from "
        + out_table(out, "status-statistics")
        + " order by 1"
    ).fetchall()
    assert status_got == status_want
    assert abs(sum(r[2] for r in status_got) - 100) < 0.1

    top_want = con.sql(
        base
        + """select ip_address, count(*), count(*) filter (where status_code >= 400)
        from events where log_type = 'web_access' and ip_address is not null
        group by all order by 2 desc, 1 limit 100"""
    ).fetchall()
    top_got = con.sql(
        "select ip_address, request_count, error_count from "
        + out_table(out, "top-ips")
        + " order by rank"
    ).fetchall()
    assert top_got == top_want and len(top_got) == 100

    levels_want = con.sql(
        base + "select upper(level), count(*) from events where log_type = 'application' "
        "group by all order by 1"
    ).fetchall()
    levels_got = con.sql(
        "select level, log_count from "
        + out_table(out, "application-analysis/level-statistics")
        + " order by 1"
    ).fetchall()
    assert levels_got == levels_want

    errors_want = con.sql(
        base + "select logger, count(*) from events where log_type = 'application' "
        "and upper(level) in ('ERROR', 'FATAL', 'CRITICAL') group by all order by 1"
    ).fetchall()
    errors_got = con.sql(
        "select logger, error_count from "
        + out_table(out, "application-analysis/error-analysis")
        + " order by 1"
    ).fetchall()
    assert errors_got == errors_want and errors_want

    raw = con.sql(base + "select count(*) from raw").fetchone()[0]
    valid = con.sql(base + "select count(*) from valid").fetchone()[0]
    distinct = con.sql(base + "select count(*) from events").fetchone()[0]
    s = summaries[HOUR]
    assert (s["rows_in"], s["rows_quarantined"]) == (raw, raw - valid)
    assert s["duplicates_dropped"] == valid - distinct
    meta = con.sql(
        "select partition, rows_in, rows_valid, rows_quarantined from "
        + out_table(out, "processing-metadata")
    ).fetchall()
    assert meta == [(HOUR, raw, distinct, raw - valid)]
    hour_bytes = sum(p.stat().st_size for p in (lake / HOUR).rglob("*.parquet"))
    assert s["input_files_bytes"] == hour_bytes  # only that hour was needed


def test_rerun_replaces_exactly_that_hour(lake, processed, capsys):
    out, _ = processed
    before = partition_digest(out)
    argv = ["--input", str(lake), "--output", str(out), "--partition", HOUR]
    assert run_job(job, argv, capsys)[0] == 0
    after = partition_digest(out)
    assert set(after) == set(before)
    other = [p for p in before if p.endswith("hour=06")]
    assert other and all(after[p] == before[p] for p in other)
    # processing-metadata holds the same counts; everything else is byte-identical.
    changed = [p for p in before if after[p] != before[p]]
    assert changed == []


def write_hour(root, part, rows, schema):
    d = root / part
    d.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), d / "part-0.parquet")


def test_hour_with_only_iot_events_and_missing_columns(tmp_path, spark, capsys):
    # A file with only the columns IoT events carry: no web or application columns at all.
    schema = pa.schema(
        [
            ("event_id", pa.string()),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("log_type", pa.string()),
            ("event_type", pa.string()),
            ("device_id", pa.string()),
            ("value", pa.float64()),
        ]
    )
    t = dt.datetime(2026, 1, 31, 5, 30, tzinfo=dt.UTC)
    rows = [
        dict(event_id="a", timestamp=t, log_type="iot_sensor", event_type="sensor_reading",
             device_id="d1", value=20.0),
        dict(event_id="a", timestamp=t, log_type="iot_sensor", event_type="sensor_reading",
             device_id="d1", value=20.0),  # re-delivered
        dict(event_id="b", timestamp=t, log_type="iot_sensor", event_type="sensor_reading",
             device_id="d2", value=None),
        dict(event_id=None, timestamp=t, log_type="iot_sensor", event_type="sensor_reading",
             device_id="d3", value=1.0),  # corrupt
        dict(event_id="c", timestamp=t, log_type="iot_sensor", event_type="sensor_reading",
             device_id="d3", value=float("inf")),  # corrupt: non-numeric
    ]  # fmt: skip
    write_hour(tmp_path / "lake", HOUR, rows, schema)
    out = tmp_path / "out"
    argv = ["--input", str(tmp_path / "lake"), "--output", str(out), "--partition", HOUR]
    code, s, err = run_job(job, argv, capsys)
    assert code == 0, err
    assert (s["rows_in"], s["rows_quarantined"], s["duplicates_dropped"]) == (5, 2, 1)
    con = duck()
    got = con.sql(
        "select log_type, event_type, event_count, unique_users, total_value, avg_value from "
        + out_table(out, "hourly-statistics")
    ).fetchall()
    assert got == [("iot_sensor", "sensor_reading", 2, 0, 20.0, 20.0)]
    for name in ("status-statistics", "top-ips", "application-analysis/level-statistics"):
        assert s["outputs"][name] == 0
        assert not (out / name / HOUR).exists()
    reasons = con.sql(
        f"select quarantine_reason from {lake_glob(out / '_quarantine')} order by 1"
    ).fetchall()
    assert reasons == [("missing_event_id",), ("non_numeric_value",)]


def test_missing_hour_is_empty_not_an_error(tmp_path, spark, capsys):
    argv = ["--input", str(tmp_path / "none"), "--output", str(tmp_path / "out")]
    code, s, err = run_job(job, argv + ["--partition", HOUR], capsys)
    assert code == 0, err
    assert (s["rows_in"], s["rows_out"], s["input_files_bytes"]) == (0, 0, 0)
    con = duck()
    meta = con.sql(f"select rows_in from {lake_glob(tmp_path / 'out' / 'processing-metadata')}")
    assert meta.fetchall() == [(0,)]


@pytest.mark.parametrize(
    "bad",
    ["year=2026/month=1/day=31/hour=05", "2026/01/31/05", "year=2026/month=02/day=30/hour=00"],
)
def test_bad_partition_is_a_usage_error(bad, capsys):
    with pytest.raises(SystemExit) as e:
        job.main(["--input", "x", "--output", "y", "--partition", bad])
    assert e.value.code == 2
    assert "--partition" in capsys.readouterr().err


def test_status_category_expression_is_the_schema_rule(spark):
    from pyspark.sql import functions as F

    from common.schema import status_category_of

    codes = [None, 0, 99, 100, 199, 200, 299, 300, 399, 400, 499, 500, 599, 600]
    df = spark.createDataFrame([(i, c) for i, c in enumerate(codes)], "i int, code int")
    got = df.select("i", job.status_category(F.col("code")).alias("c")).orderBy("i").collect()
    assert [r["c"] for r in got] == [status_category_of(c) for c in codes]


def test_outputs_are_planned_once_at_the_hours_width(lake, tmp_path, spark, capsys, monkeypatch):
    # Every output's plan is fixed before it runs (no adaptive re-planning after each stage)
    # and every shuffle is as wide as the one by event_id; the session is left as it was.
    import contextlib
    import io
    import re

    from common.lake import shuffle_partitions

    seen = {}
    real_write_all = job.write_all

    def spy(outputs):
        for name, o in outputs.items():
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                o.df.explain()
            seen[name] = (buf.getvalue(), spark.conf.get("spark.sql.shuffle.partitions"))
        return real_write_all(outputs)

    monkeypatch.setattr(job, "write_all", spy)
    spark.conf.set("spark.sql.shuffle.partitions", "5")  # not the hour's width; put back below
    before = {
        k: spark.conf.get(k) for k in ("spark.sql.adaptive.enabled", "spark.sql.shuffle.partitions")
    }
    argv = ["--input", str(lake), "--output", str(tmp_path / "out"), "--partition", HOUR]
    try:
        code, summary, _ = run_job(job, argv, capsys)
        after = {k: spark.conf.get(k) for k in before}
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "2")
        spark.conf.set("spark.sql.adaptive.enabled", "true")
    assert code == 0
    width = shuffle_partitions(spark, summary["input_files_bytes"])
    assert len(seen) == 9
    for name, (plan, partitions) in seen.items():
        assert "AdaptiveSparkPlan" not in plan, name
        assert partitions == str(width), name
    # The shuffles by the aggregations' keys that the plans still hold are that wide too.
    shuffle = re.compile(r"hashpartitioning\(.*?, (\d+)\)")
    widths = {int(w) for plan, _ in seen.values() for w in shuffle.findall(plan)}
    assert widths == {width}
    assert after == before
