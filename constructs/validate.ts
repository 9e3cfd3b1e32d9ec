/**
 * Validation rules, each written once with one message: the environment config
 * (`validateConfig`) and the constructs call the same functions, so a bad value reads the same
 * wherever it is caught. `field` names what was wrong as the caller's user sees it
 * (`config "dev": emr.idleTimeoutSeconds`, `SparkCluster: idleTimeoutSeconds`); every message
 * says the rule and the value received.
 */

/** A configuration error: one line, names the field, the value and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** True for an unresolved cdktf token (`${...}`): its value is only known at apply time. */
export const isToken = (v: unknown): boolean => typeof v === "string" && v.includes("${");

const CIDR_RE = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** EMR release: 7.x, the line whose Spark 3.5 the jobs are tested on. */
export function checkEmrRelease(field: string, v: string): void {
  if (!/^emr-7\.\d+\.\d+$/.test(v)) {
    throw new ConfigError(`${field} must be an emr-7.x release (Spark 3.5), got "${v}"`);
  }
}

/** An integer in [min, max] (tokens are skipped). */
export function checkIntRange(field: string, v: number, min: number, max: number): void {
  if (isToken(v)) return;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${field} must be an integer between ${min} and ${max}, got ${v}`);
  }
}

/** A count of instances or days: an integer ≥ `min`. */
export function checkCount(field: string, v: number, min: number, why = ""): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ConfigError(`${field} must be an integer ≥ ${min}${why ? ` (${why})` : ""}, got ${v}`);
  }
}

/** `lowField` ≤ `highField` (or < with `strict`). */
export function checkOrder(
  lowField: string,
  low: number,
  highField: string,
  high: number,
  strict = false,
): void {
  if (strict ? low >= high : low > high) {
    throw new ConfigError(`${lowField} (${low}) must be ${strict ? "<" : "≤"} ${highField} (${high})`);
  }
}

/** An IPv4 CIDR; with `noInternet`, never a /0. */
export function checkCidr(field: string, v: string, noInternet = false): void {
  if (!CIDR_RE.test(v)) throw new ConfigError(`${field} must be an IPv4 CIDR, got "${v}"`);
  if (noInternet && v.endsWith("/0")) {
    throw new ConfigError(`${field} must not open traffic to the internet, got "${v}"`);
  }
}

/** An email address (for the alarm topic's subscription). */
export function checkEmail(field: string, v: string): void {
  if (!EMAIL_RE.test(v)) throw new ConfigError(`${field} is not an email address, got "${v}"`);
}

/** A non-empty list. */
export function checkNonEmpty(field: string, v: readonly unknown[], what: string): void {
  if (v.length === 0) throw new ConfigError(`${field} must list at least one ${what}, got []`);
}

/** Two flags that contradict each other. */
export function checkNotBoth(
  aField: string,
  a: boolean | undefined,
  bField: string,
  b: boolean | undefined,
): void {
  if (a && b) throw new ConfigError(`${aField} and ${bField} cannot both be true`);
}

/** S3's minimum age before STANDARD_IA. */
export const S3_MIN_IA_DAYS = 30;
export const S3_MIN_IA_REASON = "S3 minimum before STANDARD_IA";
/** EMR keeps HDFS on core nodes. */
export const CORE_NODE_REASON = "HDFS needs a core node";
/** One private subnet per AZ, at most three. */
export const MAX_AZ_COUNT = 3;
/** EMR's auto-termination idle timeout bounds (seconds). */
export const EMR_IDLE_TIMEOUT_RANGE = [60, 604800] as const;
