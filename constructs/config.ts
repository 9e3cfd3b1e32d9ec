/**
 * The typed per-environment configuration. main.ts declares one `EnvironmentConfig` per stack;
 * `validateConfig` rejects bad values with a one-line message naming the field, the value and the fix.
 */

import { LAKE_DEFAULTS } from "./defaults";
import {
  checkCidr,
  checkCount,
  checkEmail,
  checkEmrRelease,
  checkIntRange,
  checkNonEmpty,
  checkNotBoth,
  checkOrder,
  ConfigError,
  CORE_NODE_REASON,
  EMR_IDLE_TIMEOUT_RANGE,
  MAX_AZ_COUNT,
  S3_MIN_IA_DAYS,
  S3_MIN_IA_REASON,
} from "./validate";

export { ConfigError } from "./validate";

/** A new VPC created by the stack. */
export interface CreatedNetworkConfig {
  readonly mode: "create";
  /** @default NETWORK_DEFAULTS.vpcCidr */
  readonly vpcCidr?: string;
  /** Number of AZs (one private subnet each). @default 2 */
  readonly azCount?: number;
  /** Create public subnets + one NAT gateway (≈ 32 USD/month + data). @default false */
  readonly natGateway?: boolean;
  /** @default NETWORK_DEFAULTS.interfaceEndpoints */
  readonly interfaceEndpoints?: readonly string[];
}

/** Existing VPC/subnets (e.g. a landing-zone VPC). Subnets must be private. */
export interface ExistingNetworkConfig {
  readonly mode: "existing";
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** The cluster is launched in the first subnet (EMR instance groups use one subnet). */
  readonly subnetIds: readonly string[];
}

export type NetworkConfig = CreatedNetworkConfig | ExistingNetworkConfig;

/** S3 remote state (Terraform ≥ 1.10: native S3 locking with use_lockfile, no DynamoDB table). */
export interface RemoteBackendConfig {
  readonly bucket: string;
  /** @default "<namePrefix>/<stack id>.tfstate" */
  readonly key?: string;
  /** @default the environment's region */
  readonly region?: string;
  /** CMK for the state object. @default SSE-S3 (encrypt = true without a key id) */
  readonly kmsKeyId?: string;
}

export interface EmrConfig {
  /** @default EMR_RELEASE_LABEL (emr-7.9.0, Spark 3.5.5) */
  readonly releaseLabel?: string;
  /** @default EMR_DEFAULTS.masterInstanceType */
  readonly masterInstanceType?: string;
  /** @default EMR_DEFAULTS.coreInstanceType */
  readonly coreInstanceType?: string;
  /** On-demand core nodes (HDFS). @default EMR_DEFAULTS.coreInstanceCount (2) */
  readonly coreInstanceCount?: number;
  /** @default EMR_DEFAULTS.taskInstanceType */
  readonly taskInstanceType?: string;
  /** Initial task nodes; managed scaling adds more. @default 0 */
  readonly taskInstanceCount?: number;
  /** Task group on spot. @default true */
  readonly taskSpot?: boolean;
  /** @default EMR_DEFAULTS.taskSpotMaxPrice */
  readonly taskSpotMaxPrice?: string;
  /** Managed scaling minimum (instances). @default EMR_DEFAULTS.minCapacity */
  readonly minCapacity?: number;
  /** Managed scaling maximum (instances). @default EMR_DEFAULTS.maxCapacity */
  readonly maxCapacity?: number;
  /** Auto-termination after idle seconds (60–604800). @default 3600 */
  readonly idleTimeoutSeconds?: number;
  /** In-transit TLS with a PEM zip on S3 (see docs/operations.md). @default off */
  readonly inTransitCertificateS3Uri?: string;
  /** Own the account/region-wide EMR block-public-access setting. @default true */
  readonly manageBlockPublicAccess?: boolean;
  /** Extra HTTPS egress CIDRs (never /0). @default none */
  readonly extraEgressCidrs?: readonly string[];
}

export interface LakeConfig {
  /** `streaming-data/` to STANDARD_IA after N days. @default LAKE_DEFAULTS.streamingDataIaDays (30) */
  readonly streamingDataIaDays?: number;
  /** `streaming-data/` to GLACIER_IR after N days. @default LAKE_DEFAULTS.streamingDataGlacierDays (90) */
  readonly streamingDataGlacierDays?: number;
  /** Expire `emr-logs/` after N days. @default LAKE_DEFAULTS.emrLogExpirationDays (30) */
  readonly emrLogExpirationDays?: number;
  /** Expire noncurrent versions after N days. @default LAKE_DEFAULTS.noncurrentVersionExpirationDays (30) */
  readonly noncurrentVersionExpirationDays?: number;
  /** Terraform `prevent_destroy` on both buckets and the key (prod). @default false */
  readonly preventDestroy?: boolean;
  /** Let `terraform destroy` delete non-empty buckets (dev only). @default false */
  readonly forceDestroy?: boolean;
}

/** One environment = one stack (`pipeline-<envName>`). */
export interface EnvironmentConfig {
  /** dev, prod, ... (lowercase letters/digits). */
  readonly envName: string;
  /** 12-digit AWS account id; used in ARNs and key policies (no STS call at plan time). */
  readonly accountId: string;
  readonly region: string;
  /** Prefix of every resource name (lowercase, digits, hyphens; ≤ 16 chars, so bucket names stay ≤ 63). */
  readonly namePrefix: string;
  /** Email subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  readonly network: NetworkConfig;
  readonly emr?: EmrConfig;
  readonly lake?: LakeConfig;
  /** @default local state */
  readonly remoteBackend?: RemoteBackendConfig;
  /** Extra provider default tags (Project/Environment/ManagedBy are always set). */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Validates an environment config; throws ConfigError on the first problem. The rules shared with
 * the constructs come from ./validate (one message per rule); the rest are about the config itself.
 */
export function validateConfig(c: EnvironmentConfig): void {
  const where = `config "${c.envName}"`;
  const at = (field: string) => `${where}: ${field}`;
  if (!/^[a-z][a-z0-9]{0,9}$/.test(c.envName)) {
    throw new ConfigError(`envName must be 1-10 lowercase letters/digits, got "${c.envName}"`);
  }
  if (!/^\d{12}$/.test(c.accountId)) {
    throw new ConfigError(`${at("accountId")} must be 12 digits, got "${c.accountId}"`);
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(c.region)) {
    throw new ConfigError(`${at("region")} must look like "eu-west-1", got "${c.region}"`);
  }
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(c.namePrefix)) {
    throw new ConfigError(
      `${at("namePrefix")} must be ≤ 16 lowercase letters/digits/hyphens starting with a letter, got "${c.namePrefix}"`,
    );
  }
  if (c.alarmEmail !== undefined) checkEmail(at("alarmEmail"), c.alarmEmail);
  const n = c.network;
  if (n.mode === "existing") {
    checkNonEmpty(at("network.subnetIds"), n.subnetIds, "private subnet");
    checkCidr(at("network.vpcCidr"), n.vpcCidr);
  } else {
    if (n.vpcCidr !== undefined) checkCidr(at("network.vpcCidr"), n.vpcCidr);
    if (n.azCount !== undefined) checkIntRange(at("network.azCount"), n.azCount, 1, MAX_AZ_COUNT);
  }
  const e = c.emr ?? {};
  if (e.releaseLabel !== undefined) checkEmrRelease(at("emr.releaseLabel"), e.releaseLabel);
  for (const k of ["taskInstanceCount", "minCapacity", "maxCapacity"] as const) {
    const v = e[k];
    if (v !== undefined) checkCount(at(`emr.${k}`), v, 0);
  }
  if (e.coreInstanceCount !== undefined) {
    checkCount(at("emr.coreInstanceCount"), e.coreInstanceCount, 1, CORE_NODE_REASON);
  }
  if (e.minCapacity !== undefined && e.maxCapacity !== undefined) {
    checkOrder(at("emr.minCapacity"), e.minCapacity, "emr.maxCapacity", e.maxCapacity);
  }
  if (e.idleTimeoutSeconds !== undefined) {
    checkIntRange(at("emr.idleTimeoutSeconds"), e.idleTimeoutSeconds, ...EMR_IDLE_TIMEOUT_RANGE);
  }
  if (e.taskSpotMaxPrice !== undefined && !/^\d+(\.\d+)?$/.test(e.taskSpotMaxPrice)) {
    throw new ConfigError(
      `${at("emr.taskSpotMaxPrice")} must be a USD amount like "0.10", got "${e.taskSpotMaxPrice}"`,
    );
  }
  if (e.inTransitCertificateS3Uri !== undefined && !/^s3:\/\/.+\.zip$/.test(e.inTransitCertificateS3Uri)) {
    throw new ConfigError(
      `${at("emr.inTransitCertificateS3Uri")} must be an s3://.../*.zip URI, got "${e.inTransitCertificateS3Uri}"`,
    );
  }
  for (const cidr of e.extraEgressCidrs ?? []) checkCidr(at("emr.extraEgressCidrs"), cidr, true);
  const l = c.lake ?? {};
  for (const k of [
    "streamingDataIaDays",
    "streamingDataGlacierDays",
    "emrLogExpirationDays",
    "noncurrentVersionExpirationDays",
  ] as const) {
    const v = l[k];
    if (v !== undefined) checkCount(at(`lake.${k}`), v, 1);
  }
  if (l.streamingDataIaDays !== undefined) {
    checkCount(at("lake.streamingDataIaDays"), l.streamingDataIaDays, S3_MIN_IA_DAYS, S3_MIN_IA_REASON);
  }
  if (l.streamingDataGlacierDays !== undefined) {
    const ia = l.streamingDataIaDays ?? LAKE_DEFAULTS.streamingDataIaDays;
    checkOrder(
      at("lake.streamingDataIaDays"),
      ia,
      "lake.streamingDataGlacierDays",
      l.streamingDataGlacierDays,
      true,
    );
  }
  checkNotBoth(at("lake.preventDestroy"), l.preventDestroy, "lake.forceDestroy", l.forceDestroy);
  if (c.remoteBackend !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(c.remoteBackend.bucket)) {
    throw new ConfigError(
      `${at("remoteBackend.bucket")} is not a valid S3 bucket name, got "${c.remoteBackend.bucket}"`,
    );
  }
}
