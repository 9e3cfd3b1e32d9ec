/**
 * The only module that talks to AWS. Clients are created once (`makeAws`) and handed around as
 * the small `EmrApi`/`S3Api` interfaces, so tests can inject scripted fakes or point at moto.
 */
import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  CreatePersistentAppUICommand,
  DescribeClusterCommand,
  DescribeStepCommand,
  EMRClient,
  GetPersistentAppUIPresignedURLCommand,
  ListStepsCommand,
  type StepState,
} from "@aws-sdk/client-emr";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AwsError, UsageError } from "./errors";
import type { AddStepsRequest } from "./plan";

export interface ClusterInfo {
  readonly id: string;
  readonly arn?: string;
  readonly name?: string;
  readonly state: string;
  readonly reasonCode?: string;
  readonly reasonMessage?: string;
  readonly logUri?: string;
}
export interface StepSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly args: readonly string[];
  readonly stateChangeReason?: string;
  readonly failure?: FailureDetails;
  readonly created?: Date;
  readonly started?: Date;
  readonly ended?: Date;
}

/** What to list: only these step ids or states (server-side filters), and when to stop. */
export interface ListStepsFilter {
  readonly stepIds?: readonly string[];
  readonly states?: readonly string[];
  /** Keeps the steps it accepts (client-side); all by default. */
  readonly accept?: (s: StepSummary) => boolean;
  /** Stops paging once this many were accepted. */
  readonly limit?: number;
}
export interface FailureDetails {
  readonly reason?: string;
  readonly message?: string;
  readonly logFile?: string;
}
export interface StepStatus {
  readonly state: string;
  readonly failure?: FailureDetails;
  readonly stateChangeReason?: string;
}
export interface CancelResult {
  readonly attempted: boolean;
  readonly ok: boolean;
  readonly message: string;
}

/** The EMR calls submit-job makes. */
export interface EmrApi {
  describeCluster(clusterId: string): Promise<ClusterInfo>;
  /** The cluster's steps, newest first (EMR's order), filtered. */
  listSteps(clusterId: string, filter?: ListStepsFilter): Promise<StepSummary[]>;
  addStep(request: AddStepsRequest): Promise<string>;
  describeStep(clusterId: string, stepId: string): Promise<StepStatus>;
  cancelStep(clusterId: string, stepId: string): Promise<CancelResult>;
  /** The region the client talks to, when one is configured anywhere. */
  region(): Promise<string | undefined>;
  /**
   * A presigned URL of the cluster's persistent Spark History Server (at the application, when
   * given), or why there is none. Never throws: a missing link must not fail a run.
   */
  sparkUiUrl(clusterArn: string, applicationId?: string): Promise<{ url?: string; note?: string }>;
}

/** The S3 calls submit-job makes. */
export interface S3Api {
  exists(bucket: string, key: string): Promise<boolean>;
  put(bucket: string, key: string, body: Buffer, sha256: string): Promise<void>;
  /** The object's bytes, or undefined when it is not there (yet). */
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Keys under a prefix, in key order; at most `max` (default 1000). */
  list(bucket: string, prefix: string, max?: number): Promise<S3Object[]>;
}

export interface S3Object {
  readonly key: string;
  readonly size: number;
}

export interface AwsConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly debug?: boolean;
}

// Objects above this go through @aws-sdk/lib-storage (multipart, parallel parts).
const MULTIPART_THRESHOLD = 8 * 1024 * 1024;

/** Cluster states that accept AddJobFlowSteps. https://docs.aws.amazon.com/emr/latest/APIReference/API_ClusterStatus.html */
export const CLUSTER_ACCEPTS_STEPS = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"];

const REASONS: Record<string, string> = {
  IDLE_TIMEOUT: "idle auto-termination",
  USER_REQUEST: "terminated by a user",
  STEP_FAILURE: "a step failed with TERMINATE_CLUSTER",
  ALL_STEPS_COMPLETED: "all steps completed",
  BOOTSTRAP_FAILURE: "bootstrap action failed",
  INSTANCE_FAILURE: "instance failure",
  INSTANCE_FLEET_TIMEOUT: "instance fleet timeout",
  INTERNAL_ERROR: "EMR internal error",
  VALIDATION_ERROR: "validation error",
};

/** Throws a usage error unless the cluster can take a step (pure; unit-tested). */
export function checkClusterAcceptsSteps(c: ClusterInfo): void {
  if (CLUSTER_ACCEPTS_STEPS.includes(c.state)) return;
  const why = c.reasonCode ? ` (${REASONS[c.reasonCode] ?? c.reasonCode})` : "";
  const fix = c.state.startsWith("TERMINAT")
    ? "redeploy the stack (`cdktf deploy`) or pass --cluster-id"
    : "wait for it or pass --cluster-id";
  throw new UsageError(`cluster ${c.id} is ${c.state}${why}; ${fix}`);
}

/** Maps SDK/network errors to AwsError / UsageError with one readable line. */
export function explainAwsError(e: unknown, what: string, endpoint?: string): Error {
  if (e instanceof UsageError || e instanceof AwsError) return e;
  const err = e as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { requestId?: string; httpStatusCode?: number };
    cause?: { code?: string };
  };
  const name = err.name ?? "Error";
  const msg = (err.message ?? String(e)).split("\n")[0];
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(msg)) {
    return new UsageError(
      `${what}: no AWS credentials found; set AWS_PROFILE (or --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
  if (/Region is missing/i.test(msg))
    return new UsageError(`${what}: no AWS region; pass --region or set AWS_REGION`);
  const code = err.code ?? err.cause?.code;
  if (code && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(code + msg)) {
    return new AwsError(`${what}: cannot reach ${endpoint ?? "the AWS endpoint"} (${code})`);
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(msg))
    return new AwsError(`${what}: cannot reach ${endpoint ?? "the AWS endpoint"} (${msg})`);
  const status = err.$metadata?.httpStatusCode;
  if (name === "SyntaxError" && status !== undefined) {
    return new AwsError(
      `${what} failed: HTTP ${status} with a non-AWS response body (does ${endpoint ?? "the endpoint"} implement this API?)`,
      err.$metadata?.requestId,
    );
  }
  return new AwsError(
    `${what} failed: ${name}${status ? ` (HTTP ${status})` : ""}: ${msg}`,
    err.$metadata?.requestId,
  );
}

/** Creates the two clients once. Custom endpoints (flag or AWS_ENDPOINT_URL) get path-style S3. */
export function makeAws(cfg: AwsConfig): { emr: EmrApi; s3: S3Api; endpoint?: string } {
  const envEndpoint = process.env.AWS_ENDPOINT_URL;
  const custom =
    cfg.endpointUrl ?? envEndpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL_EMR;
  const common = {
    ...(cfg.region ? { region: cfg.region } : {}),
    ...(cfg.profile ? { profile: cfg.profile } : {}),
    ...(cfg.endpointUrl ? { endpoint: cfg.endpointUrl } : {}),
    maxAttempts: 3,
    // Never hang forever on a dead connection: fail the call (and retry) instead.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
  };
  const emrClient = new EMRClient(common);
  const s3Client = new S3Client({ ...common, forcePathStyle: custom !== undefined });
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw explainAwsError(e, what, custom);
    }
  };

  const emr: EmrApi = {
    describeCluster: (clusterId) =>
      call(`DescribeCluster ${clusterId}`, async () => {
        try {
          const r = await emrClient.send(new DescribeClusterCommand({ ClusterId: clusterId }));
          const c = r.Cluster;
          return {
            id: clusterId,
            arn: c?.ClusterArn,
            name: c?.Name,
            state: c?.Status?.State ?? "UNKNOWN",
            reasonCode: c?.Status?.StateChangeReason?.Code,
            reasonMessage: c?.Status?.StateChangeReason?.Message,
            logUri: c?.LogUri && c.LogUri !== "None" ? c.LogUri : undefined,
          };
        } catch (e) {
          const name = (e as Error).name;
          if (name === "ResourceNotFoundException" || name === "InvalidRequestException") {
            throw new UsageError(
              `cluster ${clusterId} does not exist in this account/region; redeploy or pass --cluster-id`,
            );
          }
          throw e;
        }
      }),
    listSteps: (clusterId, filter = {}) =>
      call(`ListSteps ${clusterId}`, async () => {
        const found: StepSummary[] = [];
        let marker: string | undefined;
        // Pages are newest first; a run id is normally recent, but scan all pages to be sure.
        do {
          const r = await emrClient.send(
            new ListStepsCommand({
              ClusterId: clusterId,
              Marker: marker,
              ...(filter.stepIds ? { StepIds: [...filter.stepIds] } : {}),
              ...(filter.states ? { StepStates: [...filter.states] as StepState[] } : {}),
            }),
          );
          for (const s of r.Steps ?? []) {
            if (!s.Id) continue;
            const st = s.Status;
            const fd = st?.FailureDetails;
            const step: StepSummary = {
              id: s.Id,
              name: s.Name ?? "",
              state: st?.State ?? "UNKNOWN",
              args: s.Config?.Args ?? [],
              stateChangeReason: st?.StateChangeReason?.Message,
              failure:
                fd && (fd.Reason || fd.Message || fd.LogFile)
                  ? { reason: fd.Reason, message: fd.Message, logFile: fd.LogFile }
                  : undefined,
              created: st?.Timeline?.CreationDateTime,
              started: st?.Timeline?.StartDateTime,
              ended: st?.Timeline?.EndDateTime,
            };
            if (filter.accept && !filter.accept(step)) continue;
            found.push(step);
            if (filter.limit !== undefined && found.length >= filter.limit) return found;
          }
          marker = r.Marker;
        } while (marker);
        return found;
      }),
    addStep: (request) =>
      call(`AddJobFlowSteps ${request.JobFlowId}`, async () => {
        const r = await emrClient.send(new AddJobFlowStepsCommand(request));
        const id = r.StepIds?.[0];
        if (!id) throw new AwsError("AddJobFlowSteps returned no step id", r.$metadata.requestId);
        return id;
      }),
    describeStep: (clusterId, stepId) =>
      call(`DescribeStep ${stepId}`, async () => {
        const r = await emrClient.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }));
        const st = r.Step?.Status;
        const fd = st?.FailureDetails;
        return {
          state: st?.State ?? "UNKNOWN",
          stateChangeReason: st?.StateChangeReason?.Message,
          failure:
            fd && (fd.Reason || fd.Message || fd.LogFile)
              ? { reason: fd.Reason, message: fd.Message, logFile: fd.LogFile }
              : undefined,
        };
      }),
    cancelStep: async (clusterId, stepId) => {
      try {
        // SEND_INTERRUPT lets a RUNNING step be interrupted (EMR ≥ 5.28); PENDING steps are simply removed.
        const r = await emrClient.send(
          new CancelStepsCommand({
            ClusterId: clusterId,
            StepIds: [stepId],
            StepCancellationOption: "SEND_INTERRUPT",
          }),
        );
        const info = r.CancelStepsInfoList?.[0];
        const ok = info?.Status === "SUBMITTED";
        return {
          attempted: true,
          ok,
          message: ok
            ? `cancel requested for ${stepId}`
            : `cancel of ${stepId} not possible: ${info?.Reason ?? info?.Status ?? "no answer"}`,
        };
      } catch (e) {
        return {
          attempted: true,
          ok: false,
          message: `cancel of ${stepId} failed: ${explainAwsError(e, "CancelSteps", custom).message}`,
        };
      }
    },
    region: async () => {
      try {
        return await emrClient.config.region();
      } catch {
        return undefined;
      }
    },
    sparkUiUrl: async (clusterArn, applicationId) => {
      let what = "CreatePersistentAppUI";
      try {
        // The console's "Spark history server" link makes the same two calls; EMR keeps one
        // persistent UI per cluster, hosted off the cluster, so a private cluster has one too.
        const ui = await emrClient.send(new CreatePersistentAppUICommand({ TargetResourceArn: clusterArn }));
        if (!ui.PersistentAppUIId) return { note: "no Spark UI link: EMR returned no persistent UI id" };
        what = "GetPersistentAppUIPresignedURL";
        const r = await emrClient.send(
          new GetPersistentAppUIPresignedURLCommand({
            PersistentAppUIId: ui.PersistentAppUIId,
            PersistentAppUIType: "SHS",
            ...(applicationId ? { ApplicationId: applicationId } : {}),
          }),
        );
        if (!r.PresignedURLReady || !r.PresignedURL)
          return {
            note: "the persistent Spark UI is still being prepared; `submit-job status <run>` asks again",
          };
        return { url: r.PresignedURL };
      } catch (e) {
        return { note: `no Spark UI link: ${explainAwsError(e, what, custom).message}` };
      }
    },
  };

  const s3: S3Api = {
    exists: (bucket, key) =>
      call(`HeadObject s3://${bucket}/${key}`, async () => {
        try {
          await s3Client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          return true;
        } catch (e) {
          const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === 404 || (e as Error).name === "NotFound") return false;
          if (status === 403 && (e as Error).name !== "CredentialsProviderError") {
            throw new AwsError(
              `access denied to s3://${bucket}/${key}: check the role can s3:GetObject/PutObject under the scripts prefix`,
            );
          }
          if ((e as Error).name === "NoSuchBucket")
            throw new UsageError(`bucket ${bucket} does not exist; check scripts_uri / --bucket`);
          throw e;
        }
      }),
    put: (bucket, key, body, sha) =>
      call(`upload s3://${bucket}/${key}`, async () => {
        const params = {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: key.endsWith(".zip")
            ? "application/zip"
            : key.endsWith(".py")
              ? "text/x-python"
              : "application/octet-stream",
          Metadata: { sha256: sha },
        };
        if (body.length > MULTIPART_THRESHOLD) await new Upload({ client: s3Client, params }).done();
        else await s3Client.send(new PutObjectCommand(params));
      }),
    get: (bucket, key) =>
      call(`GetObject s3://${bucket}/${key}`, async () => {
        try {
          const r = await s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return Buffer.from(await r.Body!.transformToByteArray());
        } catch (e) {
          const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === 404 || (e as Error).name === "NoSuchKey") return undefined;
          throw e;
        }
      }),
    list: (bucket, prefix, max = 1000) =>
      call(`ListObjectsV2 s3://${bucket}/${prefix}`, async () => {
        const out: S3Object[] = [];
        let token: string | undefined;
        do {
          const r = await s3Client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const o of r.Contents ?? []) {
            if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
            if (out.length >= max) return out;
          }
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return out;
      }),
  };
  return { emr, s3, endpoint: custom };
}
