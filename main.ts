/**
 * The CDKTF app: one stack per environment (`pipeline-dev`, `pipeline-prod`) from one typed
 * config. Account ids below are placeholders for the offline plan; set yours (or
 * PIPELINE_<ENV>_ACCOUNT_ID) before `cdktf deploy`. See docs/operations.md, "Deploying".
 */
import { join } from "node:path";
import { App } from "cdktf";
import { REPO_ROOT } from "./constructs/bundled-lambda";
import { EnvironmentConfig } from "./constructs/config";
import { STREAMING_JOB } from "./constructs/contract/trigger-env";
import { PipelineStack, type PipelineStackAssets } from "./constructs/pipeline-stack";
import { packForStack } from "./scripts/submit-job/pyenv";

const env = (name: string): string | undefined => process.env[name] || undefined;

/** Optional S3 remote state from the environment (PIPELINE_STATE_BUCKET[, _KMS_KEY_ID]). */
const remoteBackend = env("PIPELINE_STATE_BUCKET")
  ? { bucket: env("PIPELINE_STATE_BUCKET")!, kmsKeyId: env("PIPELINE_STATE_KMS_KEY_ID") }
  : undefined;

/**
 * What every environment sets alike: its account, region and alarm email from
 * PIPELINE_<ENV>_ACCOUNT_ID, _REGION and _ALARM_EMAIL (else the offline placeholders), the name
 * prefix, a VPC of its own over two AZs without a NAT gateway, and the remote backend.
 */
function environment(
  envName: string,
  placeholderAccountId: string,
  vpcCidr: string,
): Omit<EnvironmentConfig, "emr" | "lake" | "tags"> {
  const fromEnv = (name: string) => env(`PIPELINE_${envName.toUpperCase()}_${name}`);
  return {
    envName,
    accountId: fromEnv("ACCOUNT_ID") ?? placeholderAccountId,
    region: fromEnv("REGION") ?? "eu-west-1",
    namePrefix: "bdp",
    alarmEmail: fromEnv("ALARM_EMAIL"),
    network: { mode: "create", vpcCidr, azCount: 2, natGateway: false },
    remoteBackend,
  };
}

export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    ...environment("dev", "111111111111", "10.40.0.0/16"),
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
  },
  {
    ...environment("prod", "222222222222", "10.41.0.0/16"),
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
  },
];

/** Builds the app (exported for tests and the benchmark). */
export function buildApp(
  outdir?: string,
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
  assets: PipelineStackAssets = {},
): App {
  const app = new App(outdir ? { outdir } : undefined);
  for (const config of environments) new PipelineStack(app, `pipeline-${config.envName}`, config, assets);
  return app;
}

/**
 * What the stacks ship that is built first: the streaming processor's requirements, when it has
 * any, packed for the cluster as submit-job packs them (same cache, same key), so the stream
 * trigger's steps run with them. Nothing when it has none.
 */
export async function buildAssets(jobsDir = join(REPO_ROOT, "jobs")): Promise<PipelineStackAssets> {
  const env = await packForStack(REPO_ROOT, jobsDir, STREAMING_JOB, (line) => console.error(line));
  return env ? { streamingPythonEnv: env } : {};
}

if (require.main === module) {
  buildAssets()
    .then((assets) => buildApp(undefined, ENVIRONMENTS, assets).synth())
    .catch((e) => {
      // A config or packing error is one line, never a stack trace.
      console.error(`synth failed: ${(e as Error).message}`);
      process.exit(2);
    });
}
