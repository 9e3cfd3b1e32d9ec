"""The course's streaming processor, ported for the Spark jobs benchmark
(bench/spark_jobs_bench.py).

Source: github.com/Finfra/awsPipe,
part2.streaming-processing/2.2.realtime-data-collection/2.2.5.src/streaming_processor.py at
commit e015e8fc15bde2e2b0b3a179dee8a87f90895693. Same reads, counts, aggregates, writes and
prints in the same order; only the style changed (``F.`` instead of ``import *``, English
messages, the unused boto3 import dropped). Run, as the course's trigger runs it, on one landed
hour: ``<input>`` is that hour's directory of the lake, whose files hold every column it reads.
It validates and de-duplicates nothing: a baseline, not a reference.

Usage: spark-submit streaming_processor.py <input_path> <output_path>
"""

import sys
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def create_spark_session():
    return (
        SparkSession.builder.appName("StreamingDataProcessor")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.hadoop.fs.s3a.multipart.size", "134217728")
        .config("spark.sql.parquet.compression.codec", "snappy")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .getOrCreate()
    )


def process_log_data(spark, input_path, output_path):
    print(f"Reading data from: {input_path}")
    df = spark.read.parquet(input_path)
    print(f"Input data count: {df.count()}")
    df.printSchema()

    log_stats = df.groupBy("log_type").agg(
        F.count("*").alias("total_events"),
        F.countDistinct("ip_address").alias("unique_ips"),
        F.avg("response_size").alias("avg_response_size"),
        F.max(F.col("timestamp")).alias("latest_timestamp"),
        F.min(F.col("timestamp")).alias("earliest_timestamp"),
    )
    hourly_stats = (
        df.withColumn("hour", F.date_format(F.col("timestamp"), "yyyy-MM-dd HH:00:00"))
        .groupBy("hour", "log_type")
        .agg(
            F.count("*").alias("events_per_hour"),
            F.countDistinct("ip_address").alias("unique_ips_per_hour"),
            F.avg("response_size").alias("avg_response_size_per_hour"),
        )
        .orderBy("hour", "log_type")
    )
    status_stats = (
        df.filter(F.col("status_code").isNotNull())
        .groupBy("status_code")
        .agg(
            F.count("*").alias("status_count"),
            (F.count("*") * 100.0 / df.count()).alias("status_percentage"),
        )
        .orderBy("status_code")
    )
    top_ips = (
        df.groupBy("ip_address")
        .agg(F.count("*").alias("request_count"))
        .orderBy(F.desc("request_count"))
        .limit(100)
    )

    print(f"Saving results to: {output_path}")
    log_stats.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/log_statistics")
    hourly_stats.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/hourly_statistics")
    status_stats.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/status_statistics")
    top_ips.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/top_ips")

    print("=== summary ===")
    print(f"records: {df.count():,}")
    log_stats.show()
    hourly_stats.show(5)
    status_stats.show()
    return {
        "total_records": df.count(),
        "processing_timestamp": datetime.utcnow().isoformat(),
        "output_path": output_path,
    }


def process_application_logs(spark, input_path, output_path):
    print(f"Processing application logs from: {input_path}")
    df = spark.read.parquet(input_path)
    app_logs = df.filter(F.col("log_type") == "application")
    if app_logs.count() == 0:
        print("No application logs found")
        return

    log_level_stats = (
        app_logs.groupBy("level")
        .agg(
            F.count("*").alias("count"),
            F.countDistinct("logger").alias("unique_loggers"),
            F.countDistinct("user_id").alias("unique_users"),
        )
        .orderBy("level")
    )
    error_logs = (
        app_logs.filter(F.col("level").isin(["ERROR", "WARN"]))
        .groupBy("logger", "level")
        .agg(
            F.count("*").alias("error_count"),
            F.collect_set("message").alias("error_messages"),
        )
        .orderBy(F.desc("error_count"))
    )
    user_activity = (
        app_logs.filter(F.col("user_id").isNotNull())
        .groupBy("user_id")
        .agg(
            F.count("*").alias("activity_count"),
            F.countDistinct("logger").alias("modules_used"),
            F.max("timestamp").alias("last_activity"),
        )
        .orderBy(F.desc("activity_count"))
        .limit(50)
    )

    log_level_stats.coalesce(1).write.mode("overwrite").parquet(
        f"{output_path}/log_level_statistics"
    )
    error_logs.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/error_analysis")
    user_activity.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/user_activity")
    print("application logs done")
    log_level_stats.show()


def main():
    if len(sys.argv) != 3:
        print("Usage: spark-submit streaming_processor.py <input_s3_path> <output_s3_path>")
        sys.exit(1)
    input_path, output_path = sys.argv[1], sys.argv[2]
    spark = create_spark_session()
    try:
        result = process_log_data(spark, input_path, output_path)
        process_application_logs(spark, input_path, f"{output_path}/application_analysis")
        metadata_df = spark.createDataFrame([result])
        metadata_df.coalesce(1).write.mode("overwrite").parquet(
            f"{output_path}/processing_metadata"
        )
        print("all done")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
