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
import { findJob, JobInfo, listJobs } from "./jobs";
import { runTerraformOutput, submit, SubmitResult } from "./run";
import { makeProgress, realClock } from "./wait";

// The SDK's "node >= 22 from 2027" notice is not actionable for a CLI user on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** The repo root: two levels above dist/cli/submit-job.js and scripts/submit-job/cli.ts alike. */
const DEFAULT_REPO_ROOT = join(__dirname, "..", "..");

function printList(jobs: JobInfo[], json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        jobs.map(({ path: _p, ...j }) => j),
        null,
        2,
      )}\n`,
    );
    return;
  }
  for (const j of jobs) {
    process.stdout.write(`${j.name}  (${j.file})${j.summary ? ` — ${j.summary}` : ""}\n`);
    for (const a of j.args) {
      const bits = [
        a.required ? "required" : "optional",
        a.isSwitch ? "switch" : undefined,
        a.default !== undefined ? `default ${a.default}` : undefined,
      ].filter(Boolean);
      process.stdout.write(
        `    ${a.flags.join(", ").padEnd(24)} ${bits.join(", ")}${a.help ? ` — ${a.help}` : ""}\n`,
      );
    }
    if (!j.argsComplete)
      process.stdout.write("    (some arguments could not be read statically; see the script)\n");
  }
}

function printHuman(r: SubmitResult): void {
  if (r.dryRun) {
    const lines = [
      `job        ${r.job}  run-id ${r.runId}${r.stack ? `  stack ${r.stack}` : ""}`,
      `cluster    ${r.clusterId}  (from ${r.sources?.clusterId})`,
      `input      ${r.input}  (from ${r.sources?.input})`,
      `output     ${r.output}  (from ${r.sources?.output})`,
      `script     ${r.script.uri}  (${r.script.bytes} bytes, sha256 ${r.script.sha256})`,
      ...(r.pyFiles
        ? [`py-files   ${r.pyFiles.uri}  (${r.pyFiles.bytes} bytes, sha256 ${r.pyFiles.sha256})`]
        : []),
      "AddJobFlowSteps request (dry run: nothing uploaded or submitted):",
      JSON.stringify(r.request, null, 2),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    return;
  }
  process.stdout.write(`${r.stepId ?? r.job} ${r.state}\n`);
}

/** submit-job's own options (anything else on the command line belongs to the job). */
const OPTIONS = {
  input: { type: "string", describe: "job input URI (default: raw_events_uri)" },
  output: { type: "string", describe: "job output URI (default: <processed_uri><job>/)" },
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
    describe: "how long to wait for a failed step's stderr log",
  },
  "dry-run": {
    type: "boolean",
    default: false,
    describe: "print outputs, S3 keys and the AddJobFlowSteps request; change nothing",
  },
  json: {
    type: "boolean",
    default: false,
    describe: "one JSON result object on stdout (logs on stderr)",
  },
  local: {
    type: "boolean",
    default: false,
    describe: "run with local spark-submit from .venv on local paths",
  },
  master: { type: "string", default: "local[*]", describe: "Spark master for --local" },
  "jobs-dir": { type: "string", describe: "jobs directory (default: <repo>/jobs)" },
  "repo-root": {
    type: "string",
    hidden: true,
    describe: "project root (cdktf.out/, .venv/); default: where submit-job is installed",
  },
  debug: { type: "boolean", default: false, describe: "stack traces for internal errors" },
} satisfies Record<string, Options>;

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
  try {
    const args = await yargs(argv)
      .env("SUBMIT_JOB")
      .parserConfiguration(PARSER_CONFIGURATION)
      .options(OPTIONS)
      .scriptName("submit-job")
      .usage(
        "$0 <job> [options] [job options] [-- <job args>]\n$0 list\n\n" +
          "<job> is a kebab-case job name (batch-processing → jobs/batch_processing.py). The options " +
          "its script defines (see `submit-job list`) may be given among these, or after `--`.",
      )
      .command("list", "list the jobs in jobs/ with their arguments")
      .command("$0", "upload a jobs/ script and run it as an EMR step")
      .example("$0 list", "jobs and their arguments")
      .example("$0 batch-processing --timeout 45m", "run on the stack's cluster with default input/output")
      .example(
        "$0 batch-processing --outputs outputs.json --run-id nightly-2026-01-31 --no-wait --json",
        "CI: idempotent submit, JSON result",
      )
      .example(
        "$0 streaming-processor --local --input ./lake/raw --output ./lake/out --partition year=2026/month=01/day=31/hour=09",
        "local Spark",
      )
      .help()
      .version(false)
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        throw err instanceof UsageError || !err ? new UsageError(msg || String(err)) : err;
      })
      .parseAsync();
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
      const stray = [...rest, ...afterDashes][0];
      if (stray !== undefined)
        throw new UsageError(
          stray.startsWith("-")
            ? `unknown option ${optionName(stray)} for list (see --help)`
            : `unexpected argument ${stray}: list takes none`,
        );
      printList(listJobs(jobsDir), args.json);
      return EXIT.ok;
    }
    const job = findJob(jobsDir, command);
    const progress = makeProgress(process.stderr);
    const r = await submit(
      {
        job: job.name,
        repoRoot,
        jobsDir,
        input: args.input,
        output: args.output,
        stack: args.stack,
        outputs: args.outputs ? resolve(args.outputs) : undefined,
        clusterId: args.clusterId,
        bucket: args.bucket,
        region: args.region,
        profile: args.profile,
        endpointUrl: args.endpointUrl,
        conf: args.conf.map(String),
        runId: args.runId,
        wait: args.wait,
        timeout: args.timeout,
        logWait: args.logWait,
        dryRun: args.dryRun,
        local: args.local,
        master: args.master,
        extra: [...jobFlags(job, rest), ...afterDashes],
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
  else if (result && outcome.kind !== "error") printHuman(result as SubmitResult);
  return code;
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
