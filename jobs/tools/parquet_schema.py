"""Schema v1 as Arrow types, for the tools that write Parquet the way Firehose's conversion does."""

from __future__ import annotations

import pyarrow as pa

from common.schema import EVENT_FIELDS

#: Glue/Hive type name -> Arrow type: what Firehose's Parquet conversion writes for each.
GLUE_TO_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def arrow_schema(fields: list[tuple[str, str]]) -> pa.Schema:
    """An Arrow schema of ``(name, Glue type)`` columns; an unknown type is a ValueError."""
    unknown = sorted({t for _, t in fields if t not in GLUE_TO_ARROW})
    if unknown:
        raise ValueError(f"no Arrow type for Glue type(s) {', '.join(unknown)}")
    return pa.schema([pa.field(name, GLUE_TO_ARROW[t]) for name, t in fields])


#: The lake's columns (schema v1, without the partition keys), from ``common.schema``.
EVENT_ARROW_SCHEMA = arrow_schema([(name, glue) for name, glue, _ in EVENT_FIELDS])
