/**
 * Pure building blocks: S3 URIs, durations, Spark confs, run ids, the exact AddJobFlowSteps
 * request and the polling backoff. No I/O here, so every rule is unit-tested.
 */
import { createHash } from "node:crypto";
import { type ActionOnFailure, type SparkStep, sparkStep } from "../../constructs/contract/spark-step";
import { UsageError } from "./errors";

/** A parsed `s3://bucket/key` URI. `key` has no leading slash; it may be "" (the bucket root). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

// Bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key`; `what` names the flag or output in the error. */
export function parseS3Uri(uri: string, what: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw new UsageError(`${what} must be an s3://bucket/prefix URI, got "${uri}"`);
  const bucket = m[1];
  if (!BUCKET_RE.test(bucket) || bucket.includes("..")) {
    throw new UsageError(
      `${what} has an invalid bucket name "${bucket}" (3-63 chars: a-z 0-9 . -), got "${uri}"`,
    );
  }
  return { bucket, key: m[2] ?? "" };
}

/** Formats a location as `s3://bucket/key`. */
export function s3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/** Ensures a prefix URI ends with `/` (the stack's outputs do; flags may not). */
export function asPrefix(uri: string): string {
  return uri.endsWith("/") ? uri : `${uri}/`;
}

/** sha256 hex of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `45m`, `2h`, `90s`, `1h30m` or `500ms` (a unit is required); returns seconds. */
export function parseDuration(text: string, what = "--timeout"): number {
  const t = text.trim();
  // A bare number is ambiguous (the help's examples are in minutes and hours): ask for the unit.
  if (/^\d+(\.\d+)?$/.test(t))
    throw new UsageError(`${what} needs a unit: ${t}s, ${t}m or ${t}h? (e.g. 90s, 45m, 2h, 1h30m)`);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNITS[m[2]];
    consumed = re.lastIndex;
  }
  if (t === "" || consumed !== t.length || total <= 0) {
    throw new UsageError(`${what} must be a duration like 90s, 45m, 2h or 1h30m, got "${text}"`);
  }
  return total;
}

/** Formats seconds as `1h02m03s` / `4m05s` / `7s` for progress lines. */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/** Validates `--conf k=v` (Spark conf keys are dotted identifiers; the value may contain `=`). */
export function parseConf(items: readonly string[]): string[] {
  return items.map((item) => {
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq) : "";
    const value = eq > 0 ? item.slice(eq + 1) : "";
    if (!/^[A-Za-z][\w.-]*$/.test(key) || value === "") {
      throw new UsageError(
        `--conf must be key=value with a non-empty value (e.g. spark.executor.memory=4g), got "${item}"`,
      );
    }
    return `${key}=${value}`;
  });
}

/** Run ids become part of the step name `<job>:<run-id>`; keep them shell- and console-safe. */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Default run id: UTC time + 4 random hex chars (unique enough for a human re-running by hand). */
export function defaultRunId(now: Date, random: () => number): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const suffix = Math.floor(random() * 0xffff)
    .toString(16)
    .padStart(4, "0");
  return `${stamp}-${suffix}`;
}

export function stepName(job: string, runId: string): string {
  return `${job}:${runId}`;
}

/** What goes into the step besides the cluster. */
export interface StepPlan {
  readonly job: string;
  readonly runId: string;
  readonly scriptUri: string;
  readonly pyFilesUri?: string;
  /** The packed Python environment of the job's requirements. */
  readonly pythonEnvUri?: string;
  readonly conf: readonly string[];
  /** Job args, already ordered: --input, --output, then extra args. */
  readonly jobArgs: readonly string[];
  readonly actionOnFailure?: ActionOnFailure;
}

/** The AddJobFlowSteps input, exactly as sent (and as printed by --dry-run). */
export interface AddStepsRequest {
  JobFlowId: string;
  Steps: SparkStep[];
}

export function buildStepRequest(clusterId: string, plan: StepPlan): AddStepsRequest {
  return {
    JobFlowId: clusterId,
    Steps: [
      sparkStep({
        name: stepName(plan.job, plan.runId),
        scriptUri: plan.scriptUri,
        pyFilesUri: plan.pyFilesUri,
        pythonEnvUri: plan.pythonEnvUri,
        conf: plan.conf,
        jobArgs: plan.jobArgs,
        actionOnFailure: plan.actionOnFailure,
      }),
    ],
  };
}

/** Polling schedule for DescribeStep: 5 s doubling to 60 s, ±20 % jitter, clipped to the deadline. */
export interface Backoff {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly jitter: number;
}
export const DEFAULT_BACKOFF: Backoff = { baseSeconds: 5, maxSeconds: 60, jitter: 0.2 };

/** Delay before poll number `attempt` (0-based); `random` in [0, 1). */
export function backoffDelay(attempt: number, random: () => number, b: Backoff = DEFAULT_BACKOFF): number {
  const raw = Math.min(b.maxSeconds, b.baseSeconds * 2 ** Math.min(attempt, 30));
  const factor = 1 - b.jitter + 2 * b.jitter * random();
  return Math.min(b.maxSeconds, Math.max(1, raw * factor));
}
