/**
 * S3→EMR trigger Lambda (bundled to dist/lambda/emr-trigger/index.js). For each hour partition
 * named by the event, adds one streaming-processor step unless one for that partition is
 * already PENDING — so N objects of an hour, or a redelivered event, add at most one step.
 *
 * A RUNNING step does not count: it may have listed the partition before the new object landed,
 * so one more (pending) run is needed; the processor overwrites its output partition, so re-runs
 * are idempotent. Reserved concurrency 1 (JobTrigger) makes check-then-add race-free.
 */
import { AddJobFlowStepsCommand, EMRClient, ListStepsCommand } from "@aws-sdk/client-emr";
import type { SQSBatchResponse } from "aws-lambda";
import {
  buildStep,
  configFromEnv,
  objectRefs,
  partitionsOf,
  STEP_NAME_PREFIX,
  type TriggerConfig,
} from "./plan";

/** The two EMR calls the trigger makes (a fake in unit tests, EMRClient otherwise). */
export interface EmrApi {
  send(command: ListStepsCommand | AddJobFlowStepsCommand): Promise<unknown>;
}

/** What one invocation did, also logged as one JSON line. */
export interface TriggerResult {
  readonly partitions: number;
  readonly added: string[];
  readonly alreadyPending: string[];
  readonly failed: string[];
}

/** Names of the cluster's PENDING streaming-processor steps (all pages). */
export async function pendingStepNames(emr: EmrApi, clusterId: string): Promise<Set<string>> {
  const names = new Set<string>();
  let marker: string | undefined;
  do {
    const page = (await emr.send(
      new ListStepsCommand({ ClusterId: clusterId, StepStates: ["PENDING"], Marker: marker }),
    )) as {
      Steps?: Array<{ Name?: string; Status?: { State?: string } }>;
      Marker?: string;
    };
    for (const s of page.Steps ?? []) {
      // Filter again client-side: not every implementation honours StepStates.
      if (s.Name?.startsWith(STEP_NAME_PREFIX) && (s.Status?.State ?? "PENDING") === "PENDING")
        names.add(s.Name);
    }
    marker = page.Marker;
  } while (marker);
  return names;
}

/** One structured log line (the handler's only output besides its result). */
function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
}

/**
 * The trigger's logic with its dependencies passed in. A partition whose AddJobFlowSteps fails:
 * - SQS batch: its messages are listed in the partial batch response (retried, then the DLQ);
 * - direct S3 / EventBridge (asynchronous invocations): after every partition was tried, the
 *   call rejects, so Lambda retries the event and then hands it to the failure destination —
 *   a resolved result would drop that hour for good.
 */
export async function trigger(
  event: unknown,
  emr: EmrApi,
  cfg: TriggerConfig,
): Promise<TriggerResult & SQSBatchResponse> {
  const { shape, refs, ignoredMessages, ignoredKeys } = objectRefs(event);
  const { partitions: parts, ignored } = partitionsOf(refs);
  for (const k of [...ignoredKeys, ...ignored]) log("warn", "key ignored: adds no step", { ...k });
  const result = {
    partitions: parts.size,
    added: [] as string[],
    alreadyPending: [] as string[],
    failed: [] as string[],
  };
  const failedMessages = new Set<string>();
  if (parts.size > 0) {
    const pending = await pendingStepNames(emr, cfg.clusterId);
    for (const [name, { partition, messageIds }] of parts) {
      if (pending.has(name)) {
        result.alreadyPending.push(name);
        continue;
      }
      try {
        await emr.send(
          new AddJobFlowStepsCommand({ JobFlowId: cfg.clusterId, Steps: [buildStep(partition, cfg)] }),
        );
        result.added.push(name);
      } catch (err) {
        result.failed.push(name);
        messageIds.forEach((id) => failedMessages.add(id));
        log("error", "AddJobFlowSteps failed", { step: name, error: String(err) });
      }
    }
  }
  log("info", "trigger", {
    shape,
    ...result,
    ignoredMessages: ignoredMessages.length,
    ignoredKeys: ignoredKeys.length + ignored.length,
  });
  if (shape !== "sqs" && result.failed.length > 0) {
    throw new Error(
      `AddJobFlowSteps failed for ${result.failed.length} of ${parts.size} partition(s): ${result.failed.join(", ")}`,
    );
  }
  // SQS partial batch response: only messages of failed partitions are retried, then go to the DLQ.
  return { ...result, batchItemFailures: [...failedMessages].map((itemIdentifier) => ({ itemIdentifier })) };
}

let client: EMRClient | undefined;

/** Lambda entry point: config from the environment, one EMR client per container. */
export async function handler(event: unknown): Promise<SQSBatchResponse> {
  const cfg = configFromEnv(process.env);
  client ??= new EMRClient({});
  const { batchItemFailures } = await trigger(event, client, cfg);
  return { batchItemFailures };
}
