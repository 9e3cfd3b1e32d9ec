"""Event schema v1 as a PySpark StructType — the one Python definition.

The TypeScript definition in ``constructs/contract/event-schema.ts`` is the source of truth for
the Glue table; ``jobs/tests/test_schema.py`` proves the two agree (names, types, order, log
types, status classes and the rule that assigns them).
"""

from __future__ import annotations

from pyspark.sql.types import (
    DataType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from common.layout import PARTITION_KEYS

SCHEMA_VERSION = 1

#: Glue/Hive type name -> Spark type (the same mapping Firehose's Parquet conversion uses).
GLUE_TO_SPARK: dict[str, DataType] = {
    "string": StringType(),
    "int": IntegerType(),
    "bigint": LongType(),
    "double": DoubleType(),
    "timestamp": TimestampType(),
}

#: (name, Glue type, required) in table order.
EVENT_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("event_id", "string", True),
    ("timestamp", "timestamp", True),
    ("log_type", "string", True),
    ("event_type", "string", False),
    ("user_id", "string", False),
    ("session_id", "string", False),
    ("category", "string", False),
    ("value", "double", False),
    ("ip_address", "string", False),
    ("method", "string", False),
    ("path", "string", False),
    ("status_code", "int", False),
    ("response_size", "bigint", False),
    ("user_agent", "string", False),
    ("referer", "string", False),
    ("level", "string", False),
    ("logger", "string", False),
    ("message", "string", False),
    ("request_id", "string", False),
    ("device_id", "string", False),
    ("device_type", "string", False),
    ("unit", "string", False),
    ("status_category", "string", False),
    ("processed_at", "timestamp", False),
    ("schema_version", "int", False),
    ("extra", "string", False),
)

#: Every column is nullable in Parquet; "required" is enforced by validation (quarantine), not
#: by the reader, so that a bad row is counted and kept instead of failing the whole job.
EVENT_SCHEMA = StructType(
    [StructField(name, GLUE_TO_SPARK[glue], True) for name, glue, _ in EVENT_FIELDS]
)

REQUIRED_FIELDS: tuple[str, ...] = tuple(n for n, _, req in EVENT_FIELDS if req)

LOG_TYPES: tuple[str, ...] = ("web_access", "application", "iot_sensor")

#: Values of ``status_category``, in the order of the status classes (1xx … 5xx, then none).
STATUS_CATEGORIES: tuple[str, ...] = (
    "Informational",
    "Success",
    "Redirect",
    "Client Error",
    "Server Error",
    "Unknown",
)

#: (lowest, highest, status_category) of each HTTP status class: 1xx Informational … 5xx Server
#: Error. Any other code, or none, is ``UNKNOWN_STATUS`` — the transform Lambda's rule.
STATUS_CLASSES: tuple[tuple[int, int, str], ...] = tuple(
    (100 * n, 100 * n + 99, name) for n, name in enumerate(STATUS_CATEGORIES[:-1], start=1)
)
UNKNOWN_STATUS: str = STATUS_CATEGORIES[-1]


def status_category_of(code: int | None) -> str:
    """The ``status_category`` of one status code (what the transform writes for it)."""
    if isinstance(code, int) and not isinstance(code, bool):
        for lo, hi, name in STATUS_CLASSES:
            if lo <= code <= hi:
                return name
    return UNKNOWN_STATUS


#: Schema used to read the lake: schema v1 plus the partition columns as strings.
LAKE_SCHEMA = StructType(
    EVENT_SCHEMA.fields + [StructField(k, StringType(), True) for k in PARTITION_KEYS]
)
