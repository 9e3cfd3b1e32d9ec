"""Reading the lake (Hive partitions, pruning) and writing partitioned outputs re-run safely."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from common.schema import LAKE_SCHEMA, PARTITION_KEYS

_PART_RE = re.compile(r"(year|month|day|hour)=([^/]+)")


@dataclass(frozen=True)
class PartitionRange:
    """Inclusive range of lake partitions, as zero-padded ``YYYY-MM-DD[THH]`` strings.

    ``None`` bounds are open. ``level`` is "day" or "hour"."""

    start: str | None = None
    end: str | None = None
    level: str = "day"

    def key(self, values: dict[str, str]) -> str:
        """The comparable key of one partition (its year/month/day[/hour] values)."""
        k = f"{values['year']}-{values['month']}-{values['day']}"
        return f"{k}T{values['hour']}" if self.level == "hour" else k

    def contains(self, values: dict[str, str]) -> bool:
        k = self.key(values)
        return (self.start is None or k >= self.start) and (self.end is None or k <= self.end)

    def column(self) -> Column:
        """The same test as a Spark expression over partition columns only, so Spark prunes
        the directories it does not need instead of reading and filtering them."""
        k = F.concat_ws("-", "year", "month", "day")
        if self.level == "hour":
            k = F.concat(k, F.lit("T"), F.col("hour"))
        cond = F.lit(True)
        if self.start is not None:
            cond = cond & (k >= F.lit(self.start))
        if self.end is not None:
            cond = cond & (k <= F.lit(self.end))
        return cond


def parse_day(text: str) -> dt.date:
    """argparse type for ``YYYY-MM-DD``; raises ValueError with a one-line message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a day as YYYY-MM-DD, got {text!r}") from None


def parse_partition(text: str) -> dict[str, str]:
    """Parse ``year=YYYY/month=MM/day=DD/hour=HH`` (zero-padded) into its values."""
    m = re.fullmatch(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/?", text.strip())
    if not m:
        raise ValueError(
            f"expected --partition year=YYYY/month=MM/day=DD/hour=HH (zero-padded), got {text!r}"
        )
    values = dict(zip(PARTITION_KEYS, m.groups()))  # the pattern has one group per key
    try:
        dt.datetime(*(int(v) for v in m.groups()))
    except ValueError:
        raise ValueError(f"--partition names no real hour: {text!r}") from None
    return values


def _jvm_fs(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path


def path_exists(spark: SparkSession, uri: str) -> bool:
    fs, path = _jvm_fs(spark, uri)
    return bool(fs.exists(path))


def delete_path(spark: SparkSession, uri: str) -> None:
    fs, path = _jvm_fs(spark, uri)
    if fs.exists(path):
        fs.delete(path, True)


@dataclass(frozen=True)
class LakeFile:
    path: str
    size: int
    partition: dict[str, str]


def list_lake_files(spark: SparkSession, root: str) -> list[LakeFile]:
    """Data files under ``root`` with their partition values, via the Hadoop FileSystem (so it
    works for s3:// on EMR as well as local paths). Hidden files (``_``/``.``) are skipped as
    Spark skips them."""
    if not path_exists(spark, root):
        return []
    fs, path = _jvm_fs(spark, root)
    out: list[LakeFile] = []
    it = fs.listFiles(path, True)
    root_str = fs.makeQualified(path).toString().rstrip("/")
    while it.hasNext():
        status = it.next()
        p = status.getPath().toString()
        rel = p[len(root_str) :]
        if any(seg.startswith(("_", ".")) for seg in rel.split("/") if seg):
            continue
        values = dict(_PART_RE.findall(rel))
        out.append(LakeFile(p, int(status.getLen()), values))
    return out


def needed_files(files: Iterable[LakeFile], rng: PartitionRange | None) -> list[LakeFile]:
    """The files a job needs for ``rng`` (all of them when ``rng`` is None)."""
    return [
        f
        for f in files
        if rng is None
        or (all(k in f.partition for k in PARTITION_KEYS) and rng.contains(f.partition))
    ]


def read_events(
    spark: SparkSession,
    root: str,
    rng: PartitionRange | None = None,
    *,
    subdir: str | None = None,
) -> DataFrame:
    """Schema-v1 events under ``root`` (``year=/month=/day=/hour=`` Parquet), pruned to ``rng``
    (Spark skips the directories outside it), or only those under ``root/subdir`` (not even
    listing the rest).

    Read with the explicit schema: a file lacking optional columns (e.g. an hour with only IoT
    events) yields nulls there, never an AnalysisException. Partition columns stay strings.
    A missing or empty directory is an empty DataFrame."""
    path = root if subdir is None else f"{root.rstrip('/')}/{subdir}"
    if not list_lake_files(spark, path):
        return spark.createDataFrame([], LAKE_SCHEMA)
    df = spark.read.schema(LAKE_SCHEMA).option("basePath", root).parquet(path)
    return df if rng is None else df.where(rng.column())


def shuffle_partitions(spark: SparkSession, input_bytes: int) -> int:
    """Partitions for :func:`read_once`: ~32 MiB of input each, at least one per core."""
    return max(spark.sparkContext.defaultParallelism, -(-input_bytes // (32 << 20)))


def read_once(df: DataFrame, key: str, partitions: int) -> DataFrame:
    """Shuffle ``df`` by ``key`` once and return a DataFrame over that shuffle's output.

    Every action on the result reuses the shuffle files (its map stage shows as "skipped"), so
    the input is scanned exactly once however many outputs are built from it — and, unlike
    ``cache()``, re-use is not reported as input bytes (Spark counts cache-block reads as
    input), so ``input_bytes_read`` stays an honest measure of bytes read from the lake."""
    spark = df.sparkSession
    shuffled = df.repartition(partitions, key)
    jrdd = shuffled._jdf.queryExecution().toRdd()
    jschema = spark._jsparkSession.parseDataType(shuffled.schema.json())
    jdf = spark._jsparkSession.internalCreateDataFrame(jrdd, jschema, False)
    return DataFrame(jdf, spark)


def write_partitions(
    df: DataFrame,
    path: str,
    partition_cols: list[str],
    owned: Iterable[tuple[str, ...]],
    sort_cols: list[str],
) -> None:
    """Write ``df`` partitioned by ``partition_cols`` with dynamic overwrite, then delete the
    ``owned`` partitions this run is responsible for but produced no rows for (dynamic
    overwrite alone would leave a stale one behind). Partitions outside ``owned`` are never
    touched. One sorted file per partition makes re-runs reproducible."""
    spark = df.sparkSession
    if not partition_cols:
        # A whole-dataset output: replaced as a whole, as one sorted file.
        df.coalesce(1).sortWithinPartitions(*sort_cols).write.mode("overwrite").parquet(path)
        return
    before = {f.path for f in list_lake_files(spark, path)}
    (
        df.repartition(*partition_cols)
        .sortWithinPartitions(*partition_cols, *sort_cols)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(*partition_cols)
        .parquet(path)
    )
    # Spark names every file of a write with a fresh UUID: new paths = partitions produced now.
    produced = {
        tuple(f.partition.get(c) for c in partition_cols)
        for f in list_lake_files(spark, path)
        if f.path not in before
    }
    for values in set(owned) - produced:
        if len(values) != len(partition_cols):  # zip(strict=) would need Python 3.10
            raise ValueError(f"owned partition {values} does not match {partition_cols}")
        sub = "/".join(f"{c}={v}" for c, v in zip(partition_cols, values))
        delete_path(spark, f"{path.rstrip('/')}/{sub}")
