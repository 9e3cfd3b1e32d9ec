"""Streaming processor: statistics of one landed hour of schema-v1 events.

Reads   <input>/year=YYYY/month=MM/day=DD/hour=HH/*.parquet — that hour only.
Writes  (each partitioned by year=/month=/day=/hour=, so a re-run replaces exactly that hour)
        <output>/log-statistics/        log_type, event_count, unique_users, unique_sessions,
                                        unique_ips
        <output>/hourly-statistics/     log_type, event_type, event_count, unique_users,
                                        total_value, avg_value, avg_response_size
        <output>/status-statistics/     status_code, status_category, request_count, percentage
        <output>/top-ips/               rank, ip_address, request_count, unique_users,
                                        error_count (top 100 by requests, ties by address)
        <output>/application-analysis/level-statistics/  level, log_count, percentage
        <output>/application-analysis/error-analysis/    logger, error_count, distinct_messages,
                                                         sample_message
        <output>/application-analysis/user-activity/     user_id, log_count, error_count
        <output>/processing-metadata/   partition, rows_in, rows_valid, rows_quarantined,
                                        duplicates_dropped, job
        <output>/_quarantine/           rejected rows + quarantine_reason
Args    --input URI --output URI --partition year=YYYY/month=MM/day=DD/hour=HH
An hour without some log type (e.g. only IoT events) yields empty outputs for it, not an error.

Example (what the S3 trigger submits as an EMR step):
  spark-submit --py-files common.zip streaming_processor.py \\
    --input s3://lake/streaming-data/ --output s3://lake/processed-data/streaming-processor/ \\
    --partition year=2026/month=01/day=31/hour=23
"""

from __future__ import annotations

import argparse

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

from common.cli import partition_arg, run_main
from common.lake import (
    LakeFile,
    Output,
    list_lake_files,
    local_frame,
    read_events,
    shuffle_partitions,
    write_all,
)
from common.quality import (
    REASON,
    class_counts,
    classify,
    flag_invalid,
    quarantine_order,
    scan_columns,
    valid_unique,
)
from common.schema import PARTITION_KEYS, STATUS_CLASSES, UNKNOWN_STATUS
from common.session import build_spark, fixed_shuffle_width, session_conf
from common.summary import JobMetrics, emit

JOB = "streaming-processor"
TOP_IPS = 100
ERROR_LEVELS = ("ERROR", "FATAL", "CRITICAL")
HOUR = list(PARTITION_KEYS)
#: The columns the outputs read (the scan adds what validation needs).
NEEDED = [
    "log_type",
    "event_type",
    "user_id",
    "session_id",
    "value",
    "ip_address",
    "status_code",
    "response_size",
    "level",
    "logger",
    "message",
]

#: The processing-metadata row (its partition columns are added when it is written).
METADATA_SCHEMA = StructType(
    [StructField("partition", StringType())]
    + [
        StructField(c, LongType())
        for c in ("rows_in", "rows_valid", "rows_quarantined", "duplicates_dropped")
    ]
    + [StructField("job", StringType())]
)


def _whole_hour() -> Window:
    """A window over all the rows of a frame of one hour (the frames below hold one hour and no
    partition columns). Its one key is a literal: Spark moves every row to one partition, as
    with no key, but does not log a warning that it does."""
    return Window.partitionBy(F.lit(0))


def _pct(count: str):
    w = _whole_hour()
    return F.round(F.col(count) * 100.0 / F.sum(count).over(w), 2)


def log_statistics(events: DataFrame) -> DataFrame:
    return events.groupBy("log_type").agg(
        F.count(F.lit(1)).alias("event_count"),
        F.countDistinct("user_id").alias("unique_users"),
        F.countDistinct("session_id").alias("unique_sessions"),
        F.countDistinct("ip_address").alias("unique_ips"),
    )


def hourly_statistics(events: DataFrame) -> DataFrame:
    return events.groupBy("log_type", "event_type").agg(
        F.count(F.lit(1)).alias("event_count"),
        F.countDistinct("user_id").alias("unique_users"),
        F.sum("value").alias("total_value"),
        F.avg("value").alias("avg_value"),
        F.avg("response_size").alias("avg_response_size"),
    )


def status_category(code) -> F.Column:
    """The transform Lambda's classes (``common.schema.STATUS_CLASSES``) as a Spark expression,
    so a row lacking ``status_category`` is classed the same way."""
    (lo, hi, name), *rest = STATUS_CLASSES
    expr = F.when(code.between(lo, hi), name)
    for lo, hi, name in rest:
        expr = expr.when(code.between(lo, hi), name)
    return expr.otherwise(UNKNOWN_STATUS)


def status_statistics(events: DataFrame) -> DataFrame:
    """Web requests per status code; percentage of the hour's web requests with a status."""
    web = events.where((F.col("log_type") == "web_access") & F.col("status_code").isNotNull())
    counts = web.groupBy("status_code").agg(
        F.count(F.lit(1)).alias("request_count"),
    )
    return counts.select(
        "status_code",
        status_category(F.col("status_code")).alias("status_category"),
        "request_count",
        _pct("request_count").alias("percentage"),
    )


def top_ips(events: DataFrame, n: int = TOP_IPS) -> DataFrame:
    web = events.where((F.col("log_type") == "web_access") & F.col("ip_address").isNotNull())
    per_ip = web.groupBy("ip_address").agg(
        F.count(F.lit(1)).alias("request_count"),
        F.countDistinct("user_id").alias("unique_users"),
        F.sum(F.when(F.col("status_code") >= 400, 1).otherwise(0))
        .cast("long")
        .alias("error_count"),
    )
    w = _whole_hour().orderBy(F.desc("request_count"), F.asc("ip_address"))
    ranked = per_ip.withColumn("rank", F.row_number().over(w)).where(F.col("rank") <= n)
    return ranked.select("rank", "ip_address", "request_count", "unique_users", "error_count")


def _app(events: DataFrame) -> DataFrame:
    return events.where(F.col("log_type") == "application")


def _is_error():
    return F.upper(F.col("level")).isin(*ERROR_LEVELS)


def level_statistics(events: DataFrame) -> DataFrame:
    counts = (
        _app(events)
        .withColumn("level", F.coalesce(F.upper("level"), F.lit("UNKNOWN")))
        .groupBy("level")
        .agg(F.count(F.lit(1)).alias("log_count"))
    )
    return counts.select("level", "log_count", _pct("log_count").alias("percentage"))


def error_analysis(events: DataFrame) -> DataFrame:
    return (
        _app(events)
        .where(_is_error())
        .withColumn("logger", F.coalesce("logger", F.lit("unknown")))
        .groupBy("logger")
        .agg(
            F.count(F.lit(1)).alias("error_count"),
            F.countDistinct("message").alias("distinct_messages"),
            F.min("message").alias("sample_message"),
        )
    )


def user_activity(events: DataFrame) -> DataFrame:
    return (
        _app(events)
        .where(F.col("user_id").isNotNull())
        .groupBy("user_id")
        .agg(
            F.count(F.lit(1)).alias("log_count"),
            F.sum(F.when(_is_error(), 1).otherwise(0)).cast("long").alias("error_count"),
        )
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="streaming_processor.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--input", required=True, help="lake events root (year=/month=/day=/hour=)")
    parser.add_argument("--output", required=True, help="output root")
    parser.add_argument(
        "--partition",
        required=True,
        type=partition_arg,
        help="the hour to process: year=YYYY/month=MM/day=DD/hour=HH",
    )
    return parser.parse_args(argv)


def run(spark: SparkSession, args: argparse.Namespace) -> dict[str, object]:
    metrics = JobMetrics(JOB)
    part: dict[str, str] = args.partition
    sub = "/".join(f"{k}={part[k]}" for k in HOUR)
    root = args.input.rstrip("/")
    out = args.output.rstrip("/")
    # List and read only the hour's directory: nothing else is even listed.
    files = list_lake_files(spark, root, [sub])
    files_bytes = sum(f.size for f in files)

    # Every shuffle is as wide as the one by event_id, planned once: see fixed_shuffle_width.
    width = shuffle_partitions(spark, files_bytes)
    with session_conf(spark, fixed_shuffle_width(width)):
        written, counts = _process(spark, root, out, part, files, width)
    rows_in, quarantined, duplicates = _tally(counts)
    return metrics.summary(
        rows_in=rows_in,
        rows_out=sum(written.values()),
        rows_quarantined=quarantined,
        input_files_bytes=files_bytes,
        outputs=written,
        duplicates_dropped=duplicates,
        partition=sub,
    )


def _tally(counts: dict[tuple, int]) -> tuple[int, int, int]:
    """(rows in, quarantined, duplicates) from :func:`class_counts` by (invalid?, duplicate?)."""
    quarantined = sum(n for (bad, _), n in counts.items() if bad)
    duplicates = sum(n for (_, dup), n in counts.items() if dup)
    return sum(counts.values()), quarantined, duplicates


def _process(
    spark: SparkSession,
    root: str,
    out: str,
    part: dict[str, str],
    files: list[LakeFile],
    width: int,
) -> tuple[dict[str, int], dict[tuple, int]]:
    """The hour's outputs from its ``files``: (rows written per output, :func:`class_counts`)."""
    sub = "/".join(f"{k}={part[k]}" for k in HOUR)
    # One scan of the columns the outputs need, one shuffle by event_id (validation and
    # de-duplication), kept for every output and count below. Only the hour's directory is
    # read, so its partition columns are the same on every row: they are neither read nor
    # shuffled, sorted, cached or grouped by, but added to each output as it is written.
    raw = read_events(spark, root, subdirs=[sub], files=files)
    flagged = classify(raw.select(*scan_columns(NEEDED)), NEEDED, width).persist()
    counts = class_counts(flagged)
    rows_in, quarantined, duplicates = _tally(counts)
    rows_valid = rows_in - quarantined - duplicates
    good = valid_unique(flagged)

    owned = [tuple(part[k] for k in HOUR)]
    outputs = {
        "log-statistics": (log_statistics(good), ["log_type"]),
        "hourly-statistics": (hourly_statistics(good), ["log_type", "event_type"]),
        "status-statistics": (status_statistics(good), ["status_code"]),
        "top-ips": (top_ips(good), ["rank"]),
        "application-analysis/level-statistics": (level_statistics(good), ["level"]),
        "application-analysis/error-analysis": (error_analysis(good), ["logger"]),
        "application-analysis/user-activity": (user_activity(good), ["user_id"]),
    }
    writes = {
        name: Output(
            df.select("*", *(F.lit(part[k]).alias(k) for k in HOUR)),
            f"{out}/{name}",
            HOUR,
            owned,
            sort_cols,
        )
        for name, (df, sort_cols) in outputs.items()
    }
    # Quarantined rows keep every column: a second, filtered scan of the hour's full rows,
    # skipped when the counts above found none.
    rejected = F.col(REASON).isNotNull() if quarantined else F.lit(False)
    bad = flag_invalid(raw).where(rejected)
    quarantine = Output(bad, f"{out}/_quarantine", HOUR, owned, quarantine_order(bad.columns))
    meta = local_frame(
        spark, [(sub, rows_in, rows_valid, quarantined, duplicates, JOB)], METADATA_SCHEMA
    ).select("*", *(F.lit(part[k]).alias(k) for k in HOUR))
    metadata = Output(meta, f"{out}/processing-metadata", HOUR, owned, [])
    written = write_all({**writes, "_quarantine": quarantine, "processing-metadata": metadata})
    flagged.unpersist()
    del written["_quarantine"], written["processing-metadata"]
    return written, counts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_main(JOB, lambda: emit(run(build_spark(JOB), args)))


if __name__ == "__main__":
    raise SystemExit(main())
