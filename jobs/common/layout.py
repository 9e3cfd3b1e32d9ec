"""The lake layout in Python: the bucket's top-level prefixes and the hour partition keys.

Mirrors ``constructs/contract/lake.ts`` (``LAKE_PREFIXES``, ``PARTITION_KEYS``);
``jobs/tests/test_schema.py`` proves the two agree. No Spark import, so the tools in
``jobs/tools`` can use it without starting anything.
"""

from __future__ import annotations

#: Top-level prefixes of the lake bucket (each ends with "/"), keyed like the TypeScript ones.
LAKE_PREFIXES: dict[str, str] = {
    "scripts": "scripts/",
    "streamingData": "streaming-data/",
    "streamingErrors": "streaming-errors/",
    "processedData": "processed-data/",
    "emrLogs": "emr-logs/",
}
STREAMING_DATA = LAKE_PREFIXES["streamingData"]
STREAMING_ERRORS = LAKE_PREFIXES["streamingErrors"]
PROCESSED_DATA = LAKE_PREFIXES["processedData"]

#: Hive partition keys of the lake, read and written as zero-padded strings ("01", not 1).
PARTITION_KEYS: tuple[str, ...] = ("year", "month", "day", "hour")
