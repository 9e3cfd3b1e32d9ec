"""check-results — a short human summary of what the pipeline produced, locally or in S3.

Usage:
  check_results.py --lake DIR                     a local lake (the demo's demo-output/lake)
  check_results.py --bucket NAME [--region R]     the deployed lake bucket (downloads the
  check_results.py --outputs FILE [--stack S]     streaming-data/, streaming-errors/ and
                                                  processed-data/ prefixes to a temp dir)
  --expect-from EVENTS.ndjson   also assert the outputs against counts computed here, in plain
                                Python, from the generated input (the end-to-end test); exit 1
                                on any mismatch.

Prints: events in (landed / rejected to streaming-errors/), rows quarantined by the jobs, top
categories, HTTP error rate, p95 response size, and the output locations with their row counts.
Honours AWS_ENDPOINT_URL / AWS_PROFILE / AWS_REGION for S3.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.dataset as ds

# Runnable as a script from anywhere: jobs/ on sys.path, so `common` imports as the jobs import it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.layout import (  # noqa: E402
    PARTITION_KEYS,
    PROCESSED_DATA,
    STREAMING_DATA,
    STREAMING_ERRORS,
)

#: The lake prefixes this summary reads (downloaded from S3 in bucket mode).
PREFIXES = (STREAMING_DATA, STREAMING_ERRORS, PROCESSED_DATA)
ACTIVITY_TYPES = {"view", "click", "purchase"}


class CheckError(Exception):
    """A usage or input problem: reported in one line, exit 2."""


def read_table(path: Path):
    """A Hive-partitioned Parquet directory as a pyarrow Table (partition values kept as strings)."""
    if not path.exists() or not any(path.rglob("*.parquet")):
        return None
    dataset = ds.dataset(
        str(path),
        format="parquet",
        partitioning="hive",
        exclude_invalid_files=True,
        ignore_prefixes=["_", "."],
    )
    return dataset.to_table()


PARTITION_WIDTH = dict(zip(PARTITION_KEYS, (4, 2, 2, 2), strict=True))


def rows(table) -> list[dict]:
    """Rows as dicts, with Hive partition values as the lake's zero-padded strings (pyarrow infers
    them as integers)."""
    out = table.to_pylist() if table is not None else []
    for r in out:
        for key, width in PARTITION_WIDTH.items():
            if isinstance(r.get(key), int):
                r[key] = str(r[key]).zfill(width)
    return out


def error_records(lake: Path) -> list[dict]:
    out = []
    for f in sorted((lake / STREAMING_ERRORS).rglob("*")):
        if f.is_file():
            out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line]
    return out


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summarise(lake: Path) -> dict:
    landed = rows(read_table(lake / STREAMING_DATA))
    errors = error_records(lake)
    processed = lake / PROCESSED_DATA
    monthly = rows(read_table(processed / "batch-processing" / "monthly-summary"))
    quarantined = {
        job.name: len(rows(read_table(job / "_quarantine")))
        for job in sorted(processed.glob("*"))
        if job.is_dir()
    }
    by_category: Counter = Counter()
    revenue: Counter = Counter()
    for r in monthly:
        if r.get("category") is not None:
            by_category[r["category"]] += r["total_events"]
            revenue[r["category"]] += r["total_revenue"] or 0.0
    web = [
        r for r in landed if r.get("log_type") == "web_access" and r.get("status_code") is not None
    ]
    server_errors = sum(1 for r in web if r["status_code"] >= 500)
    client_errors = sum(1 for r in web if 400 <= r["status_code"] < 500)
    sizes = [r["response_size"] for r in landed if r.get("response_size") is not None]
    outputs = []
    for table_dir in sorted(p for p in processed.glob("*/*") if p.is_dir()):
        nested = (
            [table_dir] if any(table_dir.glob("*.parquet")) or any(table_dir.glob("*=*")) else []
        )
        nested += [d for d in sorted(table_dir.glob("*")) if d.is_dir() and not d.name.count("=")]
        for d in nested:
            t = read_table(d)
            if t is not None:
                outputs.append((str(d.relative_to(lake)) + "/", t.num_rows))
    return {
        "landed": len(landed),
        "rejected": len(errors),
        "hours": sorted({f"{r['year']}-{r['month']}-{r['day']} {r['hour']}:00" for r in landed}),
        "quarantined": quarantined,
        "top_categories": by_category.most_common(5),
        "revenue": revenue,
        "web_requests": len(web),
        "server_error_rate": server_errors / len(web) if web else None,
        "client_error_rate": client_errors / len(web) if web else None,
        "p95_response_size": percentile(sizes, 95),
        "outputs": outputs,
    }


def print_summary(s: dict, where: str) -> None:
    total = s["landed"] + s["rejected"]

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.2f}%"

    print(f"\nPipeline results — {where}")
    print(
        f"  events in            {total:,} ({s['landed']:,} landed as Parquet in {len(s['hours'])} hour "
        f"partitions, {s['rejected']:,} rejected by the transform → streaming-errors/)"
    )
    q = ", ".join(f"{job} {n:,}" for job, n in s["quarantined"].items()) or "none"
    print(f"  quarantined rows     {q}")
    top = ", ".join(
        f"{c} {n:,} events / {s['revenue'][c]:,.2f} revenue" for c, n in s["top_categories"]
    )
    print(f"  top categories       {top or 'n/a'}")
    print(
        f"  HTTP error rate      5xx {pct(s['server_error_rate'])}, 4xx {pct(s['client_error_rate'])} "
        f"of {s['web_requests']:,} web requests"
    )
    p95 = s["p95_response_size"]
    print(f"  p95 response size    {'n/a' if p95 is None else f'{p95:,} bytes'}")
    print("  outputs")
    for path, n in s["outputs"]:
        print(f"    {path:<72} {n:>9,} rows")


# ---- independent expectations (plain Python over the generated input) -------------------------


def _hour_key(ts: str) -> tuple[str, str, str, str]:
    t = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc)
    return (f"{t.year:04d}", f"{t.month:02d}", f"{t.day:02d}", f"{t.hour:02d}")


def expected_from_input(events_file: Path, lake: Path) -> dict:
    """Counts computed from the raw input lines only. Which lines the transform rejected is read
    from the error records' rawData (Firehose's error output), not from any job output."""
    lines = [line for line in events_file.read_text(encoding="utf-8").splitlines() if line]
    rejected = Counter(base64.b64decode(e["rawData"]).decode("utf-8") for e in error_records(lake))
    valid = []
    for line in lines:
        if rejected[line] > 0:
            rejected[line] -= 1
            continue
        valid.append(json.loads(line))
    unmatched = sum(rejected.values())
    per_hour: Counter = Counter()
    status: Counter = Counter()
    monthly: dict = defaultdict(lambda: {"total_events": 0, "purchases": 0, "total_revenue": 0.0})
    daily: Counter = Counter()
    seen: set = set()
    for e in valid:
        if e["event_id"] in seen:  # at-least-once duplicates count once in the jobs
            continue
        seen.add(e["event_id"])
        y, m, d, h = _hour_key(e["timestamp"])
        per_hour[(y, m, d, h)] += 1
        if e.get("log_type") == "web_access" and e.get("status_code") is not None:
            status[(y, m, d, h, int(e["status_code"]))] += 1
        if e.get("category") is not None:
            agg = monthly[(y, m, e["category"])]
            agg["total_events"] += 1
            if e.get("event_type") == "purchase":
                agg["purchases"] += 1
                agg["total_revenue"] += float(e.get("value") or 0.0)
        if e.get("event_type") in ACTIVITY_TYPES and e.get("user_id") is not None:
            daily[(y, m, d, e["user_id"], e["event_type"])] += 1
    return {
        "lines": len(lines),
        "valid": len(valid),
        "unmatched_rejections": unmatched,
        "per_hour": per_hour,
        "status": status,
        "monthly": monthly,
        "daily": daily,
    }


def check(expect: dict, lake: Path, summary: dict) -> list[str]:
    problems = []

    def same(name: str, got, want) -> None:
        if got != want:
            problems.append(f"{name}: expected {want}, got {got}")

    same(
        "events in (landed + rejected)",
        summary["landed"] + summary["rejected"],
        expect["lines"],
    )
    same("rejections matched to input lines", expect["unmatched_rejections"], 0)
    same("landed rows", summary["landed"], expect["valid"])
    sp = lake / PROCESSED_DATA / "streaming-processor"
    meta = {
        (r["year"], r["month"], r["day"], r["hour"]): r
        for r in rows(read_table(sp / "processing-metadata"))
    }
    same(
        "hours processed by the streaming processor",
        sorted(meta),
        sorted(expect["per_hour"]),
    )
    log_stats: Counter = Counter()
    for r in rows(read_table(sp / "log-statistics")):
        log_stats[(r["year"], r["month"], r["day"], r["hour"])] += r["event_count"]
    same("streaming processor events per hour", dict(log_stats), dict(expect["per_hour"]))
    got_status = Counter()
    for r in rows(read_table(sp / "status-statistics")):
        got_status[(r["year"], r["month"], r["day"], r["hour"], r["status_code"])] += r[
            "request_count"
        ]
    same("status-statistics request counts", dict(got_status), dict(expect["status"]))
    bp = lake / PROCESSED_DATA / "batch-processing"
    got_monthly = {}
    for r in rows(read_table(bp / "monthly-summary")):
        if r["category"] is not None:
            got_monthly[(r["year"], r["month"], r["category"])] = r
    same("monthly-summary groups", sorted(got_monthly), sorted(expect["monthly"]))
    for key, want in expect["monthly"].items():
        got = got_monthly.get(key)
        if got is None:
            continue
        same(
            f"monthly-summary {key} total_events",
            got["total_events"],
            want["total_events"],
        )
        same(f"monthly-summary {key} purchases", got["purchases"], want["purchases"])
        if abs((got["total_revenue"] or 0.0) - want["total_revenue"]) > 1e-6 * max(
            1.0, want["total_revenue"]
        ):
            problems.append(
                f"monthly-summary {key} total_revenue: expected {want['total_revenue']}, "
                f"got {got['total_revenue']}"
            )
    got_daily = Counter()
    for r in rows(read_table(bp / "daily-activity")):
        got_daily[(r["year"], r["month"], r["day"], r["user_id"], r["event_type"])] += r[
            "event_count"
        ]
    same("daily-activity event counts", dict(got_daily), dict(expect["daily"]))
    return problems


# ---- S3 --------------------------------------------------------------------------------------


def download_lake(bucket: str, region: str | None, target: Path) -> None:
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as e:  # pragma: no cover - boto3 is in requirements.txt
        raise CheckError(f"boto3 is needed for S3 mode: {e}") from None
    import os

    path_style = (
        Config(s3={"addressing_style": "path"}) if os.environ.get("AWS_ENDPOINT_URL") else None
    )
    s3 = boto3.client("s3", region_name=region, config=path_style)
    try:
        for prefix in PREFIXES:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    dest = target / obj["Key"]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    s3.download_file(bucket, obj["Key"], str(dest))
    except (BotoCoreError, ClientError) as e:
        raise CheckError(f"cannot read s3://{bucket}/: {e}") from None


def bucket_from_outputs(path: Path, stack: str | None) -> tuple[str, str | None]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckError(f"cannot read outputs file {path}: {e}") from None
    stacks = {k: v for k, v in data.items() if isinstance(v, dict)}
    if stack is None:
        if len(stacks) != 1:
            raise CheckError(f"{path} has stacks {sorted(stacks)}: pass --stack")
        stack = next(iter(stacks))
    outputs = stacks.get(stack)
    if not outputs or not outputs.get("lake_bucket_name"):
        raise CheckError(f"{path}: stack {stack!r} has no lake_bucket_name output")
    return outputs["lake_bucket_name"], outputs.get("region")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--lake", help="local lake directory")
    src.add_argument("--bucket", help="lake bucket name")
    src.add_argument("--outputs", help="a `cdktf output --outputs-file` JSON")
    p.add_argument("--stack", help="stack in the outputs file")
    p.add_argument("--region", help="AWS region for --bucket")
    p.add_argument("--expect-from", help="generated input (NDJSON) to assert the outputs against")
    args = p.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="check-results-") as tmp:
            if args.lake:
                lake = Path(args.lake)
                if not (lake / STREAMING_DATA).is_dir():
                    raise CheckError(f"{lake} has no {STREAMING_DATA}: is it a lake directory?")
                where = str(lake)
            else:
                bucket, region = (args.bucket, args.region)
                if args.outputs:
                    bucket, region = bucket_from_outputs(Path(args.outputs), args.stack)
                lake = Path(tmp)
                download_lake(bucket, region or args.region, lake)
                where = f"s3://{bucket}/"
            summary = summarise(lake)
            print_summary(summary, where)
            if args.expect_from:
                expect = expected_from_input(Path(args.expect_from), lake)
                problems = check(expect, lake, summary)
                if problems:
                    print(
                        f"\nend-to-end check FAILED ({len(problems)} mismatches):",
                        file=sys.stderr,
                    )
                    for line in problems[:20]:
                        print(f"  - {line[:400]}", file=sys.stderr)
                    return 1
                print(
                    f"\nend-to-end check passed: {expect['lines']:,} input events, outputs match "
                    f"{len(expect['per_hour'])} hours, {len(expect['monthly'])} month×category groups, "
                    f"{len(expect['daily'])} daily activity groups"
                )
    except CheckError as e:
        print(f"check-results: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
