/**
 * Error classes and the one mapping from an outcome to a process exit code:
 * 0 ok · 1 step failed/cancelled, cancel refused or AWS error · 2 usage/config error · 3 timeout ·
 * 130 interrupted.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad flags, bad outputs, bad config: the user can fix it. Exit 2, message only. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An AWS call failed (network, permissions, throttling). Exit 1, message + request id. */
export class AwsError extends Error {
  override readonly name = "AwsError";
  constructor(
    message: string,
    readonly requestId?: string,
  ) {
    super(requestId ? `${message} (request id ${requestId})` : message);
  }
}

/** Packing a job's requirements failed for a reason other than the requirements (network, pex). Exit 1. */
export class PackError extends Error {
  override readonly name = "PackError";
}

/** Step terminal states and how they map to exit codes. */
export type StepState =
  "PENDING" | "CANCEL_PENDING" | "RUNNING" | "COMPLETED" | "CANCELLED" | "FAILED" | "INTERRUPTED";

export const TERMINAL_STEP_STATES: readonly string[] = ["COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"];

/** Every step state, in lifecycle order. https://docs.aws.amazon.com/emr/latest/APIReference/API_StepStatus.html */
export const STEP_STATES: readonly StepState[] = [
  "PENDING",
  "CANCEL_PENDING",
  "RUNNING",
  "COMPLETED",
  "CANCELLED",
  "FAILED",
  "INTERRUPTED",
];

/** The states in which a step did not do its work: `status` exits 1 on them. */
export const UNSUCCESSFUL_STEP_STATES: readonly string[] = ["CANCELLED", "FAILED", "INTERRUPTED"];

/** How a run ended, as far as the exit code is concerned. */
export type Outcome =
  | { kind: "submitted" } // --no-wait, --dry-run
  | { kind: "ok" } // list, runs, logs: the command did what it was asked
  | { kind: "step"; state: string } // a waited-for step ended in this state
  | { kind: "observed"; state: string } // `status`: the step is in this state now
  | { kind: "cancel"; ok: boolean } // `cancel`: whether EMR took the cancel (or it was already cancelled)
  | { kind: "timeout" }
  | { kind: "interrupted" }
  | { kind: "local"; code: number | null; signal?: string | null }
  | { kind: "error"; error: unknown };

/** The only place an outcome becomes an exit code. */
export function exitCodeFor(outcome: Outcome): number {
  switch (outcome.kind) {
    case "submitted":
    case "ok":
      return EXIT.ok;
    case "step":
      return outcome.state === "COMPLETED" ? EXIT.ok : EXIT.failed;
    case "observed":
      return UNSUCCESSFUL_STEP_STATES.includes(outcome.state) ? EXIT.failed : EXIT.ok;
    case "cancel":
      return outcome.ok ? EXIT.ok : EXIT.failed;
    case "timeout":
      return EXIT.timeout;
    case "interrupted":
      return EXIT.interrupted;
    case "local":
      if (outcome.signal === "SIGINT") return EXIT.interrupted;
      return outcome.code ?? EXIT.failed;
    case "error":
      return outcome.error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}

/** One line for stderr; stack traces only for bugs with --debug. */
export function describeError(error: unknown, debug: boolean): string {
  if (error instanceof UsageError || error instanceof AwsError || error instanceof PackError)
    return `submit-job: ${error.message}`;
  if (error instanceof Error) {
    return debug && error.stack
      ? `submit-job: internal error: ${error.stack}`
      : `submit-job: internal error: ${error.message} (rerun with --debug for the stack)`;
  }
  return `submit-job: internal error: ${String(error)}`;
}
