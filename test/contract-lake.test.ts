import { LAKE_PREFIXES, parseHourPartition, partitionPath } from "../constructs/contract/lake";

describe("parseHourPartition", () => {
  const p = (year: string, month: string, day: string, hour: string) => ({ year, month, day, hour });

  it.each([
    ["streaming-data/year=2026/month=01/day=31/hour=09/part-0.parquet", p("2026", "01", "31", "09")],
    ["streaming-data/year=2024/month=02/day=29/hour=00/x", p("2024", "02", "29", "00")],
    ["streaming-data/year=2026/month=12/day=31/hour=23/", p("2026", "12", "31", "23")],
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
  ])("rejects %s", (_why, key) => {
    expect(parseHourPartition(key)).toBeNull();
  });

  it("round-trips with partitionPath", () => {
    const part = p("2026", "03", "05", "07");
    expect(parseHourPartition(`${LAKE_PREFIXES.streamingData}${partitionPath(part)}/f`)).toEqual(part);
    expect(partitionPath(part)).toBe("year=2026/month=03/day=05/hour=07");
  });
});
