"""Row validation (quarantine reasons) and de-duplication of schema-v1 events."""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from common.schema import LAKE_SCHEMA, LOG_TYPES

REASON = "quarantine_reason"
#: The columns :func:`quarantine_reason` reads.
VALIDATION_COLUMNS: tuple[str, ...] = ("event_id", "timestamp", "log_type", "event_type", "value")
#: Which copy of a re-delivered event is kept: the earliest delivery (see :func:`dedupe`).
DELIVERED_AT = "processed_at"


def _blank(c: str) -> Column:
    return F.col(c).isNull() | (F.trim(F.col(c)) == "")


def quarantine_reason() -> Column:
    """Why a row violates schema v1 (first failing rule), or null for a valid row.

    A Parquet double can be non-numeric only as NaN/±Infinity, so those are rejected too."""
    value = F.col("value")
    return (
        F.when(_blank("event_id"), "missing_event_id")
        .when(F.col("timestamp").isNull(), "missing_timestamp")
        .when(F.col("log_type").isNull(), "missing_log_type")
        .when(~F.col("log_type").isin(*LOG_TYPES), "invalid_log_type")
        .when(_blank("event_type"), "missing_event_type")
        .when(
            value.isNotNull() & (F.isnan(value) | value.isin(float("inf"), float("-inf"))),
            "non_numeric_value",
        )
    )


def flag_invalid(df: DataFrame) -> DataFrame:
    """``df`` plus the ``quarantine_reason`` column."""
    return df.withColumn(REASON, quarantine_reason())


def scan_columns(needed: Iterable[str]) -> list[str]:
    """The lake columns to read for outputs built from ``needed``: those, plus what validation
    and de-duplication read — in table order, so every caller compares copies the same way."""
    want = set(needed) | set(VALIDATION_COLUMNS) | {DELIVERED_AT}
    unknown = want - set(LAKE_SCHEMA.fieldNames())
    if unknown:
        raise ValueError(f"not lake columns: {sorted(unknown)}")
    return [c for c in LAKE_SCHEMA.fieldNames() if c in want]


def _keep_order(columns: list[str]) -> list[Column]:
    """Which of several rows of one ``event_id`` is kept: earliest ``processed_at``, then the
    smallest values of the other ``columns`` in their order."""
    others = [c for c in columns if c not in ("event_id", DELIVERED_AT)]
    return [F.col(DELIVERED_AT).asc_nulls_last()] + [F.col(c).asc_nulls_last() for c in others]


def dedupe(df: DataFrame) -> DataFrame:
    """One row per ``event_id`` (Firehose delivers at least once), chosen by :func:`_keep_order`
    over ``df``'s own columns.

    The winner is deterministic: the order is total over everything ``df`` carries, so two rows
    it cannot tell apart are equal in every column and either may be kept. A job passes only the
    columns it reads (:func:`scan_columns`), so copies that differ only in columns it never
    reads cannot change its outputs. Re-delivered copies differ in ``processed_at`` (and the
    hour they landed in), so the earliest delivery wins, as before pruning."""
    w = Window.partitionBy("event_id").orderBy(*_keep_order(df.columns))
    return df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")


DUPLICATE = "_duplicate"
#: The file an invalid row was read from (null for a valid row): see :func:`with_bad_file`.
BAD_FILE = "_bad_file"


def with_bad_file(df: DataFrame) -> DataFrame:
    """``df`` (a scan of lake files, before any shuffle) plus ``_bad_file``: the file of each
    row :func:`quarantine_reason` rejects, null for a valid row. Counted by file
    (:func:`class_counts`), it names the files the quarantine's full-row read needs, so a few
    bad rows cost a read of their files, not of the whole input."""
    return df.withColumn(BAD_FILE, F.when(quarantine_reason().isNotNull(), F.input_file_name()))


def classify(
    df: DataFrame, keep: Iterable[str] | None = None, partitions: int | None = None
) -> DataFrame:
    """``df`` plus ``quarantine_reason`` and ``_duplicate`` (a valid row repeating the
    ``event_id`` of the valid row :func:`dedupe` would keep). One shuffle by ``event_id`` gives
    every count and output, so callers prune ``df`` first (:func:`scan_columns`).

    With ``keep``, only those columns (plus ``event_id`` and ``processed_at``) go on past
    validation: the columns validation alone reads are dropped before the shuffle, and the
    copies of an event are told apart by what the caller keeps. ``partitions`` fixes the
    shuffle's width (:func:`common.lake.shuffle_partitions`): a persisted shuffle keeps the
    width it is given, adaptive execution does not coalesce it."""
    flagged = flag_invalid(df)
    columns = df.columns
    if keep is not None:
        wanted = set(keep) | {"event_id", DELIVERED_AT}
        columns = [c for c in df.columns if c in wanted]
        flagged = flagged.select(*columns, REASON)
    if partitions is not None:
        flagged = flagged.repartition(partitions, "event_id")  # the window needs no other
    # Valid rows first: a valid row's number is then its place among the valid copies only,
    # so an invalid copy never makes a valid row a duplicate, nor is one itself.
    bad = F.col(REASON).isNotNull()
    w = Window.partitionBy("event_id").orderBy(bad.asc(), *_keep_order(columns))
    return flagged.withColumn(DUPLICATE, ~bad & (F.row_number().over(w) > 1))


def quarantine_order(columns: Iterable[str]) -> list[Column]:
    """A total order of quarantined rows after ``event_id`` and reason (many rows share a
    missing id): delivery time, then every other column — so a file's row order, and its
    bytes, do not depend on the order the rows reached the writer."""
    others = [c for c in columns if c not in ("event_id", DELIVERED_AT, REASON)]
    return [F.col("event_id"), F.col(REASON)] + _keep_order(["event_id", DELIVERED_AT, *others])


def valid_unique(classified: DataFrame) -> DataFrame:
    """The rows every output is computed from: valid and not a duplicate (markers dropped)."""
    keep = F.col(REASON).isNull() & ~F.col(DUPLICATE)
    return classified.where(keep).drop(REASON, DUPLICATE)


def class_counts(classified: DataFrame, **by: Column) -> dict[tuple, int]:
    """Rows per ``(invalid?, duplicate?, *by)`` in one action — on a persisted classified
    frame, the action that performs the input's single scan and fills the cache."""
    keys = [F.col(REASON).isNotNull().alias("bad"), F.col(DUPLICATE).alias("dup")]
    keys += [col.alias(name) for name, col in by.items()]
    rows = classified.groupBy(*keys).agg(F.count(F.lit(1)).alias("_n")).collect()
    return {tuple(r)[:-1]: r["_n"] for r in rows}
