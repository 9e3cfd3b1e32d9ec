/**
 * The CDKTF app: one stack per environment (`pipeline-dev`, `pipeline-prod`) from one typed
 * config. Account ids below are placeholders for the offline plan; set yours (or
 * PIPELINE_<ENV>_ACCOUNT_ID) before `cdktf deploy`. See docs/operations.md, "Deploying".
 */
import { App } from "cdktf";
import { EnvironmentConfig } from "./constructs/config";
import { PipelineStack } from "./constructs/pipeline-stack";

const env = (name: string): string | undefined => process.env[name] || undefined;

/** Optional S3 remote state from the environment (PIPELINE_STATE_BUCKET[, _KMS_KEY_ID]). */
const remoteBackend = env("PIPELINE_STATE_BUCKET")
  ? { bucket: env("PIPELINE_STATE_BUCKET")!, kmsKeyId: env("PIPELINE_STATE_KMS_KEY_ID") }
  : undefined;

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    envName: "dev",
    accountId: env("PIPELINE_DEV_ACCOUNT_ID") ?? "111111111111",
    region: env("PIPELINE_DEV_REGION") ?? "eu-west-1",
    namePrefix: "bdp",
    alarmEmail: env("PIPELINE_DEV_ALARM_EMAIL"),
    network: { mode: "create", vpcCidr: "10.40.0.0/16", azCount: 2, natGateway: false },
    emr: {
      coreInstanceCount: 1,
      taskInstanceCount: 0,
      taskSpot: true,
      minCapacity: 1,
      maxCapacity: 4,
      idleTimeoutSeconds: 1800,
    },
    lake: {
      streamingDataIaDays: 30,
      streamingDataGlacierDays: 90,
      emrLogExpirationDays: 14,
      forceDestroy: true,
    },
    remoteBackend,
  },
  {
    envName: "prod",
    accountId: env("PIPELINE_PROD_ACCOUNT_ID") ?? "222222222222",
    region: env("PIPELINE_PROD_REGION") ?? "eu-west-1",
    namePrefix: "bdp",
    alarmEmail: env("PIPELINE_PROD_ALARM_EMAIL"),
    network: { mode: "create", vpcCidr: "10.41.0.0/16", azCount: 2, natGateway: false },
    emr: {
      masterInstanceType: "m5.2xlarge",
      coreInstanceType: "r5.2xlarge",
      coreInstanceCount: 2,
      taskInstanceType: "r5.2xlarge",
      taskInstanceCount: 0,
      taskSpot: true,
      taskSpotMaxPrice: "0.504",
      minCapacity: 2,
      maxCapacity: 10,
      idleTimeoutSeconds: 3600,
    },
    lake: {
      streamingDataIaDays: 30,
      streamingDataGlacierDays: 180,
      emrLogExpirationDays: 30,
      noncurrentVersionExpirationDays: 90,
      preventDestroy: true,
    },
    remoteBackend,
  },
];

/** Builds the app (exported for tests and the benchmark). */
export function buildApp(outdir?: string, environments: readonly EnvironmentConfig[] = ENVIRONMENTS): App {
  const app = new App(outdir ? { outdir } : undefined);
  for (const config of environments) new PipelineStack(app, `pipeline-${config.envName}`, config);
  return app;
}

if (require.main === module) {
  try {
    buildApp().synth();
  } catch (e) {
    // A config error is one line, never a stack trace.
    console.error(`synth failed: ${(e as Error).message}`);
    process.exit(2);
  }
}
