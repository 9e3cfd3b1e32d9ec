/** Jobs in `jobs/`: which scripts are jobs, and finding one by its kebab-case name. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { JOB_NAME_RE, jobFileName, jobNameOf, requirementsFile } from "../../constructs/contract/job-package";
import { type ArgparseJob, moduleSummary, parseArgparse } from "./argparse";
import { UsageError } from "./errors";

export interface JobInfo extends ArgparseJob {
  readonly file: string;
  readonly path: string;
  readonly summary?: string;
  /** Its pinned third-party requirements file, relative to the jobs directory's parent. */
  readonly requirements?: string;
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
  const name = jobNameOf(file);
  const req = requirementsFile(jobsDir, name);
  return {
    name,
    file,
    path,
    summary: moduleSummary(src),
    ...(req ? { requirements: relative(dirname(jobsDir), req) } : {}),
    args,
    argsComplete: complete,
  };
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
