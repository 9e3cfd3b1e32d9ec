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


def dedupe(df: DataFrame) -> DataFrame:
    """One row per ``event_id`` (Firehose delivers at least once). The kept row is chosen
    deterministically — earliest ``processed_at``, then smallest values of the other columns —
    so re-runs produce identical output."""
    others = [c for c in df.columns if c != "event_id"]
    order = [F.col("processed_at").asc_nulls_last()] + [F.col(c).asc_nulls_last() for c in others]
    w = Window.partitionBy("event_id").orderBy(*order)
    return df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")


DUPLICATE = "_duplicate"


def classify(df: DataFrame) -> DataFrame:
    """``df`` plus ``quarantine_reason`` and ``_duplicate`` (a valid row repeating the
    ``event_id`` of the valid row :func:`dedupe` would keep). Computing both in the input's
    single scan lets every output filter instead of de-duplicating again."""
    flagged = flag_invalid(df)
    others = [c for c in df.columns if c != "event_id"]
    order = [F.col("processed_at").asc_nulls_last()] + [F.col(c).asc_nulls_last() for c in others]
    valid = F.col(REASON).isNull()
    w = Window.partitionBy("event_id", valid).orderBy(*order)
    return flagged.withColumn(DUPLICATE, valid & (F.row_number().over(w) > 1))
