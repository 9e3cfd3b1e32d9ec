"""Batch processing: daily user activity and monthly category summaries from schema-v1 events.

Reads   <input>/year=YYYY/month=MM/day=DD/hour=HH/*.parquet (the lake's streaming-data/).
Writes  <output>/daily-activity/   year=/month=/day=  user_id, event_type, event_count,
                                   total_value, avg_value (view/click/purchase events with a user)
        <output>/monthly-summary/  year=/month=       category, unique_users, total_events,
                                   purchases, total_revenue, avg_order_value
        <output>/_quarantine/      year=/month=/day=  rejected rows + quarantine_reason
Args    --input URI --output URI [--from-day YYYY-MM-DD --to-day YYYY-MM-DD]
        With a day range only the daily partitions in range are rewritten, and the monthly
        partitions of the months it touches are recomputed from those months' full input.
Dates are the lake partition's (UTC hour the event landed in), so a ranged re-run is exact.
Duplicate event_ids (at-least-once delivery) count once.

Example:
  spark-submit --py-files common.zip batch_processing.py \\
    --input s3://lake/streaming-data/ --output s3://lake/processed-data/batch-processing/ \\
    --from-day 2026-01-31 --to-day 2026-01-31
"""

from __future__ import annotations

import argparse
import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.cli import UsageError, day_arg, run_main
from common.lake import (
    Output,
    PartitionRange,
    list_lake_files,
    needed_files,
    read_events,
    read_lake_files,
    shuffle_partitions,
    write_all,
)
from common.quality import (
    BAD_FILE,
    REASON,
    class_counts,
    classify,
    flag_invalid,
    quarantine_order,
    scan_columns,
    valid_unique,
    with_bad_file,
)
from common.session import build_spark
from common.summary import JobMetrics, emit

JOB = "batch-processing"
ACTIVITY_EVENT_TYPES = ("view", "click", "purchase")
DAY_COLS = ["year", "month", "day"]
MONTH_COLS = ["year", "month"]
#: The columns daily_activity and monthly_summary read (the scan adds what validation needs).
NEEDED = ["event_type", "user_id", "category", "value", *DAY_COLS]


def daily_activity(events: DataFrame) -> DataFrame:
    """Per user, day and event type (view/click/purchase events that have a user)."""
    return (
        events.where(F.col("event_type").isin(*ACTIVITY_EVENT_TYPES) & F.col("user_id").isNotNull())
        .groupBy(*DAY_COLS, "user_id", "event_type")
        .agg(
            F.count(F.lit(1)).alias("event_count"),
            F.sum("value").alias("total_value"),
            F.avg("value").alias("avg_value"),
        )
        .select(
            "user_id",
            "event_type",
            "event_count",
            "total_value",
            "avg_value",
            *DAY_COLS,
        )
    )


def monthly_summary(events: DataFrame) -> DataFrame:
    """Per month and category; revenue is the sum of ``value`` over purchases."""
    is_purchase = F.col("event_type") == "purchase"
    agg = events.groupBy(*MONTH_COLS, "category").agg(
        F.countDistinct("user_id").alias("unique_users"),
        F.count(F.lit(1)).alias("total_events"),
        F.sum(F.when(is_purchase, 1).otherwise(0)).cast("long").alias("purchases"),
        F.coalesce(F.sum(F.when(is_purchase, F.col("value"))), F.lit(0.0)).alias("total_revenue"),
    )
    return agg.select(
        "category",
        "unique_users",
        "total_events",
        "purchases",
        "total_revenue",
        F.when(F.col("purchases") > 0, F.col("total_revenue") / F.col("purchases")).alias(
            "avg_order_value"
        ),
        *MONTH_COLS,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="batch_processing.py", description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="lake events root (year=/month=/day=/hour=)")
    parser.add_argument("--output", required=True, help="output root")
    parser.add_argument("--from-day", type=day_arg, help="first day to rewrite, YYYY-MM-DD")
    parser.add_argument("--to-day", type=day_arg, help="last day to rewrite, YYYY-MM-DD")
    return parser.parse_args(argv)


def _ranges(
    args: argparse.Namespace,
) -> tuple[PartitionRange | None, PartitionRange | None]:
    """(days to rewrite, months to read) — both None for a full run."""
    if args.from_day is None and args.to_day is None:
        return None, None
    start: dt.date = args.from_day or args.to_day
    end: dt.date = args.to_day or args.from_day
    if end < start:
        raise UsageError(f"--to-day {end} is before --from-day {start}")
    days = PartitionRange(start.isoformat(), end.isoformat())
    months = PartitionRange(f"{start:%Y-%m}-01", f"{end:%Y-%m}-31")
    return days, months


def _calendar_days(args: argparse.Namespace):
    start: dt.date = args.from_day or args.to_day
    end: dt.date = args.to_day or args.from_day
    for i in range((end - start).days + 1):
        d = start + dt.timedelta(days=i)
        yield (f"{d:%Y}", f"{d:%m}", f"{d:%d}")


def _month_dirs(args: argparse.Namespace) -> list[str]:
    """``year=YYYY/month=MM`` of every month the day range touches, in order."""
    return sorted({f"year={y}/month={m}" for y, m, _ in _calendar_days(args)})


def run(spark, args: argparse.Namespace) -> dict[str, object]:
    metrics = JobMetrics(JOB)
    days, months = _ranges(args)
    out = args.output.rstrip("/")
    # A ranged run lists and reads only its months' directories, however long the lake's
    # history; a file outside them cannot be needed.
    subdirs = None if days is None else _month_dirs(args)
    files = needed_files(list_lake_files(spark, args.input, subdirs), months)
    files_bytes = sum(f.size for f in files)

    # One scan of the columns the outputs need, one shuffle by event_id (validation and
    # de-duplication), kept for every output and count below.
    raw = read_events(spark, args.input, months, subdirs=subdirs, files=files)
    width = shuffle_partitions(spark, files_bytes)
    scan = with_bad_file(raw.select(*scan_columns(NEEDED)))
    flagged = classify(scan, [*NEEDED, BAD_FILE], width).persist()
    in_days = F.lit(True) if days is None else days.column()
    counts = class_counts(flagged, in_days=in_days, file=F.col(BAD_FILE))
    rows_in = sum(counts.values())
    quarantined = sum(n for (bad, _, in_d, _), n in counts.items() if bad and in_d)
    duplicates = sum(n for (_, dup, _, _), n in counts.items() if dup)
    bad_files = {f for (bad, _, in_d, f) in counts if bad and in_d}

    # Partitions this run owns: every day (month) of the range, even one whose input is gone;
    # a full run owns the days (months) present in the input.
    if days is None:
        day_parts = {tuple(f.partition[c] for c in DAY_COLS) for f in files}
    else:
        day_parts = set(_calendar_days(args))
    month_parts = {d[:2] for d in day_parts} | {
        tuple(f.partition[c] for c in MONTH_COLS) for f in files
    }

    # Quarantined rows keep every column: a second scan of the full rows, of only the files
    # that hold them when they are few (none when the counts above found none).
    rejected = F.col(REASON).isNotNull() & in_days
    bad_rows = read_lake_files(spark, args.input, bad_files, raw, len(files))
    bad = flag_invalid(bad_rows).where(rejected).drop("hour")
    good = valid_unique(flagged).drop(BAD_FILE)
    written = write_all(
        {
            "_quarantine": Output(bad, f"{out}/_quarantine", DAY_COLS, day_parts,
                                  quarantine_order(bad.columns)),
            "daily-activity": Output(daily_activity(good.where(in_days)),
                                     f"{out}/daily-activity", DAY_COLS, day_parts,
                                     ["user_id", "event_type"]),
            "monthly-summary": Output(monthly_summary(good), f"{out}/monthly-summary",
                                      MONTH_COLS, month_parts, ["category"]),
        }
    )  # fmt: skip
    flagged.unpersist()
    n_daily, n_monthly = written["daily-activity"], written["monthly-summary"]
    return metrics.summary(
        rows_in=rows_in,
        rows_out=n_daily + n_monthly,
        rows_quarantined=quarantined,
        input_files_bytes=files_bytes,
        outputs={"daily-activity": n_daily, "monthly-summary": n_monthly},
        duplicates_dropped=duplicates,
        range=None if days is None else {"from": days.start, "to": days.end},
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_main(JOB, lambda: emit(run(build_spark(JOB), args)))


if __name__ == "__main__":
    raise SystemExit(main())
