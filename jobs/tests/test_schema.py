"""The PySpark schema must match the TypeScript schema v1 (constructs/event-schema.ts)."""

import json
import shutil
import subprocess

from conftest import REPO

from common.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    GLUE_TO_SPARK,
    LAKE_SCHEMA,
    LOG_TYPES,
    PARTITION_KEYS,
    REQUIRED_FIELDS,
    STATUS_CATEGORIES,
)

SCRIPT = """
import('./constructs/event-schema.ts').then((mod) => {
  const m = mod.EVENT_FIELDS ? mod : mod.default; // CJS interop under tsx
  console.log(JSON.stringify({
    fields: m.EVENT_FIELDS.map((f) => [f.name, f.type, f.required]),
    logTypes: m.LOG_TYPES, statusCategories: m.STATUS_CATEGORIES,
    partitionKeys: m.PARTITION_KEYS,
  }));
});
"""


def typescript_schema() -> dict:
    node = shutil.which("node")
    assert node, "node is not on PATH: cannot compare with constructs/event-schema.ts"
    proc = subprocess.run(
        [node, "--import", "tsx", "-e", SCRIPT],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"node failed: {proc.stderr.strip()[-500:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_struct_type_matches_typescript_names_types_order_and_required():
    ts = typescript_schema()
    assert [tuple(f) for f in ts["fields"]] == list(EVENT_FIELDS)
    assert [(f.name, f.dataType) for f in EVENT_SCHEMA.fields] == [
        (name, GLUE_TO_SPARK[glue]) for name, glue, _ in ts["fields"]
    ]
    assert list(REQUIRED_FIELDS) == [n for n, _, req in ts["fields"] if req]


def test_enumerations_and_partition_keys_match_typescript():
    ts = typescript_schema()
    assert list(LOG_TYPES) == ts["logTypes"]
    assert list(STATUS_CATEGORIES) == ts["statusCategories"]
    assert list(PARTITION_KEYS) == ts["partitionKeys"]


def test_glue_types_map_to_the_spark_types_firehose_writes():
    simple = {name: EVENT_SCHEMA[name].dataType.simpleString() for name, _, _ in EVENT_FIELDS}
    assert simple["timestamp"] == "timestamp"
    assert simple["value"] == "double"
    assert simple["status_code"] == "int"
    assert simple["response_size"] == "bigint"
    assert [f.name for f in LAKE_SCHEMA.fields[-4:]] == ["year", "month", "day", "hour"]
    assert all(f.dataType.simpleString() == "string" for f in LAKE_SCHEMA.fields[-4:])


def test_generator_writes_the_same_schema(generator):
    import pyarrow as pa

    assert [f.name for f in generator.SCHEMA] == [n for n, _, _ in EVENT_FIELDS]
    ts_type = generator.SCHEMA.field("timestamp").type
    assert pa.types.is_timestamp(ts_type) and ts_type.tz == "UTC"
