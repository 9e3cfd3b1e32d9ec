"""The course's batch job, ported for the Spark jobs benchmark (bench/spark_jobs_bench.py).

Source: github.com/Finfra/awsPipe, part1.storage-batch/1.3.emr-spark/1.3.4.src/batch-processing.py
at commit e015e8fc15bde2e2b0b3a179dee8a87f90895693. Same reads, actions, aggregates and writes
in the same order; only the style changed (``F.`` instead of ``import *``, English messages).
The lake's layout (year=/month=/day=/hour= Parquet) is what the course reads already, so no
column needed adapting. It validates and de-duplicates nothing: a baseline, not a reference.
"""

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def create_spark_session(app_name="BasicDataProcessing"):
    return (
        SparkSession.builder.appName(app_name)
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .getOrCreate()
    )


def process_event_data(spark, input_path, output_path):
    print(f"reading: {input_path}")
    df = spark.read.option("mergeSchema", "false").parquet(input_path)
    print(f"read: {df.count():,} records")

    df.printSchema()
    print("sample:")
    df.show(5)

    # Daily activity per user.
    daily_user_activity = (
        df.filter(F.col("event_type").isin(["click", "view", "purchase"]))
        .groupBy("user_id", "year", "month", "day", "event_type")
        .agg(
            F.count("*").alias("event_count"),
            F.sum("value").alias("total_value"),
            F.avg("value").alias("avg_value"),
        )
        .orderBy("year", "month", "day", "user_id")
    )

    # Monthly summary.
    monthly_summary = (
        df.groupBy("year", "month", "category")
        .agg(
            F.countDistinct("user_id").alias("unique_users"),
            F.count("*").alias("total_events"),
            F.sum("value").alias("total_revenue"),
            F.avg("value").alias("avg_order_value"),
        )
        .orderBy("year", "month")
    )

    print("daily user activity:")
    daily_user_activity.show(10)
    print("monthly summary:")
    monthly_summary.show()

    print(f"writing: {output_path}")
    (
        daily_user_activity.coalesce(4)
        .write.mode("overwrite")
        .partitionBy("year", "month")
        .parquet(f"{output_path}/daily-activity/")
    )
    monthly_summary.coalesce(1).write.mode("overwrite").parquet(f"{output_path}/monthly-summary/")
    print("done")
    return daily_user_activity, monthly_summary


def analyze_performance_metrics(spark, df):
    print("\n=== performance metrics ===")
    print(f"partitions: {df.rdd.getNumPartitions()}")
    print("per month:")
    df.groupBy("year", "month").count().orderBy("year", "month").show()
    print("per category:")
    df.groupBy("category").count().show()
    print("per event type:")
    df.groupBy("event_type").count().show()


def main():
    parser = argparse.ArgumentParser(description="the course's batch job")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--app-name", default="BasicDataProcessing")
    args = parser.parse_args()

    spark = create_spark_session(args.app_name)
    try:
        process_event_data(spark, args.input, args.output)
        analyze_performance_metrics(spark, spark.read.parquet(args.input))
        print(f"\ndone: {args.output}")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
