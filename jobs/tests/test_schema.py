"""The Python schema and lake layout must match the TypeScript ones (constructs/contract/)."""

import functools
import json
import shutil
import subprocess

from conftest import REPO

from common.layout import LAKE_PREFIXES
from common.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    GLUE_TO_SPARK,
    LAKE_SCHEMA,
    LOG_TYPES,
    PARTITION_KEYS,
    REQUIRED_FIELDS,
    STATUS_CATEGORIES,
    status_category_of,
)

#: Status codes whose class is compared with the transform Lambda's: every class boundary,
#: out-of-range codes and non-integers.
STATUS_PROBES = [-1, 0, 99, 100, 199, 200, 204, 299, 300, 399, 400, 404, 499, 500, 599, 600, 999]

SCRIPT = """
const load = async (p) => { const m = await import(p); return m.default ?? m; }; // CJS under tsx
Promise.all([
  load('./constructs/contract/event-schema.ts'),
  load('./constructs/contract/lake.ts'),
  load('./constructs/lambdas/firehose-transform/transform.ts'),
]).then(([schema, lake, transform]) => {
  console.log(JSON.stringify({
    fields: schema.EVENT_FIELDS.map((f) => [f.name, f.type, f.required]),
    logTypes: schema.LOG_TYPES, statusCategories: schema.STATUS_CATEGORIES,
    partitionKeys: lake.PARTITION_KEYS, lakePrefixes: lake.LAKE_PREFIXES,
    statusOf: PROBES.map((c) => transform.statusCategory(c)),
    statusOfOther: [null, undefined, 200.5, "200"].map((c) => transform.statusCategory(c)),
  }));
});
""".replace("PROBES", json.dumps(STATUS_PROBES))


@functools.cache
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


def test_lake_prefixes_match_typescript():
    assert LAKE_PREFIXES == typescript_schema()["lakePrefixes"]


def test_status_classes_match_the_transform_lambda():
    ts = typescript_schema()
    assert [status_category_of(c) for c in STATUS_PROBES] == ts["statusOf"]
    assert [status_category_of(c) for c in (None, None, 200.5, "200")] == ts["statusOfOther"]
    # Every class is reached by some probe, so a shifted boundary cannot go unnoticed.
    assert set(ts["statusOf"]) == set(STATUS_CATEGORIES)


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
