"""Reading the lake (Hive partitions, pruning) and writing partitioned outputs re-run safely."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StructType

from common.schema import LAKE_SCHEMA, PARTITION_KEYS

_PART_RE = re.compile(r"(year|month|day|hour)=([^/]+)")
_HIDDEN = ("_", ".")


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
    """argparse type for ``YYYY-MM-DD`` (only that form: ``date.fromisoformat`` also takes
    ``YYYYMMDD`` and week dates, which submit-job's check, ``isDayArg``, does not); raises
    ValueError with a one-line message."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
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


def list_lake_files(
    spark: SparkSession, root: str, subdirs: Sequence[str] | None = None
) -> list[LakeFile]:
    """Data files under ``root`` with their partition values. Hidden files and directories
    (``_``/``.``) are skipped as Spark skips them. With ``subdirs`` (paths below ``root``, e.g.
    ``year=2026/month=01``) only those are listed, a missing one holding no files; partition
    values are still read from the whole path below ``root``. A run that needs a few months
    of a lake with years of history then lists those months, not the years.

    A local directory (a plain path or ``file:`` URI) is walked by Python; anything else
    (``s3://`` on EMR) through the Hadoop FileSystem. Both give the same paths (``file:``
    URIs for local files): over local files the Hadoop iterator costs about 12 ms a file (the
    local file system's work per file, plus py4j round trips), most of a local run's time."""
    subs = [""] if subdirs is None else [s.strip("/") for s in subdirs]
    local = _local_dir(root)
    if local is not None:
        return [f for sub in subs for f in _list_local(local, sub)]
    return [f for sub in subs for f in list_hadoop_files(spark, root, sub)]


def _local_dir(uri: str) -> str | None:
    """The local directory ``uri`` names, or None when it names a remote one."""
    parsed = urlparse(uri)
    if parsed.scheme == "":
        return uri
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return parsed.path
    return None


def _list_local(root: str, sub: str = "") -> list[LakeFile]:
    top = os.path.abspath(root)
    start = os.path.join(top, sub) if sub else top
    if not os.path.isdir(start):
        if os.path.isfile(start):
            return [LakeFile(f"file:{start}", os.path.getsize(start), {})]
        return []
    out: list[LakeFile] = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(_HIDDEN))
        rel = dirpath[len(top) :]
        for name in sorted(filenames):
            if not name.startswith(_HIDDEN):
                path = os.path.join(dirpath, name)
                values = dict(_PART_RE.findall(f"{rel}/{name}"))
                out.append(LakeFile(f"file:{path}", os.path.getsize(path), values))
    return out


def list_hadoop_files(spark: SparkSession, root: str, sub: str = "") -> list[LakeFile]:
    """:func:`list_lake_files` through the Hadoop FileSystem, for any URI it can open (``sub``:
    one directory below ``root`` to list instead of all of it)."""
    start = f"{root.rstrip('/')}/{sub}" if sub else root
    if not path_exists(spark, start):
        return []
    fs, top = _jvm_fs(spark, root)
    _, path = _jvm_fs(spark, start)
    out: list[LakeFile] = []
    it = fs.listFiles(path, True)
    root_str = fs.makeQualified(top).toString().rstrip("/")
    while it.hasNext():
        status = it.next()
        p = status.getPath().toString()
        rel = p[len(root_str) :]
        if any(seg.startswith(_HIDDEN) for seg in rel.split("/") if seg):
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
    subdirs: Sequence[str] | None = None,
    files: list[LakeFile] | None = None,
) -> DataFrame:
    """Schema-v1 events under ``root`` (``year=/month=/day=/hour=`` Parquet), pruned to ``rng``
    (Spark reads no directory outside it, but lists all of those it is given), from ``root``
    or only from its ``subdirs`` (as in :func:`list_lake_files`: nothing else is listed).
    ``files``, when the caller has listed them already, saves listing again to tell an empty
    input.

    Read with the explicit schema: a file lacking optional columns (e.g. an hour with only IoT
    events) yields nulls there, never an AnalysisException. Partition columns stay strings.
    A missing or empty directory is an empty DataFrame. Selecting columns from the result
    prunes the scan (Parquet reads only those); every query on it shares one file listing."""
    if not (list_lake_files(spark, root, subdirs) if files is None else files):
        return local_frame(spark, [], LAKE_SCHEMA)
    paths = [root]
    if subdirs is not None:  # Spark would fail on a missing one; it holds no rows
        paths = [f"{root.rstrip('/')}/{s.strip('/')}" for s in subdirs]
        paths = [p for p in paths if path_exists(spark, p)]
    df = spark.read.schema(LAKE_SCHEMA).option("basePath", root).parquet(*paths)
    return df if rng is None else df.where(rng.column())


def local_frame(
    spark: SparkSession, rows: Sequence[Sequence[object]], schema: StructType
) -> DataFrame:
    """``rows`` (tuples in ``schema``'s field order) as a DataFrame built in the JVM from
    literals, for a handful of rows (a dimension table, a run's metadata row, an empty input),
    with ``schema``'s types and nullability.

    ``spark.createDataFrame`` on Python data plans a Python RDD: its first task starts a Python
    worker, about a second on a cold run, for a few rows the JVM can make itself."""
    fields = schema.fields
    for row in rows:
        if len(row) != len(fields):
            raise ValueError(
                f"row {row!r} does not have the {len(fields)} fields of {schema.simpleString()}"
            )
    structs = [
        F.struct(*(F.lit(v).cast(f.dataType).alias(f.name) for v, f in zip(row, fields)))
        for row in rows
    ]
    # Cast to the schema's types: a literal is never null, so its field would not be nullable.
    rows_type = ArrayType(schema, containsNull=False)
    # The one row to select from is parsed SQL: `spark.range` would build a Scala-reflection
    # encoder, which costs a cold JVM more than a second.
    return spark.sql("SELECT 1").select(F.inline(F.array(*structs).cast(rows_type)))


def read_lake_files(
    spark: SparkSession, root: str, paths: Iterable[str], whole: DataFrame, out_of: int
) -> DataFrame:
    """A frame holding the rows of the lake files ``paths`` under ``root`` — some of the
    ``out_of`` files that ``whole`` reads — for a caller that filters them next: only those
    files (read as :func:`read_events` reads them), or ``whole`` when they are more than half
    of ``out_of``, because Spark indexes explicit paths one by one (a listing job past 32 of
    them), which costs more than reading the rest. No path: no rows.

    ``paths`` are URIs as Spark names the files it reads (``input_file_name()``): URL-encoded,
    so a space is ``%20``; Spark would look for the encoded name, so they are decoded first."""
    paths = sorted({unquote(p) for p in paths})
    if not paths:
        return local_frame(spark, [], LAKE_SCHEMA)
    if 2 * len(paths) > out_of:
        return whole
    return spark.read.schema(LAKE_SCHEMA).option("basePath", root).parquet(*paths)


#: Lake input per partition of the shuffle by ``event_id`` (:func:`shuffle_partitions`).
PARTITION_INPUT_BYTES = 32 << 20


def shuffle_partitions(spark: SparkSession, input_bytes: int) -> int:
    """Width of the shuffle by ``event_id`` for ``input_bytes`` of lake files: one partition
    when they are at most :data:`PARTITION_INPUT_BYTES`, else that much input each and at least
    one per core.

    An input that small (an hour, a small lake) costs less in one task than spread over the
    cores: a run of it is mostly each task's and each shuffle's fixed cost, and most
    aggregations of a single partition need no shuffle of their own (docs/benchmarks.md has
    the runs)."""
    if input_bytes <= PARTITION_INPUT_BYTES:
        return 1
    return max(spark.sparkContext.defaultParallelism, -(-input_bytes // PARTITION_INPUT_BYTES))


def write_partitions(
    df: DataFrame,
    path: str,
    partition_cols: list[str],
    owned: Iterable[tuple[str, ...]],
    sort_cols: Sequence[str | Column],
) -> int:
    """Write ``df`` partitioned by ``partition_cols`` with dynamic overwrite, then delete the
    ``owned`` partitions this run is responsible for but produced no rows for (dynamic
    overwrite alone would leave a stale one behind). Partitions outside ``owned`` are never
    touched. One sorted file per partition makes re-runs reproducible. Returns the number of
    rows written.

    The rows written and the partitions produced are observed while the write runs
    (:func:`_observed_write`): no listing of the output before or after, and no count job. On
    S3 both would grow with the output's history (every past hour or day), not with the run."""
    owned = set(owned)
    for values in owned:
        if len(values) != len(partition_cols):  # zip(strict=) would need Python 3.10
            raise ValueError(f"owned partition {values} does not match {partition_cols}")
    if not partition_cols:
        # A whole-dataset output: replaced as a whole, as one sorted file.
        return _observed_write(df.coalesce(1), [], sort_cols, path)[0]
    # One partition to write (an hour, a day): one task writes it, no shuffle to spread it.
    spread = df.coalesce(1) if len(owned) == 1 else df.repartition(*partition_cols)
    rows, produced = _observed_write(spread, partition_cols, sort_cols, path)
    spark = df.sparkSession
    for values in owned - produced:
        sub = "/".join(f"{c}={v}" for c, v in zip(partition_cols, values))
        delete_path(spark, f"{path.rstrip('/')}/{sub}")
    return rows


def _observed_write(
    spread: DataFrame, partition_cols: list[str], sort_cols: Sequence[str | Column], path: str
) -> tuple[int, set[tuple[str, ...]]]:
    """Write ``spread`` (already split into its output tasks) as Parquet at ``path``, each
    task's rows sorted by ``partition_cols`` then ``sort_cols``, partitioned by
    ``partition_cols`` with dynamic overwrite (replaced as a whole without them); returns the
    rows written and the set of ``partition_cols`` values they had.

    Both are observed (``DataFrame.observe``) after the last shuffle, in the tasks that write
    the files: Spark merges a result task's metrics once, even when the task is retried or
    speculated, so the count is exact. (Metrics observed in a stage before a shuffle can count
    a recomputed stage twice.) Observed before the sort, so the sort stays the plan's last
    step and Spark adds no second one to order the write."""
    # As strings, as they are in the directory names and in ``owned``; as JSON, because
    # PySpark hands back observed arrays and structs as bare Java objects.
    values = F.array(*(F.col(c).cast("string") for c in partition_cols))
    parts = F.to_json(F.collect_set(values))
    seen = Observation()
    observed = spread.observe(seen, F.count(F.lit(1)).alias("rows"), parts.alias("partitions"))
    writer = observed.sortWithinPartitions(*partition_cols, *sort_cols).write.mode("overwrite")
    if partition_cols:
        writer = writer.option("partitionOverwriteMode", "dynamic").partitionBy(*partition_cols)
    writer.parquet(path)
    metrics = seen.get
    produced = {tuple(p) for p in json.loads(metrics["partitions"])}
    return int(metrics["rows"]), produced


@dataclass(frozen=True)
class Output:
    """One :func:`write_partitions` call, for :func:`write_all`."""

    df: DataFrame
    path: str
    partition_cols: list[str]
    owned: Iterable[tuple[str, ...]]
    sort_cols: Sequence[str | Column]


def write_all(outputs: dict[str, Output]) -> dict[str, int]:
    """:func:`write_partitions` for every output at once, one driver thread each; returns the
    rows written per name.

    A small output's write is mostly the driver planning it and the scheduler starting its
    stages, and its last stage runs one task: submitted together, those waits overlap and the
    cores stay busy. Each output has its own path and its own jobs, so what is written does
    not depend on the order they run in. The first failure is raised once all have ended."""
    if len(outputs) <= 1:
        return {name: write_partitions(*_args(o)) for name, o in outputs.items()}
    with ThreadPoolExecutor(max_workers=len(outputs), thread_name_prefix="write") as pool:
        futures = {name: pool.submit(write_partitions, *_args(o)) for name, o in outputs.items()}
        wait(futures.values())
    return {name: f.result() for name, f in futures.items()}


def _args(o: Output) -> tuple:
    return (o.df, o.path, o.partition_cols, o.owned, o.sort_cols)
