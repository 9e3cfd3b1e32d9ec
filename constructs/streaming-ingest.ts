import { join } from "node:path";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Cmk, logsKeyStatement, serviceTrustPolicy } from "./cmk";
import { jsonDocument } from "./json-document";
import { BundledLambda } from "./bundled-lambda";
import { LAKE_PREFIXES } from "./contract/lake";
import { DataLake } from "./data-lake";
import {
  dnsSuffixOf,
  MONITORING_DEFAULTS,
  partitionOf,
  STREAMING_DEFAULTS,
  STREAMING_LAMBDA_DEFAULTS,
} from "./defaults";
import { GlueCatalog } from "./glue-catalog";
import { DashboardSection, Monitoring } from "./monitoring";
import { checkCount, checkIntRange, ConfigError } from "./validate";

/** The transform Lambda's entry; `npm run build` bundles it to dist/lambda/firehose-transform/. */
export const TRANSFORM_ENTRY = join(__dirname, "lambdas", "firehose-transform", "index.ts");

export interface StreamingIngestProps {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix, e.g. "bdp-dev". */
  readonly name: string;
  readonly lake: DataLake;
  readonly catalog: GlueCatalog;
  /** Adds Kinesis/Firehose/transform widgets and alarms when given. @default none */
  readonly monitoring?: Monitoring;
  /** @default `${name}-events` */
  readonly streamName?: string;
  /** @default `${name}-events-to-lake` */
  readonly deliveryStreamName?: string;
  /** @default "ON_DEMAND" */
  readonly streamMode?: "ON_DEMAND" | "PROVISIONED";
  /** Required with PROVISIONED, not allowed with ON_DEMAND. */
  readonly shardCount?: number;
  /** @default STREAMING_DEFAULTS.retentionHours (24) */
  readonly retentionHours?: number;
  /** 64–128 with format conversion. @default 128 */
  readonly bufferingSizeMb?: number;
  /** 0–900. @default 300 */
  readonly bufferingIntervalSeconds?: number;
  /** @default STREAMING_DEFAULTS.transformReservedConcurrency (50) */
  readonly transformReservedConcurrency?: number;
  /** @default STREAMING_LAMBDA_DEFAULTS.logRetentionDays (365) */
  readonly logRetentionDays?: number;
  /** Directory holding the built transform bundle (index.js). @default dist/lambda/firehose-transform */
  readonly transformBundleDir?: string;
}

/**
 * Kinesis stream (CMK) → Firehose (transform Lambda, OpenX JSON → Parquet with the Glue `events`
 * schema) → `streaming-data/year=/month=/day=/hour=/`, failed records under `streaming-errors/`.
 */
export class StreamingIngest extends Construct {
  public readonly stream: KinesisStream;
  public readonly deliveryStream: KinesisFirehoseDeliveryStream;
  public readonly transform: BundledLambda;
  public readonly firehoseRole: IamRole;
  public readonly key: Cmk;
  public readonly firehoseLogGroup: CloudwatchLogGroup;
  public readonly streamName: string;
  public readonly deliveryStreamName: string;
  public readonly streamArn: string;

  constructor(scope: Construct, id: string, props: StreamingIngestProps) {
    super(scope, id);
    // validate
    const mode = props.streamMode ?? STREAMING_DEFAULTS.streamMode;
    if (mode === "PROVISIONED") {
      checkCount("StreamingIngest: shardCount (streamMode PROVISIONED)", props.shardCount as number, 1);
    } else if (props.shardCount !== undefined) {
      throw new ConfigError(
        `StreamingIngest: shardCount is only valid with streamMode PROVISIONED, got ${props.shardCount}`,
      );
    }
    const retention = props.retentionHours ?? STREAMING_DEFAULTS.retentionHours;
    checkIntRange("StreamingIngest: retentionHours", retention, 24, 8760);
    const bufSize = props.bufferingSizeMb ?? STREAMING_DEFAULTS.bufferingSizeMb;
    // Record format conversion requires a buffer of at least 64 MiB (128 is Firehose's maximum).
    checkIntRange("StreamingIngest: bufferingSizeMb", bufSize, 64, 128);
    const bufInterval = props.bufferingIntervalSeconds ?? STREAMING_DEFAULTS.bufferingIntervalSeconds;
    checkIntRange("StreamingIngest: bufferingIntervalSeconds", bufInterval, 0, 900);

    // defaults
    const partition = partitionOf(props.region);
    this.streamName = props.streamName ?? `${props.name}-events`;
    this.deliveryStreamName = props.deliveryStreamName ?? `${props.name}-events-to-lake`;
    this.streamArn = `arn:${partition}:kinesis:${props.region}:${props.accountId}:stream/${this.streamName}`;
    const deliveryStreamArn = `arn:${partition}:firehose:${props.region}:${props.accountId}:deliverystream/${this.deliveryStreamName}`;
    const logRetention = props.logRetentionDays ?? STREAMING_LAMBDA_DEFAULTS.logRetentionDays;
    const firehoseLogGroupName = `/aws/kinesisfirehose/${this.deliveryStreamName}`;

    // resources: key for the stream and the log groups
    this.key = new Cmk(this, "kms", {
      accountId: props.accountId,
      region: props.region,
      alias: `${props.name}-streaming`,
      description: `${props.name} Kinesis stream and streaming log groups`,
      statements: [logsKeyStatement(props.region, props.accountId)],
    });
    const keyArn = this.key.key.arn;

    this.stream = new KinesisStream(this, "stream", {
      name: this.streamName,
      streamModeDetails: { streamMode: mode },
      ...(mode === "PROVISIONED" ? { shardCount: props.shardCount } : {}),
      retentionPeriod: retention,
      encryptionType: "KMS",
      kmsKeyId: keyArn,
    });

    this.transform = new BundledLambda(this, "transform", {
      accountId: props.accountId,
      region: props.region,
      functionName: `${props.name}-firehose-transform`,
      description: "Firehose transform: validate event schema v1, anonymise IPs, classify status",
      entry: TRANSFORM_ENTRY,
      bundleDir: props.transformBundleDir,
      memorySize: STREAMING_DEFAULTS.transformMemoryMb,
      timeout: STREAMING_DEFAULTS.transformTimeoutSeconds,
      reservedConcurrency:
        props.transformReservedConcurrency ?? STREAMING_DEFAULTS.transformReservedConcurrency,
      kmsKeyArn: keyArn,
      logRetentionDays: logRetention,
    });

    this.firehoseLogGroup = new CloudwatchLogGroup(this, "firehose-logs", {
      name: firehoseLogGroupName,
      retentionInDays: logRetention,
      kmsKeyId: keyArn,
    });
    const logStream = new CloudwatchLogStream(this, "firehose-log-stream", {
      name: "DestinationDelivery",
      logGroupName: this.firehoseLogGroup.name,
    });

    this.firehoseRole = new IamRole(this, "firehose-role", {
      name: `${props.name}-firehose`.slice(0, 64),
      // Confused deputy: only this account's delivery stream may assume the role.
      // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html
      assumeRolePolicy: serviceTrustPolicy("firehose.amazonaws.com", {
        sourceAccount: props.accountId,
        sourceArnLike: deliveryStreamArn,
      }),
    });

    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, "firehose", {
      name: this.deliveryStreamName,
      destination: "extended_s3",
      kinesisSourceConfiguration: { kinesisStreamArn: this.stream.arn, roleArn: this.firehoseRole.arn },
      extendedS3Configuration: {
        roleArn: this.firehoseRole.arn,
        bucketArn: props.lake.arn(),
        prefix: STREAMING_DEFAULTS.prefix,
        errorOutputPrefix: STREAMING_DEFAULTS.errorPrefix,
        bufferingSize: bufSize,
        bufferingInterval: bufInterval,
        // Parquet compresses itself (Snappy); Firehose requires UNCOMPRESSED with conversion.
        compressionFormat: "UNCOMPRESSED",
        kmsKeyArn: props.lake.kmsKey.arn,
        cloudwatchLoggingOptions: {
          enabled: true,
          logGroupName: this.firehoseLogGroup.name,
          logStreamName: logStream.name,
        },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: "Lambda",
              parameters: [
                { parameterName: "LambdaArn", parameterValue: `${this.transform.fn.arn}:$LATEST` },
                // The provider keeps a processor parameter equal to Firehose's default (1 MiB,
                // 60 s) out of its state, so one set here is planned again on every run.
                ...(
                  [
                    ["BufferSizeInMBs", STREAMING_DEFAULTS.processorBufferMb, 1],
                    ["BufferIntervalInSeconds", STREAMING_DEFAULTS.processorBufferIntervalSeconds, 60],
                  ] as const
                )
                  .filter(([, value, firehoseDefault]) => value !== firehoseDefault)
                  .map(([parameterName, value]) => ({ parameterName, parameterValue: String(value) })),
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: "SNAPPY" } } },
          schemaConfiguration: {
            databaseName: props.catalog.database.name,
            tableName: props.catalog.table.name,
            roleArn: this.firehoseRole.arn,
            region: props.region,
            versionId: "LATEST",
          },
        },
      },
    });

    // permissions: the Firehose role reads the stream, invokes the transform, reads the table
    // schema, writes the two landing prefixes and its own log stream — nothing else.
    new IamRolePolicy(this, "firehose-policy", {
      name: "firehose-delivery",
      role: this.firehoseRole.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadStream",
            Effect: "Allow",
            Action: [
              "kinesis:DescribeStream",
              "kinesis:DescribeStreamSummary",
              "kinesis:GetShardIterator",
              "kinesis:GetRecords",
              "kinesis:ListShards",
            ],
            Resource: this.streamArn,
          },
          {
            Sid: "DecryptStream",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: keyArn,
            Condition: {
              StringEquals: { "kms:ViaService": `kinesis.${props.region}.${dnsSuffixOf(props.region)}` },
            },
          },
          {
            Sid: "InvokeTransform",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
            Resource: [this.transform.functionArn, `${this.transform.functionArn}:*`],
          },
          {
            Sid: "ReadTableSchema",
            Effect: "Allow",
            Action: ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
            Resource: [props.catalog.catalogArn, props.catalog.databaseArn, props.catalog.tableArn],
          },
          {
            Sid: "MultipartUploads",
            Effect: "Allow",
            Action: ["s3:ListBucketMultipartUploads"],
            Resource: props.lake.arn(),
          },
          {
            Sid: "DeliveryErrorLogs",
            Effect: "Allow",
            Action: ["logs:PutLogEvents"],
            Resource: `arn:${partition}:logs:${props.region}:${props.accountId}:log-group:${firehoseLogGroupName}:log-stream:*`,
          },
        ],
      }),
    });
    props.lake.grantWrite(this.firehoseRole, LAKE_PREFIXES.streamingData);
    props.lake.grantWrite(this.firehoseRole, LAKE_PREFIXES.streamingErrors);

    if (props.monitoring) this.watch(props.monitoring, bufInterval);
  }

  /**
   * Lets a producer role put records on the stream (and encrypt them with the stream's key) —
   * what `scripts/produce-events` needs. Nothing else: no reads, no other stream.
   */
  public grantPut(role: IamRole): IamRolePolicy {
    return new IamRolePolicy(this, `grant-put-${role.node.id}`, {
      name: `kinesis-put-${this.streamName}`.slice(0, 128),
      role: role.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "PutRecords",
            Effect: "Allow",
            Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"],
            Resource: this.streamArn,
          },
          { Sid: "StreamKey", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: this.key.key.arn },
        ],
      }),
    });
  }

  /**
   * Widgets and alarms from CloudWatch's recommended alarms for Kinesis, Firehose and Lambda:
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best-Practice-Alarms.html
   */
  private watch(m: Monitoring, bufferingIntervalSeconds: number): void {
    const p = MONITORING_DEFAULTS.alarmPeriodSeconds;
    const k = { StreamName: this.streamName };
    const f = { DeliveryStreamName: this.deliveryStreamName };
    const fn = this.transform.fn.functionName;
    /**
     * A dashboard section of one resource's metrics (the alarm tables' namespace and dimensions
     * below), a widget a row: [title, metric names, statistic].
     */
    const widgets = (
      section: DashboardSection,
      namespace: string,
      dimensions: Record<string, string>,
      rows: readonly (readonly [string, readonly string[], string])[],
    ): void =>
      m.addSectionWidgets(
        section,
        ...rows.map(([title, metrics, stat]) =>
          m.metricWidget(
            title,
            metrics.map((metric) => [namespace, metric, ...Object.entries(dimensions).flat()]),
            stat,
          ),
        ),
      );
    widgets("kinesis", "AWS/Kinesis", k, [
      ["Iterator age (ms)", ["GetRecords.IteratorAgeMilliseconds"], "Maximum"],
      ["Incoming records / PutRecords failures", ["IncomingRecords", "PutRecords.FailedRecords"], "Sum"],
      ["Throttles", ["WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"], "Sum"],
    ]);
    widgets("firehose", "AWS/Firehose", f, [
      ["Data freshness (s)", ["DeliveryToS3.DataFreshness"], "Maximum"],
      [
        "Delivery success / processing success",
        ["DeliveryToS3.Success", "ExecuteProcessing.Success"],
        "Average",
      ],
      [
        "Records: processed ok / conversion failed / throttled",
        ["SucceedProcessing.Records", "FailedConversion.Records", "ThrottledRecords"],
        "Sum",
      ],
    ]);
    m.lambdaWidgetsAndAlarms("firehose-transform", fn, STREAMING_DEFAULTS.transformTimeoutSeconds);

    const every = { period: p, evaluationPeriods: 1, treatMissingData: "notBreaching" } as const;
    m.alarmTable({ ...every, namespace: "AWS/Kinesis", dimensions: k }, [
      [
        "kinesis-iterator-age",
        "GetRecords.IteratorAgeMilliseconds",
        "Maximum",
        "GreaterThanThreshold",
        15 * 60_000,
        "Firehose is falling behind the stream (records older than 15 min); data loss at retention",
      ],
      [
        "kinesis-write-throttled",
        "WriteProvisionedThroughputExceeded",
        "Sum",
        "GreaterThanThreshold",
        0,
        "Producers are throttled: raise shards or use ON_DEMAND",
      ],
      [
        "kinesis-read-throttled",
        "ReadProvisionedThroughputExceeded",
        "Sum",
        "GreaterThanThreshold",
        0,
        "Stream reads are throttled",
      ],
      [
        "kinesis-putrecords-failed",
        "PutRecords.FailedRecords",
        "Sum",
        "GreaterThanThreshold",
        0,
        "PutRecords entries failed (producers retry; persistent failures lose data)",
      ],
    ]);
    m.alarmTable({ ...every, namespace: "AWS/Firehose", dimensions: f }, [
      [
        "firehose-data-freshness",
        "DeliveryToS3.DataFreshness",
        "Maximum",
        "GreaterThanThreshold",
        // Freshness normally stays below the buffering interval plus the processor's own buffer.
        bufferingIntervalSeconds + STREAMING_DEFAULTS.processorBufferIntervalSeconds + 600,
        "Oldest record in Firehose is older than buffering + 10 min: delivery to S3 is stuck",
      ],
      [
        "firehose-delivery-success",
        "DeliveryToS3.Success",
        "Average",
        "LessThanThreshold",
        1,
        "Some S3 deliveries failed (see the firehose log group)",
      ],
      [
        "firehose-throttled",
        "ThrottledRecords",
        "Sum",
        "GreaterThanThreshold",
        0,
        "Firehose was throttled reading the stream",
      ],
      [
        "firehose-processing-failed",
        "ExecuteProcessing.Success",
        "Average",
        "LessThanThreshold",
        1,
        "Transform Lambda invocations failed (records go to streaming-errors/processing-failed)",
      ],
      [
        "firehose-conversion-failed",
        "FailedConversion.Records",
        "Sum",
        "GreaterThanThreshold",
        0,
        "Records failed Parquet conversion (streaming-errors/format-conversion-failed)",
      ],
    ]);
  }
}
