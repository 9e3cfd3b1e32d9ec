#!/usr/bin/env python3
"""Generate lake rows of schema v1 as Parquet, the way they land in streaming-data/.

Feeds the Spark jobs directly (jobs/tests and bench/50-spark-jobs.sh): rows as Firehose writes
them after the transform Lambda (status_category, processed_at, schema_version set; IPs already
anonymised to /24), skipping the producer, Kinesis and the transform. The demo and the
transform's tests start earlier, from scripts/events/generator.ts (raw producer events); both
generators draw their values from constructs/contract/event-vocabulary.json.

Writes <output>/year=YYYY/month=MM/day=DD/hour=HH/part-00000.parquet (UTC, zero-padded), with
a mix of web_access / application / iot_sensor events, a configurable share of corrupt rows
(no event_id, no timestamp, bad log_type, no event_type, infinite value) and of duplicated events.
Deterministic for a given --seed. Prints a one-line JSON summary.

  .venv/bin/python jobs/tools/generate_sample_data.py --output /tmp/lake --events 100000 \\
      --start-day 2026-01-30 --days 3 --corrupt-share 0.01 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# Runnable as a script from anywhere: jobs/ on sys.path, so `common` imports as the jobs import it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.schema import (  # noqa: E402
    EVENT_FIELDS,
    LOG_TYPES,
    SCHEMA_VERSION,
    STATUS_CLASSES,
    UNKNOWN_STATUS,
)
from tools.parquet_schema import EVENT_ARROW_SCHEMA as SCHEMA  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
VOCABULARY_FILE = REPO / "constructs" / "contract" / "event-vocabulary.json"
FIELDS = [name for name, _, _ in EVENT_FIELDS]
CORRUPTIONS = [
    "no_event_id",
    "no_timestamp",
    "bad_log_type",
    "no_event_type",
    "nan_value",
]


def load_vocabulary(path: Path = VOCABULARY_FILE) -> dict:
    """The shared vocabulary (see its ``$comment``)."""
    return json.loads(path.read_text(encoding="utf-8"))


VOCABULARY = load_vocabulary()


def _values(values: list) -> np.ndarray:
    return np.array(values, dtype=object)


def _weighted(pairs: list) -> tuple[np.ndarray, np.ndarray]:
    """``[value, weight]`` pairs → (values, probabilities)."""
    weights = np.array([w for _, w in pairs], dtype=float)
    return _values([v for v, _ in pairs]), weights / weights.sum()


def status_category(code: np.ndarray) -> np.ndarray:
    """``common.schema.STATUS_CLASSES`` over an array of status codes."""
    out = np.full(code.shape, UNKNOWN_STATUS, dtype=object)
    for lo, hi, name in STATUS_CLASSES:
        out[(code >= lo) & (code <= hi)] = name
    return out


def generate(n: int, seed: int, start: dt.date, days: int, corrupt: float, dup: float, users: int):
    """Columns (dict of numpy arrays) of ``n`` events before duplication, plus hour keys."""
    web_v, app_v, iot_v = VOCABULARY["web"], VOCABULARY["application"], VOCABULARY["iot"]
    rng = np.random.default_rng(seed)

    def pick(values: list) -> np.ndarray:
        return _values(values)[rng.integers(0, len(values), n)]

    def pick_weighted(pairs: list) -> np.ndarray:
        values, p = _weighted(pairs)
        return values[rng.choice(len(values), n, p=p)]

    t0 = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    ts = np.sort(rng.integers(0, days * 86400 * 1000, n)) * 1000 + t0 * 1_000_000  # µs
    col: dict[str, np.ndarray] = {name: np.full(n, None, dtype=object) for name in FIELDS}
    col["event_id"] = np.array([f"evt-{seed}-{i:09d}" for i in range(n)], dtype=object)
    lt = rng.choice(len(LOG_TYPES), n, p=[0.6, 0.25, 0.15])
    col["log_type"] = _values(list(LOG_TYPES))[lt]
    user_pool = np.array([f"user-{i:05d}" for i in range(users)], dtype=object)
    uid = user_pool[rng.zipf(1.3, n) % users]
    web, app, iot = (lt == LOG_TYPES.index(t) for t in ("web_access", "application", "iot_sensor"))

    ev = pick(web_v["eventTypes"])
    col["event_type"] = np.where(web, ev, np.where(app, app_v["eventType"], iot_v["eventType"]))
    anonymous = rng.random(n) < 0.05
    col["user_id"] = np.where((web & ~anonymous) | (app & (rng.random(n) < 0.7)), uid, None)
    col["session_id"] = np.where(
        web,
        np.char.add("s-", (rng.integers(0, 10**6, n)).astype(str)).astype(object),
        None,
    )
    col["category"] = np.where(web & (rng.random(n) < 0.97), pick(web_v["categories"]), None)
    price = np.round(rng.lognormal(3.5, 0.8, n), 2)
    value = np.full(n, np.nan)
    purchase = web & (col["event_type"] == "purchase")
    value[purchase] = price[purchase]
    # The transform anonymises IPv4 to its /24, so lake rows end in ".0".
    ip = np.char.add("10.", rng.integers(0, 256, n).astype(str))
    ip = np.char.add(np.char.add(ip, "."), rng.integers(0, 64, n).astype(str))
    col["ip_address"] = np.where(web, np.char.add(ip, ".0").astype(object), None)
    col["method"] = np.where(web, pick_weighted(web_v["methods"]), None)
    col["path"] = np.where(web, pick(web_v["paths"]), None)
    codes = pick_weighted(web_v["statusCodes"]).astype(np.int64)
    col["status_code"] = np.where(web, codes, None)
    col["status_category"] = np.where(web, status_category(codes), None)
    col["response_size"] = np.where(web, rng.integers(200, 50_000, n), None)
    col["user_agent"] = np.where(web, pick(web_v["userAgents"]), None)
    col["referer"] = np.where(web, pick(web_v["referers"]), None)
    col["level"] = np.where(app, pick_weighted(app_v["levels"]), None)
    col["logger"] = np.where(app, pick(app_v["loggers"]), None)
    col["message"] = np.where(app, pick(app_v["messages"]), None)
    col["request_id"] = np.where(
        app,
        np.char.add("r-", rng.integers(0, 10**9, n).astype(str)).astype(object),
        None,
    )
    devices = iot_v["devices"]
    dev = rng.integers(0, len(devices), n)
    col["device_id"] = np.where(
        iot,
        np.char.add("dev-", rng.integers(0, 500, n).astype(str)).astype(object),
        None,
    )
    col["device_type"] = np.where(iot, _values([d[0] for d in devices])[dev], None)
    col["unit"] = np.where(iot, _values([d[1] for d in devices])[dev], None)
    lo = np.array([d[2] for d in devices], dtype=float)[dev]
    hi = np.array([d[3] for d in devices], dtype=float)[dev]
    reading = np.round(lo + rng.random(n) * (hi - lo), 2)
    value[iot] = reading[iot]
    col["schema_version"] = np.full(n, SCHEMA_VERSION)
    timestamp = ts.astype(object)
    processed = ts + rng.integers(1_000_000, 60_000_000, n)

    # Corrupt rows: each gets one defect; their partition stays the original hour.
    bad = np.flatnonzero(rng.random(n) < corrupt)
    kind = rng.integers(0, len(CORRUPTIONS), bad.size)
    col["event_id"][bad[kind == 0]] = None
    timestamp[bad[kind == 1]] = None
    col["log_type"][bad[kind == 2]] = "bogus"
    col["event_type"][bad[kind == 3]] = None
    value[bad[kind == 4]] = np.inf
    col["timestamp"] = timestamp
    col["processed_at"] = processed
    col["value"] = value

    order = np.arange(n)
    dups = np.flatnonzero(rng.random(n) < dup)
    order = np.sort(np.concatenate([order, dups]), kind="stable")
    return (
        col,
        ts // 3_600_000_000,
        order,
        {"corrupt": int(bad.size), "duplicates": int(dups.size)},
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--output", required=True, help="lake root to write")
    p.add_argument("--events", type=int, default=10_000, help="number of distinct events")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--start-day", default="2026-01-30", help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--days", type=int, default=3, help="number of days")
    p.add_argument("--corrupt-share", type=float, default=0.01, help="share of corrupt rows, 0-1")
    p.add_argument("--duplicate-share", type=float, default=0.005, help="share re-delivered, 0-1")
    p.add_argument("--users", type=int, default=2_000)
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --output")
    a = p.parse_args(argv)
    try:
        start = dt.date.fromisoformat(a.start_day)
    except ValueError:
        p.error(f"--start-day must be YYYY-MM-DD, got {a.start_day!r}")
    if a.events < 0 or a.days < 1 or a.users < 1:
        p.error("--events must be ≥ 0, --days and --users ≥ 1")
    if not (0 <= a.corrupt_share <= 1 and 0 <= a.duplicate_share <= 1):
        p.error("--corrupt-share and --duplicate-share must be between 0 and 1")
    if os.path.isdir(a.output) and os.listdir(a.output):
        if not a.overwrite:
            p.error(f"--output {a.output} is not empty (use --overwrite)")
        shutil.rmtree(a.output)

    col, hours, order, stats = generate(
        a.events, a.seed, start, a.days, a.corrupt_share, a.duplicate_share, a.users
    )
    files = 0
    hour_of_row = hours[order]
    bounds = np.flatnonzero(np.diff(hour_of_row)) + 1
    for chunk in np.split(order, bounds) if order.size else []:
        h = dt.datetime.fromtimestamp(int(hours[chunk[0]]) * 3600, tz=dt.UTC)
        arrays = []
        for name in FIELDS:
            values = col[name][chunk]
            if name in ("timestamp", "processed_at"):
                mask = np.array([v is None for v in values]) if values.dtype == object else None
                raw = np.array([0 if v is None else v for v in values], dtype=np.int64)
                arrays.append(pa.array(raw, type=SCHEMA.field(name).type, mask=mask))
            elif name == "value":
                arrays.append(pa.array(values, type=pa.float64(), from_pandas=False))
            else:
                arrays.append(pa.array(list(values), type=SCHEMA.field(name).type))
        table = pa.Table.from_arrays(arrays, schema=SCHEMA)
        # NaN stands for "no value" for non-purchase web/app rows; inf marks the corrupt ones.
        vals = values_fixed(col["value"][chunk])
        table = table.set_column(SCHEMA.get_field_index("value"), "value", vals)
        d = os.path.join(a.output, f"year={h:%Y}", f"month={h:%m}", f"day={h:%d}", f"hour={h:%H}")
        os.makedirs(d, exist_ok=True)
        pq.write_table(table, os.path.join(d, "part-00000.parquet"))
        files += 1
    print(json.dumps({"events": int(order.size), "files": files, **stats, "output": a.output}))
    return 0


def values_fixed(v: np.ndarray) -> pa.Array:
    """NaN → null (absent value); ±inf stays (a corrupt, non-numeric value)."""
    return pa.array(v, type=pa.float64(), mask=np.isnan(v))


if __name__ == "__main__":
    sys.exit(main())
