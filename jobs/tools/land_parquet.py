"""Convert the transform Lambda's Ok records (JSON lines per hour) into Parquet, as Firehose's record
format conversion does with the Glue table's columns.

Usage: land_parquet.py STAGING_DIR LAKE_STREAMING_DATA_DIR COLUMNS_JSON

STAGING_DIR holds `year=YYYY/month=MM/day=DD/hour=HH/part.ndjson`; COLUMNS_JSON is
`{"fields": [{"name", "type"}...]}` written from constructs/contract/event-schema.ts (EVENT_FIELDS),
by scripts/local-firehose.ts (the demo's Firehose stand-in, which runs this), so the
columns and types come from the one schema definition. Each hour becomes one Parquet file under the
same partition path in LAKE_STREAMING_DATA_DIR. Fields the Glue table lacks are not written (Firehose
ignores them too); the transform already moves unknown input fields into `extra`.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Runnable as a script from anywhere: jobs/ on sys.path, so `tools` and `common` import.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.parquet_schema import arrow_schema  # noqa: E402


def _convert(value, glue_type: str):
    if value is None:
        return None
    if glue_type == "timestamp":
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if glue_type in ("int", "bigint"):
        return int(value)
    if glue_type == "double":
        return float(value)
    if glue_type == "string" and not isinstance(value, str):
        return json.dumps(value, separators=(",", ":"))
    return value


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    staging, target, columns_file = (Path(a) for a in argv)
    fields = json.loads(columns_file.read_text())["fields"]
    try:
        schema = arrow_schema([(f["name"], f["type"]) for f in fields])
    except ValueError as e:
        print(f"land_parquet: {columns_file}: {e}", file=sys.stderr)
        return 2
    files = 0
    rows = 0
    for part in sorted(staging.glob("year=*/month=*/day=*/hour=*/part.ndjson")):
        records = [
            json.loads(line) for line in part.read_text(encoding="utf-8").splitlines() if line
        ]
        columns = {
            f["name"]: [_convert(r.get(f["name"]), f["type"]) for r in records] for f in fields
        }
        table = pa.table(columns, schema=schema)
        out_dir = target / part.parent.relative_to(staging)
        out_dir.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table,
            out_dir / f"local-demo-{uuid.uuid4().hex[:12]}.parquet",
            compression="snappy",
        )
        files += 1
        rows += len(records)
    print(
        f"land_parquet: {rows} rows in {files} Parquet files under {target}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
