import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EnvironmentConfig, validateConfig } from "./config";
import { DataLake } from "./data-lake";
import { GlueCatalog } from "./glue-catalog";
import { Network } from "./network";
import { SparkCluster } from "./spark-cluster";
import { Monitoring } from "./monitoring";
import { LAKE_PREFIXES } from "./contract/lake";
import { STREAMING_DEFAULTS } from "./defaults";
import { StreamingIngest } from "./streaming-ingest";
import { JobTrigger } from "./job-trigger";
import { STACK_OUTPUTS, StackOutputName } from "./contract/outputs";
import type { PythonEnvAsset } from "./contract/job-package";

/** What a stack ships that is built outside it (main.ts builds it before synth). */
export interface PipelineStackAssets {
  /** The streaming processor's requirements packed for the cluster (JobTrigger.pythonEnv). @default none */
  readonly streamingPythonEnv?: PythonEnvAsset;
}

/** Names derived from the config, shared by constructs that are created in different places. */
export function resourceNames(config: EnvironmentConfig): {
  base: string;
  glueDatabase: string;
  kinesisStream: string;
  firehoseStream: string;
} {
  const base = `${config.namePrefix}-${config.envName}`;
  return {
    base,
    glueDatabase: `${base.replace(/-/g, "_")}_lake`,
    kinesisStream: `${base}-events`,
    firehoseStream: `${base}-events-to-lake`,
  };
}

/**
 * One environment's stack (`pipeline-<envName>`): provider with default tags, optional S3 remote
 * state, the data lake, Glue catalog, network, EMR cluster, monitoring, streaming ingestion, the
 * S3-event trigger and the stack outputs of constructs/contract/outputs.ts.
 */
export class PipelineStack extends TerraformStack {
  public readonly config: EnvironmentConfig;
  public readonly lake: DataLake;
  public readonly catalog: GlueCatalog;
  public readonly network: Network;
  public readonly cluster: SparkCluster;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, assets: PipelineStackAssets = {}) {
    super(scope, id);
    // validate
    validateConfig(config);
    this.config = config;
    // defaults
    const names = resourceNames(config);
    const { accountId, region } = config;
    const lakeCfg = config.lake ?? {};
    const emr = config.emr ?? {};

    // resources
    new AwsProvider(this, "aws", {
      region,
      defaultTags: [
        {
          tags: {
            ...config.tags,
            Project: "aws-bigdata-pipeline",
            Environment: config.envName,
            ManagedBy: "cdktf",
          },
        },
      ],
    });
    if (config.remoteBackend) {
      const b = config.remoteBackend;
      new S3Backend(this, {
        bucket: b.bucket,
        key: b.key ?? `${config.namePrefix}/${id}.tfstate`,
        region: b.region ?? region,
        encrypt: true,
        ...(b.kmsKeyId ? { kmsKeyId: b.kmsKeyId } : {}),
      });
      // Terraform ≥ 1.10 native S3 state locking (no DynamoDB table); cdktf 0.21's S3Backend
      // has no typed field for it yet.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      // cdktf's implicit local backend writes the absolute path of the machine that ran the
      // synth into the configuration; a relative path keeps the output portable (the HCL exit
      // path, another checkout). It is relative to where Terraform runs: under `cdktf deploy`
      // that is cdktf.out/stacks/<stack>/.
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }

    this.lake = new DataLake(this, "lake", {
      accountId,
      region,
      name: names.base,
      streamingDataIaDays: lakeCfg.streamingDataIaDays,
      streamingDataGlacierDays: lakeCfg.streamingDataGlacierDays,
      emrLogExpirationDays: lakeCfg.emrLogExpirationDays,
      noncurrentVersionExpirationDays: lakeCfg.noncurrentVersionExpirationDays,
      preventDestroy: lakeCfg.preventDestroy,
      forceDestroy: lakeCfg.forceDestroy,
    });
    this.catalog = new GlueCatalog(this, "catalog", {
      accountId,
      region,
      lake: this.lake,
      databaseName: names.glueDatabase,
    });
    this.network = new Network(this, "network", {
      region,
      name: names.base,
      config: config.network,
      lake: this.lake,
    });
    this.cluster = new SparkCluster(this, "spark", {
      accountId,
      region,
      name: names.base,
      lake: this.lake,
      catalog: this.catalog,
      network: this.network,
      releaseLabel: emr.releaseLabel,
      masterInstanceType: emr.masterInstanceType,
      coreInstanceType: emr.coreInstanceType,
      coreInstanceCount: emr.coreInstanceCount,
      taskInstanceType: emr.taskInstanceType,
      taskInstanceCount: emr.taskInstanceCount,
      taskSpot: emr.taskSpot,
      taskSpotMaxPrice: emr.taskSpotMaxPrice,
      minCapacity: emr.minCapacity,
      maxCapacity: emr.maxCapacity,
      idleTimeoutSeconds: emr.idleTimeoutSeconds,
      inTransitCertificateS3Uri: emr.inTransitCertificateS3Uri,
      manageBlockPublicAccess: emr.manageBlockPublicAccess,
      extraEgressCidrs: emr.extraEgressCidrs,
      terminationProtection: lakeCfg.preventDestroy ?? false,
    });
    this.monitoring = new Monitoring(this, "monitoring", {
      accountId,
      region,
      name: names.base,
      alarmEmail: config.alarmEmail,
    });
    this.monitoring.watchEmrCluster(this.cluster);

    // streaming: Kinesis → Firehose → lake, and the S3-event trigger of the streaming processor
    const streaming = new StreamingIngest(this, "streaming", {
      accountId,
      region,
      name: names.base,
      lake: this.lake,
      catalog: this.catalog,
      monitoring: this.monitoring,
      streamName: names.kinesisStream,
      deliveryStreamName: names.firehoseStream,
      retentionHours:
        config.envName === "prod" ? STREAMING_DEFAULTS.prodRetentionHours : STREAMING_DEFAULTS.retentionHours,
    });
    new JobTrigger(this, "trigger", {
      accountId,
      region,
      name: names.base,
      lake: this.lake,
      cluster: this.cluster,
      monitoring: this.monitoring,
      ...(assets.streamingPythonEnv ? { pythonEnv: assets.streamingPythonEnv } : {}),
    });

    // outputs: the contract list (constructs/contract/outputs.ts) with static ids, which
    // submit-job and produce-events read by name; URIs end with "/"
    const outputs: Record<StackOutputName, { value: string; description: string }> = {
      region: { value: region, description: "AWS region of this environment" },
      lake_bucket_name: { value: this.lake.bucketName, description: "Data lake bucket" },
      scripts_uri: {
        value: this.lake.uri(LAKE_PREFIXES.scripts),
        description: "Where submit-job uploads jobs",
      },
      raw_events_uri: {
        value: this.lake.uri(LAKE_PREFIXES.streamingData),
        description: "Firehose landing zone (Hive partitions)",
      },
      processed_uri: {
        value: this.lake.uri(LAKE_PREFIXES.processedData),
        description: "Job outputs: <uri><job>/",
      },
      emr_cluster_id: { value: this.cluster.clusterId, description: "EMR cluster id (j-...)" },
      emr_log_uri: { value: this.cluster.logUri, description: "EMR log URI" },
      kinesis_stream_name: { value: streaming.streamName, description: "Kinesis stream producers write to" },
      firehose_stream_name: { value: streaming.deliveryStreamName, description: "Firehose delivery stream" },
      glue_database_name: {
        value: names.glueDatabase,
        description: "Glue database of the events table",
      },
      alarm_topic_arn: { value: this.monitoring.topic.arn, description: "SNS topic for alarms" },
      dashboard_name: { value: this.monitoring.dashboardName, description: "CloudWatch dashboard" },
    };
    for (const name of STACK_OUTPUTS) {
      new TerraformOutput(this, name, outputs[name]).overrideLogicalId(name);
    }
  }
}
