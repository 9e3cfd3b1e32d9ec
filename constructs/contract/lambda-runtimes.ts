/**
 * The Lambda runtime the product deploys and AWS's deprecation schedule for it. The data lives in
 * lambda-runtimes.json so scripts/build.mjs (plain Node, no TypeScript) reads the same value for
 * its esbuild target; this module types it and holds the rule test/lambda-runtimes.test.ts applies.
 */
import data from "./lambda-runtimes.json";

/** AWS's dates for one runtime (ISO days, UTC). */
export interface RuntimeSchedule {
  /** No more security patches or support; AWS's "Deprecation date". */
  readonly deprecation: string;
  /** CreateFunction with this runtime is refused from this day. */
  readonly blockCreate: string;
  /** UpdateFunctionCode/Configuration on it are refused from this day. */
  readonly blockUpdate: string;
}

/** Where the dates come from (AWS Lambda developer guide). */
export const RUNTIME_SCHEDULE_SOURCE: string = data.source;

/** Runtime → schedule, as published by AWS. */
export const LAMBDA_RUNTIME_SCHEDULE: Readonly<Record<string, RuntimeSchedule>> = data.runtimes;

/**
 * The runtime of every Lambda the stack deploys (`nodejsNN.x`: scripts/build.mjs bundles for
 * Node NN). nodejs22.x, not nodejs24.x: the pinned hashicorp/aws provider (5.100.0) rejects
 * nodejs24.x in `terraform validate`.
 */
export const LAMBDA_RUNTIME: string = data.deployed;

/** How many days before deprecation the check starts warning. */
export const WARN_DAYS_BEFORE_DEPRECATION = 90;

export interface RuntimeStatus {
  readonly status: "ok" | "warn" | "deprecated";
  readonly message: string;
}

const DAY_MS = 86_400_000;
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Whether `runtime` is still fine to deploy on `today`: "deprecated" from its deprecation day on
 * (and for a runtime with no recorded schedule), "warn" within WARN_DAYS_BEFORE_DEPRECATION days of it.
 */
export function runtimeStatus(
  runtime: string,
  today: Date,
  schedule: Readonly<Record<string, RuntimeSchedule>> = LAMBDA_RUNTIME_SCHEDULE,
): RuntimeStatus {
  const s = schedule[runtime];
  if (!s) {
    return {
      status: "deprecated",
      message: `${runtime}: no deprecation dates recorded; add them to constructs/contract/lambda-runtimes.json from ${RUNTIME_SCHEDULE_SOURCE}`,
    };
  }
  const day = isoDay(today);
  const dates = `deprecation ${s.deprecation}, function create blocked ${s.blockCreate}, update blocked ${s.blockUpdate}`;
  if (day >= s.deprecation) {
    return {
      status: "deprecated",
      message: `${runtime} is deprecated by AWS Lambda (${dates}); set "deployed" in constructs/contract/lambda-runtimes.json to a supported runtime`,
    };
  }
  const daysLeft = Math.round((Date.parse(s.deprecation) - Date.parse(day)) / DAY_MS);
  if (daysLeft <= WARN_DAYS_BEFORE_DEPRECATION) {
    return {
      status: "warn",
      message: `${runtime} is deprecated in ${daysLeft} day(s) (${dates}); plan the move to a newer runtime`,
    };
  }
  return { status: "ok", message: `${runtime}: ${daysLeft} days until deprecation (${dates})` };
}

/**
 * Throws for a runtime that is deprecated on `today` (or has no recorded schedule) and passes
 * a warning to `warn` within WARN_DAYS_BEFORE_DEPRECATION days of its deprecation.
 */
export function assertRuntimeSupported(
  runtime: string,
  today: Date,
  warn: (message: string) => void = console.warn,
  schedule: Readonly<Record<string, RuntimeSchedule>> = LAMBDA_RUNTIME_SCHEDULE,
): RuntimeStatus {
  const s = runtimeStatus(runtime, today, schedule);
  if (s.status === "deprecated") throw new Error(s.message);
  if (s.status === "warn") warn(`WARNING: ${s.message}`);
  return s;
}
