import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  isDayArg,
  LAKE_PREFIXES,
  parseHourPartition,
  parsePartitionArg,
  partitionPath,
} from "../constructs/contract/lake";

describe("parseHourPartition", () => {
  const p = (year: string, month: string, day: string, hour: string) => ({ year, month, day, hour });

  it.each([
    ["streaming-data/year=2026/month=01/day=31/hour=09/part-0.parquet", p("2026", "01", "31", "09")],
    ["streaming-data/year=2024/month=02/day=29/hour=00/x", p("2024", "02", "29", "00")],
    ["streaming-data/year=2026/month=12/day=31/hour=23/nested/part-1.parquet", p("2026", "12", "31", "23")],
  ])("reads %s", (key, want) => {
    expect(parseHourPartition(key)).toEqual(want);
  });

  it.each([
    ["an impossible date", "streaming-data/year=2026/month=02/day=31/hour=01/x"],
    ["29 February of a common year", "streaming-data/year=2025/month=02/day=29/hour=01/x"],
    ["month 13", "streaming-data/year=2026/month=13/day=01/hour=01/x"],
    ["day 00", "streaming-data/year=2026/month=01/day=00/hour=01/x"],
    ["hour 24", "streaming-data/year=2026/month=01/day=01/hour=24/x"],
    ["a deeper prefix", "streaming-data/backfill/year=2026/month=01/day=01/hour=01/x"],
    ["another prefix", "processed-data/year=2026/month=01/day=01/hour=01/x"],
    ["an object named like the hour folder", "streaming-data/year=2026/month=01/day=01/hour=01"],
    ["unpadded numbers", "streaming-data/year=2026/month=1/day=01/hour=01/x"],
    // Not data: Spark and the jobs skip them, so they need no step.
    ["a folder marker", "streaming-data/year=2026/month=12/day=31/hour=23/"],
    ["a hidden file", "streaming-data/year=2026/month=01/day=01/hour=01/_SUCCESS"],
    ["a checksum file", "streaming-data/year=2026/month=01/day=01/hour=01/.part-0.parquet.crc"],
    ["a file in a hidden folder", "streaming-data/year=2026/month=01/day=01/hour=01/_temporary/0/part-0"],
  ])("rejects %s", (_why, key) => {
    expect(parseHourPartition(key)).toBeNull();
  });

  it("round-trips with partitionPath", () => {
    const part = p("2026", "03", "05", "07");
    expect(parseHourPartition(`${LAKE_PREFIXES.streamingData}${partitionPath(part)}/f`)).toEqual(part);
    expect(partitionPath(part)).toBe("year=2026/month=03/day=05/hour=07");
  });
});

/**
 * submit-job checks the jobs' `--partition` and `--from-day`/`--to-day` values before it uploads
 * (scripts/submit-job/argparse.ts); the jobs check them again with `common.lake.parse_partition`
 * and `parse_day`. The two readings must agree on every value, so both are asked here.
 */
describe("the job-argument readings agree with the jobs' own (Python)", () => {
  const PY = join(__dirname, "..", ".venv", "bin", "python");
  /** For each value: does the jobs' parser accept it? (true/false from Python). */
  function pythonAccepts(fn: "parse_day" | "parse_partition", values: string[]): boolean[] {
    const code = [
      "import json, sys",
      "from common.lake import " + fn,
      "def ok(v):",
      "    try:",
      `        ${fn}(v)`,
      "        return True",
      "    except ValueError:",
      "        return False",
      "print(json.dumps([ok(v) for v in json.load(sys.stdin)]))",
    ].join("\n");
    const out = execFileSync(PY, ["-c", code], {
      cwd: join(__dirname, "..", "jobs"),
      input: JSON.stringify(values),
      encoding: "utf8",
    });
    return JSON.parse(out) as boolean[];
  }

  it("--partition", () => {
    const values = [
      "year=2026/month=01/day=31/hour=09",
      "year=2026/month=01/day=31/hour=09/",
      " year=2026/month=01/day=31/hour=09 ",
      "year=2024/month=02/day=29/hour=23",
      "year=2025/month=02/day=29/hour=23",
      "year=2026/month=01/day=31/hour=24",
      "year=2026/month=13/day=01/hour=00",
      "year=2026/month=1/day=31/hour=09",
      "year=2026/month=01/day=31",
      "2026-01-31T09",
      "year=2026/month=01/day=31/hour=09//",
      "",
    ];
    const ts = values.map((v) => parsePartitionArg(v) !== null);
    expect(ts).toEqual(pythonAccepts("parse_partition", values));
    expect(ts.filter(Boolean)).toHaveLength(4); // the cases mean something on both sides
  });

  it("--from-day / --to-day", () => {
    const values = [
      "2026-01-31",
      "2024-02-29",
      "2025-02-29",
      "2026-13-01",
      "2026-1-31",
      "20260131",
      "2026-W05-6",
      "yesterday",
      " 2026-01-31",
      "",
    ];
    const ts = values.map(isDayArg);
    expect(ts).toEqual(pythonAccepts("parse_day", values));
    expect(ts.filter(Boolean)).toHaveLength(2);
  });
});
