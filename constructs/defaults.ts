/**
 * Secure and cost defaults for every construct, in one place (STYLE: "defaults live in one module").
 * Constructs read these when a prop is omitted; environment configs (constructs/config.ts) override
 * them with typed values.
 */

/** EMR release: emr-7.9.0 ships Spark 3.5.5, the version the jobs are tested on (requirements.txt). */
export const EMR_RELEASE_LABEL = "emr-7.9.0";
/** Applications installed on the cluster. Hive provides the Glue-Data-Catalog-backed metastore client. */
export const EMR_APPLICATIONS: readonly string[] = ["Hadoop", "Spark", "Hive"];

/** Lake prefixes of DESIGN §4.2 [contract]. Each ends with "/". */
export const LAKE_PREFIXES = {
  scripts: "scripts/",
  streamingData: "streaming-data/",
  streamingErrors: "streaming-errors/",
  processedData: "processed-data/",
  emrLogs: "emr-logs/",
} as const;
export type LakePrefix = (typeof LAKE_PREFIXES)[keyof typeof LAKE_PREFIXES];

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
