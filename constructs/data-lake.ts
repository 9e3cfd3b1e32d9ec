import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import {
  S3BucketLifecycleConfiguration,
  S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Cmk, logsKeyStatement } from "./cmk";
import type { LakeConfig } from "./config";
import { LAKE_PREFIXES } from "./contract/lake";
import { LAKE_DEFAULTS, partitionOf } from "./defaults";
import { jsonDocument } from "./json-document";
import { checkCount, checkNotBoth, checkOrder, S3_MIN_IA_DAYS, S3_MIN_IA_REASON } from "./validate";

/** Where server access logs and VPC flow logs land in the log bucket. */
export const LOG_BUCKET_PREFIXES = { s3Access: "s3-access/", vpcFlowLogs: "vpc-flow-logs/" } as const;

/** Lifecycle, retention and destroy settings come from the environment's `LakeConfig`. */
export interface DataLakeProps extends LakeConfig {
  readonly accountId: string;
  readonly region: string;
  /** e.g. "bdp-dev": bucket names are "<name>-lake-<account>-<region>" and "<name>-logs-<account>-<region>". */
  readonly name: string;
}

/** Slug of a prefix for construct ids / policy names ("processed-data/x/" → "processed-data-x"). */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") || "all";
}

/**
 * The S3 data lake: an SSE-KMS, versioned, private, TLS-only lake bucket with the prefixes of
 * constructs/contract/lake.ts and lifecycle tiers, plus a separate access-log bucket (SSE-S3: S3
 * server access logging cannot deliver to an SSE-KMS bucket —
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 *
 * KMS: `kmsKey` is the lake CMK. Its policy already lets CloudWatch Logs (this region/account) use
 * it for encrypted log groups; other services that need it (e.g. SQS/SNS used by S3 or EventBridge)
 * add a statement with `cmk.allow(...)`. Services acting through an IAM role (Firehose, Lambda,
 * EMR) need no key-policy statement — use `grantRead`/`grantWrite` or grant kms:* actions on
 * `kmsKey.arn` in the role's policy.
 */
export class DataLake extends Construct {
  public readonly bucket: S3Bucket;
  public readonly logBucket: S3Bucket;
  /** The log bucket's policy: the only grant of the services that deliver logs to it (ACLs are off). */
  public readonly logBucketPolicy: S3BucketPolicy;
  public readonly kmsKey: KmsKey;
  public readonly cmk: Cmk;
  /**
   * The lake bucket's notification configuration (EventBridge delivery on). S3 allows one per
   * bucket: add queue/function targets to this object (JobTrigger calls `putQueue`) rather than
   * creating another.
   */
  public readonly notification: S3BucketNotification;
  /** Static bucket names (known at synth, so outputs and ARNs need no apply). */
  public readonly bucketName: string;
  public readonly logBucketName: string;
  private readonly partition: string;
  private readonly grants = new Set<string>();

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    // validate
    const ia = props.streamingDataIaDays ?? LAKE_DEFAULTS.streamingDataIaDays;
    const glacier = props.streamingDataGlacierDays ?? LAKE_DEFAULTS.streamingDataGlacierDays;
    checkCount("DataLake: streamingDataIaDays", ia, S3_MIN_IA_DAYS, S3_MIN_IA_REASON);
    checkOrder("DataLake: streamingDataIaDays", ia, "streamingDataGlacierDays", glacier, true);
    checkNotBoth("DataLake: preventDestroy", props.preventDestroy, "forceDestroy", props.forceDestroy);
    // defaults
    this.partition = partitionOf(props.region);
    this.bucketName = `${props.name}-lake-${props.accountId}-${props.region}`;
    this.logBucketName = `${props.name}-logs-${props.accountId}-${props.region}`;
    if (this.bucketName.length > 63) {
      throw new Error(`DataLake: bucket name "${this.bucketName}" exceeds 63 characters; shorten name`);
    }
    const lifecycle = props.preventDestroy ? { preventDestroy: true } : undefined;
    const forceDestroy = props.forceDestroy ?? false;

    // resources: key
    this.cmk = new Cmk(this, "kms", {
      accountId: props.accountId,
      region: props.region,
      alias: `${props.name}-lake`,
      description: `${props.name} data lake (S3 SSE-KMS, EMR disks, encrypted log groups)`,
      preventDestroy: props.preventDestroy,
      statements: [logsKeyStatement(props.region, props.accountId)],
    });
    this.kmsKey = this.cmk.key;

    // resources: log bucket
    this.logBucket = new S3Bucket(this, "log-bucket", {
      bucket: this.logBucketName,
      forceDestroy,
      lifecycle,
    });
    this.secureBucket("log-bucket", this.logBucket, { kmsKeyArn: undefined });
    new S3BucketLifecycleConfiguration(this, "log-bucket-lifecycle", {
      bucket: this.logBucket.id,
      rule: [
        this.abortMultipartRule(),
        {
          id: "expire-logs",
          status: "Enabled",
          filter: [{}],
          expiration: [{ days: LAKE_DEFAULTS.accessLogExpirationDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
        },
      ],
    });
    const logArn = `arn:${this.partition}:s3:::${this.logBucketName}`;
    const logBucketPolicy = (this.logBucketPolicy = new S3BucketPolicy(this, "log-bucket-policy", {
      bucket: this.logBucket.id,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          this.denyInsecureTransport(logArn),
          {
            Sid: "S3ServerAccessLogs",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${logArn}/${LOG_BUCKET_PREFIXES.s3Access}*`,
            Condition: {
              StringEquals: { "aws:SourceAccount": props.accountId },
              ArnLike: { "aws:SourceArn": `arn:${this.partition}:s3:::${this.bucketName}` },
            },
          },
          {
            Sid: "VpcFlowLogsDelivery",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${logArn}/${LOG_BUCKET_PREFIXES.vpcFlowLogs}*`,
            Condition: {
              StringEquals: {
                "aws:SourceAccount": props.accountId,
                "s3:x-amz-acl": "bucket-owner-full-control",
              },
            },
          },
          {
            Sid: "VpcFlowLogsAclCheck",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: ["s3:GetBucketAcl", "s3:ListBucket"],
            Resource: logArn,
            Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
          },
        ],
      }),
    }));

    // resources: lake bucket
    this.bucket = new S3Bucket(this, "bucket", { bucket: this.bucketName, forceDestroy, lifecycle });
    this.notification = this.secureBucket("bucket", this.bucket, { kmsKeyArn: this.kmsKey.arn });
    // After the log bucket's policy: its S3ServerAccessLogs statement is the only grant to the
    // logging service (ACLs are off), and S3 may refuse PutBucketLogging without it.
    new S3BucketLoggingA(this, "bucket-logging", {
      bucket: this.bucket.id,
      targetBucket: this.logBucket.id,
      targetPrefix: `${LOG_BUCKET_PREFIXES.s3Access}${this.bucketName}/`,
      dependsOn: [logBucketPolicy],
    });
    new S3BucketLifecycleConfiguration(this, "bucket-lifecycle", {
      bucket: this.bucket.id,
      rule: [
        this.abortMultipartRule(),
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [
            {
              noncurrentDays:
                props.noncurrentVersionExpirationDays ?? LAKE_DEFAULTS.noncurrentVersionExpirationDays,
            },
          ],
        },
        {
          id: "tier-streaming-data",
          status: "Enabled",
          filter: [{ prefix: LAKE_PREFIXES.streamingData }],
          transition: [
            { days: ia, storageClass: "STANDARD_IA" },
            { days: glacier, storageClass: "GLACIER_IR" },
          ],
        },
        {
          id: "expire-emr-logs",
          status: "Enabled",
          filter: [{ prefix: LAKE_PREFIXES.emrLogs }],
          expiration: [{ days: props.emrLogExpirationDays ?? LAKE_DEFAULTS.emrLogExpirationDays }],
        },
      ],
    });
    const lakeArn = this.arn();
    new S3BucketPolicy(this, "bucket-policy", {
      bucket: this.bucket.id,
      policy: jsonDocument({ Version: "2012-10-17", Statement: [this.denyInsecureTransport(lakeArn)] }),
    });
  }

  /** s3://<bucket>/<prefix> — always ends with "/". */
  public uri(prefix: string = ""): string {
    const p = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    return `s3://${this.bucketName}/${p.replace(/^\/+/, "")}`;
  }

  /** The bucket ARN. */
  public arn(): string {
    return `arn:${this.partition}:s3:::${this.bucketName}`;
  }

  /** ARN pattern of the objects under `prefix` (all objects when omitted). */
  public arnFor(prefix?: string): string {
    return `${this.arn()}/${prefix ? prefix.replace(/^\/+/, "") : ""}*`;
  }

  /** Lets `role` list and read objects under `prefix` (whole lake when omitted) and decrypt them. Scope: see grant(). */
  public grantRead(role: IamRole, prefix?: string): IamRolePolicy {
    return this.grant(
      "read",
      role,
      prefix,
      ["s3:GetObject", "s3:GetObjectVersion"],
      ["kms:Decrypt", "kms:DescribeKey"],
    );
  }

  /**
   * Lets `role` list, write and delete objects under `prefix` (dynamic partition overwrite deletes)
   * with the lake key. Decrypt is needed for multipart uploads of SSE-KMS objects.
   */
  public grantWrite(role: IamRole, prefix?: string): IamRolePolicy {
    return this.grant(
      "write",
      role,
      prefix,
      ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      ["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
    );
  }

  private grant(
    mode: "read" | "write",
    role: IamRole,
    prefix: string | undefined,
    objectActions: string[],
    kmsActions: string[],
  ): IamRolePolicy {
    if (prefix !== undefined && (prefix === "" || !prefix.endsWith("/"))) {
      throw new Error(
        `DataLake.grant${mode === "read" ? "Read" : "Write"}: prefix must end with "/", got "${prefix}"`,
      );
    }
    const id = `${mode}-${slug(role.node.id)}-${slug(prefix ?? "all")}`;
    if (this.grants.has(id)) throw new Error(`DataLake: ${id} granted twice to the same role`);
    this.grants.add(id);
    // Hadoop S3A/EMRFS probe "<dir>", "<dir>/" and "<dir>_$folder$" when they stat a directory;
    // without access to those keys S3 answers 403 instead of 404 and the job fails. So the scope is
    // "<prefix without its slash>*" — it also matches sibling keys that merely start with that
    // name, which the prefixes of constructs/contract/lake.ts never produce.
    const stem = prefix ? prefix.slice(0, -1) : undefined;
    const list: Record<string, unknown> = {
      Sid: "ListBucket",
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: this.arn(),
    };
    if (stem) list.Condition = { StringLike: { "s3:prefix": [`${stem}*`] } };
    return new IamRolePolicy(this, `grant-${id}`, {
      name: `lake-${id}`.slice(0, 128),
      role: role.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          list,
          {
            Sid: "Objects",
            Effect: "Allow",
            Action: objectActions,
            Resource: `${this.arn()}/${stem ?? ""}*`,
          },
          { Sid: "LakeKey", Effect: "Allow", Action: kmsActions, Resource: this.kmsKey.arn },
        ],
      }),
    });
  }

  private secureBucket(
    id: string,
    bucket: S3Bucket,
    opts: { kmsKeyArn: string | undefined },
  ): S3BucketNotification {
    new S3BucketOwnershipControls(this, `${id}-ownership`, {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, `${id}-public-access`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketServerSideEncryptionConfigurationA(this, `${id}-encryption`, {
      bucket: bucket.id,
      rule: [
        opts.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: opts.kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    new S3BucketVersioningA(this, `${id}-versioning`, {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    // The bucket's one notification configuration (S3 allows one per bucket), returned so other
    // constructs add their targets to it: JobTrigger adds its SQS queue for streaming-data/.
    // EventBridge delivery is on as well, so further consumers (audits, ad-hoc rules) can subscribe
    // with EventBridge rules without touching this configuration.
    return new S3BucketNotification(this, `${id}-notifications`, { bucket: bucket.id, eventbridge: true });
  }

  private abortMultipartRule(): S3BucketLifecycleConfigurationRule {
    return {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: [{}],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: LAKE_DEFAULTS.abortIncompleteMultipartDays }],
    };
  }

  private denyInsecureTransport(bucketArn: string): Record<string, unknown> {
    return {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
  }
}
