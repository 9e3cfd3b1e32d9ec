"""Listing the lake: the local walk and the Hadoop FileSystem agree (paths, sizes, partition
values, hidden files skipped), for plain paths and file: URIs; reading, writing and the small
frames the jobs build."""

import contextlib
import io

import pytest
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from common.lake import (
    PARTITION_INPUT_BYTES,
    list_hadoop_files,
    list_lake_files,
    local_frame,
    read_events,
    read_lake_files,
    shuffle_partitions,
)


def make_tree(root):
    files = {
        "year=2026/month=01/day=31/hour=05/part-0.parquet": b"x" * 10,
        "year=2026/month=01/day=31/hour=05/part-1.parquet": b"y" * 3,
        "year=2026/month=02/day=01/hour=00/part-0.parquet": b"z" * 7,
        # Hidden: Spark's markers, checksums and unfinished writes are no data.
        "year=2026/month=02/day=01/hour=00/.part-0.parquet.crc": b"c",
        "year=2026/month=02/day=01/hour=00/_SUCCESS": b"",
        "_temporary/0/part-9.parquet": b"t" * 5,
        "year=2026/month=02/.staging/part-8.parquet": b"s" * 5,
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def as_set(files):
    return {(f.path, f.size, tuple(sorted(f.partition.items()))) for f in files}


def test_local_and_hadoop_listings_agree(tmp_path, spark):
    root = tmp_path / "lake"
    make_tree(root)
    local = list_lake_files(spark, str(root))
    assert as_set(local) == as_set(list_hadoop_files(spark, str(root)))
    assert as_set(list_lake_files(spark, root.as_uri())) == as_set(local)
    hour = root / "year=2026" / "month=01" / "day=31" / "hour=05"
    assert sorted((f.path, f.size) for f in local if f.partition["month"] == "01") == [
        (f"file:{hour}/part-0.parquet", 10),
        (f"file:{hour}/part-1.parquet", 3),
    ]
    assert len(local) == 3
    assert local[0].partition == {"year": "2026", "month": "01", "day": "31", "hour": "05"}


def test_listing_some_months_lists_only_them_with_every_partition_value(tmp_path, spark):
    root = tmp_path / "lake"
    make_tree(root)
    subdirs = ["year=2026/month=02", "year=2025/month=12"]  # the second does not exist
    local = list_lake_files(spark, str(root), subdirs)
    assert as_set(local) == {
        (f"file:{root}/year=2026/month=02/day=01/hour=00/part-0.parquet", 7,
         (("day", "01"), ("hour", "00"), ("month", "02"), ("year", "2026"))),
    }  # fmt: skip
    assert as_set(list_lake_files(spark, root.as_uri(), subdirs)) == as_set(local)
    hadoop = [f for s in subdirs for f in list_hadoop_files(spark, str(root), s)]
    assert as_set(hadoop) == as_set(local)


def test_reading_some_months_lists_no_other_file(tmp_path, spark):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "lake"
    for month in ("01", "02", "03"):
        d = root / "year=2026" / f"month={month}" / "day=01" / "hour=00"
        d.mkdir(parents=True)
        pq.write_table(pa.table({"event_id": [f"e{month}"]}), d / "part-0.parquet")
    subdirs = ["year=2026/month=02", "year=2026/month=04"]  # the second does not exist
    df = read_events(spark, str(root), subdirs=subdirs)
    assert [f.split("/lake/")[1] for f in df.inputFiles()] == [
        "year=2026/month=02/day=01/hour=00/part-0.parquet"
    ]
    assert [(r.event_id, r.month) for r in df.select("event_id", "month").collect()] == [
        ("e02", "02")
    ]
    assert read_events(spark, str(root), subdirs=["year=2027/month=01"]).count() == 0


def test_reading_a_few_files_reads_only_them_and_many_reads_the_whole(tmp_path, spark):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "lake"
    paths = []
    for hour in ("00", "01", "02", "03"):
        d = root / "year=2026" / "month=01" / "day=31" / f"hour={hour}"
        d.mkdir(parents=True)
        pq.write_table(pa.table({"event_id": [f"e{hour}"]}), d / "part-0.parquet")
        paths.append((d / "part-0.parquet").as_uri())
    whole = read_events(spark, str(root))
    two = read_lake_files(spark, str(root), paths[1:3], whole, 4)
    assert sorted((r.event_id, r.hour) for r in two.collect()) == [("e01", "01"), ("e02", "02")]
    assert read_lake_files(spark, str(root), paths[1:], whole, 4) is whole  # 3 of 4
    assert read_lake_files(spark, str(root), [], whole, 4).count() == 0


def test_a_missing_directory_lists_nothing(tmp_path, spark):
    assert list_lake_files(spark, str(tmp_path / "none")) == []
    assert list_hadoop_files(spark, str(tmp_path / "none")) == []


def test_a_write_counts_its_rows_and_removes_only_owned_partitions_it_left_empty(tmp_path, spark):
    import pyarrow.parquet as pq

    import common.lake as lake

    out = tmp_path / "out"
    df = spark.createDataFrame([(i, f"{i % 3:02d}") for i in range(17)], "n int, hour string")
    assert lake.write_partitions(df, str(out), ["hour"], [("00",), ("01",), ("02",)], ["n"]) == 17
    assert pq.read_table(out / "hour=00").num_rows == 6  # 0, 3, ..., 15
    # A re-run without hour 01's rows: 01 is owned and now empty, so removed; 02 is not owned.
    rerun = df.where("hour = '00' AND n < 9")
    assert lake.write_partitions(rerun, str(out), ["hour"], [("00",), ("01",)], ["n"]) == 3
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["hour=00", "hour=02"]
    assert pq.read_table(out / "hour=00").column("n").to_pylist() == [0, 3, 6]
    assert pq.read_table(out / "hour=02").num_rows == 5
    # One owned partition (an hour): written by one task, the empty case removes it.
    assert lake.write_partitions(df.where("n < 0"), str(out), ["hour"], [("02",)], ["n"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["hour=00"]
    assert lake.write_partitions(df, str(tmp_path / "whole"), [], [], ["n"]) == 17


def test_write_all_writes_every_output_and_raises_the_first_failure(tmp_path, spark):
    from common.lake import Output, write_all

    df = spark.createDataFrame([(i, f"{i % 2:02d}") for i in range(5)], "n int, hour string")
    outs = {
        "a": Output(df, str(tmp_path / "a"), ["hour"], [("00",), ("01",)], ["n"]),
        "b": Output(df.where("n > 2"), str(tmp_path / "b"), [], [], ["n"]),
    }
    assert write_all(outs) == {"a": 5, "b": 2}
    (tmp_path / "file").write_text("not a directory")
    outs["c"] = Output(df, str(tmp_path / "file" / "c"), [], [], ["n"])
    with pytest.raises(Exception, match="file"):
        write_all(outs)
    assert len(list_lake_files(spark, str(tmp_path / "b"))) == 1  # the others still ran


def test_an_input_of_one_partitions_share_is_one_partition_and_more_is_one_per_core(spark):
    cores = spark.sparkContext.defaultParallelism
    assert shuffle_partitions(spark, 0) == 1
    assert shuffle_partitions(spark, PARTITION_INPUT_BYTES) == 1
    assert shuffle_partitions(spark, PARTITION_INPUT_BYTES + 1) == max(cores, 2)
    assert shuffle_partitions(spark, 40 * PARTITION_INPUT_BYTES) == max(cores, 40)


def test_a_local_frame_holds_its_rows_in_its_schema_and_plans_one_parsed_row(spark):
    schema = StructType(
        [
            StructField("name", StringType()),
            StructField("n", LongType()),
            StructField("x", DoubleType()),
        ]
    )
    df = local_frame(spark, [("a", 1, 0.5), (None, None, None), ("it's", 2**40, -1.0)], schema)
    assert df.schema == schema
    assert [tuple(r) for r in df.collect()] == [
        ("a", 1, 0.5),
        (None, None, None),
        ("it's", 2**40, -1.0),
    ]
    # A field the schema lets be null stays nullable when no row
    # has a null in it, and one it does not stays required.
    strict = StructType([StructField("name", StringType()), StructField("n", LongType(), False)])
    assert local_frame(spark, [("a", 1)], strict).schema == strict
    assert local_frame(spark, [], strict).schema == strict
    empty = local_frame(spark, [], schema)
    assert empty.schema == schema and empty.count() == 0
    for frame in (df, empty):
        plan = io.StringIO()
        with contextlib.redirect_stdout(plan):
            frame.explain()
        # A Python RDD (spark.createDataFrame on Python rows) would start a Python worker;
        # spark.range (a Range) would build a Scala-reflection encoder on a cold JVM.
        text = plan.getvalue()
        assert "OneRowRelation" in text and "ExistingRDD" not in text and "Range" not in text
    with pytest.raises(ValueError, match="3 fields"):
        local_frame(spark, [("a", 1)], schema)
