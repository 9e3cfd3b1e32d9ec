/**
 * The submission plan: everything a run on the cluster will do — the resolved outputs, the job
 * package and its S3 keys, the exact AddJobFlowSteps request — decided before any AWS call, by
 * one pure function. `submit()` only executes a plan, and --dry-run prints one.
 */
import {
  type JobPackage,
  packageKeys,
  PYTHON_ENV_NAME,
  pythonEnvKey,
} from "../../constructs/contract/job-package";
import { pythonEnvConf } from "../../constructs/contract/spark-step";
import { UsageError } from "./errors";
import { needsOutputs, type OutputsSource, type Overrides, type Resolved, resolveOutputs } from "./outputs";
import {
  type AddStepsRequest,
  buildStepRequest,
  parseS3Uri,
  type S3Location,
  s3Uri,
  sha256,
  stepName,
} from "./plan";

/** One object of the package, where it goes in S3. */
export interface PlannedObject {
  readonly loc: S3Location;
  readonly uri: string;
  readonly body: Buffer;
  /** sha256 hex of `body` (stored as the object's metadata, reported by --json). */
  readonly sha256: string;
}

export interface SubmitPlan {
  readonly job: string;
  readonly runId: string;
  /** `<job>:<run-id>`: the idempotency key on the cluster. */
  readonly stepName: string;
  readonly resolved: Resolved;
  readonly package: JobPackage;
  readonly script: PlannedObject;
  readonly pyFiles?: PlannedObject;
  /** The packed environment of the job's requirements; built (or found) when executed. */
  readonly pythonEnv?: PlannedEnv;
  readonly request: AddStepsRequest;
}

/** Where a packed environment goes, and the Spark settings that use it. */
export interface PlannedEnv {
  readonly loc: S3Location;
  readonly uri: string;
  readonly hash: string;
  /** The requirements file, as shown in messages. */
  readonly requirements: string;
  /** The `--conf`s the step gets for it (before the user's), and its `--files`. */
  readonly sparkConf: readonly string[];
  readonly files: string;
}

export interface PlanInput {
  readonly runId: string;
  readonly package: JobPackage;
  /** Values from flags/env; they take precedence over the outputs. */
  readonly overrides: Overrides;
  /** The stack outputs; needed unless the overrides name both the cluster and the bucket. */
  readonly outputs?: OutputsSource;
  /** Spark confs, already validated. */
  readonly conf: readonly string[];
  /** The job's own arguments after --input/--output. */
  readonly extra: readonly string[];
  /** The job's requirements, when it has any: their environment's key hash. */
  readonly pythonEnv?: { readonly hash: string; readonly requirements: string };
}

/** Builds the plan of one submission to the cluster (pure: no I/O, no AWS). */
export function planSubmission(p: PlanInput): SubmitPlan {
  const job = p.package.job;
  if (needsOutputs(p.overrides) && !p.outputs)
    throw new UsageError("no stack outputs loaded; pass --outputs FILE, or --cluster-id and --bucket");
  const resolved = resolveOutputs(job, p.overrides, () => p.outputs!);
  const scripts = parseS3Uri(resolved.scriptsUri, "scripts_uri");
  const keys = packageKeys(p.package, scripts.key);
  const object = (key: string, body: Buffer): PlannedObject => {
    const loc = { bucket: scripts.bucket, key };
    return { loc, uri: s3Uri(loc), body, sha256: sha256(body) };
  };
  const script = object(keys.script, p.package.script);
  const pyFiles =
    keys.pyFiles && p.package.pyFiles ? object(keys.pyFiles, p.package.pyFiles.data) : undefined;
  let pythonEnv: PlannedEnv | undefined;
  if (p.pythonEnv) {
    const loc = { bucket: scripts.bucket, key: pythonEnvKey(p.pythonEnv.hash, scripts.key) };
    const uri = s3Uri(loc);
    pythonEnv = {
      loc,
      uri,
      hash: p.pythonEnv.hash,
      requirements: p.pythonEnv.requirements,
      sparkConf: pythonEnvConf(PYTHON_ENV_NAME),
      files: uri,
    };
  }
  const request = buildStepRequest(resolved.clusterId, {
    job,
    runId: p.runId,
    scriptUri: script.uri,
    pyFilesUri: pyFiles?.uri,
    pythonEnvUri: pythonEnv?.uri,
    conf: p.conf,
    jobArgs: ["--input", resolved.input, "--output", resolved.output, ...p.extra],
  });
  return {
    job,
    runId: p.runId,
    stepName: stepName(job, p.runId),
    resolved,
    package: p.package,
    script,
    ...(pyFiles ? { pyFiles } : {}),
    ...(pythonEnv ? { pythonEnv } : {}),
    request,
  };
}
