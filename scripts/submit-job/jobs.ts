/** Jobs in `jobs/`: which scripts are jobs, and finding one by its kebab-case name. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { JOB_NAME_RE, jobFileName, jobNameOf } from "../../constructs/contract/job-package";
import { type ArgparseJob, moduleSummary, parseArgparse } from "./argparse";
import { UsageError } from "./errors";

export interface JobInfo extends ArgparseJob {
  readonly file: string;
  readonly path: string;
  readonly summary?: string;
}

/** Lists `*.py` job scripts directly in `jobsDir` (helpers live in packages; tests are skipped). */
export function listJobs(jobsDir: string): JobInfo[] {
  if (!existsSync(jobsDir) || !statSync(jobsDir).isDirectory()) {
    throw new UsageError(`jobs directory ${jobsDir} does not exist; pass --jobs-dir`);
  }
  return readdirSync(jobsDir)
    .filter(
      (f) =>
        /^[a-z][a-z0-9_]*\.py$/.test(f) &&
        !f.startsWith("test_") &&
        f !== "__init__.py" &&
        f !== "conftest.py",
    )
    .sort()
    .map((file) => readJob(jobsDir, file));
}

function readJob(jobsDir: string, file: string): JobInfo {
  const path = join(jobsDir, file);
  const src = readFileSync(path, "utf8");
  const { args, complete } = parseArgparse(src);
  return { name: jobNameOf(file), file, path, summary: moduleSummary(src), args, argsComplete: complete };
}

/** Finds one job by kebab-case name; an unknown name is a usage error listing the known ones. */
export function findJob(jobsDir: string, job: string): JobInfo {
  if (!JOB_NAME_RE.test(job)) {
    throw new UsageError(
      `job names are kebab-case file names from ${jobsDir} (e.g. batch-processing), got "${job}"`,
    );
  }
  const file = jobFileName(job);
  if (!existsSync(join(jobsDir, file))) {
    const known = existsSync(jobsDir) ? listJobs(jobsDir).map((j) => j.name) : [];
    throw new UsageError(
      `unknown job "${job}": no ${file} in ${jobsDir} (jobs: ${known.join(", ") || "none"}); see \`submit-job list\``,
    );
  }
  return readJob(jobsDir, file);
}

/**
 * Moves known job flags (e.g. `--partition X`) that the CLI itself does not define to after `--`,
 * so `submit-job streaming-processor --partition year=... --local` works under yargs .strict().
 */
export function forwardJobFlags(
  argv: readonly string[],
  job: JobInfo | undefined,
  cliFlags: ReadonlySet<string>,
): string[] {
  if (!job) return [...argv];
  const dd = argv.indexOf("--");
  const head = dd >= 0 ? argv.slice(0, dd) : [...argv];
  const tail = dd >= 0 ? argv.slice(dd + 1) : [];
  const kept: string[] = [];
  const moved: string[] = [];
  for (let i = 0; i < head.length; i++) {
    const a = head[i];
    const flag = a.startsWith("--") ? a.split("=")[0] : undefined;
    const spec = flag && !cliFlags.has(flag) ? job.args.find((x) => x.flags.includes(flag)) : undefined;
    if (!spec) {
      kept.push(a);
      continue;
    }
    moved.push(a);
    if (!spec.isSwitch && !a.includes("=") && i + 1 < head.length) moved.push(head[++i]);
  }
  if (moved.length === 0 && dd < 0) return kept;
  return [...kept, "--", ...moved, ...tail];
}
