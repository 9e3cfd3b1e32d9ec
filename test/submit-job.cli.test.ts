/**
 * submit-job's command line, end to end in a real process (the sources, through tsx, so no build
 * is needed): the job's own flags among submit-job's options or after `--`, the usage errors for
 * anything else, and options from the environment. No AWS: runs are --dry-run, or --local with a
 * stand-in spark-submit that reports the argv it was given.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAssets } from "../main";

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
    mkdirSync(input);
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

  /** A scratch repo root whose stand-in spark-submit leaves a marker file when it is run. */
  function fakeRepo(): { repo: string; marker: string } {
    const repo = mkdtempSync(join(tmpdir(), "sj-cli-"));
    mkdirSync(join(repo, ".venv", "bin"), { recursive: true });
    const marker = join(repo, "spark-submit-ran");
    const fake = join(repo, ".venv", "bin", "spark-submit");
    writeFileSync(
      fake,
      `#!${process.execPath}\nrequire("fs").writeFileSync(${JSON.stringify(marker)}, "");\n`,
    );
    chmodSync(fake, 0o755);
    mkdirSync(join(repo, "in"));
    return { repo, marker };
  }

  it("--local --dry-run prints the spark-submit command and runs nothing", async () => {
    const { repo, marker } = fakeRepo();
    const base = ["batch-processing", "--local", "--dry-run", "--repo-root", repo];
    const paths = ["--input", join(repo, "in"), "--output", join(repo, "out")];
    const text = await cli([...base, ...paths, "--from-day", "2026-01-31"]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines.at(-2)).toBe("spark-submit command (dry run: nothing run):");
    expect(lines.at(-1)).toBe(
      [join(repo, ".venv", "bin", "spark-submit"), "--master", "local[*]", "--conf", "spark.log.level=WARN"]
        .concat(["--py-files", "common.zip", join(JOBS, "batch_processing.py"), ...paths])
        .concat(["--from-day", "2026-01-31"])
        .join(" "),
    );
    const json = await cli([...base, ...paths, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ dryRun: true, state: "PLANNED", exitCode: 0 });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(repo, "out"))).toBe(false);
  });

  it("a failed --local run is explained by the job's own error line, its output passed on as it came", async () => {
    // A stand-in for a failing job: spark-submit's log lines on stderr, the Python process's
    // output on stdout (where PySpark's runner puts the job's stderr in local mode), exit 1.
    const repo = mkdtempSync(join(tmpdir(), "sj-cli-"));
    mkdirSync(join(repo, ".venv", "bin"), { recursive: true });
    mkdirSync(join(repo, "in"));
    const fake = join(repo, ".venv", "bin", "spark-submit");
    const script = [
      `process.stderr.write("26/12/04 03:07:16 ERROR TaskSetManager: Task 0 in stage 0.0 failed 1 times\\n");`,
      `process.stdout.write("batch-processing: error: RuntimeException: x.parquet is not a Parquet file\\n");`,
      `process.stderr.write("26/12/04 03:07:17 INFO ShutdownHookManager: Shutdown hook called\\n");`,
      `process.exitCode = 1;`,
    ];
    writeFileSync(fake, `#!${process.execPath}\n${script.join("\n")}\n`);
    chmodSync(fake, 0o755);
    const args = ["batch-processing", "--local", "--repo-root", repo, "--input", join(repo, "in")];
    const json = await cli([...args, "--output", join(repo, "out"), "--json"]);
    expect(json.code).toBe(1);
    const res = JSON.parse(json.stdout);
    expect(res.failure).toEqual({
      reason: "spark-submit exited with 1",
      message: "batch-processing: error: RuntimeException: x.parquet is not a Parquet file",
    });
    // With --json the job's output goes to stderr, so stdout stays one JSON document.
    expect(json.stderr).toContain("TaskSetManager: Task 0 in stage 0.0 failed");
    expect(json.stderr).toContain("batch-processing: error: RuntimeException");
    const text = await cli([...args, "--output", join(repo, "out")]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      "batch-processing: error: RuntimeException: x.parquet is not a Parquet file\n",
    );
    expect(text.stderr).toContain("ShutdownHookManager: Shutdown hook called\n");
  });

  it("--local piped into a reader that stops early (| head): no EPIPE stack trace, the job's exit code", async () => {
    const repo = mkdtempSync(join(tmpdir(), "sj-cli-"));
    mkdirSync(join(repo, ".venv", "bin"), { recursive: true });
    mkdirSync(join(repo, "in"));
    const fake = join(repo, ".venv", "bin", "spark-submit");
    const loud = `for (let i = 0; i < 200000; i++) process.stdout.write("line " + i + "\\n");`;
    writeFileSync(fake, `#!${process.execPath}\n${loud}\n`);
    chmodSync(fake, 0o755);
    const args = ["batch-processing", "--local", "--repo-root", repo, "--input", join(repo, "in")];
    const child = spawn(
      process.execPath,
      ["--require", require.resolve("tsx/cjs"), CLI, ...args, "--output", join(repo, "out")],
      {
        env: { PATH: process.env.PATH, HOME: tmpdir(), NO_COLOR: "1", SUBMIT_JOB_JOBS_DIR: JOBS },
      },
    );
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += String(b)));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(code).toBe(0);
  });

  it("--local with an --input that does not exist is a usage error; spark-submit never starts", async () => {
    const { repo, marker } = fakeRepo();
    const missing = join(repo, "nope");
    const r = await cli([
      "batch-processing",
      "--local",
      "--repo-root",
      repo,
      "--input",
      missing,
      "--output",
      join(repo, "out"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([`submit-job: --input ${missing} does not exist`]);
    const remote = await cli(
      ["batch-processing", "--local", "--repo-root", repo].concat([
        "--input",
        "file://host/lake",
        "--output",
        join(repo, "out"),
      ]),
    );
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/^submit-job: --input file:\/\/host\/lake is not a local file URI: /);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("--help", () => {
  it("fits 110 columns, its examples 80, each command whole on its line (or continued with a backslash)", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.filter((l) => l.length > 110)).toEqual([]);
    const examples = lines.slice(lines.indexOf("Examples:") + 1);
    // An 80-column terminal wraps nothing of them (yargs wraps its epilogue at the terminal's width).
    expect(examples.filter((l) => l.length > 80)).toEqual([]);
    expect(examples).toContain("      --run-id nightly-2026-01-31 --no-wait --json");
    // A command line is a comment, a command, or the continuation of one ending in a backslash.
    examples.forEach((l, i) => {
      if (!/^ {2}(# |submit-job )/.test(l)) expect(examples[i - 1]).toMatch(/ \\$/);
    });
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
    [
      "an option status does not take, where its run id goes",
      ["status", "--local"],
      /^submit-job: unknown option --local for status \(see submit-job status --help\)$/,
    ],
    [
      "the same after a known option",
      ["logs", "--json", "--dry-run"],
      /^submit-job: unknown option --dry-run for logs /,
    ],
    ["cancel with a submit option", ["cancel", "--wait"], /^submit-job: unknown option --wait for cancel /],
    ["status with no run", ["status"], /^submit-job: status needs a run id or a step id/],
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

describe("third-party requirements, packed by the real pex (needs PyPI)", () => {
  const WITH_DEPS = join(JOBS, "with-deps");
  // pex's own cache (pip, wheels) is shared between runs; submit-job's cache is this run's.
  const pexRoot = join(tmpdir(), "submit-job-test-pex-root");
  const cache = mkdtempSync(join(tmpdir(), "sj-pyenv-cache-"));
  const env = (xdg = cache) => ({ PEX_ROOT: pexRoot, XDG_CACHE_HOME: xdg, SUBMIT_JOB_JOBS_DIR: WITH_DEPS });
  const PY = join(ROOT, ".venv", "bin", "python");
  const sha256sum = (p: string) => execFileSync("sha256sum", [p]).toString().split(" ")[0];

  it("a job importing a package with a native wheel runs with --local, on the driver and the executors", async () => {
    // Not in the venv: only the packed environment can give it to the job.
    expect(() => execFileSync(PY, ["-c", "import ujson"], { stdio: "pipe" })).toThrow();
    const dir = mkdtempSync(join(tmpdir(), "sj-local-"));
    mkdirSync(join(dir, "in"));
    const r = await cli(
      ["native-dep", "--local", "--input", join(dir, "in"), "--output", join(dir, "out")],
      env(),
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(
      r.stdout
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .at(-1)!,
    );
    expect(summary.ujson_version).toBe("5.10.0");
    for (const where of [summary.driver_ujson, ...summary.executor_ujson]) {
      expect(where.startsWith(`${pexRoot}/`)).toBe(true);
      expect(where).toMatch(
        /ujson-5\.10\.0-cp311-cp311-manylinux[^/]*\.whl\/ujson\.cpython-311-x86_64-linux-gnu\.so$/,
      );
    }
    expect(summary.executor_ujson).toHaveLength(2);
    // The cluster's build is checked before the local one.
    expect(r.stderr).toMatch(
      /packing with-deps\/requirements\/native-dep\.txt \(1 pinned\) for the cluster \(CPython 3\.11, manylinux_2_34 x86_64\)[^]*packing with-deps\/requirements\/native-dep\.txt \(1 pinned\) for .*\.venv\/bin\/python/,
    );
  });

  it("--dry-run --json shows the environment's content-addressed key and the Spark settings", async () => {
    const r = await cli([...OFFLINE, "native-dep"], env());
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const env0 = res.pythonEnv;
    expect(env0.uri).toMatch(/^s3:\/\/lake-b\/scripts\/_pyenvs\/[0-9a-f]{12}\/pyenv\.pex$/);
    expect(env0.uri).toBe(`s3://lake-b/scripts/_pyenvs/${env0.hash}/pyenv.pex`);
    const settings = [
      "spark.pyspark.python=./pyenv.pex",
      "spark.pyspark.driver.python=./pyenv.pex",
      "spark.yarn.appMasterEnv.PEX_ROOT=./.pex",
      "spark.executorEnv.PEX_ROOT=./.pex",
    ];
    expect(env0.sparkConf).toEqual(settings);
    const args: string[] = res.request.Steps[0].HadoopJarStep.Args;
    expect(args.slice(3, 11)).toEqual(settings.flatMap((c) => ["--conf", c]));
    expect(args.slice(11, 13)).toEqual(["--files", env0.uri]);
    // What was packed: the release's interpreter in the shebang, the manylinux wheel inside.
    const pex = join(cache, "submit-job", "pyenvs", `cluster-${env0.hash}`, "pyenv.pex");
    expect(env0).toMatchObject({ sha256: sha256sum(pex), bytes: readFileSync(pex).length, uploaded: false });
    expect(readFileSync(pex).subarray(0, 22).toString()).toBe("#!/usr/bin/python3.11\n");
    expect(execFileSync("unzip", ["-l", pex]).toString()).toContain(
      ".deps/ujson-5.10.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl/ujson.cpython-311-x86_64-linux-gnu.so",
    );

    // Reproducible: another cache, another build, the same bytes.
    const other = mkdtempSync(join(tmpdir(), "sj-pyenv-cache2-"));
    const again = JSON.parse((await cli([...OFFLINE, "native-dep"], env(other))).stdout).pythonEnv;
    expect(again).toMatchObject({ hash: env0.hash, sha256: env0.sha256, packed: "built" });
    expect(JSON.parse((await cli([...OFFLINE, "native-dep"], env())).stdout).pythonEnv.packed).toBe("cached");

    // The key follows the requirements file, not the script.
    const jobs = mkdtempSync(join(tmpdir(), "sj-jobs-deps-"));
    mkdirSync(join(jobs, "requirements"));
    const script = readFileSync(join(WITH_DEPS, "native_dep.py"), "utf8");
    const lock = readFileSync(join(WITH_DEPS, "requirements", "native-dep.txt"), "utf8");
    const keyWith = async (s: string, l: string) => {
      writeFileSync(join(jobs, "native_dep.py"), s);
      writeFileSync(join(jobs, "requirements", "native-dep.txt"), l);
      const out = await cli([...OFFLINE, "native-dep", "--jobs-dir", jobs], env());
      return JSON.parse(out.stdout).pythonEnv.hash;
    };
    expect(await keyWith(script, lock)).toBe(env0.hash);
    expect(await keyWith(`${script}\n# changed\n`, lock)).toBe(env0.hash);
    expect(await keyWith(script, `${lock}# changed\n`)).not.toBe(env0.hash);
  });

  it("synth packs the streaming processor's requirements into submit-job's environment (same key, same bytes)", async () => {
    const jobs = mkdtempSync(join(tmpdir(), "sj-jobs-stream-"));
    mkdirSync(join(jobs, "requirements"));
    writeFileSync(join(jobs, "streaming_processor.py"), "import ujson\n");
    // The same lock as native-dep's, so the same environment.
    const lock = readFileSync(join(WITH_DEPS, "requirements", "native-dep.txt"));
    writeFileSync(join(jobs, "requirements", "streaming-processor.txt"), lock);
    const saved = { PEX_ROOT: process.env.PEX_ROOT, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    Object.assign(process.env, { PEX_ROOT: pexRoot, XDG_CACHE_HOME: cache });
    let assets: Awaited<ReturnType<typeof buildAssets>>;
    try {
      assets = await buildAssets(jobs);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    const packed = assets.streamingPythonEnv!;
    expect(packed.requirements).toMatch(/requirements\/streaming-processor\.txt$/);
    const viaSubmitJob = JSON.parse((await cli([...OFFLINE, "native-dep"], env())).stdout).pythonEnv;
    expect(packed.hash).toBe(viaSubmitJob.hash);
    expect(sha256sum(packed.path)).toBe(viaSubmitJob.sha256);
    expect(readFileSync(packed.path).subarray(0, 22).toString()).toBe("#!/usr/bin/python3.11\n");
    // No requirements, nothing packed.
    expect(await buildAssets(join(ROOT, "jobs"))).toEqual({});
  });

  it("a requirement with no wheel for the cluster is a usage error naming it", async () => {
    const r = await cli([...OFFLINE, "sdist-only"], env());
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(
      "submit-job: with-deps/requirements/sdist-only.txt: no wheel of docopt==0.6.2 for the cluster (CPython 3.11, manylinux_2_34 x86_64): pin a version that publishes one, or drop it",
    );
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        kind: "UsageError",
        message: expect.stringMatching(/: no wheel of docopt==0\.6\.2 for the cluster/),
      },
      exitCode: 2,
    });
  });

  it("an unpinned requirement is refused in one line before anything is packed", async () => {
    const jobs = mkdtempSync(join(tmpdir(), "sj-jobs-unpinned-"));
    writeFileSync(join(jobs, "native_dep.py"), readFileSync(join(WITH_DEPS, "native_dep.py")));
    writeFileSync(join(jobs, "requirements.txt"), "ujson>=5\n");
    const r = await cli(
      ["native-dep", "--dry-run", "--cluster-id", "j-CLI1", "--bucket", "lake-b", "--jobs-dir", jobs],
      env(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        /^submit-job: sj-jobs-unpinned-\w+\/requirements\.txt:1: "ujson>=5" is not a pinned requirement \(name==version\)/,
      ),
    ]);
  });
});
