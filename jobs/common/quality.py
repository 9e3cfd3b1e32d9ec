"""Row validation (quarantine reasons) and de-duplication of schema-v1 events."""

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from common.schema import LOG_TYPES

REASON = "quarantine_reason"


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


def _keep_order(columns: list[str]) -> list[Column]:
    """Which of several rows of one ``event_id`` is kept: earliest ``processed_at``, then the
    smallest values of the other columns — deterministic, so re-runs give identical output."""
    others = [c for c in columns if c != "event_id"]
    return [F.col("processed_at").asc_nulls_last()] + [F.col(c).asc_nulls_last() for c in others]


def dedupe(df: DataFrame) -> DataFrame:
    """One row per ``event_id`` (Firehose delivers at least once), chosen by :func:`_keep_order`."""
    w = Window.partitionBy("event_id").orderBy(*_keep_order(df.columns))
    return df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")


DUPLICATE = "_duplicate"


def classify(df: DataFrame) -> DataFrame:
    """``df`` plus ``quarantine_reason`` and ``_duplicate`` (a valid row repeating the
    ``event_id`` of the valid row :func:`dedupe` would keep). Computing both in the input's
    single scan lets every output filter instead of de-duplicating again."""
    valid = F.col(REASON).isNull()
    w = Window.partitionBy("event_id", valid).orderBy(*_keep_order(df.columns))
    return flag_invalid(df).withColumn(DUPLICATE, valid & (F.row_number().over(w) > 1))


def valid_unique(classified: DataFrame) -> DataFrame:
    """The rows every output is computed from: valid and not a duplicate (markers dropped)."""
    keep = F.col(REASON).isNull() & ~F.col(DUPLICATE)
    return classified.where(keep).drop(REASON, DUPLICATE)


def class_counts(classified: DataFrame, **by: Column) -> dict[tuple, int]:
    """Rows per ``(invalid?, duplicate?, *by)`` in one action — on a cached classified frame,
    the action that performs the input's single scan."""
    keys = [F.col(REASON).isNotNull().alias("bad"), F.col(DUPLICATE).alias("dup")]
    keys += [col.alias(name) for name, col in by.items()]
    rows = classified.groupBy(*keys).agg(F.count(F.lit(1)).alias("_n")).collect()
    return {tuple(r)[:-1]: r["_n"] for r in rows}
