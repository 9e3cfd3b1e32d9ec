/**
 * submit-job's command line, end to end in a real process (the sources, through tsx, so no build
 * is needed): the job's own flags among submit-job's options or after `--`, the usage errors for
 * anything else, and options from the environment. No AWS: runs are --dry-run, or --local with a
 * stand-in spark-submit that reports the argv it was given.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const CLI = join(ROOT, "scripts", "submit-job", "cli.ts");
const JOBS = join(__dirname, "fixtures", "jobs");
/** Enough flags to plan a run without any stack outputs or AWS call. */
const OFFLINE = ["--dry-run", "--json", "--cluster-id", "j-CLI1", "--bucket", "lake-b", "--run-id", "r-1"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--require", require.resolve("tsx/cjs"), CLI, ...args],
      {
        env: { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: "1", SUBMIT_JOB_JOBS_DIR: JOBS, ...env },
        encoding: "utf8",
        timeout: 60_000,
      },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** The job's own arguments in a planned step: what follows `--output <uri>`. */
function jobArgsOf(res: { args: string[] }): string[] {
  const i = res.args.indexOf("--output");
  return res.args.slice(i + 2);
}

describe("the job's own flags", () => {
  it("may stand among submit-job's options, before or after them", async () => {
    const r = await cli([
      "streaming-processor",
      "--partition",
      "year=2026/month=01/day=31/hour=09",
      ...OFFLINE,
      "--fail",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(jobArgsOf(res)).toEqual(["--partition", "year=2026/month=01/day=31/hour=09", "--fail"]);
    expect(res.request.Steps[0].HadoopJarStep.Args).toEqual(res.args);
  });

  it("combine with the words after `--`; numbers stay as written (1e3 is not 1000)", async () => {
    const r = await cli(["batch-processing", ...OFFLINE, "--from-day", "1e3", "--", "--to-day", "1.50"]);
    expect(r.code).toBe(0);
    expect(jobArgsOf(JSON.parse(r.stdout))).toEqual(["--from-day", "1e3", "--to-day", "1.50"]);
  });

  it("are not swallowed by --conf, which takes one value per use", async () => {
    const r = await cli([
      "streaming-processor",
      ...OFFLINE,
      "--conf",
      "spark.a=1",
      "--partition",
      "p",
      "--conf",
      "spark.b=2",
    ]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(jobArgsOf(res)).toEqual(["--partition", "p"]);
    const confs = res.args.flatMap((a: string, i: number) => (res.args[i - 1] === "--conf" ? [a] : []));
    expect(confs.slice(-2)).toEqual(["spark.a=1", "spark.b=2"]);
  });

  it("reach a --local run (the demo's `streaming-processor --partition ... --local`)", async () => {
    // A stand-in spark-submit under a scratch repo root: prints its argv as JSON and exits 0.
    const repo = mkdtempSync(join(tmpdir(), "sj-cli-"));
    mkdirSync(join(repo, ".venv", "bin"), { recursive: true });
    const fake = join(repo, ".venv", "bin", "spark-submit");
    writeFileSync(fake, `#!${process.execPath}\nconsole.log(JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(fake, 0o755);
    const [input, output] = [join(repo, "in"), join(repo, "out")];
    const r = await cli([
      "streaming-processor",
      "--partition",
      "year=2026/month=01/day=31/hour=09",
      "--local",
      "--input",
      input,
      "--output",
      output,
      "--repo-root",
      repo,
    ]);
    expect(r.code).toBe(0);
    const argv = JSON.parse(r.stdout.trim().split("\n")[0]) as string[];
    const zip = argv[argv.indexOf("--py-files") + 1];
    expect(argv).toEqual([
      "--master",
      "local[*]",
      "--conf",
      "spark.log.level=WARN",
      "--py-files",
      zip,
      join(JOBS, "streaming_processor.py"),
      "--input",
      input,
      "--output",
      output,
      "--partition",
      "year=2026/month=01/day=31/hour=09",
    ]);
    expect(zip).toMatch(/\/common\.zip$/);
  });
});

describe("usage errors: one line naming the word, exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "an option neither submit-job nor the job defines",
      ["batch-processing", ...OFFLINE, "--bogus-flag"],
      /^submit-job: unknown option --bogus-flag: not a submit-job option \(see --help\) and batch-processing does not take it \(it takes: --from-day, --to-day\)$/,
    ],
    [
      "the same as --flag=value",
      ["batch-processing", ...OFFLINE, "--bogus-flag=1"],
      /^submit-job: unknown option --bogus-flag: /,
    ],
    [
      "an option before the job name",
      ["--partition", "p", "streaming-processor", ...OFFLINE],
      /^submit-job: unknown option --partition \(see --help\); a job's own options go after its name: submit-job <job> --partition \.\.\.$/,
    ],
    [
      "a stray word",
      ["batch-processing", ...OFFLINE, "extra"],
      /^submit-job: unexpected argument extra; job args go after `--`$/,
    ],
    [
      "a second --conf value without its --conf",
      ["batch-processing", ...OFFLINE, "--conf", "spark.a=1", "spark.b=2"],
      /^submit-job: unexpected argument spark\.b=2; /,
    ],
    [
      "a job option without its value",
      ["batch-processing", ...OFFLINE, "--from-day"],
      /^submit-job: --from-day needs a value \(batch-processing option: first day, YYYY-MM-DD\)$/,
    ],
    ["an unknown option to list", ["list", "--bogus"], /^submit-job: unknown option --bogus for list/],
    ["an argument to list", ["list", "extra"], /^submit-job: unexpected argument extra: list takes none$/],
    [
      "an unknown flag after `--`",
      ["batch-processing", ...OFFLINE, "--", "--nope", "1"],
      /^submit-job: batch-processing does not accept --nope/,
    ],
    ["no job", ["--dry-run"], /^submit-job: name a job/],
  ];
  it.each(cases)("%s", async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("with --json, the error is also the one JSON object on stdout", async () => {
    const r = await cli(["batch-processing", ...OFFLINE, "--bogus-flag"]);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { kind: "UsageError", message: expect.stringMatching(/^unknown option --bogus-flag: /) },
      exitCode: 2,
    });
  });

  it("--json from the environment counts as well", async () => {
    const r = await cli(["batch-processing", "--dry-run", "--bogus-flag"], { SUBMIT_JOB_JSON: "true" });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).exitCode).toBe(2);
  });
});

describe("options from the environment", () => {
  it("SUBMIT_JOB_JOBS_DIR picks the jobs directory, --jobs-dir overrides it", async () => {
    const other = mkdtempSync(join(tmpdir(), "sj-jobs-"));
    writeFileSync(join(other, "solo_job.py"), readFileSync(join(JOBS, "optimization.py")));
    const fromEnv = await cli(["list", "--json"], { SUBMIT_JOB_JOBS_DIR: other });
    expect(JSON.parse(fromEnv.stdout).map((j: { name: string }) => j.name)).toEqual(["solo-job"]);
    const fromFlag = await cli(["list", "--json", "--jobs-dir", JOBS], { SUBMIT_JOB_JOBS_DIR: other });
    expect(JSON.parse(fromFlag.stdout).map((j: { name: string }) => j.name)).toEqual([
      "batch-processing",
      "optimization",
      "streaming-processor",
    ]);
  });
});
