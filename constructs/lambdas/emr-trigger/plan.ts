/**
 * Pure planning for the S3→EMR trigger: which hour partitions an event names, and the exact
 * AddJobFlowSteps step for one partition. No AWS calls here (tests and the handler share it).
 */
import type { S3Event } from "aws-lambda";
import {
  type HourPartition,
  isDataObject,
  LAKE_PREFIXES,
  parseHourPartition,
  partitionPath,
} from "../../contract/lake";
import { type SparkStep, sparkStep } from "../../contract/spark-step";
import { STREAMING_JOB, TRIGGER_ENV } from "../../contract/trigger-env";

export type { HourPartition } from "../../contract/lake";

/** Configuration the handler reads from its environment. */
export interface TriggerConfig {
  readonly clusterId: string;
  readonly scriptUri: string;
  /** Zip of the helper packages (jobs/common), passed as --py-files; omitted when unset. */
  readonly pyFilesUri?: string;
  /** Its packed requirements (a PEX), run as the driver's and executors' Python; omitted when unset. */
  readonly pythonEnvUri?: string;
  readonly rawEventsUri: string;
  readonly processedUri: string;
}

/** Step names are `streaming-processor:<partition>`: deterministic, so pending ones are found. */
export const STEP_NAME_PREFIX = `${STREAMING_JOB}:`;

/**
 * The object key an S3 notification names. S3 notifications URL-encode keys (`=` arrives as `%3D`,
 * spaces as `+`): https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * EventBridge's S3 events carry keys as they are, so this is for the S3-notification shape only.
 * Null when the encoding is malformed.
 */
export function decodeNotificationKey(rawKey: string): string | null {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

const UNDER_STREAMING_DATA = LAKE_PREFIXES.streamingData;
const PARTITION_SHAPE = /^year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}(\/|$)/;

/**
 * Why parseHourPartition rejected a key, for the log line only (the decision is the contract's):
 * operators need to tell a misrouted object from an impossible date or a nested dataset.
 */
export function whyNoPartition(key: string): string {
  if (!key.startsWith(UNDER_STREAMING_DATA)) return `not under ${UNDER_STREAMING_DATA}`;
  const rest = key.slice(UNDER_STREAMING_DATA.length);
  const shape = PARTITION_SHAPE.exec(rest);
  if (shape?.[1] === "")
    return "an object named like the hour's folder sits in the day's folder, not in the hour's";
  if (shape && !isDataObject(rest.slice(shape[0].length)))
    return "a folder marker or hidden file (_ or . name), which the jobs do not read";
  if (shape) return "no such date or hour (year=/month=/day=/hour= is not a real UTC hour)";
  if (rest.includes("/year="))
    return `partition is not directly under ${UNDER_STREAMING_DATA} (a deeper prefix is another dataset)`;
  return "no year=YYYY/month=MM/day=DD/hour=HH partition";
}

export function stepName(p: HourPartition): string {
  return STEP_NAME_PREFIX + partitionPath(p);
}

/** The AddJobFlowSteps StepConfig for one partition (the product's one spark-submit step). */
export function buildStep(p: HourPartition, cfg: TriggerConfig): SparkStep {
  return sparkStep({
    name: stepName(p),
    scriptUri: cfg.scriptUri,
    pyFilesUri: cfg.pyFilesUri,
    pythonEnvUri: cfg.pythonEnvUri,
    jobArgs: [
      "--input",
      cfg.rawEventsUri,
      "--output",
      `${cfg.processedUri}${STREAMING_JOB}/`,
      "--partition",
      partitionPath(p),
    ],
  });
}

/** One S3 object key (decoded) and, when it came through SQS, the message it belongs to. */
export interface ObjectRef {
  readonly key: string;
  readonly messageId?: string;
  /** When the object was created (the S3 record's eventTime, EventBridge's time), epoch ms. */
  readonly landedAt?: number;
}

/** An event's ISO time as epoch ms, or undefined. */
function epochMs(v: unknown): number | undefined {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** A key that adds no step, and why (logged one line each). */
export interface IgnoredKey {
  readonly key: string;
  readonly reason: string;
  readonly messageId?: string;
}

/**
 * How the event reached the function, which decides how a failure is reported: an SQS batch
 * answers with a partial batch response; direct S3 and EventBridge invocations are asynchronous,
 * where Lambda retries (and then uses the failure destination) only when the function errors.
 */
export type EventShape = "sqs" | "s3" | "eventbridge" | "unknown";

export interface EventRefs {
  readonly shape: EventShape;
  readonly refs: ObjectRef[];
  /** SQS messages without an ObjectCreated notification (s3:TestEvent, unparsable bodies). */
  readonly ignoredMessages: string[];
  /** Keys whose URL encoding is malformed. */
  readonly ignoredKeys: IgnoredKey[];
}

type S3Record = S3Event["Records"][number];
const isS3Records = (v: unknown): v is { Records: S3Record[] } =>
  typeof v === "object" && v !== null && Array.isArray((v as { Records?: unknown }).Records);

function keysOfS3Event(ev: unknown, out: EventRefs, messageId?: string): number {
  if (!isS3Records(ev)) return 0;
  let n = 0;
  const withMessage = messageId === undefined ? {} : { messageId };
  for (const r of ev.Records) {
    const raw = r?.s3?.object?.key;
    if (typeof raw !== "string" || !String(r.eventName ?? "").startsWith("ObjectCreated")) continue;
    n++;
    const key = decodeNotificationKey(raw);
    const landedAt = epochMs(r.eventTime);
    if (key === null) out.ignoredKeys.push({ key: raw, reason: "malformed URL encoding", ...withMessage });
    else out.refs.push({ key, ...withMessage, ...(landedAt === undefined ? {} : { landedAt }) });
  }
  return n;
}

/**
 * Object keys named by a Lambda event: an SQS batch whose bodies are S3 notifications (the
 * deployed path), a direct S3 notification, or an EventBridge "Object Created" event. Keys of S3
 * notifications are URL-decoded; EventBridge keys are taken as they are. S3's `s3:TestEvent` and
 * unparsable bodies yield nothing (logged by the caller, not retried).
 */
export function objectRefs(event: unknown): EventRefs {
  const out: EventRefs = { shape: "unknown", refs: [], ignoredMessages: [], ignoredKeys: [] };
  if (typeof event !== "object" || event === null) return out;
  const e = event as Record<string, unknown>;
  if (e["detail-type"] === "Object Created") {
    const key = (e.detail as { object?: { key?: unknown } } | undefined)?.object?.key;
    const landedAt = epochMs(e.time);
    if (typeof key === "string") out.refs.push({ key, ...(landedAt === undefined ? {} : { landedAt }) });
    return { ...out, shape: "eventbridge" };
  }
  if (!Array.isArray(e.Records)) return out;
  const records = e.Records as Array<Record<string, unknown>>;
  // Lambda never mixes sources in one event; should one arrive, any direct record makes it "s3",
  // whose failures fail the invocation (a partial batch response could not name that record).
  const shape: EventShape =
    records.length > 0 && records.every((r) => r?.eventSource === "aws:sqs") ? "sqs" : "s3";
  for (const r of records) {
    if (r?.eventSource === "aws:sqs") {
      const messageId = String(r.messageId);
      let body: unknown;
      try {
        body = JSON.parse(String(r.body));
      } catch {
        out.ignoredMessages.push(messageId);
        continue;
      }
      if (keysOfS3Event(body, out, messageId) === 0) out.ignoredMessages.push(messageId);
    } else {
      keysOfS3Event({ Records: [r] }, out);
    }
  }
  return { ...out, shape };
}

/** The partitions a set of refs names, and the refs that name none. */
export interface Partitions {
  readonly partitions: Map<
    string,
    {
      partition: HourPartition;
      messageIds: Set<string>;
      /** When its last object landed (epoch ms); undefined when an object's time is not known. */
      lastLanded?: number;
    }
  >;
  readonly ignored: IgnoredKey[];
}

/**
 * Groups object refs by hour partition (parseHourPartition: real dates, directly under
 * `streaming-data/`); every other ref is returned with the reason it adds no step.
 */
export function partitionsOf(refs: readonly ObjectRef[]): Partitions {
  const partitions: Partitions["partitions"] = new Map();
  const ignored: IgnoredKey[] = [];
  const untimed = new Set<string>();
  for (const ref of refs) {
    const p = parseHourPartition(ref.key);
    if (!p) {
      const { key, messageId } = ref;
      ignored.push({ key, reason: whyNoPartition(key), ...(messageId === undefined ? {} : { messageId }) });
      continue;
    }
    const name = stepName(p);
    const entry = partitions.get(name) ?? { partition: p, messageIds: new Set<string>() };
    if (ref.messageId !== undefined) entry.messageIds.add(ref.messageId);
    if (ref.landedAt === undefined) untimed.add(name);
    entry.lastLanded = untimed.has(name) ? undefined : Math.max(entry.lastLanded ?? 0, ref.landedAt!);
    partitions.set(name, entry);
  }
  return { partitions, ignored };
}

/**
 * Reads and validates the handler's environment (TRIGGER_ENV; the helper zip is optional);
 * throws one clear message.
 */
export function configFromEnv(env: Record<string, string | undefined>): TriggerConfig {
  const need = (name: string, mustEndWithSlash = false): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set`);
    if (mustEndWithSlash && !v.endsWith("/")) throw new Error(`${name} must end with "/", got ${v}`);
    return v;
  };
  const pyFilesUri = env[TRIGGER_ENV.pyFilesUri];
  const pythonEnvUri = env[TRIGGER_ENV.pythonEnvUri];
  return {
    clusterId: need(TRIGGER_ENV.clusterId),
    scriptUri: need(TRIGGER_ENV.scriptUri),
    // Optional: a script without helper packages needs no zip, one without requirements no PEX.
    ...(pyFilesUri ? { pyFilesUri } : {}),
    ...(pythonEnvUri ? { pythonEnvUri } : {}),
    rawEventsUri: need(TRIGGER_ENV.rawEventsUri, true),
    processedUri: need(TRIGGER_ENV.processedUri, true),
  };
}
