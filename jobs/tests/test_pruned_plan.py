"""The jobs read only the columns they need and shuffle nothing wider, yet quarantine and
de-duplicate exactly as the full-row plan does: every output of every job is compared with the
same transforms applied to the rows the full-row classification keeps, on a lake of awkward
duplicates (re-delivered across a day and month boundary, equal delivery times, no delivery
time, an invalid copy of a valid event) and every kind of corrupt row."""

import datetime as dt
import io
import json
import re
from contextlib import redirect_stdout

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import Window
from pyspark.sql import functions as F

import batch_processing
import optimization
import streaming_processor
from common.lake import read_events
from common.quality import REASON, classify, quarantine_reason, scan_columns
from common.schema import EVENT_SCHEMA, PARTITION_KEYS
from tools.parquet_schema import EVENT_ARROW_SCHEMA

UTC = dt.UTC
JAN31 = dt.datetime(2026, 1, 31, 23, 10, tzinfo=UTC)
FEB01 = dt.datetime(2026, 2, 1, 0, 20, tzinfo=UTC)
STREAM_HOUR = "year=2026/month=01/day=31/hour=23"


def ev(eid, landed, **kw):
    """A lake row that landed in ``landed``'s hour (its partition), processed a minute later."""
    row = {f.name: None for f in EVENT_SCHEMA.fields}
    row.update(
        event_id=eid,
        timestamp=landed - dt.timedelta(minutes=5),
        log_type="web_access",
        event_type="view",
        user_id="u1",
        session_id="s1",
        category="books",
        ip_address="10.0.0.0",
        status_code=200,
        response_size=1000,
        user_agent="ua",
        processed_at=landed + dt.timedelta(minutes=1),
        schema_version=1,
    )
    row.update(kw)
    return landed, row


def app(eid, landed, level, **kw):
    return ev(eid, landed, log_type="application", event_type="log", category=None,
              ip_address=None, status_code=None, response_size=None, level=level,
              logger="svc.api", message=f"{level} message", **kw)  # fmt: skip


ROWS = [
    # Re-delivered across the day and month boundary: the earliest delivery (Jan 31) counts.
    ev("a", JAN31, event_type="purchase", value=10.0),
    ev("a", FEB01, event_type="purchase", value=10.0, processed_at=FEB01),
    # Delivered at the same instant, differing in value and in a column no job reads: the
    # smaller value wins, whatever the other column holds.
    ev("b", JAN31, event_type="purchase", value=7.0, user_agent="a-agent"),
    ev("b", JAN31, event_type="purchase", value=5.0, user_agent="z-agent"),
    # One copy without a delivery time: the delivered one wins.
    ev("c", JAN31, event_type="purchase", value=100.0, processed_at=None),
    ev("c", JAN31, event_type="purchase", value=1.0),
    # An invalid copy of a valid event: quarantined, and not a duplicate.
    ev("d", JAN31, event_type="click", log_type="bogus"),
    ev("d", JAN31, event_type="click", user_id="u2"),
    # Three identical copies: one kept, two dropped.
    *[ev("e", FEB01, user_id="u3", category="toys") for _ in range(3)],
    # Corrupt rows, one of each reason (two without an id are never each other's duplicate).
    ev(None, JAN31),
    ev(None, JAN31),
    ev("  ", FEB01),
    ev("t", JAN31, timestamp=None),
    ev("l", JAN31, log_type=None),
    ev("n", FEB01, event_type=None),
    ev("i", FEB01, value=float("inf")),
    # Plain events, and application logs for the streaming processor's outputs.
    *[ev(f"p{i}", JAN31 if i % 2 else FEB01, user_id=f"u{i % 4}", category=cat, value=v,
         event_type=et) for i, (cat, et, v) in enumerate(
             [("books", "view", None), ("toys", "purchase", 3.5), ("home", "click", None),
              ("books", "purchase", 8.25), ("toys", "view", None), (None, "click", None)])],
    app("x1", JAN31, "ERROR"),
    app("x1", JAN31, "ERROR"),
    app("x2", JAN31, "info", user_id="u9"),
    app("x3", JAN31, "WARN", processed_at=None),
    app("x3", JAN31, "WARN"),
]  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("pruned") / "streaming-data"
    hours: dict[dt.datetime, list[dict]] = {}
    for landed, row in ROWS:
        hours.setdefault(landed.replace(minute=0), []).append(row)
    for hour, rows in hours.items():
        d = root / f"year={hour:%Y}" / f"month={hour:%m}" / f"day={hour:%d}" / f"hour={hour:%H}"
        d.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=EVENT_ARROW_SCHEMA), d / "part-0.parquet")
    return root


def full_row_plan(raw):
    """The classification over whole rows that the jobs used before they pruned: the window
    orders duplicates by processed_at, then by every other column."""
    valid = F.col(REASON).isNull()
    others = [c for c in raw.columns if c != "event_id"]
    order = [F.col("processed_at").asc_nulls_last()] + [F.col(c).asc_nulls_last() for c in others]
    w = Window.partitionBy("event_id", valid).orderBy(*order)
    flagged = raw.withColumn(REASON, quarantine_reason())
    return flagged.withColumn("_dup", valid & (F.row_number().over(w) > 1))


def run(module, argv):
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert module.main(argv) == 0
    return json.loads(buf.getvalue().strip().splitlines()[-1])


def rows_of(df, columns):
    def key(v):
        return (v is not None, round(v, 9) if isinstance(v, float) else v)

    return sorted(tuple(key(v) for v in r) for r in df.select(*columns).collect())


def assert_same(spark, written_path, expected):
    got = spark.read.option("basePath", str(written_path)).parquet(str(written_path))
    assert rows_of(got, expected.columns) == rows_of(expected, expected.columns), written_path


def reference(spark, lake, where=None):
    raw = read_events(spark, str(lake))
    if where is not None:
        raw = raw.where(where)
    plan = full_row_plan(raw)
    kept = plan.where(F.col(REASON).isNull() & ~F.col("_dup")).drop(REASON, "_dup")
    bad = plan.where(F.col(REASON).isNotNull()).drop("_dup")
    dups = plan.where("_dup").count()
    return raw.count(), kept, bad, dups


def test_the_lake_has_what_the_cases_need(spark, lake):
    rows_in, kept, bad, dups = reference(spark, lake)
    assert (rows_in, bad.count(), dups) == (len(ROWS), 8, 7)
    kept_values = {r.event_id: (r.value, r.day) for r in kept.collect()}
    # The full-row plan's winners: the earliest delivery, the smaller value, the delivered copy.
    assert kept_values["a"] == (10.0, "31")
    assert kept_values["b"][0] == 5.0
    assert kept_values["c"][0] == 1.0


def test_batch_processing_matches_the_full_row_plan(spark, lake, tmp_path):
    out = tmp_path / "batch"
    s = run(batch_processing, ["--input", str(lake), "--output", str(out)])
    rows_in, kept, bad, dups = reference(spark, lake)
    assert (s["rows_in"], s["rows_quarantined"], s["duplicates_dropped"]) == (
        rows_in,
        bad.count(),
        dups,
    )
    assert_same(spark, out / "_quarantine", bad.drop("hour"))
    assert_same(spark, out / "daily-activity", batch_processing.daily_activity(kept))
    assert_same(spark, out / "monthly-summary", batch_processing.monthly_summary(kept))


def test_optimization_matches_the_full_row_plan(spark, lake, tmp_path):
    out = tmp_path / "opt"
    s = run(optimization, ["--input", str(lake), "--output", str(out)])
    rows_in, kept, bad, dups = reference(spark, lake)
    assert (s["rows_in"], s["rows_quarantined"], s["duplicates_dropped"]) == (
        rows_in,
        bad.count(),
        dups,
    )
    assert_same(spark, out / "_quarantine", bad.drop("hour"))
    for name, (df, _, _) in optimization.outputs(spark, kept).items():
        assert_same(spark, out / name, df)


def test_streaming_processor_matches_the_full_row_plan(spark, lake, tmp_path):
    out = tmp_path / "stream"
    argv = ["--input", str(lake), "--output", str(out), "--partition", STREAM_HOUR]
    s = run(streaming_processor, argv)
    hour = dict(kv.split("=") for kv in STREAM_HOUR.split("/"))
    in_hour = F.lit(True)
    for k in PARTITION_KEYS:
        in_hour = in_hour & (F.col(k) == hour[k])
    rows_in, kept, bad, dups = reference(spark, lake, in_hour)
    assert (s["rows_in"], s["rows_quarantined"], s["duplicates_dropped"]) == (
        rows_in,
        bad.count(),
        dups,
    )
    assert dups > 0 and bad.count() > 0
    assert_same(spark, out / "_quarantine", bad)
    sp = streaming_processor
    for name, df in {
        "log-statistics": sp.log_statistics(kept),
        "hourly-statistics": sp.hourly_statistics(kept),
        "status-statistics": sp.status_statistics(kept),
        "top-ips": sp.top_ips(kept),
        "application-analysis/level-statistics": sp.level_statistics(kept),
        "application-analysis/error-analysis": sp.error_analysis(kept),
        "application-analysis/user-activity": sp.user_activity(kept),
    }.items():
        assert_same(spark, out / name, df)


@pytest.mark.parametrize("module", [batch_processing, optimization, streaming_processor])
def test_the_scan_and_the_shuffle_carry_only_the_needed_columns(spark, lake, module, capsys):
    columns = scan_columns(module.NEEDED)
    assert "user_agent" not in columns and "extra" not in columns
    capsys.readouterr()
    spark.conf.set("spark.sql.maxMetadataStringLength", "10000")  # ReadSchema in full
    try:
        classify(read_events(spark, str(lake)).select(*columns), keep=module.NEEDED).explain()
    finally:
        spark.conf.unset("spark.sql.maxMetadataStringLength")
    plan = capsys.readouterr().out.splitlines()

    def names(text):  # "a#1, b#2, expr AS c#3" -> [a, b, c]
        return [re.sub(r"#\d+L?$", "", part.split(" AS ")[-1].strip()) for part in text.split(", ")]

    (read_schema,) = [ln for ln in plan if "ReadSchema:" in ln]
    read = read_schema.split("ReadSchema: struct<", 1)[1].rstrip(">").split(",")
    assert [f.split(":", 1)[0] for f in read] == [c for c in columns if c not in PARTITION_KEYS]
    # The rows the shuffle moves: the kept columns, the reason, the window's key — no more.
    (exchange,) = [i for i, ln in enumerate(plan) if "Exchange hashpartitioning(event_id" in ln]
    below = plan[exchange + 1].split("Project [", 1)[1].rsplit("]", 1)[0]
    kept = [c for c in columns if c in module.NEEDED or c in ("event_id", "processed_at")]
    assert names(below)[:-1] == [*kept, REASON]
