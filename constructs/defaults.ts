import { EMR_RELEASE } from "./contract/emr-release";
import { LAKE_PREFIXES } from "./contract/lake";
import { LAMBDA_RUNTIME } from "./contract/lambda-runtimes";

/**
 * Secure and cost defaults for every construct, in one place. Constructs read these when a prop
 * is omitted; environment configs (constructs/config.ts) override them with typed values.
 */

/**
 * EMR release, from constructs/contract/emr-release.json with the rest of its facts (Spark 3.5.5,
 * the version the jobs are tested on; Java 17; the jobs' Python, /usr/bin/python3.11).
 */
export const EMR_RELEASE_LABEL: string = EMR_RELEASE.releaseLabel;
/** Applications installed on the cluster. Hive provides the Glue-Data-Catalog-backed metastore client. */
export const EMR_APPLICATIONS: readonly string[] = ["Hadoop", "Spark", "Hive"];

/** Data lake lifecycle defaults (days). */
export const LAKE_DEFAULTS = {
  abortIncompleteMultipartDays: 7,
  noncurrentVersionExpirationDays: 30,
  /** streaming-data/ → STANDARD_IA (S3 requires ≥ 30 days in STANDARD first). */
  streamingDataIaDays: 30,
  /** streaming-data/ → GLACIER_IR. */
  streamingDataGlacierDays: 90,
  emrLogExpirationDays: 30,
  accessLogExpirationDays: 90,
} as const;

/** KMS key defaults. */
export const KMS_DEFAULTS = {
  /** Days a deleted key stays recoverable (7–30). */
  deletionWindowInDays: 30,
  enableKeyRotation: true,
} as const;

/** EMR cluster sizing/cost defaults (dev-sized; prod overrides in main.ts). */
export const EMR_DEFAULTS = {
  masterInstanceType: "m5.xlarge",
  coreInstanceType: "m5.xlarge",
  coreInstanceCount: 2,
  taskInstanceType: "m5.xlarge",
  taskInstanceCount: 0,
  /** Task nodes hold no HDFS data, so losing a spot node only costs recomputation. */
  taskSpot: true,
  /** Spot price ceiling in USD/hour (≈ on-demand m5.xlarge in us-east-1, so spot never costs more). */
  taskSpotMaxPrice: "0.192",
  /** Managed scaling limits in instances (core + task). */
  minCapacity: 2,
  maxCapacity: 6,
  /** Auto-termination after this many idle seconds (EMR accepts 60–604800). */
  idleTimeoutSeconds: 3600,
  ebsVolumeSizeGb: 64,
  ebsRootVolumeSizeGb: 32,
  stepConcurrencyLevel: 4,
} as const;

/** Spark defaults written into the cluster's spark-defaults classification. */
export const SPARK_DEFAULTS: Readonly<Record<string, string>> = {
  "spark.sql.adaptive.enabled": "true",
  "spark.sql.adaptive.coalescePartitions.enabled": "true",
  "spark.sql.adaptive.skewJoin.enabled": "true",
  "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
  "spark.sql.parquet.compression.codec": "snappy",
  "spark.io.compression.codec": "snappy",
  "spark.sql.sources.partitionOverwriteMode": "dynamic",
  "spark.sql.session.timeZone": "UTC",
};

/** Network defaults. */
export const NETWORK_DEFAULTS = {
  vpcCidr: "10.40.0.0/16",
  azCount: 2,
  natGateway: false,
  /**
   * Interface endpoints so a cluster in private subnets without NAT reaches the AWS APIs it calls:
   * Glue (metastore), KMS (SSE-KMS, disk encryption), STS. S3 uses the free gateway endpoint; the
   * EMR control plane reaches the nodes through the service-access security group, and EMR
   * publishes its CloudWatch metrics itself. Add "logs"/"monitoring" if you run the CloudWatch agent.
   * Each endpoint costs ≈ $7.30/month per AZ, so they are placed in the cluster's subnet only.
   */
  interfaceEndpoints: ["glue", "kms", "sts"] as readonly string[],
} as const;

/** CloudWatch / alarm defaults. */
export const MONITORING_DEFAULTS = {
  alarmPeriodSeconds: 300,
  /** https://docs.aws.amazon.com/emr/latest/ManagementGuide/UsingEMR_ViewingMetrics.html */
  yarnMemoryAvailableMinPercent: 15,
  hdfsUtilizationMaxPercent: 80,
} as const;

/** Retention, runtime and X-Ray settings shared by the streaming Lambdas. */
export const STREAMING_LAMBDA_DEFAULTS = {
  /** constructs/contract/lambda-runtimes.json; the esbuild target derives from the same value. */
  runtime: LAMBDA_RUNTIME,
  architecture: "arm64",
  /** CloudWatch Logs retention in days (checkov CKV_AWS_338 asks for ≥ 1 year). */
  logRetentionDays: 365,
} as const;

/** StreamingIngest defaults: Kinesis, Firehose and the transform Lambda. */
export const STREAMING_DEFAULTS = {
  streamMode: "ON_DEMAND" as "ON_DEMAND" | "PROVISIONED",
  /** Kinesis retention (hours, 24–8760). */
  retentionHours: 24,
  /** Prod keeps a week, to replay after an incident. */
  prodRetentionHours: 168,
  /**
   * Firehose S3 buffering. With record format conversion Firehose requires ≥ 64 MiB
   * (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html); 128 MiB
   * (the maximum) writes fewer, larger Parquet files — what Spark reads best — and the interval
   * caps latency at 5 minutes when traffic is low.
   */
  bufferingSizeMb: 128,
  bufferingIntervalSeconds: 300,
  /**
   * Lambda processor buffer (MB of record data per invocation), sized so that the transform's
   * answer to a full buffer of valid events stays under Lambda's 6 MB response limit: a record
   * that does not fit fails, and Firehose does not retry it. Sparse events grow most, since the
   * row writes every column. The sparsest valid event — the three required columns at their
   * shortest, {"event_id":"a","timestamp":"2026-01-31T00:00Z","log_type":"web_access"} — is
   * 72 bytes (96 in the request's base64). Its row is 487 bytes (26 columns, absent ones null,
   * 24-character timestamps), 652 in base64; its answer, {"recordId":…,"result":"Ok","data":…},
   * is 690 bytes plus the recordId (AWS's example is 56 digits; counted as 64 bytes of JSON):
   * 754 response bytes per 72 buffered ones, 10.5×. So a buffer of (MB read as MiB, the larger)
   *   1 MiB   = 14,564 such records → 10.98 MB: over; every whole number of MB is;
   *   0.6 MiB =  8,739 records      →  6.59 MB: over;
   *   0.5 MiB =  7,282 records      →  5.49 MB (request 3.3 MB): under the transform's 6 MB − 64 KiB
   *   budget (6,225,920 bytes) with room for recordIds up to ~160 bytes.
   * Firehose takes 0.2–3 MB for this parameter:
   * https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html
   * test/firehose-transform.test.ts fills this buffer with the sparsest valid events and expects
   * every record Ok.
   */
  processorBufferMb: 0.5,
  processorBufferIntervalSeconds: 60,
  transformMemoryMb: 512,
  /** Firehose waits at most 5 minutes for a processor invocation. */
  transformTimeoutSeconds: 60,
  transformReservedConcurrency: 50,
  /** Landing prefix: Hive partitions by Firehose arrival time (UTC), zero-padded. */
  prefix: `${LAKE_PREFIXES.streamingData}year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/`,
  errorPrefix: `${LAKE_PREFIXES.streamingErrors}!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/`,
} as const;

/** JobTrigger defaults: the S3 → SQS → Lambda → EMR step trigger. */
export const TRIGGER_DEFAULTS = {
  /**
   * S3 → SQS → Lambda with a batching window: Firehose writes many objects per hour, and the
   * window collapses them into one invocation that checks the cluster once; failed messages are
   * retried and then parked in the DLQ. (EventBridge → Lambda has no batching.)
   */
  batchWindowSeconds: 60,
  batchSize: 100,
  timeoutSeconds: 60,
  memoryMb: 256,
  /**
   * Receives before a message moves to the DLQ. A message is also handed back while its hour's
   * step is RUNNING (the trigger never runs two steps of one hour at once), so this is also how
   * long a running step may take: 9 retries × the visibility timeout (420 s) ≈ 63 minutes.
   */
  maxReceiveCount: 10,
  /** DLQ retention: the SQS maximum, 14 days, to leave time to replay. */
  dlqRetentionSeconds: 1_209_600,
  /** SQS reuses a data key for 5 minutes: fewer KMS calls, the same encryption. */
  kmsDataKeyReuseSeconds: 300,
  /** 1: the check-then-add of "≤ 1 pending step per partition" must not race with itself. */
  reservedConcurrency: 1,
} as const;

/** Tag that AmazonEMRServicePolicy_v2 requires on resources EMR may modify (subnets, SGs, ...). */
export const EMR_MANAGED_TAG = { "for-use-with-amazon-emr-managed-policies": "true" } as const;

/** AWS partition of a region (arn:<partition>:...). Local: no AWS call, so plan works offline. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** DNS suffix for service principals of a partition. */
export function dnsSuffixOf(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}
