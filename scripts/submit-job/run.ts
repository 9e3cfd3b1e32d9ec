/**
 * Orchestration: validate → load the outputs → plan (`planSubmission`, pure) → print it (--dry-run)
 * or execute it (describe the cluster, reuse the step or upload and add it, wait); or run locally.
 * Returns an outcome and the result object; the entry file turns the outcome into the exit code.
 * Nothing here exits.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AwsConfig, CancelResult, ClusterInfo, EmrApi, S3Api } from "./aws";
import { checkClusterAcceptsSteps } from "./aws";
import { Outcome, UsageError } from "./errors";
import { type JobPackage, jobPackage, PY_FILES_NAME } from "../../constructs/contract/job-package";
import { envHash, jobRequirements, packEnv, type PackedEnv } from "./pyenv";
import { checkJobArgs } from "./argparse";
import { findJob } from "./jobs";
import type { OutputsSource, Overrides } from "./outputs";
import { needsOutputs, parseJsonDoc, selectStack, selectStackDir } from "./outputs";
import {
  defaultRunId,
  parseConf,
  parseDuration,
  parseS3Uri,
  RUN_ID_RE,
  sha256,
  type AddStepsRequest,
} from "./plan";
import { planSubmission, type PlannedObject, type SubmitPlan } from "./submission";
import { addSparkUi, consoleLinks, type Links } from "./links";
import { findErrorLine, findTraceback, stepLogPrefix } from "./logs";
import { type Clock, type Failure, type Progress, waitForStep } from "./wait";

export interface SubmitOptions {
  readonly job: string;
  readonly repoRoot: string;
  readonly jobsDir: string;
  readonly input?: string;
  readonly output?: string;
  readonly stack?: string;
  readonly outputs?: string;
  readonly clusterId?: string;
  readonly bucket?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly conf: readonly string[];
  readonly runId?: string;
  readonly wait: boolean;
  readonly timeout?: string;
  readonly logWait: string;
  readonly dryRun: boolean;
  readonly local: boolean;
  readonly master: string;
  readonly extra: readonly string[];
  /** Ask EMR for a Spark UI link (two calls; --no-spark-ui skips them). @default true */
  readonly sparkUi?: boolean;
}

export interface Deps {
  readonly aws: (cfg: AwsConfig) => { emr: EmrApi; s3: S3Api };
  readonly terraformOutput: (stackDir: string) => Promise<string>;
  readonly clock: Clock;
  readonly progress: Progress;
  /** Where --local's child output goes (stdout normally, stderr with --json). */
  readonly childStdout: "inherit" | "stderr";
  readonly signal?: AbortSignal;
  /** Packs a job's requirements (pex); replaced in tests that must not build. @default packEnv */
  readonly packEnv?: typeof packEnv;
}

export interface Upload {
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
  uploaded: boolean;
}

export interface EnvUpload {
  /** The requirements file, relative to the repository. */
  readonly requirements: string;
  /** Where it goes (`s3://...`), or the local file with --local. */
  readonly uri: string;
  /** The content-addressed part of its key. */
  readonly hash: string;
  readonly sparkConf: readonly string[];
  readonly files?: string;
  bytes?: number;
  sha256?: string;
  /** built: pex ran; cached: found in the local cache; not needed: already in S3, nothing packed. */
  packed?: PackedEnv["packed"] | "not needed";
  uploaded: boolean;
}

/** The --json result (the fields the README documents, plus a few extras). */
export interface SubmitResult {
  job: string;
  runId: string;
  clusterId?: string;
  stepId?: string;
  state: string;
  script: Upload;
  pyFiles?: Upload;
  /** The packed environment of the job's requirements, and the Spark settings that use it. */
  pythonEnv?: EnvUpload;
  args: string[];
  input: string;
  output: string;
  durationSeconds: number;
  failure?: Failure;
  reused?: boolean;
  cancel?: CancelResult;
  /** The run in the consoles and its Spark UI. */
  links?: Links;
  dryRun?: boolean;
  stack?: string;
  sources?: Record<string, string>;
  request?: AddStepsRequest;
  exitCode?: number;
}

// terraform colours its errors; keep the one-line message plain.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stripAnsi = (s: string) => s.replace(ANSI, "");

/**
 * The one line worth showing from terraform's stderr: the first `Error:` (warnings such as a
 * missing CLI config file come first), without colours or box drawing, plus what to do when the
 * stack directory was never initialised/deployed from this checkout.
 */
export function terraformErrorLine(stderr: string, fallback: string): string {
  const lines = stripAnsi(stderr)
    .split("\n")
    .map((l) => l.replace(/^[\s│╷╵]+/, "").trim())
    .filter((l) => l !== "");
  const error = lines.find((l) => l.startsWith("Error:"));
  const line = (error ?? lines[0] ?? fallback).replace(/^Error:\s*/, "");
  return /terraform init|Backend initialization required|no state/i.test(line)
    ? `${line} (this checkout has no state for the stack: deploy it with \`cdktf deploy\`, or pass --outputs FILE)`
    : line;
}

/** `terraform output -json` in a stack directory (the fallback when no --outputs file is given). */
export function runTerraformOutput(stackDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "terraform",
      ["output", "-json"],
      { cwd: stackDir, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
          return reject(
            new UsageError(
              missing
                ? "terraform is not on PATH; install it or pass --outputs FILE (written by `cdktf output <stack> --outputs-file FILE`)"
                : `terraform output -json in ${stackDir} failed: ${terraformErrorLine(String(stderr), err.message)}`,
            ),
          );
        }
        resolve(stdout);
      },
    );
  });
}

/** Where the stack outputs are read from: flags that pick the file or the stack directory. */
export interface OutputsLocation {
  readonly repoRoot: string;
  readonly stack?: string;
  readonly outputs?: string;
}

/** Loads one stack's outputs: `--outputs FILE`, else `terraform output -json` of its directory. */
export async function loadOutputs(
  o: OutputsLocation,
  deps: Pick<Deps, "terraformOutput">,
): Promise<OutputsSource> {
  if (o.outputs) {
    if (!existsSync(o.outputs) || !statSync(o.outputs).isFile()) {
      throw new UsageError(
        `outputs file ${o.outputs} not found; write it with \`cdktf output <stack> --outputs-file ${o.outputs}\``,
      );
    }
    return selectStack(parseJsonDoc(readFileSync(o.outputs, "utf8"), o.outputs), o.outputs, o.stack);
  }
  const outDir = join(o.repoRoot, "cdktf.out", "stacks");
  const available = existsSync(outDir)
    ? readdirSync(outDir).filter((d) => statSync(join(outDir, d)).isDirectory())
    : [];
  const stack = selectStackDir(available, o.stack, outDir);
  const dir = join(outDir, stack);
  const text = await deps.terraformOutput(dir);
  const origin = `terraform output -json in ${dir}`;
  const doc = parseJsonDoc(text, origin);
  if (Object.keys(doc).length === 0) {
    throw new UsageError(
      `${origin} returned no outputs: the stack is not deployed (\`cdktf deploy ${stack}\`), or pass --outputs FILE`,
    );
  }
  return selectStack(doc, origin, stack);
}

function validateCommon(o: SubmitOptions): {
  conf: string[];
  timeoutSeconds?: number;
  logWaitSeconds: number;
  runId?: string;
} {
  const conf = parseConf(o.conf);
  const timeoutSeconds = o.timeout !== undefined ? parseDuration(o.timeout, "--timeout") : undefined;
  const logWaitSeconds = parseDuration(o.logWait, "--log-wait");
  if (o.runId !== undefined && !RUN_ID_RE.test(o.runId)) {
    throw new UsageError(
      `--run-id must be 1-128 chars of letters, digits, . _ - (starting with a letter or digit), got "${o.runId}"`,
    );
  }
  if (o.extra.some((a) => a === "")) throw new UsageError("extra job args must not be empty strings");
  return { conf, timeoutSeconds, logWaitSeconds, runId: o.runId };
}

/** Seconds since `started` on `clock`, to the hundredth (a result's durationSeconds). */
const secondsSince = (clock: Clock, started: number) => Math.round((clock.now() - started) / 10) / 100;

/** Runs one submission. Throws UsageError/AwsError; returns the outcome otherwise. */
export async function submit(
  o: SubmitOptions,
  deps: Deps,
): Promise<{ outcome: Outcome; result: SubmitResult }> {
  const started = deps.clock.now();
  const job = findJob(o.jobsDir, o.job);
  const v = validateCommon(o);
  checkJobArgs(job, o.extra);
  const pkg = jobPackage(o.jobsDir, job.name);
  const reqs = jobRequirements(o.jobsDir, job.name);
  const runId = v.runId ?? defaultRunId(new Date(deps.clock.now()), deps.clock.random);
  const pack = (target: Parameters<typeof packEnv>[2]) =>
    (deps.packEnv ?? packEnv)(o.repoRoot, reqs!, target, (l) => deps.progress.info(l));

  if (o.local) return runLocal(o, deps, job.path, pkg, v.conf, runId, started, reqs && pack);

  // Validate flags that do not need outputs before loading any.
  if (o.input) parseS3Uri(o.input, "--input");
  if (o.output) parseS3Uri(o.output, "--output");
  if (o.bucket) parseS3Uri(`s3://${o.bucket}/`, "--bucket");
  const overrides: Overrides = {
    clusterId: o.clusterId,
    bucket: o.bucket,
    region: o.region,
    input: o.input,
    output: o.output,
  };
  // Outputs are read only when flags/env leave something open (--cluster-id + --bucket suffice).
  const outputs = needsOutputs(overrides) ? await loadOutputs(o, deps) : undefined;
  const plan = planSubmission({
    runId,
    package: pkg,
    overrides,
    outputs,
    conf: v.conf,
    extra: o.extra,
    ...(reqs ? { pythonEnv: { hash: envHash(reqs, { kind: "cluster" }), requirements: reqs.shown } } : {}),
  });
  const result = plannedResult(plan);
  const packCluster = async (): Promise<PackedEnv> => {
    const env = await pack({ kind: "cluster" });
    result.pythonEnv!.bytes = env.bytes;
    result.pythonEnv!.sha256 = env.sha256;
    result.pythonEnv!.packed = env.packed;
    return env;
  };
  const duration = () => secondsSince(deps.clock, started);
  if (o.dryRun) {
    result.dryRun = true;
    result.request = plan.request;
    // Packed here too (into the local cache, nothing uploaded): a requirement without a wheel
    // for the cluster shows up in the dry run, and the real run finds the environment built.
    if (reqs) await packCluster();
    const links = consoleLinks(plan.resolved.region, plan.resolved.clusterId);
    if (links.console) result.links = links;
    result.durationSeconds = duration();
    return { outcome: { kind: "submitted" }, result };
  }
  const outcome = await execute(plan, result, deps, {
    profile: o.profile,
    endpointUrl: o.endpointUrl,
    wait: o.wait,
    timeoutSeconds: v.timeoutSeconds,
    logWaitSeconds: v.logWaitSeconds,
    sparkUi: o.sparkUi ?? true,
    packCluster,
  });
  result.durationSeconds = duration();
  return { outcome, result };
}

/** The result of a plan before anything ran (what --dry-run reports). */
export function plannedResult(plan: SubmitPlan): SubmitResult {
  const upload = (p: PlannedObject): Upload => ({
    uri: p.uri,
    sha256: p.sha256,
    bytes: p.body.length,
    uploaded: false,
  });
  const r = plan.resolved;
  return {
    job: plan.job,
    runId: plan.runId,
    clusterId: r.clusterId,
    state: "PLANNED",
    script: upload(plan.script),
    pyFiles: plan.pyFiles ? upload(plan.pyFiles) : undefined,
    ...(plan.pythonEnv
      ? {
          pythonEnv: {
            requirements: plan.pythonEnv.requirements,
            uri: plan.pythonEnv.uri,
            hash: plan.pythonEnv.hash,
            sparkConf: plan.pythonEnv.sparkConf,
            files: plan.pythonEnv.files,
            uploaded: false,
          },
        }
      : {}),
    args: plan.request.Steps[0].HadoopJarStep.Args,
    input: r.input,
    output: r.output,
    durationSeconds: 0,
    stack: r.stack,
    sources: { ...r.sources },
  };
}

/**
 * Executes a plan: checks the cluster, reuses the step of the same name or uploads what is missing
 * and adds the step, then waits for it. Updates `result` as it goes.
 */
async function execute(
  plan: SubmitPlan,
  result: SubmitResult,
  deps: Deps,
  o: {
    profile?: string;
    endpointUrl?: string;
    wait: boolean;
    timeoutSeconds?: number;
    logWaitSeconds: number;
    sparkUi: boolean;
    packCluster: () => Promise<PackedEnv>;
  },
): Promise<Outcome> {
  const r = plan.resolved;
  const { emr, s3 } = deps.aws({ region: r.region, profile: o.profile, endpointUrl: o.endpointUrl });
  const cluster = await emr.describeCluster(r.clusterId);
  checkClusterAcceptsSteps(cluster);
  const logUri = cluster.logUri ?? r.logUri;
  // The Spark UI link needs only the cluster: ask for it while the job is uploaded and added,
  // so it costs the submission no extra round trips. addSparkUi never rejects.
  const sparkUi = o.sparkUi ? addSparkUi(emr, cluster, {}) : undefined;

  const name = plan.stepName;
  const existing = (await emr.listSteps(r.clusterId, { accept: (s) => s.name === name, limit: 1 }))[0];
  let stepId: string;
  if (existing) {
    // --run-id idempotency: never add a second step with the same name.
    stepId = existing.id;
    result.reused = true;
    result.state = existing.state;
    if (!existing.args.includes(plan.script.uri)) {
      deps.progress.info(
        `step ${stepId} (${name}) already exists with a different script; reusing it — pass a new --run-id to run the current code`,
      );
    } else
      deps.progress.info(
        `step ${stepId} (${name}) already exists (${existing.state}); reusing it, nothing uploaded or added`,
      );
  } else {
    const uploads: [PlannedObject, Upload][] = [[plan.script, result.script]];
    if (plan.pyFiles && result.pyFiles) uploads.push([plan.pyFiles, result.pyFiles]);
    for (const [p, u] of uploads) {
      // Content-addressed keys: an existing object already holds these exact bytes.
      if (await s3.exists(p.loc.bucket, p.loc.key)) {
        deps.progress.info(`${p.uri} unchanged (already uploaded)`);
      } else {
        await s3.put(p.loc.bucket, p.loc.key, p.body, p.sha256);
        u.uploaded = true;
        deps.progress.info(`uploaded ${p.uri} (${p.body.length} bytes)`);
      }
    }
    const env = plan.pythonEnv;
    if (env && result.pythonEnv) {
      // Its key names the requirements and how they are packed: if it is there, it is this one,
      // and nothing needs packing at all.
      if (await s3.exists(env.loc.bucket, env.loc.key)) {
        result.pythonEnv.packed = "not needed";
        deps.progress.info(`${env.uri} unchanged (already uploaded)`);
      } else {
        const built = await o.packCluster();
        const body = readFileSync(built.path);
        await s3.put(env.loc.bucket, env.loc.key, body, built.sha256);
        result.pythonEnv.uploaded = true;
        deps.progress.info(`uploaded ${env.uri} (${body.length} bytes)`);
      }
    }
    stepId = await emr.addStep(plan.request);
    result.state = "PENDING";
    deps.progress.info(`added step ${stepId} (${name}) to ${r.clusterId}`);
  }
  result.stepId = stepId;
  result.links = { ...(await runLinks(emr, cluster, r.region, logUri, stepId, false)), ...(await sparkUi) };
  printLinks(result.links, deps.progress);

  if (!o.wait) return { kind: "submitted" };
  const w = await waitForStep(emr, s3, deps.clock, deps.progress, {
    clusterId: r.clusterId,
    stepId,
    timeoutSeconds: o.timeoutSeconds,
    signal: deps.signal,
    logUri,
    logWaitSeconds: o.logWaitSeconds,
  });
  result.state = w.state;
  if (w.failure) result.failure = w.failure;
  if (w.cancel) result.cancel = w.cancel;
  if (w.ended === "timeout") return { kind: "timeout" };
  if (w.ended === "interrupted") return { kind: "interrupted" };
  return { kind: "step", state: w.state };
}

/** The console links of a step, plus the Spark UI when asked for (never fails the run). */
export async function runLinks(
  emr: EmrApi,
  cluster: ClusterInfo,
  region: string | undefined,
  logUri: string | undefined,
  stepId: string,
  sparkUi: boolean,
  applicationId?: string,
): Promise<Links> {
  const links = consoleLinks(
    region ?? (await emr.region()),
    cluster.id,
    logUri ? stepLogPrefix(logUri, cluster.id, stepId) : undefined,
  );
  return sparkUi ? addSparkUi(emr, cluster, links, applicationId) : links;
}

/** The links as progress lines (stderr), the console first. */
export function printLinks(links: Links, progress: Progress): void {
  if (links.console) progress.info(`console: ${links.console}`);
  if (links.sparkUi) progress.info(`Spark UI: ${links.sparkUi}`);
  else if (links.sparkUiNote) progress.info(links.sparkUiNote);
}

/**
 * Local runs log at WARN unless the user sets `spark.log.level` (spark-submit's default INFO
 * buries the job's own summary under thousands of scheduler lines).
 */
export const LOCAL_LOG_LEVEL = "spark.log.level=WARN";

/** The spark-submit argv for --local (pure; unit-tested). */
export function localSparkArgs(
  master: string,
  conf: readonly string[],
  pyFiles: string | undefined,
  script: string,
  jobArgs: readonly string[],
): string[] {
  const args = ["--master", master];
  const userSetsLogLevel = conf.some((c) => c.startsWith("spark.log.level="));
  for (const c of userSetsLogLevel ? conf : [LOCAL_LOG_LEVEL, ...conf]) args.push("--conf", c);
  if (pyFiles) args.push("--py-files", pyFiles);
  return [...args, script, ...jobArgs].filter((a) => a !== "");
}

/** How much of a local run's output is kept to explain a failure (its end is what matters). */
export const LOCAL_TAIL_BYTES = 1 << 20;

/** The last `limit` bytes of a child's output stream. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  constructor(private readonly limit = LOCAL_TAIL_BYTES) {}
  add(b: Buffer): void {
    this.chunks.push(b);
    this.bytes += b.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= this.limit)
      this.bytes -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString("utf8");
  }
}

/**
 * A failed local run, explained from its output as a step's failure is from its logs: the job's
 * own error line (else the exception's line of a Python traceback) as the message, and the traceback,
 * when there is one (`JOB_DEBUG=1`, or a job without the error boundary), as on EMR. In local mode
 * PySpark's runner passes the Python process's output, stderr included, to spark-submit's stdout,
 * and Spark's log goes to stderr: each stream is searched on its own (stdout first), so a log line
 * written meanwhile cannot cut a traceback short.
 */
export function localFailure(exit: number | string | null, stdout: string, stderr = ""): Failure {
  const first = <T>(find: (text: string) => T | undefined) => find(stdout) ?? find(stderr);
  const traceback = first(findTraceback);
  // The exception's own line: the last one of the traceback that is not a frame or folded Java.
  const raised = traceback?.text
    .split("\n")
    .reverse()
    .find((l) => l.trim() !== "" && !/^\s/.test(l) && !l.startsWith("..."));
  const message = first(findErrorLine)?.text ?? raised ?? "see the job output above";
  return {
    reason: `spark-submit exited with ${exit}`,
    message,
    ...(traceback ? { traceback: { uri: "spark-submit output", ...traceback } } : {}),
  };
}

async function runLocal(
  o: SubmitOptions,
  deps: Deps,
  scriptPath: string,
  pkg: JobPackage,
  conf: string[],
  runId: string,
  started: number,
  pack?: (target: Parameters<typeof packEnv>[2]) => Promise<PackedEnv>,
): Promise<{ outcome: Outcome; result: SubmitResult }> {
  for (const [flag, value] of [
    ["--input", o.input],
    ["--output", o.output],
  ] as const) {
    if (!value)
      throw new UsageError(`--local needs ${flag} <local path> (no stack outputs are read in local mode)`);
    if (/^s3a?:\/\//.test(value)) throw new UsageError(`--local runs on local paths; ${flag} is ${value}`);
  }
  // A lake root that is not there is a typo, not an empty lake (a job reads a missing partition
  // below it as empty, and would report success with empty outputs).
  let inputPath = o.input!;
  if (inputPath.startsWith("file:")) {
    try {
      inputPath = fileURLToPath(inputPath);
    } catch (e) {
      throw new UsageError(`--input ${o.input} is not a local file URI: ${(e as Error).message}`);
    }
  }
  if (!existsSync(inputPath)) throw new UsageError(`--input ${o.input} does not exist`);
  if (!/^local(\[(\*|\d+)\])?$/.test(o.master))
    throw new UsageError(`--master must be local, local[N] or local[*], got "${o.master}"`);
  const sparkSubmit = join(o.repoRoot, ".venv", "bin", "spark-submit");
  if (!existsSync(sparkSubmit))
    throw new UsageError(`${sparkSubmit} not found: run \`make install\` (PySpark from requirements.txt)`);
  const py = join(o.repoRoot, ".venv", "bin", "python");
  let env: EnvUpload | undefined;
  let envConf: string[] = [];
  if (pack) {
    // The cluster's build first: a requirement without a wheel there fails here too, not later.
    await pack({ kind: "cluster" });
    const local = await pack({ kind: "local", python: py });
    envConf = [`spark.pyspark.python=${local.path}`, `spark.pyspark.driver.python=${local.path}`];
    env = {
      requirements: jobRequirements(o.jobsDir, o.job)!.shown,
      uri: local.path,
      hash: local.hash,
      sparkConf: envConf,
      bytes: local.bytes,
      sha256: local.sha256,
      packed: local.packed,
      uploaded: false,
    };
  }
  const script: Upload = {
    uri: scriptPath,
    sha256: sha256(pkg.script),
    bytes: pkg.script.length,
    uploaded: false,
  };
  const jobArgs = ["--input", o.input!, "--output", o.output!, ...o.extra];
  // The environment's confs before the user's, so theirs still win.
  const sparkArgs = (pyFiles: string | undefined) =>
    localSparkArgs(o.master, [...envConf, ...conf], pyFiles, scriptPath, jobArgs);
  if (o.dryRun) {
    // The command a run would start; its helper zip is written to a temporary directory then.
    const args = sparkArgs(pkg.pyFiles ? PY_FILES_NAME : undefined);
    const result: SubmitResult = {
      job: o.job,
      runId,
      state: "PLANNED",
      dryRun: true,
      script,
      ...(pkg.pyFiles
        ? {
            pyFiles: {
              uri: PY_FILES_NAME,
              sha256: sha256(pkg.pyFiles.data),
              bytes: pkg.pyFiles.data.length,
              uploaded: false,
            },
          }
        : {}),
      ...(env ? { pythonEnv: env } : {}),
      args: [sparkSubmit, ...args],
      input: o.input!,
      output: o.output!,
      durationSeconds: secondsSince(deps.clock, started),
    };
    return { outcome: { kind: "submitted" }, result };
  }
  const tmp = mkdtempSync(join(tmpdir(), "submit-job-"));
  try {
    let pyFiles: string | undefined;
    if (pkg.pyFiles) {
      pyFiles = join(tmp, PY_FILES_NAME);
      writeFileSync(pyFiles, pkg.pyFiles.data);
    }
    const args = sparkArgs(pyFiles);
    deps.progress.info(`local: ${sparkSubmit} ${args.join(" ")}`);
    const child = spawn(sparkSubmit, args, {
      // Piped, not inherited: passed on as it comes, and its end kept to explain a failure.
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PYSPARK_PYTHON: process.env.PYSPARK_PYTHON ?? py,
        PYSPARK_DRIVER_PYTHON: process.env.PYSPARK_DRIVER_PYTHON ?? py,
      },
    });
    // Each stream passed on as it comes, its end kept apart to explain a failure.
    const tee = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
      const tail = new OutputTail();
      from.on("data", (b: Buffer) => {
        to.write(b);
        tail.add(b);
      });
      return tail;
    };
    const outTail = tee(child.stdout, deps.childStdout === "stderr" ? process.stderr : process.stdout);
    const errTail = tee(child.stderr, process.stderr);
    const onAbort = () => child.kill("SIGINT");
    deps.signal?.addEventListener("abort", onAbort, { once: true });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", (e) => reject(new UsageError(`cannot run ${sparkSubmit}: ${e.message}`)));
      // "close", not "exit": the piped output has all been read by then.
      child.once("close", (c, s) => resolve([c, s]));
    });
    deps.signal?.removeEventListener("abort", onAbort);
    const interrupted = deps.signal?.aborted || signal === "SIGINT";
    const state = interrupted ? "INTERRUPTED" : code === 0 ? "COMPLETED" : "FAILED";
    const result: SubmitResult = {
      job: o.job,
      runId,
      state,
      script,
      ...(env ? { pythonEnv: env } : {}),
      args: [sparkSubmit, ...args],
      input: o.input!,
      output: o.output!,
      durationSeconds: secondsSince(deps.clock, started),
    };
    if (state === "FAILED") result.failure = localFailure(code ?? signal, outTail.text(), errTail.text());
    return { outcome: interrupted ? { kind: "interrupted" } : { kind: "local", code, signal }, result };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
