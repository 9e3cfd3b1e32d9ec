"""The one-line JSON job summary and the input-bytes measurement behind it."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable

from pyspark.sql import SparkSession


def _stages(spark: SparkSession) -> dict[tuple[int, int], int]:
    """(stage id, attempt) -> input bytes, from Spark's own status store (the numbers the
    Spark UI shows). Waits for the listener bus so the last stages are included."""
    sc = spark.sparkContext
    jsc = sc._jsc.sc()
    jsc.listenerBus().waitUntilEmpty()
    gw = sc._gateway
    stages = jsc.statusStore().stageList(
        None, False, False, gw.new_array(gw.jvm.double, 0), gw.jvm.java.util.ArrayList()
    )
    out: dict[tuple[int, int], int] = {}
    it = stages.iterator()
    while it.hasNext():
        s = it.next()
        out[(s.stageId(), s.attemptId())] = int(s.inputBytes())
    return out


class JobMetrics:
    """Times a job and measures the input bytes its Spark stages read (stages that ran after
    construction; the session may be shared, as in tests)."""

    def __init__(self, spark: SparkSession, job: str) -> None:
        self.spark = spark
        self.job = job
        self.started = time.monotonic()
        self._before = set(_stages(spark))

    def input_bytes_read(self) -> int:
        return sum(v for k, v in _stages(self.spark).items() if k not in self._before)

    def summary(
        self,
        *,
        rows_in: int,
        rows_out: int,
        rows_quarantined: int,
        input_files_bytes: int,
        **extra: object,
    ) -> dict[str, object]:
        return {
            "job": self.job,
            "rows_in": rows_in,
            "rows_out": rows_out,
            "rows_quarantined": rows_quarantined,
            "seconds": round(time.monotonic() - self.started, 3),
            "input_bytes_read": self.input_bytes_read(),
            "input_files_bytes": input_files_bytes,
            **extra,
        }


def emit(summary: dict[str, object]) -> None:
    """Print the summary as the last line on stdout."""
    sys.stdout.flush()
    print(json.dumps(summary, sort_keys=False, default=str), flush=True)


def total_size(sizes: Iterable[int]) -> int:
    return int(sum(sizes))
