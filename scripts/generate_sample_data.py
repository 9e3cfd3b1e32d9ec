#!/usr/bin/env python3
"""Generate schema-v1 events as Parquet in the lake layout (for tests, benchmarks and demos).

Writes <output>/year=YYYY/month=MM/day=DD/hour=HH/part-00000.parquet (UTC, zero-padded), with
a mix of web_access / application / iot_sensor events, a configurable share of corrupt rows
(no event_id, no timestamp, bad log_type, no event_type, infinite value) and of duplicated events.
Deterministic for a given --seed. Prints a one-line JSON summary.

  .venv/bin/python scripts/generate_sample_data.py --output /tmp/lake --events 100000 \\
      --start-day 2026-01-30 --days 3 --corrupt-share 0.01 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# Mirrors jobs/common/schema.py (itself tested against constructs/event-schema.ts).
_TYPES = {
    "string": pa.string(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
FIELDS = [
    ("event_id", "string"),
    ("timestamp", "timestamp"),
    ("log_type", "string"),
    ("event_type", "string"),
    ("user_id", "string"),
    ("session_id", "string"),
    ("category", "string"),
    ("value", "double"),
    ("ip_address", "string"),
    ("method", "string"),
    ("path", "string"),
    ("status_code", "int"),
    ("response_size", "bigint"),
    ("user_agent", "string"),
    ("referer", "string"),
    ("level", "string"),
    ("logger", "string"),
    ("message", "string"),
    ("request_id", "string"),
    ("device_id", "string"),
    ("device_type", "string"),
    ("unit", "string"),
    ("status_category", "string"),
    ("processed_at", "timestamp"),
    ("schema_version", "int"),
    ("extra", "string"),
]
SCHEMA = pa.schema([pa.field(n, _TYPES[t]) for n, t in FIELDS])

CATEGORIES = [
    "electronics",
    "clothing",
    "books",
    "home",
    "sports",
    "beauty",
    "toys",
    "food",
]
WEB_EVENTS = [
    "view",
    "click",
    "add_to_cart",
    "purchase",
    "page_view",
    "login",
    "logout",
]
WEB_P = [0.35, 0.25, 0.1, 0.08, 0.12, 0.05, 0.05]
STATUS = [200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 502, 503]
STATUS_P = [0.6, 0.05, 0.03, 0.04, 0.05, 0.04, 0.03, 0.02, 0.06, 0.04, 0.02, 0.02]
LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"]
LEVEL_P = [0.15, 0.6, 0.15, 0.1]
LOGGERS = ["api.orders", "api.users", "worker.billing", "worker.email", "db.pool"]
DEVICE_TYPES = [("thermostat", "celsius"), ("humidity", "percent"), ("meter", "kwh")]
CORRUPTIONS = [
    "no_event_id",
    "no_timestamp",
    "bad_log_type",
    "no_event_type",
    "nan_value",
]


def status_category(code: np.ndarray) -> np.ndarray:
    out = np.full(code.shape, "Unknown", dtype=object)
    for lo, name in [(100, "Informational"), (200, "Success"), (300, "Redirect")]:
        out[(code >= lo) & (code < lo + 100)] = name
    out[(code >= 400) & (code < 500)] = "Client Error"
    out[(code >= 500) & (code < 600)] = "Server Error"
    return out


def generate(
    n: int, seed: int, start: dt.date, days: int, corrupt: float, dup: float, users: int
):
    """Columns (dict of numpy arrays) of ``n`` events before duplication, plus hour keys."""
    rng = np.random.default_rng(seed)
    t0 = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    ts = np.sort(rng.integers(0, days * 86400 * 1000, n)) * 1000 + t0 * 1_000_000  # µs
    col: dict[str, np.ndarray] = {
        name: np.full(n, None, dtype=object) for name, _ in FIELDS
    }
    col["event_id"] = np.array([f"evt-{seed}-{i:09d}" for i in range(n)], dtype=object)
    lt = rng.choice(3, n, p=[0.6, 0.25, 0.15])
    col["log_type"] = np.array(
        ["web_access", "application", "iot_sensor"], dtype=object
    )[lt]
    user_pool = np.array([f"user-{i:05d}" for i in range(users)], dtype=object)
    uid = user_pool[rng.zipf(1.3, n) % users]
    web, app, iot = lt == 0, lt == 1, lt == 2

    ev = np.array(WEB_EVENTS, dtype=object)[rng.choice(len(WEB_EVENTS), n, p=WEB_P)]
    col["event_type"] = np.where(
        web, ev, np.where(app, "application_log", "sensor_reading")
    )
    anonymous = rng.random(n) < 0.05
    col["user_id"] = np.where(
        (web & ~anonymous) | (app & (rng.random(n) < 0.7)), uid, None
    )
    col["session_id"] = np.where(
        web,
        np.char.add("s-", (rng.integers(0, 10**6, n)).astype(str)).astype(object),
        None,
    )
    cats = np.array(CATEGORIES, dtype=object)[rng.integers(0, len(CATEGORIES), n)]
    col["category"] = np.where(web & (rng.random(n) < 0.97), cats, None)
    price = np.round(rng.lognormal(3.5, 0.8, n), 2)
    value = np.full(n, np.nan)
    value[web & (col["event_type"] == "purchase")] = price[
        web & (col["event_type"] == "purchase")
    ]
    reading = np.round(rng.normal(21.0, 4.0, n), 3)
    value[iot] = reading[iot]
    ip = np.char.add("10.", rng.integers(0, 256, n).astype(str))
    ip = np.char.add(np.char.add(ip, "."), rng.integers(0, 64, n).astype(str))
    col["ip_address"] = np.where(web, np.char.add(ip, ".0").astype(object), None)
    col["method"] = np.where(web, np.where(ev == "purchase", "POST", "GET"), None)
    col["path"] = np.where(web, np.char.add("/", cats.astype(str)).astype(object), None)
    codes = np.array(STATUS)[rng.choice(len(STATUS), n, p=STATUS_P)]
    col["status_code"] = np.where(web, codes, None)
    col["status_category"] = np.where(web, status_category(codes), None)
    col["response_size"] = np.where(web, rng.integers(200, 50_000, n), None)
    col["user_agent"] = np.where(web, "Mozilla/5.0", None)
    col["referer"] = np.where(web & (rng.random(n) < 0.3), "https://example.com/", None)
    col["level"] = np.where(
        app, np.array(LEVELS, dtype=object)[rng.choice(4, n, p=LEVEL_P)], None
    )
    col["logger"] = np.where(
        app, np.array(LOGGERS, dtype=object)[rng.integers(0, len(LOGGERS), n)], None
    )
    col["message"] = np.where(
        app, np.where(col["level"] == "ERROR", "request failed", "ok"), None
    )
    col["request_id"] = np.where(
        app,
        np.char.add("r-", rng.integers(0, 10**9, n).astype(str)).astype(object),
        None,
    )
    dev = rng.integers(0, len(DEVICE_TYPES), n)
    col["device_id"] = np.where(
        iot,
        np.char.add("dev-", rng.integers(0, 500, n).astype(str)).astype(object),
        None,
    )
    col["device_type"] = np.where(
        iot, np.array([d for d, _ in DEVICE_TYPES], dtype=object)[dev], None
    )
    col["unit"] = np.where(
        iot, np.array([u for _, u in DEVICE_TYPES], dtype=object)[dev], None
    )
    col["schema_version"] = np.full(n, 1)
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
    p.add_argument(
        "--events", type=int, default=10_000, help="number of distinct events"
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--start-day", default="2026-01-30", help="first day, YYYY-MM-DD (UTC)"
    )
    p.add_argument("--days", type=int, default=3, help="number of days")
    p.add_argument(
        "--corrupt-share", type=float, default=0.01, help="share of corrupt rows, 0-1"
    )
    p.add_argument(
        "--duplicate-share", type=float, default=0.005, help="share re-delivered, 0-1"
    )
    p.add_argument("--users", type=int, default=2_000)
    p.add_argument(
        "--overwrite", action="store_true", help="replace a non-empty --output"
    )
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
        for name, _ in FIELDS:
            values = col[name][chunk]
            if name in ("timestamp", "processed_at"):
                mask = (
                    np.array([v is None for v in values])
                    if values.dtype == object
                    else None
                )
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
        d = os.path.join(
            a.output, f"year={h:%Y}", f"month={h:%m}", f"day={h:%d}", f"hour={h:%H}"
        )
        os.makedirs(d, exist_ok=True)
        pq.write_table(table, os.path.join(d, "part-00000.parquet"))
        files += 1
    print(
        json.dumps(
            {"events": int(order.size), "files": files, **stats, "output": a.output}
        )
    )
    return 0


def values_fixed(v: np.ndarray) -> pa.Array:
    """NaN → null (absent value); ±inf stays (a corrupt, non-numeric value)."""
    return pa.array(v, type=pa.float64(), mask=np.isnan(v))


if __name__ == "__main__":
    sys.exit(main())
