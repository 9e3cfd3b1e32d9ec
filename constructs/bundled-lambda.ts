/**
 * Deploys one bundled Lambda the way both streaming Lambdas need it: a role with a
 * confused-deputy-safe trust policy, a KMS-encrypted log group with retention, X-Ray tracing,
 * and the bundle packaged as a TerraformAsset. Shared by StreamingIngest (firehose-transform)
 * and JobTrigger (emr-trigger).
 *
 * Lambda runtime code lives in `constructs/lambdas/<name>/index.ts`; `npm run build`
 * (scripts/build.mjs) bundles every such folder to `dist/lambda/<name>/index.js`, and a construct
 * names its function by the entry path, from which `bundleDirOf` derives the bundle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction, type LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { serviceTrustPolicy } from "./cmk";
import { jsonDocument } from "./json-document";
import { deterministicZip } from "./contract/job-package";
import { partitionOf, STREAMING_LAMBDA_DEFAULTS } from "./defaults";
import { stageFile } from "./staged-file";

/** Repository root (constructs/ → ..). */
export const REPO_ROOT = resolve(__dirname, "..");

/** Where `npm run build` puts the bundle of `constructs/lambdas/<name>/index.ts`. */
export function bundleDirOf(entry: string): string {
  return join(REPO_ROOT, "dist", "lambda", basename(dirname(entry)));
}

/** Fails with the fix when the bundle was not built (synth before `npm run build`). */
export function requireBundle(dir: string, who: string): string {
  const abs = resolve(dir);
  if (!existsSync(join(abs, "index.js"))) {
    throw new Error(`${who}: Lambda bundle ${join(abs, "index.js")} not found; run npm run build`);
  }
  return abs;
}

/**
 * Zips a bundle directory (its files, flat) into a deterministic package: sorted entries, fixed
 * timestamps, so the same bundle always gives the same bytes, hash and plan — and synth needs no
 * `zip` process (cdktf's ARCHIVE assets spawn one per asset per stack).
 */
export function lambdaPackage(dir: string): { path: string; sha256Base64: string } {
  const files = readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((name) => ({ name, data: readFileSync(join(dir, name)) }));
  const { path, sha256 } = stageFile("package.zip", deterministicZip(files));
  return { path, sha256Base64: sha256.toString("base64") };
}

export interface BundledLambdaProps {
  readonly accountId: string;
  readonly region: string;
  readonly functionName: string;
  readonly description: string;
  /** The runtime code's entry, `constructs/lambdas/<name>/index.ts`. */
  readonly entry: string;
  /** Directory with the built index.js (absolute or relative to the cwd). @default bundleDirOf(entry) */
  readonly bundleDir?: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly reservedConcurrency: number;
  /** KMS key for the log group (and the environment variables when given). */
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
  readonly environment?: Readonly<Record<string, string>>;
  /** Async-invocation DLQ (SQS ARN). */
  readonly deadLetterTargetArn?: string;
}

/** A Lambda function with its role, log group and logging permissions. */
export class BundledLambda extends Construct {
  public readonly fn: LambdaFunction;
  public readonly role: IamRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly functionArn: string;

  constructor(scope: Construct, id: string, props: BundledLambdaProps) {
    super(scope, id);
    const dir = requireBundle(props.bundleDir ?? bundleDirOf(props.entry), props.functionName);
    const partition = partitionOf(props.region);
    const logGroupName = `/aws/lambda/${props.functionName}`;
    this.functionArn = `arn:${partition}:lambda:${props.region}:${props.accountId}:function:${props.functionName}`;

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.functionName}-lambda`.slice(0, 64),
      // Confused deputy: only Lambda acting for this account may assume the role. (Lambda
      // does not document aws:SourceArn for execution-role assumption, so it is not required.)
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", { sourceAccount: props.accountId }),
    });
    new IamRolePolicy(this, "logs-policy", {
      name: "logs",
      role: this.role.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OwnLogGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `arn:${partition}:logs:${props.region}:${props.accountId}:log-group:${logGroupName}:*`,
          },
        ],
      }),
    });
    // X-Ray write actions only support Resource "*"; the AWS managed policy is exactly that set.
    new IamRolePolicyAttachment(this, "xray", {
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/AWSXRayDaemonWriteAccess`,
    });

    const pkg = lambdaPackage(dir);
    const asset = new TerraformAsset(this, "bundle", { path: pkg.path, type: AssetType.FILE });
    const config: LambdaFunctionConfig = {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: STREAMING_LAMBDA_DEFAULTS.runtime,
      architectures: [STREAMING_LAMBDA_DEFAULTS.architecture],
      handler: "index.handler",
      filename: asset.path,
      // base64 SHA-256 of the zip: what Lambda reports as CodeSha256 after deploy.
      sourceCodeHash: pkg.sha256Base64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "Text", logGroup: logGroupName },
      ...(props.environment
        ? { environment: { variables: { ...props.environment } }, kmsKeyArn: props.kmsKeyArn }
        : {}),
      ...(props.deadLetterTargetArn ? { deadLetterConfig: { targetArn: props.deadLetterTargetArn } } : {}),
      dependsOn: [this.logGroup],
    };
    this.fn = new LambdaFunction(this, "fn", config);
  }
}
