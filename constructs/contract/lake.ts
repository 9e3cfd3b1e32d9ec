/**
 * The lake layout every part relies on: the top-level prefixes of the lake bucket and the hour
 * partitions Firehose writes under `streaming-data/`. Plain TypeScript (no cdktf), so the stack,
 * the Lambdas, submit-job and the scripts all read the same spelling.
 */

/** Top-level prefixes of the lake bucket. Each ends with "/". */
export const LAKE_PREFIXES = {
  /** Job scripts and their helper packages, content-addressed (see job-package.ts). */
  scripts: "scripts/",
  /** Firehose landing zone: Hive partitions `year=YYYY/month=MM/day=DD/hour=HH/`. */
  streamingData: "streaming-data/",
  /** Records Firehose could not transform or convert: `<error-output-type>/year=.../`. */
  streamingErrors: "streaming-errors/",
  /** Job outputs: `processed-data/<job>/...`. */
  processedData: "processed-data/",
  /** EMR cluster and step logs: `emr-logs/<cluster-id>/...`. */
  emrLogs: "emr-logs/",
} as const;
export type LakePrefix = (typeof LAKE_PREFIXES)[keyof typeof LAKE_PREFIXES];

/** Hive partition keys of `streaming-data/`, zero-padded strings. */
export const PARTITION_KEYS = ["year", "month", "day", "hour"] as const;

/** An hour partition of `streaming-data/`, zero-padded. */
export interface HourPartition {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
}

/** `year=YYYY/month=MM/day=DD/hour=HH`: the streaming processor's --partition value. */
export function partitionPath(p: HourPartition): string {
  return `year=${p.year}/month=${p.month}/day=${p.day}/hour=${p.hour}`;
}

const PARTITION_RE = /^year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//;

/** True for a real calendar day of the proleptic Gregorian calendar (no 31 February). */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The partition a year/month/day/hour match names, or null when it names no real hour. */
function realHour(m: RegExpExecArray | null): HourPartition | null {
  if (!m) return null;
  const [, year, month, day, hour] = m;
  if (+hour > 23 || !isCalendarDay(+year, +month, +day)) return null;
  return { year, month, day, hour };
}

/**
 * The streaming processor's `--partition` value as its `common.lake.parse_partition` reads it
 * (surrounding spaces and one trailing "/" allowed, a real hour), or null.
 */
export function parsePartitionArg(text: string): HourPartition | null {
  return realHour(/^year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\/?$/.exec(text.trim()));
}

/** A batch job's `--from-day`/`--to-day` value as `common.lake.parse_day` reads it: a real `YYYY-MM-DD`. */
export function isDayArg(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && isCalendarDay(+m[1], +m[2], +m[3]);
}

/**
 * The hour partition of a lake object key, or null. Only keys directly under `streaming-data/`
 * count (`streaming-data/year=.../hour=HH/...`): a deeper prefix such as
 * `streaming-data/backfill/year=...` is another dataset, which a step for `--input streaming-data/`
 * would not read. The date must exist, the hour be 00–23, and the key lie inside the partition
 * (`.../hour=HH/<object>`: an object named `.../hour=HH` sits in the day's folder, not the hour's).
 * A folder marker (`.../hour=HH/`) and a hidden file (a name below the hour starting with `_` or
 * `.`, as `_SUCCESS` or `.crc`) are not data: Spark and the jobs skip them, so no step is needed.
 */
export function parseHourPartition(key: string): HourPartition | null {
  if (!key.startsWith(LAKE_PREFIXES.streamingData)) return null;
  const rest = key.slice(LAKE_PREFIXES.streamingData.length);
  const m = PARTITION_RE.exec(rest);
  if (m && !isDataObject(rest.slice(m[0].length))) return null;
  return realHour(m);
}

/** Whether the path below an hour names a data file: not empty, no segment hidden (`_`, `.`). */
export function isDataObject(below: string): boolean {
  const segments = below.split("/");
  return (
    below !== "" && !below.endsWith("/") && !segments.some((s) => s.startsWith("_") || s.startsWith("."))
  );
}
