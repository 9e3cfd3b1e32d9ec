/**
 * Waiting for a step: DescribeStep with jittered backoff (5 s → 60 s), a deadline, cancellation on
 * timeout/Ctrl-C (SEND_INTERRUPT), and on FAILED the failure details plus what the logs under the
 * cluster log URI say: the tail of the step's stderr and the Python traceback from the driver's
 * container (EMR uploads them minutes later, so the wait for them is bounded).
 */
import type { CancelResult, EmrApi, FailureDetails, S3Api } from "./aws";
import { TERMINAL_STEP_STATES } from "./errors";
import { diagnose, stepLogPrefix, type Traceback } from "./logs";
import { backoffDelay, formatElapsed } from "./plan";

/** Time and randomness, injected so tests run instantly and deterministically. */
export interface Clock {
  now(): number; // ms
  /** Resolves after `seconds`, or early (without throwing) when `signal` aborts. */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
  random: Math.random,
  sleep: (seconds, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, seconds * 1000);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** Progress output: a live line on a TTY, plain lines on state changes otherwise. */
export interface Progress {
  state(state: string, elapsedSeconds: number): void;
  info(line: string): void;
  done(): void;
  /** Redraws the live line's clock between polls (which back off to 60 s); absent without a live line. */
  tick?(elapsedSeconds: number): void;
}

const COLORS: Record<string, string> = {
  COMPLETED: "32",
  FAILED: "31",
  CANCELLED: "33",
  INTERRUPTED: "33",
  RUNNING: "36",
  PENDING: "2",
};

export function makeProgress(
  stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  const tty = Boolean(stream.isTTY) && env.TERM !== "dumb";
  const color = tty && env.NO_COLOR === undefined;
  let last = "";
  let live = false;
  const paint = (s: string) => (color && COLORS[s] ? `\x1b[${COLORS[s]}m${s}\x1b[0m` : s);
  const draw = (state: string, elapsed: number) =>
    stream.write(`\r\x1b[K  step ${paint(state)}  ${formatElapsed(elapsed)}`);
  const tick = (elapsed: number) => {
    if (live) draw(last, elapsed);
  };
  return {
    ...(tty ? { tick } : {}),
    state(state, elapsed) {
      if (tty) {
        draw(state, elapsed);
        live = true;
        if (state !== last && TERMINAL_STEP_STATES.includes(state)) {
          stream.write("\n");
          live = false;
        }
      } else if (state !== last) {
        stream.write(`submit-job: step ${state} after ${formatElapsed(elapsed)}\n`);
      }
      last = state;
    },
    info(line) {
      if (live) stream.write("\n");
      live = false;
      stream.write(`submit-job: ${line}\n`);
    },
    done() {
      if (live) stream.write("\n");
      live = false;
    },
  };
}

export interface WaitOptions {
  readonly clusterId: string;
  readonly stepId: string;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
  /** Log prefix (cluster LogUri or the emr_log_uri output) for the stderr tail. */
  readonly logUri?: string;
  /** How long to wait for the stderr log to appear after a failure. */
  readonly logWaitSeconds: number;
}

/** A failed step, explained: EMR's details plus what its logs say. */
export interface Failure extends FailureDetails {
  reason?: string;
  message?: string;
  logFile?: string;
  /** The last lines of the step's stderr (spark-submit's side). */
  logTail?: string;
  /** The YARN application the step ran, from its stderr. */
  applicationId?: string;
  /** The driver container's log files that were read. */
  driverLogs?: string[];
  traceback?: Traceback;
  /** What is missing and where to look later, in one line. */
  logNote?: string;
}

export interface WaitResult {
  readonly state: string;
  readonly ended: "terminal" | "timeout" | "interrupted";
  readonly elapsedSeconds: number;
  readonly polls: number;
  readonly cancel?: CancelResult;
  readonly failure?: Failure;
}

/** Sleeps `seconds`; with `tick`, in slices of at most a second, calling it after each. */
async function sleepTicking(
  clock: Clock,
  seconds: number,
  signal: AbortSignal | undefined,
  tick: (() => void) | undefined,
): Promise<void> {
  if (tick === undefined) return clock.sleep(seconds, signal);
  for (let left = seconds; left > 0 && !signal?.aborted; left -= 1) {
    await clock.sleep(Math.min(1, left), signal);
    if (!signal?.aborted) tick();
  }
}

/** Polls until the step is terminal, the deadline passes or the signal aborts. */
export async function waitForStep(
  emr: EmrApi,
  s3: S3Api | undefined,
  clock: Clock,
  progress: Progress,
  o: WaitOptions,
): Promise<WaitResult> {
  const start = clock.now();
  const elapsed = () => (clock.now() - start) / 1000;
  const deadline = o.timeoutSeconds !== undefined ? start + o.timeoutSeconds * 1000 : undefined;
  let polls = 0;
  let state = "PENDING";
  for (let attempt = 0; ; attempt++) {
    const st = await emr.describeStep(o.clusterId, o.stepId);
    polls++;
    state = st.state;
    progress.state(state, elapsed());
    if (TERMINAL_STEP_STATES.includes(state)) {
      progress.done();
      if (state !== "FAILED") return { state, ended: "terminal", elapsedSeconds: elapsed(), polls };
      const failure = await explainFailure(s3, clock, progress, o, st.failure ?? {}, st.stateChangeReason);
      return { state, ended: "terminal", elapsedSeconds: elapsed(), polls, failure };
    }
    if (o.signal?.aborted) break;
    let delay = backoffDelay(attempt, clock.random);
    if (deadline !== undefined) {
      const left = (deadline - clock.now()) / 1000;
      if (left <= 0) break;
      delay = Math.min(delay, left);
    }
    await sleepTicking(clock, delay, o.signal, progress.tick && (() => progress.tick?.(elapsed())));
    if (o.signal?.aborted) break;
    if (deadline !== undefined && clock.now() >= deadline) break;
  }
  progress.done();
  const ended = o.signal?.aborted ? "interrupted" : "timeout";
  progress.info(
    `${ended === "timeout" ? "timeout" : "interrupted"} after ${formatElapsed(elapsed())} with the step ${state}; cancelling ${o.stepId} (SEND_INTERRUPT)`,
  );
  const cancel = await emr.cancelStep(o.clusterId, o.stepId);
  progress.info(cancel.message);
  return { state, ended, elapsedSeconds: elapsed(), polls, cancel };
}

/** Lines of the step's stderr shown on failure (the traceback comes from the driver). */
const FAILURE_TAIL = 40;

async function explainFailure(
  s3: S3Api | undefined,
  clock: Clock,
  progress: Progress,
  o: WaitOptions,
  fd: FailureDetails,
  reason: string | undefined,
): Promise<Failure> {
  const failure: Failure = { reason: fd.reason ?? reason, message: fd.message, logFile: fd.logFile };
  progress.info(
    `step FAILED: ${failure.reason ?? "no reason given"}${failure.message ? ` — ${failure.message}` : ""}`,
  );
  if (failure.logFile) progress.info(`log file: ${failure.logFile}`);
  if (!s3 || !o.logUri) {
    failure.logNote =
      "no log URI known for this cluster; pass --bucket or use an outputs file with emr_log_uri";
    progress.info(failure.logNote);
    return failure;
  }
  const prefix = stepLogPrefix(o.logUri, o.clusterId, o.stepId);
  progress.info(
    `waiting up to ${formatElapsed(o.logWaitSeconds)} for the logs under ${prefix} and the driver's container (EMR uploads them every few minutes)`,
  );
  const until = clock.now() + o.logWaitSeconds * 1000;
  let d: Awaited<ReturnType<typeof diagnose>>;
  for (;;) {
    try {
      d = await diagnose(s3, o.logUri, o.clusterId, o.stepId, { tail: FAILURE_TAIL, failed: true });
    } catch (e) {
      failure.logNote = `could not read the logs under ${prefix}: ${(e as Error).message}`;
      progress.info(failure.logNote);
      return failure;
    }
    const left = (until - clock.now()) / 1000;
    if (d.complete || left <= 0 || o.signal?.aborted) break;
    await clock.sleep(Math.min(15, left), o.signal);
  }
  const stderr = d.step.files.find((f) => f.stream === "stderr");
  if (stderr) {
    failure.logFile = failure.logFile ?? stderr.uri;
    failure.logTail = stderr.text;
    progress.info(`last lines of ${stderr.uri}:\n${stderr.text}`);
  }
  if (d.applicationId) failure.applicationId = d.applicationId;
  if (d.driver.length > 0) failure.driverLogs = d.driver.map((f) => f.uri);
  if (d.traceback) {
    failure.traceback = d.traceback;
    const what = d.traceback.kind === "traceback" ? "Python traceback" : "the job's error";
    progress.info(`${what} (${d.traceback.uri}):\n${d.traceback.text}`);
  }
  if (!d.complete || (!d.traceback && d.notes.length > 0)) {
    const waited = d.complete ? "" : ` after ${formatElapsed(o.logWaitSeconds)}`;
    failure.logNote = `${d.notes.join("; ")}${waited}; later: submit-job logs ${o.stepId}`;
    progress.info(failure.logNote);
  }
  return failure;
}
