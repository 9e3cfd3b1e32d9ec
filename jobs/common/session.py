"""The one SparkSession builder every job uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyspark import SparkConf
from pyspark.sql import SparkSession

#: Static settings (apply when the context starts); a value given to spark-submit --conf wins.
STATIC_CONF = {
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    # Job output is the summary line on stdout; progress bars would garble logs on stderr.
    "spark.ui.showConsoleProgress": "false",
}

#: Session settings, (re)applied even when a session already exists (tests share one).
SESSION_CONF = {
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.adaptive.skewJoin.enabled": "true",
    # Re-runs replace only the partitions they write (a plain `overwrite` would wipe the rest).
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.session.timeZone": "UTC",
    # Keep partition values as written ("01"): zero-padded strings compare and prune correctly.
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    # Parquet logical timestamps (UTC), not legacy INT96 — what pyarrow/Athena/Glue expect.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # A job persists one narrow frame for its own lifetime: compressing the cached columns
    # costs more CPU (a third of the stage that fills the cache) than the memory it saves.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}


def build_spark(app_name: str, conf: dict[str, str] | None = None) -> SparkSession:
    """Return the session for ``app_name`` with the house defaults (AQE, Kryo, dynamic
    partition overwrite, UTC). Outside spark-submit (plain ``python``) it runs ``local[*]``."""
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name)
    if not submitted.contains("spark.master"):
        builder = builder.master("local[*]")
    for key, value in STATIC_CONF.items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in {**SESSION_CONF, **(conf or {})}.items():
        spark.conf.set(key, value)
    return spark


@contextmanager
def session_conf(spark: SparkSession, conf: dict[str, str]) -> Iterator[None]:
    """Apply the session settings ``conf`` for the ``with`` block, then put back what was
    there before (a key that was unset is unset again)."""
    saved = {key: spark.conf.get(key, None) for key in conf}
    try:
        for key, value in conf.items():
            spark.conf.set(key, value)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def fixed_shuffle_width(width: int) -> dict[str, str]:
    """Settings for a query whose every shuffle is ``width`` wide, planned once, with adaptive
    execution off: for a job that sizes its shuffles from its input before it plans, has no
    join to re-plan, and runs so briefly that adaptive execution's re-planning after each stage
    (a job, and an optimiser pass, per shuffle) costs more than it can save."""
    return {"spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": str(width)}
