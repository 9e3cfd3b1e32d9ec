import { join, resolve } from "node:path";
import { Construct } from "constructs";
import { AssetType, dependable, TerraformAsset } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { BundledLambda, REPO_ROOT } from "./bundled-lambda";
import { Cmk, logsKeyStatement } from "./cmk";
import {
  declaresRequirements,
  jobFileName,
  jobPackage,
  type JobPackage,
  packageKeys,
  PY_FILES_NAME,
  type PythonEnvAsset,
  pythonEnvKey,
  requirementsFile,
} from "./contract/job-package";
import { LAKE_PREFIXES } from "./contract/lake";
import { STREAMING_JOB, TRIGGER_ENV } from "./contract/trigger-env";
import { DataLake } from "./data-lake";
import { jsonDocument } from "./json-document";
import { MONITORING_DEFAULTS, partitionOf, STREAMING_LAMBDA_DEFAULTS, TRIGGER_DEFAULTS } from "./defaults";
import { Monitoring } from "./monitoring";
import { stageFile } from "./staged-file";
import { checkIntRange } from "./validate";

/** The trigger Lambda's entry; `npm run build` bundles it to dist/lambda/emr-trigger/. */
export const TRIGGER_ENTRY = join(__dirname, "lambdas", "emr-trigger", "index.ts");

export interface JobTriggerProps {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix, e.g. "bdp-dev". */
  readonly name: string;
  readonly lake: DataLake;
  /** The EMR cluster the steps run on. */
  readonly cluster: { readonly clusterId: string; readonly clusterArn: string };
  /** Adds trigger/DLQ widgets and alarms when given. @default none */
  readonly monitoring?: Monitoring;
  /** 0–300. @default 60 */
  readonly batchWindowSeconds?: number;
  /** @default STREAMING_LAMBDA_DEFAULTS.logRetentionDays (365) */
  readonly logRetentionDays?: number;
  /** Directory with streaming_processor.py and its helper packages. @default <repo>/jobs */
  readonly jobsDir?: string;
  /**
   * The streaming processor's requirements packed for the cluster, when it has any (main.ts packs
   * them as submit-job does); uploaded to their submit-job key and run by every trigger step.
   * Required exactly when jobsDir gives the processor a requirements file. @default none
   */
  readonly pythonEnv?: PythonEnvAsset;
  /** Directory holding the built trigger bundle (index.js). @default dist/lambda/emr-trigger */
  readonly triggerBundleDir?: string;
}

/**
 * Uploads the streaming processor (content-hashed keys under `scripts/streaming-processor/`),
 * and runs it as an EMR step per hour partition when Firehose lands objects under
 * `streaming-data/`: S3 → SQS (KMS) → trigger Lambda (≤ 1 pending step per partition) → EMR.
 */
export class JobTrigger extends Construct {
  public readonly queue: SqsQueue;
  public readonly dlq: SqsQueue;
  public readonly trigger: BundledLambda;
  public readonly key: Cmk;
  public readonly scriptUri: string;
  /** The helper zip's URI; undefined when the processor imports no helper package. */
  public readonly pyFilesUri: string | undefined;
  /** Its packed requirements' URI; undefined when it has none. */
  public readonly pythonEnvUri: string | undefined;

  constructor(scope: Construct, id: string, props: JobTriggerProps) {
    super(scope, id);
    // validate
    const windowSeconds = props.batchWindowSeconds ?? TRIGGER_DEFAULTS.batchWindowSeconds;
    checkIntRange("JobTrigger: batchWindowSeconds", windowSeconds, 0, 300);
    const jobsDir = resolve(props.jobsDir ?? join(REPO_ROOT, "jobs"));
    let pkg: JobPackage;
    try {
      pkg = jobPackage(jobsDir, STREAMING_JOB);
    } catch {
      throw new Error(`JobTrigger: ${join(jobsDir, jobFileName(STREAMING_JOB))} not found; set jobsDir`);
    }
    // Its steps run with the requirements submit-job's runs of it would have, or not at all.
    const reqFile = requirementsFile(jobsDir, STREAMING_JOB);
    const declared = reqFile !== undefined && declaresRequirements(reqFile);
    if (declared && !props.pythonEnv)
      throw new Error(
        `JobTrigger: ${reqFile} gives ${STREAMING_JOB} requirements, but no packed environment was passed for its steps (main.ts packs one: synth with \`npx cdktf synth\`)`,
      );
    if (!declared && props.pythonEnv)
      throw new Error(
        `JobTrigger: a packed environment (${props.pythonEnv.requirements}) was passed, but ${STREAMING_JOB} has no requirements in ${jobsDir}`,
      );

    // defaults
    const partition = partitionOf(props.region);
    const keys = packageKeys(pkg);
    this.scriptUri = props.lake.uri() + keys.script;
    this.pyFilesUri = keys.pyFiles ? props.lake.uri() + keys.pyFiles : undefined;
    const envKey = props.pythonEnv ? pythonEnvKey(props.pythonEnv.hash) : undefined;
    this.pythonEnvUri = envKey ? props.lake.uri() + envKey : undefined;
    const queueName = `${props.name}-streaming-trigger`;
    const functionName = `${props.name}-emr-trigger`;
    const logRetention = props.logRetentionDays ?? STREAMING_LAMBDA_DEFAULTS.logRetentionDays;
    const bucketArn = props.lake.arn();

    // resources: key (SQS + log group). S3 must encrypt messages it sends to the queue.
    this.key = new Cmk(this, "kms", {
      accountId: props.accountId,
      region: props.region,
      alias: `${props.name}-trigger`,
      description: `${props.name} S3→EMR trigger queue, DLQ and log group`,
      statements: [
        {
          sid: "S3NotificationsToQueue",
          principal: { Service: "s3.amazonaws.com" },
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          conditions: {
            StringEquals: { "aws:SourceAccount": props.accountId },
            ArnLike: { "aws:SourceArn": bucketArn },
          },
        },
        logsKeyStatement(props.region, props.accountId),
      ],
    });
    const keyArn = this.key.key.arn;

    // resources: the processor script + helper zip, content-addressed.
    const scriptObject = new S3Object(this, "script", {
      bucket: props.lake.bucketName,
      key: keys.script,
      // An asset, so the stack directory is self-contained (terraform runs from cdktf.out).
      source: new TerraformAsset(this, "script-asset", {
        path: join(jobsDir, pkg.scriptFile),
        type: AssetType.FILE,
      }).path,
      sourceHash: pkg.hash,
      serverSideEncryption: "aws:kms",
      kmsKeyId: props.lake.kmsKey.arn,
    });
    const uploads = [scriptObject];
    if (pkg.pyFiles && keys.pyFiles) {
      const asset = new TerraformAsset(this, "py-files", {
        path: stageFile(PY_FILES_NAME, pkg.pyFiles.data).path,
        type: AssetType.FILE,
      });
      uploads.push(
        new S3Object(this, "py-files-object", {
          bucket: props.lake.bucketName,
          key: keys.pyFiles,
          source: asset.path,
          sourceHash: pkg.hash,
          serverSideEncryption: "aws:kms",
          kmsKeyId: props.lake.kmsKey.arn,
        }),
      );
    }

    if (props.pythonEnv && envKey) {
      // The key submit-job uploads the same environment to (content-addressed: same bytes).
      const asset = new TerraformAsset(this, "python-env", {
        path: props.pythonEnv.path,
        type: AssetType.FILE,
      });
      uploads.push(
        new S3Object(this, "python-env-object", {
          bucket: props.lake.bucketName,
          key: envKey,
          source: asset.path,
          sourceHash: props.pythonEnv.hash,
          serverSideEncryption: "aws:kms",
          kmsKeyId: props.lake.kmsKey.arn,
        }),
      );
    }

    this.dlq = new SqsQueue(this, "dlq", {
      name: `${queueName}-dlq`,
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: TRIGGER_DEFAULTS.kmsDataKeyReuseSeconds,
      messageRetentionSeconds: TRIGGER_DEFAULTS.dlqRetentionSeconds,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: queueName,
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: TRIGGER_DEFAULTS.kmsDataKeyReuseSeconds,
      // AWS: visibility timeout ≥ 6 × function timeout + batching window for SQS event sources.
      visibilityTimeoutSeconds: 6 * TRIGGER_DEFAULTS.timeoutSeconds + windowSeconds,
      redrivePolicy: jsonDocument({
        deadLetterTargetArn: this.dlq.arn,
        maxReceiveCount: TRIGGER_DEFAULTS.maxReceiveCount,
      }),
    });
    const queuePolicy = new SqsQueuePolicy(this, "queue-policy", {
      queueUrl: this.queue.url,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LakeNotifications",
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: `arn:${partition}:sqs:${props.region}:${props.accountId}:${queueName}`,
            Condition: {
              StringEquals: { "aws:SourceAccount": props.accountId },
              ArnLike: { "aws:SourceArn": bucketArn },
            },
          },
        ],
      }),
    });
    // S3 allows one notification configuration per bucket: add the queue to the lake's.
    props.lake.notification.putQueue([
      {
        id: "streaming-data-to-trigger",
        queueArn: this.queue.arn,
        events: ["s3:ObjectCreated:*"],
        filterPrefix: LAKE_PREFIXES.streamingData,
      },
    ]);
    // S3 validates the destination when the configuration is written: the policy must exist first.
    props.lake.notification.dependsOn = [
      ...(props.lake.notification.dependsOn ?? []),
      dependable(queuePolicy),
    ];

    this.trigger = new BundledLambda(this, "trigger", {
      accountId: props.accountId,
      region: props.region,
      functionName,
      description: "Adds one streaming-processor EMR step per new hour partition of streaming-data/",
      entry: TRIGGER_ENTRY,
      bundleDir: props.triggerBundleDir,
      memorySize: TRIGGER_DEFAULTS.memoryMb,
      timeout: TRIGGER_DEFAULTS.timeoutSeconds,
      reservedConcurrency: TRIGGER_DEFAULTS.reservedConcurrency,
      kmsKeyArn: keyArn,
      logRetentionDays: logRetention,
      deadLetterTargetArn: this.dlq.arn,
      environment: {
        [TRIGGER_ENV.clusterId]: props.cluster.clusterId,
        [TRIGGER_ENV.scriptUri]: this.scriptUri,
        ...(this.pyFilesUri ? { [TRIGGER_ENV.pyFilesUri]: this.pyFilesUri } : {}),
        ...(this.pythonEnvUri ? { [TRIGGER_ENV.pythonEnvUri]: this.pythonEnvUri } : {}),
        [TRIGGER_ENV.rawEventsUri]: props.lake.uri(LAKE_PREFIXES.streamingData),
        [TRIGGER_ENV.processedUri]: props.lake.uri(LAKE_PREFIXES.processedData),
      },
    });
    new LambdaEventSourceMapping(this, "queue-source", {
      eventSourceArn: this.queue.arn,
      functionName: this.trigger.fn.arn,
      batchSize: TRIGGER_DEFAULTS.batchSize,
      maximumBatchingWindowInSeconds: windowSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
      // The lowest allowed; reserved concurrency 1 does the real limiting.
      scalingConfig: { maximumConcurrency: 2 },
      dependsOn: uploads,
    });

    // permissions
    new IamRolePolicy(this, "trigger-policy", {
      name: "emr-trigger",
      role: this.trigger.role.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "StepsOnTheCluster",
            Effect: "Allow",
            // The two calls the handler makes (ListSteps, AddJobFlowSteps), nothing more.
            Action: ["elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:ListSteps"],
            Resource: props.cluster.clusterArn,
          },
          {
            Sid: "ConsumeQueue",
            Effect: "Allow",
            Action: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:GetQueueAttributes",
              "sqs:ChangeMessageVisibility",
            ],
            Resource: this.queue.arn,
          },
          { Sid: "AsyncFailuresToDlq", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.dlq.arn },
          {
            Sid: "QueueAndEnvKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: keyArn,
          },
        ],
      }),
    });

    if (props.monitoring) {
      const m = props.monitoring;
      m.lambdaWidgetsAndAlarms("emr-trigger", functionName, TRIGGER_DEFAULTS.timeoutSeconds);
      const dlqName = `${queueName}-dlq`;
      m.addSectionWidgets(
        "lambda",
        m.metricWidget(
          "emr-trigger: queue / DLQ depth",
          [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queueName],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlqName],
          ],
          "Maximum",
        ),
      );
      m.alarm("emr-trigger-dlq-depth", {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: dlqName },
        statistic: "Maximum",
        period: MONITORING_DEFAULTS.alarmPeriodSeconds,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        description:
          "S3 notifications the trigger could not process: those hours have no EMR step (replay from the DLQ)",
      });
    }
  }
}
