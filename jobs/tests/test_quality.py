"""Validation rules and de-duplication (hand-built rows, expected values written out)."""

import datetime as dt

from common.quality import DUPLICATE, REASON, classify, dedupe, flag_invalid
from common.schema import EVENT_SCHEMA

T = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)


def row(**kw):
    base = {f.name: None for f in EVENT_SCHEMA.fields}
    base.update(event_id="e1", timestamp=T, log_type="web_access", event_type="view")
    base.update(kw)
    return tuple(base[f.name] for f in EVENT_SCHEMA.fields)


def test_each_rule_names_its_reason(spark):
    rows = [
        row(event_id="ok", value=1.5),
        row(event_id=None),
        row(event_id="  "),
        row(event_id="t", timestamp=None),
        row(event_id="l", log_type=None),
        row(event_id="b", log_type="bogus"),
        row(event_id="e", event_type=None),
        row(event_id="n", value=float("nan")),
        row(event_id="i", value=float("-inf")),
        row(event_id="nullvalue", value=None),
    ]
    got = [r[REASON] for r in flag_invalid(spark.createDataFrame(rows, EVENT_SCHEMA)).collect()]
    assert got == [
        None,
        "missing_event_id",
        "missing_event_id",
        "missing_timestamp",
        "missing_log_type",
        "invalid_log_type",
        "missing_event_type",
        "non_numeric_value",
        "non_numeric_value",
        None,
    ]


def test_dedupe_keeps_one_row_per_event_id_deterministically(spark):
    early = dt.datetime(2026, 1, 31, 12, 1, tzinfo=dt.UTC)
    late = dt.datetime(2026, 1, 31, 12, 5, tzinfo=dt.UTC)
    rows = [
        row(event_id="a", processed_at=late, value=2.0),
        row(event_id="a", processed_at=early, value=1.0),
        row(event_id="a", processed_at=None, value=3.0),
        row(event_id="b", value=5.0),
        row(event_id="b", value=5.0),
    ]
    df = spark.createDataFrame(rows, EVENT_SCHEMA)
    got = sorted((r.event_id, r.value) for r in dedupe(df).collect())
    assert got == [("a", 1.0), ("b", 5.0)]
    again = sorted((r.event_id, r.value) for r in dedupe(df.orderBy("value")).collect())
    assert again == got


def test_classify_marks_the_same_duplicates_dedupe_drops(spark):
    early = dt.datetime(2026, 1, 31, 12, 1, tzinfo=dt.UTC)
    rows = [
        row(event_id="a", processed_at=None, value=3.0),
        row(event_id="a", processed_at=early, value=1.0),
        row(event_id="a", log_type="bogus"),  # invalid: quarantined, not a duplicate
        row(event_id=None),
        row(event_id=None),  # two invalid rows are never duplicates of each other
        row(event_id="b", value=5.0),
    ]
    got = sorted(
        (r.event_id or "", r.value or 0.0, r[REASON] or "", r[DUPLICATE])
        for r in classify(spark.createDataFrame(rows, EVENT_SCHEMA)).collect()
    )
    assert got == [
        ("", 0.0, "missing_event_id", False),
        ("", 0.0, "missing_event_id", False),
        ("a", 0.0, "invalid_log_type", False),
        ("a", 1.0, "", False),
        ("a", 3.0, "", True),
        ("b", 5.0, "", False),
    ]
