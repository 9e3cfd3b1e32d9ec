/**
 * Pure planning for the S3→EMR trigger: which hour partitions an event names, and the exact
 * AddJobFlowSteps step for one partition. No AWS calls here (tests and the handler share it).
 */
import type { S3Event } from "aws-lambda";

/** An hour partition of `streaming-data/`, zero-padded (DESIGN §4.2). */
export interface HourPartition {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
}

/** Configuration the handler reads from its environment. */
export interface TriggerConfig {
  readonly clusterId: string;
  readonly scriptUri: string;
  /** Zip of the helper packages (jobs/common), passed as --py-files; omitted when unset. */
  readonly pyFilesUri?: string;
  readonly rawEventsUri: string;
  readonly processedUri: string;
}

/** Prefix of the Firehose landing zone this trigger reacts to. */
export const LANDING_PREFIX = "streaming-data/";
/** Step names are `streaming-processor:<partition>`: deterministic, so pending ones are found. */
export const STEP_NAME_PREFIX = "streaming-processor:";

const PARTITION_RE = /(?:^|\/)year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//;

/**
 * The hour partition of an object key under `streaming-data/`, or null for keys elsewhere or
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
  if (!key.startsWith(LANDING_PREFIX)) return null;
  const m = PARTITION_RE.exec(key.slice(LANDING_PREFIX.length - 1));
  if (!m) return null;
  const [, year, month, day, hour] = m;
  if (+month < 1 || +month > 12 || +day < 1 || +day > 31 || +hour > 23) return null;
  return { year, month, day, hour };
}

/** `year=YYYY/month=MM/day=DD/hour=HH`: the streaming processor's --partition value. */
export function partitionPath(p: HourPartition): string {
  return `year=${p.year}/month=${p.month}/day=${p.day}/hour=${p.hour}`;
}

export function stepName(p: HourPartition): string {
  return STEP_NAME_PREFIX + partitionPath(p);
}

/** The AddJobFlowSteps StepConfig for one partition (command-runner.jar + spark-submit). */
export function buildStep(p: HourPartition, cfg: TriggerConfig) {
  return {
    Name: stepName(p),
    // One bad hour must not terminate a long-running cluster.
    ActionOnFailure: "CONTINUE" as const,
    HadoopJarStep: {
      Jar: "command-runner.jar",
      Args: [
        "spark-submit",
        "--deploy-mode",
        "cluster",
        ...(cfg.pyFilesUri ? ["--py-files", cfg.pyFilesUri] : []),
        cfg.scriptUri,
        "--input",
        cfg.rawEventsUri,
        "--output",
        `${cfg.processedUri}streaming-processor/`,
        "--partition",
        partitionPath(p),
      ],
    },
  };
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
 * Reads and validates the handler's environment (EMR_CLUSTER_ID, STREAMING_SCRIPT_URI,
 * RAW_EVENTS_URI, PROCESSED_URI, optional STREAMING_PY_FILES_URI); throws one clear message.
 */
export function configFromEnv(env: Record<string, string | undefined>): TriggerConfig {
  const need = (name: string, mustEndWithSlash = false): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set`);
    if (mustEndWithSlash && !v.endsWith("/")) throw new Error(`${name} must end with "/", got ${v}`);
    return v;
  };
  return {
    clusterId: need("EMR_CLUSTER_ID"),
    scriptUri: need("STREAMING_SCRIPT_URI"),
    // Optional: the documented four variables suffice for a script without helper packages.
    ...(env.STREAMING_PY_FILES_URI ? { pyFilesUri: env.STREAMING_PY_FILES_URI } : {}),
    rawEventsUri: need("RAW_EVENTS_URI", true),
    processedUri: need("PROCESSED_URI", true),
  };
}
