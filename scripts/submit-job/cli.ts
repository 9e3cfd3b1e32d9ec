/**
 * submit-job — run a jobs/ script on the stack's EMR cluster (or locally) from the stack outputs.
 * This entry parses arguments and is the only place that sets the exit code.
 */
import { join, resolve } from "node:path";
import type { Options } from "yargs";
import yargs from "yargs/yargs";
import { makeAws } from "./aws";
import { describeError, EXIT, exitCodeFor, Outcome, UsageError } from "./errors";
import { jobFlags } from "./argparse";
import { findJob, listJobs } from "./jobs";
import {
  cancel,
  type LifecycleDeps,
  type LifecycleOptions,
  logs,
  parseRunRef,
  runs,
  status,
} from "./lifecycle";
import { cancelText, listText, logsText, runsText, statusText, submitText } from "./print";
import { runTerraformOutput, submit } from "./run";
import { makeProgress, realClock } from "./wait";
import { dropOutputWhenReaderLeaves } from "../lib/cli-output";

/** --help's examples (`$0` is the command's name): every line fits 80 columns, so none wraps. */
const EXAMPLES = [
  "Examples:",
  "  # the jobs and their arguments",
  "  $0 list",
  "  # run on the stack's cluster, default input and output, at most 45 minutes",
  "  $0 batch-processing --timeout 45m",
  "  # CI: an idempotent submit, the result as JSON",
  "  $0 batch-processing --outputs outputs.json \\",
  "      --run-id nightly-2026-01-31 --no-wait --json",
  "  # where that run is now; the last failed runs",
  "  $0 status nightly-2026-01-31",
  "  $0 runs --state FAILED --limit 5",
  "  # local Spark on a local lake",
  "  $0 streaming-processor --local --input ./lake/streaming-data \\",
  "      --output ./out --partition year=2026/month=01/day=31/hour=09",
].join("\n");

// `| head` may leave early; a --local job runs on regardless.
dropOutputWhenReaderLeaves();

// The SDK's "node >= 22 from 2027" notice is not actionable for a CLI user on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The repo root: two levels above dist/cli/submit-job.js and scripts/submit-job/cli.ts alike. */
const DEFAULT_REPO_ROOT = join(__dirname, "..", "..");

/** Options every command takes: where the outputs come from, the AWS client, the output format. */
const GLOBAL_OPTIONS = {
  stack: { type: "string", describe: "stack whose outputs to use (default: the only one)" },
  outputs: {
    type: "string",
    describe: "a `cdktf output --outputs-file` JSON (else terraform output -json)",
  },
  "cluster-id": { type: "string", describe: "EMR cluster id override" },
  bucket: {
    type: "string",
    describe: "lake bucket override (scripts/, streaming-data/, processed-data/, emr-logs/)",
  },
  region: { type: "string", describe: "AWS region override" },
  profile: { type: "string", describe: "AWS profile" },
  "endpoint-url": { type: "string", describe: "custom AWS endpoint (S3 then uses path-style)" },
  json: {
    type: "boolean",
    default: false,
    describe: "one JSON result object on stdout (logs on stderr)",
  },
  "jobs-dir": { type: "string", describe: "jobs directory (default: <repo>/jobs)" },
  "repo-root": {
    type: "string",
    hidden: true,
    describe: "project root (cdktf.out/, .venv/); default: where submit-job is installed",
  },
  debug: { type: "boolean", default: false, describe: "stack traces for internal errors" },
} satisfies Record<string, Options>;

/**
 * Options of a submission only. They live on the default command, so the lifecycle commands
 * refuse them, and the lifecycle options (--job, --limit, ...) never swallow a job's own flags.
 */
const SUBMIT_OPTIONS = {
  input: { type: "string", describe: "job input URI (default: raw_events_uri)" },
  output: { type: "string", describe: "job output URI (default: <processed_uri><job>/)" },
  conf: {
    type: "string",
    array: true,
    default: [] as string[],
    describe: "extra Spark conf k=v, repeatable",
  },
  "run-id": {
    type: "string",
    describe: "idempotency key: a step named <job>:<run-id> is reused, never duplicated",
  },
  wait: {
    type: "boolean",
    default: true,
    describe: "wait for the step (--no-wait: return once submitted)",
  },
  timeout: { type: "string", describe: "max wait, e.g. 45m or 2h; then cancel the step and exit 3" },
  "log-wait": {
    type: "string",
    default: "2m",
    describe: "how long to wait for a failed step's logs",
  },
  "dry-run": {
    type: "boolean",
    default: false,
    describe: "print outputs, S3 keys and the AddJobFlowSteps request; change nothing",
  },
  local: {
    type: "boolean",
    default: false,
    describe: "run with local spark-submit from .venv on local paths",
  },
  master: { type: "string", default: "local[*]", describe: "Spark master for --local" },
  "spark-ui": {
    type: "boolean",
    default: true,
    describe: "ask EMR for a Spark UI link (its persistent UI; --no-spark-ui: skip the two calls)",
  },
} satisfies Record<string, Options>;

const JOB_OPTION = {
  job: { type: "string", describe: "the run's job, when its run id names runs of several jobs" },
} satisfies Record<string, Options>;
const STATUS_OPTIONS = {
  ...JOB_OPTION,
  "spark-ui": SUBMIT_OPTIONS["spark-ui"],
} satisfies Record<string, Options>;
const RUNS_OPTIONS = {
  job: { type: "string", describe: "only this job's runs" },
  state: { type: "string", describe: "only these states, comma-separated (e.g. FAILED or PENDING,RUNNING)" },
  limit: { type: "string", default: "20", describe: "at most this many runs, newest first" },
} satisfies Record<string, Options>;
const LOGS_OPTIONS = {
  ...JOB_OPTION,
  tail: { type: "string", default: "200", describe: "last lines of each log (0: all)" },
} satisfies Record<string, Options>;

/** Everything a parse can hold; the command decides which of it was allowed. */
type Args = {
  _: (string | number)[];
  "--"?: unknown[];
  run?: string;
  stack?: string;
  outputs?: string;
  clusterId?: string;
  bucket?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json: boolean;
  jobsDir?: string;
  repoRoot?: string;
  debug: boolean;
  input?: string;
  output?: string;
  conf?: (string | number)[];
  runId?: string;
  wait?: boolean;
  timeout?: string;
  logWait?: string;
  dryRun?: boolean;
  local?: boolean;
  master?: string;
  job?: string;
  state?: string;
  limit?: string;
  tail?: string;
  sparkUi?: boolean;
};

const LIFECYCLE = ["status", "logs", "cancel", "runs"] as const;
type LifecycleCommand = (typeof LIFECYCLE)[number];

/**
 * Options yargs does not define stay in `_`, in order, with the words after them: they are the
 * job's own flags (checked against its argparse definition), so `submit-job streaming-processor
 * --partition P --local` works. `--conf` takes one value per use, so it never swallows them; words
 * stay strings (`1e3` is not 1000); everything after `--` goes to the job as it is.
 */
const PARSER_CONFIGURATION = {
  "unknown-options-as-args": true,
  "populate--": true,
  "greedy-arrays": false,
  "parse-positional-numbers": false,
} as const;

/** The option a word names: `--partition=x` → `--partition`. */
const optionName = (word: string) => word.split("=")[0];

/** Refuses what a command has no use for: words left after its arguments, unknown options. */
function refuseStrays(command: string, words: readonly string[]): void {
  const stray = words[0];
  if (stray === undefined) return;
  throw new UsageError(
    stray.startsWith("-")
      ? `unknown option ${optionName(stray)} for ${command} (see submit-job ${command} --help)`
      : `unexpected argument ${stray}: ${command} takes ${command === "runs" || command === "list" ? "none" : "one run id or step id"}`,
  );
}

/** Each lifecycle command's own options: what it registers with yargs, and all it accepts. */
const LIFECYCLE_OPTIONS: Record<LifecycleCommand, Record<string, Options>> = {
  runs: RUNS_OPTIONS,
  status: STATUS_OPTIONS,
  logs: LOGS_OPTIONS,
  cancel: JOB_OPTION,
};

/**
 * An option status/logs/cancel does not define, given where the run id goes: yargs hands the
 * positional `true` for it (`status --local`), so the error names the option, as it does after
 * a run id (`status r-1 --local`).
 */
function strayInPlaceOfRun(command: LifecycleCommand, argv: readonly string[]): UsageError {
  const known = new Set([...Object.keys(GLOBAL_OPTIONS), ...Object.keys(LIFECYCLE_OPTIONS[command]), "help"]);
  const stray = argv
    .slice(argv.indexOf(command) + 1)
    .find((w) => w.startsWith("-") && !known.has(optionName(w).replace(/^--?(no-)?/, "")));
  return stray
    ? new UsageError(`unknown option ${optionName(stray)} for ${command} (see submit-job ${command} --help)`)
    : new UsageError(
        `${command} needs a run id or a step id (s-...); \`submit-job runs\` lists the cluster's runs`,
      );
}

async function main(argv: string[]): Promise<number> {
  // From the parsed options. The parse itself does not fail on user input (no option has choices,
  // a demand or an arity: unknown words go to the job's checks), so these defaults only ever
  // apply to an internal error.
  let jsonWanted = false;
  let debug = false;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    // First Ctrl-C: cancel the step cleanly. Second: leave now.
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write("\nsubmit-job: interrupted; cancelling (Ctrl-C again to quit without cancelling)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);

  let outcome: Outcome = { kind: "submitted" };
  let result: unknown;
  let print: (() => string) | undefined;
  try {
    const args = (await yargs(argv)
      .env("SUBMIT_JOB")
      .parserConfiguration(PARSER_CONFIGURATION)
      .options(GLOBAL_OPTIONS)
      .scriptName("submit-job")
      .usage(
        "$0 <job> [options] [job options] [-- <job args>]\n$0 list | runs | status <run> | logs <run> | cancel <run>\n\n" +
          "<job> is a kebab-case job name (batch-processing → jobs/batch_processing.py). The options " +
          "its script defines (see `submit-job list`) may be given among these, or after `--`. " +
          "<run> is a run id (what --run-id named, or <job>:<run-id>) or a step id (s-...).",
      )
      .command("list", "list the jobs in jobs/ with their arguments")
      .command("runs", "the cluster's runs, newest first", (y) => y.options(LIFECYCLE_OPTIONS.runs))
      .command("status [run]", "a run's state, times, failure and links", (y) =>
        y.options(LIFECYCLE_OPTIONS.status),
      )
      .command("logs [run]", "a run's step stderr/stdout from the log URI", (y) =>
        y.options(LIFECYCLE_OPTIONS.logs),
      )
      .command("cancel [run]", "cancel a PENDING or RUNNING run (SEND_INTERRUPT)", (y) =>
        y.options(LIFECYCLE_OPTIONS.cancel),
      )
      .command("$0", "upload a jobs/ script and run it as an EMR step", (y) => y.options(SUBMIT_OPTIONS))
      // Examples as an epilogue, one comment line then the command: yargs' two-column examples
      // wrap a long command in the middle of its arguments.
      .epilogue(EXAMPLES)
      .help()
      .version(false)
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        throw err instanceof UsageError || !err ? new UsageError(msg || String(err)) : err;
      })
      .parseAsync()) as unknown as Args;
    jsonWanted = args.json;
    debug = args.debug;
    const repoRoot = resolve(args.repoRoot ?? DEFAULT_REPO_ROOT);
    const jobsDir = resolve(args.jobsDir ?? join(repoRoot, "jobs"));
    const [command, ...rest] = args._.map(String);
    const afterDashes = ((args["--"] as unknown[] | undefined) ?? []).map(String);
    if (command === undefined)
      throw new UsageError("name a job (see `submit-job list`) or a command; --help for usage");
    if (command.startsWith("-"))
      throw new UsageError(
        `unknown option ${optionName(command)} (see --help); a job's own options go after its name: submit-job <job> ${optionName(command)} ...`,
      );
    if (command === "list") {
      refuseStrays("list", [...rest, ...afterDashes]);
      const jobs = listJobs(jobsDir);
      outcome = { kind: "ok" };
      // The list is an array, not a result object: printed as it is.
      if (jsonWanted) {
        process.stdout.write(
          `${JSON.stringify(
            jobs.map(({ path: _p, ...j }) => j),
            null,
            2,
          )}\n`,
        );
        return EXIT.ok;
      }
      process.stdout.write(listText(jobs));
      return EXIT.ok;
    }
    const progress = makeProgress(process.stderr);
    // Where to find the stack and how to reach AWS: the same for every command.
    const where = {
      repoRoot,
      stack: args.stack,
      outputs: args.outputs ? resolve(args.outputs) : undefined,
      clusterId: args.clusterId,
      bucket: args.bucket,
      region: args.region,
      profile: args.profile,
      endpointUrl: args.endpointUrl,
    };
    if ((LIFECYCLE as readonly string[]).includes(command)) {
      if (args.run !== undefined && typeof args.run !== "string")
        throw strayInPlaceOfRun(command as LifecycleCommand, argv);
      refuseStrays(command, [...rest, ...afterDashes]);
      const o: LifecycleOptions = { ...where, sparkUi: args.sparkUi };
      const deps = { aws: makeAws, terraformOutput: runTerraformOutput, clock: realClock, progress };
      const r = await runLifecycle(command as LifecycleCommand, o, args, deps);
      outcome = r.outcome;
      result = r.result;
      print = r.print;
    } else {
      const job = findJob(jobsDir, command);
      const r = await submit(
        {
          ...where,
          job: job.name,
          jobsDir,
          input: args.input,
          output: args.output,
          conf: (args.conf ?? []).map(String),
          runId: args.runId,
          wait: args.wait ?? true,
          timeout: args.timeout,
          logWait: args.logWait ?? "2m",
          dryRun: args.dryRun ?? false,
          local: args.local ?? false,
          master: args.master ?? "local[*]",
          extra: [...jobFlags(job, rest), ...afterDashes],
          sparkUi: args.sparkUi,
        },
        {
          aws: makeAws,
          terraformOutput: runTerraformOutput,
          clock: realClock,
          progress,
          childStdout: jsonWanted ? "stderr" : "inherit",
          signal: controller.signal,
        },
      );
      outcome = r.outcome;
      result = r.result;
      print = () => submitText(r.result);
    }
  } catch (e) {
    outcome = { kind: "error", error: e };
    process.stderr.write(`${describeError(e, debug)}\n`);
    if (jsonWanted)
      result = {
        error: {
          kind: e instanceof Error ? e.name : "Error",
          message: e instanceof Error ? e.message.split("\n")[0] : String(e),
        },
      };
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
  const code = exitCodeFor(outcome);
  if (result && jsonWanted)
    process.stdout.write(`${JSON.stringify({ ...(result as object), exitCode: code }, null, 2)}\n`);
  else if (print && outcome.kind !== "error") process.stdout.write(print());
  return code;
}

/** Runs one lifecycle command; returns its outcome, result object and text printer. */
async function runLifecycle(
  command: LifecycleCommand,
  o: LifecycleOptions,
  args: Args,
  deps: LifecycleDeps,
): Promise<{ outcome: Outcome; result: object; print: () => string }> {
  switch (command) {
    case "runs": {
      const r = await runs(o, { job: args.job, state: args.state, limit: args.limit }, deps);
      return { ...r, print: () => runsText(r.result) };
    }
    case "status": {
      const r = await status(o, parseRunRef(args.run, command, args.job), deps);
      return { ...r, print: () => statusText(r.result) };
    }
    case "logs": {
      const r = await logs(o, parseRunRef(args.run, command, args.job), args.tail, deps);
      return { ...r, print: () => logsText(r.result) };
    }
    case "cancel": {
      const r = await cancel(o, parseRunRef(args.run, command, args.job), deps);
      return { ...r, print: () => cancelText(r.result) };
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // Only a bug in main itself gets here (it catches everything it runs): show its stack.
    process.stderr.write(`${describeError(e, true)}\n`);
    process.exitCode = EXIT.failed;
  },
);
