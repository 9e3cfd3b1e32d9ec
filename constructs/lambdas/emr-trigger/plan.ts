/**
 * Pure planning for the S3→EMR trigger: which hour partitions an event names, and the exact
 * AddJobFlowSteps step for one partition. No AWS calls here (tests and the handler share it).
 */
import type { S3Event } from "aws-lambda";
import { type HourPartition, parseHourPartition, partitionPath } from "../../contract/lake";
import { type SparkStep, sparkStep } from "../../contract/spark-step";
import { STREAMING_JOB, TRIGGER_ENV } from "../../contract/trigger-env";

export type { HourPartition } from "../../contract/lake";

/** Configuration the handler reads from its environment. */
export interface TriggerConfig {
  readonly clusterId: string;
  readonly scriptUri: string;
  /** Zip of the helper packages (jobs/common), passed as --py-files; omitted when unset. */
  readonly pyFilesUri?: string;
  readonly rawEventsUri: string;
  readonly processedUri: string;
}

/** Step names are `streaming-processor:<partition>`: deterministic, so pending ones are found. */
export const STEP_NAME_PREFIX = `${STREAMING_JOB}:`;

/**
 * The hour partition of an object key from an S3 notification, or null for keys elsewhere or
 * without a valid partition. Keys in S3 notifications are URL-encoded (`=` arrives as `%3D`,
 * spaces as `+`): https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function partitionFromKey(rawKey: string): HourPartition | null {
  let key: string;
  try {
    key = decodeURIComponent(rawKey.replace(/\+/g, " "));
  } catch {
    return null;
  }
  return parseHourPartition(key);
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

/** One S3 object reference and, when it came through SQS, the message it belongs to. */
export interface ObjectRef {
  readonly key: string;
  readonly messageId?: string;
}

type S3Record = S3Event["Records"][number];
const isS3Records = (v: unknown): v is { Records: S3Record[] } =>
  typeof v === "object" && v !== null && Array.isArray((v as { Records?: unknown }).Records);

function keysOfS3Event(ev: unknown, messageId?: string): ObjectRef[] {
  if (!isS3Records(ev)) return [];
  const out: ObjectRef[] = [];
  for (const r of ev.Records) {
    const key = r?.s3?.object?.key;
    if (typeof key === "string" && String(r.eventName ?? "").startsWith("ObjectCreated")) {
      out.push(messageId === undefined ? { key } : { key, messageId });
    }
  }
  return out;
}

/**
 * Object keys named by a Lambda event: an SQS batch whose bodies are S3 notifications (the
 * deployed path), a direct S3 notification, or an EventBridge "Object Created" event. S3's
 * `s3:TestEvent` and unparsable bodies yield nothing (logged by the caller, not retried).
 */
export function objectRefs(event: unknown): { refs: ObjectRef[]; ignoredMessages: string[] } {
  const refs: ObjectRef[] = [];
  const ignoredMessages: string[] = [];
  if (typeof event !== "object" || event === null) return { refs, ignoredMessages };
  const e = event as Record<string, unknown>;
  if (e["detail-type"] === "Object Created") {
    const key = (e.detail as { object?: { key?: unknown } } | undefined)?.object?.key;
    if (typeof key === "string") refs.push({ key });
    return { refs, ignoredMessages };
  }
  if (!Array.isArray(e.Records)) return { refs, ignoredMessages };
  for (const r of e.Records as Array<Record<string, unknown>>) {
    if (r?.eventSource === "aws:sqs") {
      const messageId = String(r.messageId);
      let body: unknown;
      try {
        body = JSON.parse(String(r.body));
      } catch {
        ignoredMessages.push(messageId);
        continue;
      }
      const got = keysOfS3Event(body, messageId);
      if (got.length === 0) ignoredMessages.push(messageId);
      refs.push(...got);
    } else {
      refs.push(...keysOfS3Event({ Records: [r] }));
    }
  }
  return { refs, ignoredMessages };
}

/** Groups object refs by hour partition (refs outside `streaming-data/` partitions are dropped). */
export function partitionsOf(
  refs: readonly ObjectRef[],
): Map<string, { partition: HourPartition; messageIds: Set<string> }> {
  const out = new Map<string, { partition: HourPartition; messageIds: Set<string> }>();
  for (const ref of refs) {
    const p = partitionFromKey(ref.key);
    if (!p) continue;
    const name = stepName(p);
    const entry = out.get(name) ?? { partition: p, messageIds: new Set<string>() };
    if (ref.messageId !== undefined) entry.messageIds.add(ref.messageId);
    out.set(name, entry);
  }
  return out;
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
  return {
    clusterId: need(TRIGGER_ENV.clusterId),
    scriptUri: need(TRIGGER_ENV.scriptUri),
    // Optional: a script without helper packages needs no zip.
    ...(pyFilesUri ? { pyFilesUri } : {}),
    rawEventsUri: need(TRIGGER_ENV.rawEventsUri, true),
    processedUri: need(TRIGGER_ENV.processedUri, true),
  };
}
