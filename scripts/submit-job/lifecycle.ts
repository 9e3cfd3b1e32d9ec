/**
 * A run's life after submit: `status`, `logs`, `cancel` and `runs`. A run is found on the cluster
 * by its step name `<job>:<run-id>` (the same name submit gives it and re-uses for idempotency)
 * or by its step id; the cluster comes from the same outputs resolution as submit. Each command
 * returns an outcome and its result object; the entry file turns the outcome into the exit code.
 */
import { JOB_NAME_RE } from "../../constructs/contract/job-package";
import type { ClusterInfo, EmrApi, S3Api, StepSummary } from "./aws";
import { CLUSTER_ACCEPTS_STEPS } from "./aws";
import { type Outcome, STEP_STATES, UsageError } from "./errors";
import type { Links } from "./links";
import { applicationIdOf, diagnose, type LogFile, readStepLogs, type Traceback } from "./logs";
import { type OutputsSource, type ResolvedCluster, resolveCluster } from "./outputs";
import { type Deps, loadOutputs, type OutputsLocation, runLinks } from "./run";

/** Flags every lifecycle command takes (the outputs resolution and the AWS client). */
export interface LifecycleOptions extends OutputsLocation {
  readonly clusterId?: string;
  readonly bucket?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  /** `status`: ask EMR for a Spark UI link. @default true */
  readonly sparkUi?: boolean;
}

export type LifecycleDeps = Pick<Deps, "aws" | "terraformOutput" | "clock" | "progress">;

/** A run named on the command line: by step id, or by run id (optionally `<job>:<run-id>`). */
export type RunRef =
  | { readonly kind: "step"; readonly word: string; readonly stepId: string }
  | { readonly kind: "run"; readonly word: string; readonly runId: string; readonly job?: string };

const STEP_ID_RE = /^s-[A-Z0-9]{1,128}$/;

/**
 * Parses the run argument of status/logs/cancel. Run ids are whatever follows `<job>:` in a step
 * name, so the trigger's runs (`streaming-processor:year=.../hour=HH`) can be named too.
 */
export function parseRunRef(word: string | undefined, command: string, job?: string): RunRef {
  if (word === undefined || word === "")
    throw new UsageError(
      `${command} needs a run id or a step id (s-...); \`submit-job runs\` lists the cluster's runs`,
    );
  if (job !== undefined && !JOB_NAME_RE.test(job))
    throw new UsageError(`--job must be a kebab-case job name (e.g. batch-processing), got "${job}"`);
  if (STEP_ID_RE.test(word)) return { kind: "step", word, stepId: word };
  if (/\s/.test(word) || word.length > 256)
    throw new UsageError(`a run id has no spaces and at most 256 characters, got "${word}"`);
  const named = splitStepName(word);
  if (named) {
    if (job !== undefined && job !== named.job)
      throw new UsageError(`${word} names job ${named.job}, but --job says ${job}`);
    return { kind: "run", word, runId: named.runId, job: named.job };
  }
  return { kind: "run", word, runId: word, ...(job !== undefined ? { job } : {}) };
}

/** `batch-processing:nightly-1` → job and run id; undefined for steps not named that way. */
export function splitStepName(name: string): { job: string; runId: string } | undefined {
  const i = name.indexOf(":");
  if (i <= 0 || i === name.length - 1) return undefined;
  const job = name.slice(0, i);
  return JOB_NAME_RE.test(job) ? { job, runId: name.slice(i + 1) } : undefined;
}

/** The cluster, its clients and where its logs are. */
interface Session {
  readonly emr: EmrApi;
  readonly s3: S3Api;
  readonly target: ResolvedCluster;
  readonly cluster: ClusterInfo;
  /** The cluster's own LogUri, else the outputs' emr_log_uri (or --bucket's emr-logs/). */
  readonly logUri?: string;
}

async function openSession(o: LifecycleOptions, deps: LifecycleDeps): Promise<Session> {
  let outputs: OutputsSource | undefined;
  if (!o.clusterId) outputs = await loadOutputs(o, deps);
  const target = resolveCluster(
    { clusterId: o.clusterId, bucket: o.bucket, region: o.region },
    () => outputs!,
  );
  const { emr, s3 } = deps.aws({ region: target.region, profile: o.profile, endpointUrl: o.endpointUrl });
  const cluster = await emr.describeCluster(target.clusterId);
  return { emr, s3, target, cluster, logUri: cluster.logUri ?? target.logUri };
}

const isEnded = (c: ClusterInfo) => !CLUSTER_ACCEPTS_STEPS.includes(c.state);

const REASON_TEXT: Record<string, string> = {
  IDLE_TIMEOUT: "idle auto-termination",
  USER_REQUEST: "terminated by a user",
  ALL_STEPS_COMPLETED: "all steps completed",
};

/** `TERMINATED (idle auto-termination)`; a running cluster's state alone (its reason is stale). */
function clusterState(c: ClusterInfo): string {
  const why = c.reasonCode && isEnded(c) ? (REASON_TEXT[c.reasonCode] ?? c.reasonCode) : undefined;
  return why ? `${c.state} (${why})` : c.state;
}

/** Finds the one step a RunRef names, or says in one line why it cannot. */
export async function findRun(emr: EmrApi, cluster: ClusterInfo, ref: RunRef): Promise<StepSummary> {
  const where = `cluster ${cluster.id}${isEnded(cluster) ? `, which is ${clusterState(cluster)}` : ""}`;
  const elsewhere = isEnded(cluster)
    ? "; a run on another cluster needs --cluster-id"
    : "; `submit-job runs` lists its runs";
  if (ref.kind === "step") {
    const [step] = await emr.listSteps(cluster.id, { stepIds: [ref.stepId] });
    if (!step) throw new UsageError(`no step ${ref.stepId} on ${where}${elsewhere}`);
    return step;
  }
  const steps = await emr.listSteps(cluster.id, {
    accept: (s) => {
      const n = splitStepName(s.name);
      return n !== undefined && n.runId === ref.runId && (ref.job === undefined || n.job === ref.job);
    },
  });
  if (steps.length === 0) throw new UsageError(`no run "${ref.word}" on ${where}${elsewhere}`);
  const names = [...new Set(steps.map((s) => s.name))];
  if (names.length > 1)
    throw new UsageError(
      `run id "${ref.runId}" names ${names.length} runs on cluster ${cluster.id} (${steps
        .map((s) => `${s.name} ${s.id}`)
        .join(", ")}): pass --job <job> or a step id`,
    );
  // EMR lists newest first; submit never reuses a name, but other tools might.
  return steps[0];
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

/** Seconds the step ran (so far, while it runs). */
function runSeconds(s: StepSummary, now: number): number | undefined {
  if (!s.started) return undefined;
  const end = s.ended ? s.ended.getTime() : now;
  return Math.max(0, Math.round((end - s.started.getTime()) / 1000));
}

/** One run as status and runs report it. */
export interface RunInfo {
  stepId: string;
  name: string;
  job?: string;
  runId?: string;
  state: string;
  created?: string;
  started?: string;
  ended?: string;
  durationSeconds?: number;
}

function runInfo(s: StepSummary, now: number): RunInfo {
  const n = splitStepName(s.name);
  return {
    stepId: s.id,
    name: s.name,
    ...(n ? { job: n.job, runId: n.runId } : {}),
    state: s.state,
    created: iso(s.created),
    started: iso(s.started),
    ended: iso(s.ended),
    durationSeconds: runSeconds(s, now),
  };
}

/** The script a spark-submit step runs: the first argument after the options that end in .py. */
export function scriptOf(args: readonly string[]): string | undefined {
  return args.find((a) => /\.py$/.test(a) && !a.startsWith("-"));
}

export interface StatusResult extends RunInfo {
  command: "status";
  clusterId: string;
  clusterState: string;
  stateChangeReason?: string;
  /** EMR's failure details and, from the logs, the YARN application and the Python traceback. */
  failure?: {
    reason?: string;
    message?: string;
    logFile?: string;
    applicationId?: string;
    traceback?: Traceback;
    logNotes?: string[];
  };
  script?: string;
  args: string[];
  /** The YARN application the step runs, once its stderr names it. */
  applicationId?: string;
  links?: Links;
  exitCode?: number;
}

export async function status(
  o: LifecycleOptions,
  ref: RunRef,
  deps: LifecycleDeps,
): Promise<{ outcome: Outcome; result: StatusResult }> {
  const s = await openSession(o, deps);
  noteEnded(s.cluster, deps);
  const step = await findRun(s.emr, s.cluster, ref);
  const result: StatusResult = {
    command: "status",
    clusterId: s.cluster.id,
    clusterState: clusterState(s.cluster),
    ...runInfo(step, deps.clock.now()),
    ...(step.stateChangeReason ? { stateChangeReason: step.stateChangeReason } : {}),
    ...(step.failure ? { failure: { ...step.failure } } : {}),
    script: scriptOf(step.args),
    args: [...step.args],
  };
  if (step.state === "FAILED") {
    // One look, no waiting: `submit-job logs` (or a later status) shows what EMR uploads later.
    const failure = { ...result.failure };
    if (s.logUri) {
      const d = await diagnose(s.s3, s.logUri, s.cluster.id, step.id, { tail: 0, failed: true });
      if (d.applicationId) failure.applicationId = d.applicationId;
      if (d.traceback) failure.traceback = d.traceback;
      if (d.notes.length > 0) failure.logNotes = d.notes;
    } else failure.logNotes = [noLogUri(s.cluster)];
    for (const n of failure.logNotes ?? []) deps.progress.info(n);
    result.failure = failure;
    if (failure.applicationId) result.applicationId = failure.applicationId;
  } else if (s.logUri && step.state !== "PENDING") {
    // The application id (for a Spark UI link to the run itself) is in the step's stderr,
    // which EMR uploads every 5 minutes while the step runs.
    const found = await readStepLogs(s.s3, s.logUri, s.cluster.id, step.id, 1);
    const app = applicationIdOf(found.texts.map((t) => t.full).join("\n"));
    if (app) result.applicationId = app;
  }
  result.links = await runLinks(
    s.emr,
    s.cluster,
    s.target.region,
    s.logUri,
    step.id,
    o.sparkUi ?? true,
    result.applicationId,
  );
  if (result.links.sparkUiNote) deps.progress.info(result.links.sparkUiNote);
  return { outcome: { kind: "observed", state: step.state }, result };
}

function noteEnded(c: ClusterInfo, deps: LifecycleDeps): void {
  if (isEnded(c))
    deps.progress.info(`cluster ${c.id} is ${clusterState(c)}; its runs are still listed, none can start`);
}

export interface RunsQuery {
  readonly job?: string;
  /** Comma-separated step states, e.g. `FAILED` or `PENDING,RUNNING`. */
  readonly state?: string;
  readonly limit?: string;
}

/** Validates `runs`' filters (pure). */
export function parseRunsQuery(q: RunsQuery): { job?: string; states?: string[]; limit: number } {
  if (q.job !== undefined && !JOB_NAME_RE.test(q.job))
    throw new UsageError(`--job must be a kebab-case job name (e.g. batch-processing), got "${q.job}"`);
  let states: string[] | undefined;
  if (q.state !== undefined) {
    states = q.state.split(",").map((x) => x.trim().toUpperCase());
    const bad = states.find((x) => !(STEP_STATES as readonly string[]).includes(x));
    if (bad !== undefined)
      throw new UsageError(
        `--state must be one or more of ${STEP_STATES.join(", ")} (comma-separated), got "${q.state}"`,
      );
  }
  const limit = q.limit === undefined ? 20 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${q.limit}"`);
  return { job: q.job, states, limit };
}

export interface RunsResult {
  command: "runs";
  clusterId: string;
  clusterState: string;
  runs: RunInfo[];
  /** True when --limit cut the list short. */
  more: boolean;
  exitCode?: number;
}

/** The cluster's runs (steps named `<job>:<run-id>`), newest first. */
export async function runs(
  o: LifecycleOptions,
  q: RunsQuery,
  deps: LifecycleDeps,
): Promise<{ outcome: Outcome; result: RunsResult }> {
  const { job, states, limit } = parseRunsQuery(q);
  const s = await openSession(o, deps);
  noteEnded(s.cluster, deps);
  // One more than asked tells whether there are more.
  const steps = await s.emr.listSteps(s.cluster.id, {
    ...(states ? { states } : {}),
    accept: (st) => {
      const n = splitStepName(st.name);
      return n !== undefined && (job === undefined || n.job === job);
    },
    limit: limit + 1,
  });
  const now = deps.clock.now();
  return {
    outcome: { kind: "ok" },
    result: {
      command: "runs",
      clusterId: s.cluster.id,
      clusterState: clusterState(s.cluster),
      runs: steps.slice(0, limit).map((st) => runInfo(st, now)),
      more: steps.length > limit,
    },
  };
}

export interface LogsResult extends RunInfo {
  command: "logs";
  clusterId: string;
  logPrefix?: string;
  applicationId?: string;
  driverContainer?: string;
  /** The step's files, then the driver container's. */
  logs: LogFile[];
  traceback?: Traceback;
  notes: string[];
  exitCode?: number;
}

const noLogUri = (c: ClusterInfo) =>
  `cluster ${c.id} has no log URI (it was created without LogUri); pass --bucket for <bucket>/emr-logs/`;

/** Parses `--tail` (lines per file; 0 for all). */
export function parseTail(text: string | undefined): number {
  const n = text === undefined ? 200 : Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--tail must be a number of lines (0 for all), got "${text}"`);
  return n;
}

/** The step's stderr/stdout and the driver container's, as far as EMR has uploaded them. */
export async function logs(
  o: LifecycleOptions,
  ref: RunRef,
  tailText: string | undefined,
  deps: LifecycleDeps,
): Promise<{ outcome: Outcome; result: LogsResult }> {
  const tail = parseTail(tailText);
  const s = await openSession(o, deps);
  const step = await findRun(s.emr, s.cluster, ref);
  const base = { command: "logs" as const, clusterId: s.cluster.id, ...runInfo(step, deps.clock.now()) };
  if (!s.logUri) {
    const note = noLogUri(s.cluster);
    deps.progress.info(note);
    return { outcome: { kind: "ok" }, result: { ...base, logs: [], notes: [note] } };
  }
  const d = await diagnose(s.s3, s.logUri, s.cluster.id, step.id, { tail, failed: step.state === "FAILED" });
  for (const n of d.notes) deps.progress.info(n);
  return {
    outcome: { kind: "ok" },
    result: {
      ...base,
      logPrefix: d.step.prefix,
      ...(d.applicationId ? { applicationId: d.applicationId } : {}),
      ...(d.driverContainer ? { driverContainer: d.driverContainer } : {}),
      logs: [...d.step.files, ...d.driver],
      ...(d.traceback ? { traceback: d.traceback } : {}),
      notes: d.notes,
    },
  };
}

export interface CancelCommandResult extends RunInfo {
  command: "cancel";
  clusterId: string;
  /** The state before the cancel; `state` is the one after it. */
  stateBefore: string;
  cancel: { attempted: boolean; ok: boolean; message: string };
  exitCode?: number;
}

const CANCELLABLE = ["PENDING", "RUNNING"];

/**
 * Cancels a PENDING or RUNNING step (SEND_INTERRUPT, as submit's timeout does). A step that is
 * already cancelled counts as done; a finished one cannot be cancelled (exit 1); a cluster that
 * no longer runs is a usage error (its steps ended with it).
 */
export async function cancel(
  o: LifecycleOptions,
  ref: RunRef,
  deps: LifecycleDeps,
): Promise<{ outcome: Outcome; result: CancelCommandResult }> {
  const s = await openSession(o, deps);
  if (isEnded(s.cluster))
    throw new UsageError(
      `cluster ${s.cluster.id} is ${clusterState(s.cluster)}: its steps ended with it, there is nothing to cancel`,
    );
  const step = await findRun(s.emr, s.cluster, ref);
  const base = {
    command: "cancel" as const,
    clusterId: s.cluster.id,
    ...runInfo(step, deps.clock.now()),
    stateBefore: step.state,
  };
  if (step.state === "CANCELLED" || step.state === "CANCEL_PENDING") {
    const message = `step ${step.id} (${step.name}) is already ${step.state}`;
    deps.progress.info(message);
    return {
      outcome: { kind: "cancel", ok: true },
      result: { ...base, cancel: { attempted: false, ok: true, message } },
    };
  }
  if (!CANCELLABLE.includes(step.state)) {
    const message = `step ${step.id} (${step.name}) already ended ${step.state}; nothing to cancel`;
    deps.progress.info(message);
    return {
      outcome: { kind: "cancel", ok: false },
      result: { ...base, cancel: { attempted: false, ok: false, message } },
    };
  }
  const c = await s.emr.cancelStep(s.cluster.id, step.id);
  deps.progress.info(c.message);
  let state = step.state;
  if (c.ok) {
    const [after] = await s.emr.listSteps(s.cluster.id, { stepIds: [step.id] });
    state = after?.state ?? state;
  }
  return { outcome: { kind: "cancel", ok: c.ok }, result: { ...base, state, cancel: { ...c } } };
}
