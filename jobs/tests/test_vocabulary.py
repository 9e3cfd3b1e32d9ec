"""Both event generators draw their values from constructs/contract/event-vocabulary.json.

The TypeScript one (scripts/events/generator.ts, raw producer events) and the Python one
(jobs/tools/generate_sample_data.py, lake rows) are each run here and every vocabulary field of
what they produce must be exactly the file's set of values: a generator that keeps a list of its
own (or drops a value) fails."""

import json
import shutil
import subprocess

import pyarrow.dataset as ds
from conftest import REPO

VOCABULARY = json.loads((REPO / "constructs/contract/event-vocabulary.json").read_text())
WEB, APP, IOT = VOCABULARY["web"], VOCABULARY["application"], VOCABULARY["iot"]


def _firsts(pairs):
    return {v for v, _ in pairs}


#: (log_type, field) -> the values the vocabulary allows for it.
EXPECTED = {
    ("web_access", "event_type"): set(WEB["eventTypes"]),
    ("web_access", "category"): set(WEB["categories"]),
    ("web_access", "method"): _firsts(WEB["methods"]),
    ("web_access", "path"): set(WEB["paths"]),
    ("web_access", "status_code"): _firsts(WEB["statusCodes"]),
    ("web_access", "user_agent"): set(WEB["userAgents"]),
    ("web_access", "referer"): set(WEB["referers"]),
    ("application", "event_type"): {APP["eventType"]},
    ("application", "level"): _firsts(APP["levels"]),
    ("application", "logger"): set(APP["loggers"]),
    ("application", "message"): set(APP["messages"]),
    ("iot_sensor", "event_type"): {IOT["eventType"]},
    ("iot_sensor", "device_type"): {d[0] for d in IOT["devices"]},
    ("iot_sensor", "unit"): {d[1] for d in IOT["devices"]},
}
DEVICES = {d[0]: (d[1], d[2], d[3]) for d in IOT["devices"]}


def observed(rows: list[dict]) -> dict:
    out = {key: set() for key in EXPECTED}
    for r in rows:
        for (log_type, field), seen in out.items():
            if r.get("log_type") == log_type and r.get(field) is not None:
                seen.add(r[field])
    return out


def assert_devices(rows: list[dict]) -> None:
    for r in rows:
        if r.get("log_type") == "iot_sensor" and r.get("device_type") is not None:
            unit, lo, hi = DEVICES[r["device_type"]]
            assert r["unit"] == unit, r
            assert lo <= r["value"] <= hi, r


def test_python_generator_uses_exactly_the_vocabulary(tmp_path, generator):
    lake = tmp_path / "lake"
    # No corrupt rows: an infinite reading would fall outside its device's range on purpose.
    generator.main(["--output", str(lake), "--events", "4000", "--days", "1", "--seed", "9"]
                   + ["--corrupt-share", "0"])  # fmt: skip
    rows = ds.dataset(str(lake), format="parquet", partitioning="hive").to_table().to_pylist()
    assert observed(rows) == EXPECTED
    assert_devices(rows)


def typescript_events(count: int) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is not on PATH: cannot run scripts/events/generator.ts"
    script = (
        "import('./scripts/events/generator.ts').then((mod) => {"
        " const m = mod.generateEvents ? mod : mod.default;"
        f" const evs = [...m.generateEvents({{ seed: 9, count: {count}, hours: 24,"
        " start: new Date('2026-01-31T00:00:00Z') })];"
        " console.log(JSON.stringify(evs)); });"
    )
    proc = subprocess.run(
        [node, "--import", "tsx", "-e", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"node failed: {proc.stderr.strip()[-500:]}"
    return json.loads(proc.stdout)


def test_typescript_generator_uses_exactly_the_vocabulary():
    rows = typescript_events(4000)
    assert observed(rows) == EXPECTED
    assert_devices(rows)
