"""Optimisation job: user behaviour, daily trends, a category × event-type cube and category
performance — built from one scan of the input — plus an optional naive-vs-optimised timing.

Reads   <input>/year=YYYY/month=MM/day=DD/hour=HH/*.parquet (all of it).
Writes  <output>/user-behavior/         user_id, distinct_event_types, total_events,
                                        lifetime_value, primary_category, last_activity
                                        (users with ≥ 5 events; primary category = most events,
                                        ties broken alphabetically)
        <output>/daily-trends/          year=/month=  date, day, category, events, revenue,
                                        active_users, events_7d_avg, revenue_7d_avg,
                                        active_users_7d_avg (mean over the days with data in
                                        the 7 calendar days ending on `date`)
        <output>/multi-dimensional/     category, event_type (null = all), grouping_id, events,
                                        revenue, unique_users
        <output>/category-performance/  category, department, events, views, purchases,
                                        revenue, unique_users, conversion_rate (broadcast join
                                        with the small category dimension below)
        <output>/_quarantine/           year=/month=/day=  rejected rows + quarantine_reason
Args    --input URI --output URI [--performance-test]
        --performance-test also runs the same four aggregations naive (re-read per output, no
        AQE, no broadcast) and optimised (one scan, AQE, broadcast), timing executed actions
        (a `noop` write forces full execution), and prints both timings and the optimised
        physical plan before the summary line.

Example:
  spark-submit --py-files common.zip optimization.py \\
    --input s3://lake/streaming-data/ --output s3://lake/processed-data/optimization/
"""

from __future__ import annotations

import argparse
import time

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from common.cli import run_main
from common.lake import (
    Output,
    list_lake_files,
    local_frame,
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
    dedupe,
    flag_invalid,
    quarantine_order,
    scan_columns,
    valid_unique,
    with_bad_file,
)
from common.session import build_spark, session_conf
from common.summary import JobMetrics, emit

JOB = "optimization"
MIN_USER_EVENTS = 5
DAY_COLS = ["year", "month", "day"]
#: The columns the four outputs read (the scan adds what validation needs).
NEEDED = ["timestamp", "event_type", "user_id", "category", "value", *DAY_COLS]

#: The small category dimension (category -> department); broadcast to every task.
CATEGORY_DIMENSION = [
    ("electronics", "Technology"),
    ("clothing", "Fashion"),
    ("beauty", "Fashion"),
    ("books", "Media"),
    ("toys", "Media"),
    ("home", "Home & Living"),
    ("food", "Home & Living"),
    ("sports", "Outdoor"),
]
DIMENSION_SCHEMA = StructType(
    [StructField("category", StringType()), StructField("department", StringType())]
)
UNASSIGNED = "Unassigned"


def _purchase():
    return F.col("event_type") == "purchase"


def _revenue():
    """Sum of ``value`` over purchases (0.0 when there are none)."""
    return F.coalesce(F.sum(F.when(_purchase(), F.col("value"))), F.lit(0.0))


def user_behavior(events: DataFrame, min_events: int = MIN_USER_EVENTS) -> DataFrame:
    users = events.where(F.col("user_id").isNotNull())
    per_user = users.groupBy("user_id").agg(
        F.countDistinct("event_type").alias("distinct_event_types"),
        F.count(F.lit(1)).alias("total_events"),
        _revenue().alias("lifetime_value"),
        F.max("timestamp").alias("last_activity"),
    )
    by_cat = (
        users.where(F.col("category").isNotNull())
        .groupBy("user_id", "category")
        .agg(F.count(F.lit(1)).alias("n"))
    )
    w = Window.partitionBy("user_id").orderBy(F.desc("n"), F.asc("category"))
    primary = (
        by_cat.withColumn("r", F.row_number().over(w))
        .where("r = 1")
        .select("user_id", F.col("category").alias("primary_category"))
    )
    return (
        per_user.where(F.col("total_events") >= min_events)
        .join(primary, "user_id", "left")
        .select(
            "user_id",
            "distinct_event_types",
            "total_events",
            "lifetime_value",
            "primary_category",
            "last_activity",
        )
    )


def daily_trends(events: DataFrame) -> DataFrame:
    daily = (
        events.where(F.col("category").isNotNull())
        .groupBy("year", "month", "day", "category")
        .agg(
            F.count(F.lit(1)).alias("events"),
            _revenue().alias("revenue"),
            F.countDistinct("user_id").alias("active_users"),
        )
        .withColumn("date", F.to_date(F.concat_ws("-", "year", "month", "day")))
    )
    w = (
        Window.partitionBy("category")
        .orderBy(F.unix_date("date"))
        .rangeBetween(-6, 0)  # the 7 calendar days ending on `date`, gaps not filled
    )
    return daily.select(
        "date",
        "day",
        "category",
        "events",
        "revenue",
        "active_users",
        F.avg("events").over(w).alias("events_7d_avg"),
        F.avg("revenue").over(w).alias("revenue_7d_avg"),
        F.avg("active_users").over(w).alias("active_users_7d_avg"),
        "year",
        "month",
    )


def multi_dimensional(events: DataFrame) -> DataFrame:
    return events.cube("category", "event_type").agg(
        F.grouping_id().alias("grouping_id"),
        F.count(F.lit(1)).alias("events"),
        _revenue().alias("revenue"),
        F.countDistinct("user_id").alias("unique_users"),
    )


def category_dimension(spark: SparkSession) -> DataFrame:
    return local_frame(spark, CATEGORY_DIMENSION, DIMENSION_SCHEMA)


def category_performance(events: DataFrame, dimension: DataFrame) -> DataFrame:
    per_cat = (
        events.where(F.col("category").isNotNull())
        .groupBy("category")
        .agg(
            F.count(F.lit(1)).alias("events"),
            F.sum(F.when(F.col("event_type") == "view", 1).otherwise(0))
            .cast("long")
            .alias("views"),
            F.sum(F.when(_purchase(), 1).otherwise(0)).cast("long").alias("purchases"),
            _revenue().alias("revenue"),
            F.countDistinct("user_id").alias("unique_users"),
        )
    )
    return per_cat.join(F.broadcast(dimension), "category", "left").select(
        "category",
        F.coalesce("department", F.lit(UNASSIGNED)).alias("department"),
        "events",
        "views",
        "purchases",
        "revenue",
        "unique_users",
        F.when(F.col("views") > 0, F.col("purchases") / F.col("views")).alias("conversion_rate"),
    )


def outputs(
    spark: SparkSession, good: DataFrame
) -> dict[str, tuple[DataFrame, list[str], list[str]]]:
    """name -> (DataFrame, partition columns, sort columns)."""
    return {
        "user-behavior": (user_behavior(good), [], ["user_id"]),
        "daily-trends": (daily_trends(good), ["year", "month"], ["date", "category"]),
        "multi-dimensional": (
            multi_dimensional(good),
            [],
            ["grouping_id", "category", "event_type"],
        ),
        "category-performance": (
            category_performance(good, category_dimension(spark)),
            [],
            ["category"],
        ),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="optimization.py", description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="lake events root (year=/month=/day=/hour=)")
    parser.add_argument("--output", required=True, help="output root")
    parser.add_argument(
        "--performance-test",
        action="store_true",
        help="also time the same work naive vs optimised and print the physical plan",
    )
    return parser.parse_args(argv)


def _naive_input(raw: DataFrame) -> DataFrame:
    """Valid, de-duplicated rows of every column, recomputed by each output that uses them."""
    return dedupe(raw.transform(flag_invalid).where(F.col(REASON).isNull()).drop(REASON))


def _flagged(raw: DataFrame, width: int) -> DataFrame:
    """The job's one scan: the columns the outputs need, validated and de-duplicated in one
    shuffle by event_id, persisted for every output and count."""
    scan = with_bad_file(raw.select(*scan_columns(NEEDED)))
    return classify(scan, [*NEEDED, BAD_FILE], width).persist()


def _good(flagged: DataFrame) -> DataFrame:
    return valid_unique(flagged).drop(BAD_FILE)


def performance_test(spark: SparkSession, root: str) -> dict[str, object]:
    """Run the four aggregations naive and optimised; time only executed actions."""

    def execute(frames: dict[str, tuple[DataFrame, list[str], list[str]]]) -> float:
        t0 = time.monotonic()
        for df, _, _ in frames.values():
            df.write.format("noop").mode("overwrite").save()
        return time.monotonic() - t0

    naive_conf = {
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.autoBroadcastJoinThreshold": "-1",
    }
    with session_conf(spark, naive_conf):
        naive_outputs = outputs(spark, _naive_input(read_events(spark, root)))
        naive = execute(naive_outputs)  # each output scans and de-duplicates the input again
    t0 = time.monotonic()
    files = list_lake_files(spark, root)
    raw = read_events(spark, root, files=files)
    flagged = _flagged(raw, shuffle_partitions(spark, sum(f.size for f in files)))
    class_counts(flagged, file=F.col(BAD_FILE))  # the scan, as the job performs it
    opt_outputs = outputs(spark, _good(flagged))
    optimised = execute(opt_outputs) + (time.monotonic() - t0)
    print(f"performance-test: naive {naive:.2f}s, optimised {optimised:.2f}s")
    print("optimised physical plan (category-performance):")
    opt_outputs["category-performance"][0].explain(mode="formatted")
    flagged.unpersist()
    return {
        "naive_seconds": round(naive, 3),
        "optimized_seconds": round(optimised, 3),
        "speedup": round(naive / optimised, 2) if optimised else None,
    }


def run(spark: SparkSession, args: argparse.Namespace) -> dict[str, object]:
    metrics = JobMetrics(JOB)
    root, out = args.input, args.output.rstrip("/")
    files = list_lake_files(spark, root)
    files_bytes = sum(f.size for f in files)
    raw = read_events(spark, root, files=files)
    flagged = _flagged(raw, shuffle_partitions(spark, files_bytes))
    counts = class_counts(flagged, file=F.col(BAD_FILE))
    rows_in = sum(counts.values())
    quarantined = sum(n for (bad, _, _), n in counts.items() if bad)
    duplicates = sum(n for (_, dup, _), n in counts.items() if dup)
    bad_files = {f for (bad, _, f) in counts if bad}
    days = {tuple(f.partition[c] for c in DAY_COLS) for f in files}
    # Quarantined rows keep every column: a second scan of the full rows, of only the files
    # that hold them when they are few (none when the counts above found none).
    bad = read_lake_files(spark, root, bad_files, raw, len(files))
    bad = flag_invalid(bad).where(F.col(REASON).isNotNull()).drop("hour")
    months = {d[:2] for d in days}
    writes = {"_quarantine": Output(bad, f"{out}/_quarantine", DAY_COLS, days,
                                    quarantine_order(bad.columns))}  # fmt: skip
    for name, (df, part_cols, sort_cols) in outputs(spark, _good(flagged)).items():
        owned = months if part_cols else []
        writes[name] = Output(df, f"{out}/{name}", part_cols, owned, sort_cols)
    written = write_all(writes)
    del written["_quarantine"]
    flagged.unpersist()
    summary = metrics.summary(
        rows_in=rows_in,
        rows_out=sum(written.values()),
        rows_quarantined=quarantined,
        input_files_bytes=files_bytes,
        outputs=written,
        duplicates_dropped=duplicates,
    )
    if args.performance_test:
        summary["performance_test"] = performance_test(spark, root)
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_main(JOB, lambda: emit(run(build_spark(JOB), args)))


if __name__ == "__main__":
    raise SystemExit(main())
