/**
 * S3→EMR trigger Lambda (bundled to dist/lambda/emr-trigger/index.js). For each hour partition
 * named by the event, adds one streaming-processor step, so that at most one step of an hour is
 * ever PENDING or RUNNING:
 * - none: one step is added;
 * - a PENDING one: nothing (it has not listed the partition yet, so it will see the new object);
 * - a RUNNING one that started after the batch's objects of the hour landed: nothing (it lists
 *   them);
 * - a RUNNING one that started before: the hour's messages are handed back (SQS retries them
 *   after the visibility timeout; a direct invocation fails, so Lambda retries it). The running step may have listed
 *   the partition before the object landed, and a second step of the same hour running beside it
 *   could commit its older view of the hour last; retried once it has ended, they add the step
 *   that sees everything.
 * Reserved concurrency 1 (JobTrigger) makes check-then-add race-free.
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
  /** Partitions whose RUNNING step started after all of the batch's objects landed: it lists them. */
  readonly coveredByRunning: string[];
  /** Partitions with a RUNNING step older than an object: their messages are retried once it has ended. */
  readonly deferred: string[];
  readonly failed: string[];
}

/** What an active step of a partition is doing (a RUNNING one: since when, epoch ms, if known). */
export type ActiveStep = { state: "PENDING" } | { state: "RUNNING"; startedAt?: number };

/** A ListSteps time (a Date from the SDK; epoch seconds or ISO from other implementations) as epoch ms. */
function timeMs(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === "number") return v * 1000;
  if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  return undefined;
}

/**
 * The cluster's PENDING and RUNNING streaming-processor steps, by name (all pages); a name with
 * a step in each state counts as PENDING (that one will list the partition anew).
 */
export async function activeSteps(emr: EmrApi, clusterId: string): Promise<Map<string, ActiveStep>> {
  const active = new Map<string, ActiveStep>();
  let marker: string | undefined;
  do {
    const page = (await emr.send(
      new ListStepsCommand({ ClusterId: clusterId, StepStates: ["PENDING", "RUNNING"], Marker: marker }),
    )) as {
      Steps?: Array<{ Name?: string; Status?: { State?: string; Timeline?: { StartDateTime?: unknown } } }>;
      Marker?: string;
    };
    for (const s of page.Steps ?? []) {
      // Filter again client-side: not every implementation honours StepStates.
      const state = s.Status?.State;
      if (!s.Name?.startsWith(STEP_NAME_PREFIX) || (state !== "PENDING" && state !== "RUNNING")) continue;
      if (active.get(s.Name)?.state === "PENDING") continue;
      if (state === "PENDING") active.set(s.Name, { state });
      else {
        const startedAt = timeMs(s.Status?.Timeline?.StartDateTime);
        active.set(s.Name, startedAt === undefined ? { state } : { state, startedAt });
      }
    }
    marker = page.Marker;
  } while (marker);
  return active;
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
    coveredByRunning: [] as string[],
    deferred: [] as string[],
    failed: [] as string[],
  };
  const failedMessages = new Set<string>();
  if (parts.size > 0) {
    const active = await activeSteps(emr, cfg.clusterId);
    for (const [name, { partition, messageIds, lastLanded }] of parts) {
      const step = active.get(name);
      if (step?.state === "PENDING") {
        result.alreadyPending.push(name);
        continue;
      }
      if (step?.state === "RUNNING") {
        // Started after the hour's objects of this batch landed: its listing has them.
        if (step.startedAt !== undefined && lastLanded !== undefined && step.startedAt > lastLanded)
          result.coveredByRunning.push(name);
        else {
          result.deferred.push(name);
          messageIds.forEach((id) => failedMessages.add(id));
        }
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
        log("error", "AddJobFlowSteps failed", {
          step: name,
          error: String(err),
          ...(clusterEnded(err)
            ? {
                fix: `cluster ${cfg.clusterId} has ended (idle auto-termination?): \`cdktf deploy\` brings up a new one and points this trigger at it; then redrive the DLQ`,
              }
            : {}),
        });
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
  if (shape !== "sqs" && result.deferred.length > 0) {
    throw new Error(
      `a step is RUNNING for ${result.deferred.join(", ")}: retry once it has ended (its output may miss this object)`,
    );
  }
  // SQS partial batch response: only messages of failed or deferred partitions are retried (a
  // deferred one until its running step has ended), then go to the DLQ.
  return { ...result, batchItemFailures: [...failedMessages].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** EMR's answer to a step for a cluster that has terminated (or is terminating). */
export function clusterEnded(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === "ValidationException" && /shutting down|terminated|finished/i.test(e.message ?? "");
}

let client: EMRClient | undefined;

/** Lambda entry point: config from the environment, one EMR client per container. */
export async function handler(event: unknown): Promise<SQSBatchResponse> {
  const cfg = configFromEnv(process.env);
  client ??= new EMRClient({});
  const { batchItemFailures } = await trigger(event, client, cfg);
  return { batchItemFailures };
}
