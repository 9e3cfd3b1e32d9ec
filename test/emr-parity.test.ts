/**
 * EMR parity: what runs locally (the venv, pyspark, Java) and what the product deploys (the
 * cluster's spark-env, the steps of the trigger and of submit-job, the job packages) agree with
 * the one description of the EMR release, constructs/contract/emr-release.json. A job that passes
 * here but needs another Python, another Spark or a module its package lacks would only fail on
 * the cluster.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { EMR_PYTHON, EMR_RELEASE } from "../constructs/contract/emr-release";
import { jobNameOf, jobPackage, JOB_NAME_RE, PY_FILES_NAME } from "../constructs/contract/job-package";
import type { SparkStep } from "../constructs/contract/spark-step";
import { EMR_RELEASE_LABEL } from "../constructs/defaults";
import { buildStep, configFromEnv } from "../constructs/lambdas/emr-trigger/plan";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ENVIRONMENTS } from "../main";
import { buildStepRequest } from "../scripts/submit-job/plan";
import { only, resources, synthStack, type Synth } from "./support/infra";

const REPO = join(__dirname, "..");
const JOBS = join(REPO, "jobs");
const VENV_PYTHON = join(REPO, ".venv", "bin", "python");
const { python: PY } = EMR_RELEASE;

/** The effective value of each `--conf` key of a spark-submit argv (spark-submit keeps the last). */
function effectiveConf(step: SparkStep): Record<string, string> {
  const args = step.HadoopJarStep.Args;
  const out: Record<string, string> = {};
  args.forEach((a, i) => {
    if (a !== "--conf") return;
    const [k, ...v] = args[i + 1].split("=");
    out[k] = v.join("=");
  });
  return out;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...opts });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  return r;
}

/** `major.minor` of a Python interpreter. */
function pythonMinor(python: string): string {
  const r = run(python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]);
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

/** The job scripts directly in jobs/ (what submit-job and JobTrigger package). */
const JOB_NAMES = readdirSync(JOBS)
  .filter((f) => f.endsWith(".py") && !/^(test_.*|conftest|__init__)\.py$/.test(f))
  .map(jobNameOf)
  .filter((j) => JOB_NAME_RE.test(j))
  .sort();

describe("the EMR release description", () => {
  it("is the stack's release label, and cites that release's page", () => {
    expect(EMR_RELEASE_LABEL).toBe(EMR_RELEASE.releaseLabel);
    const digits = EMR_RELEASE.releaseLabel.replace(/^emr-/, "").replace(/\./g, "");
    expect(EMR_RELEASE.source).toBe(
      `https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-${digits}-release.html`,
    );
  });

  it("names an absolute interpreter of its own Python minor (pythonX.Y)", () => {
    expect(PY.version).toMatch(/^3\.\d+$/);
    expect(PY.path).toBe(`/usr/bin/python${PY.version}`);
    expect(EMR_PYTHON).toBe(PY.path);
  });
});

describe("local toolchain = the release's", () => {
  it("requirements.txt pins pyspark at the release's Spark version", () => {
    const req = readFileSync(join(REPO, "requirements.txt"), "utf8");
    const pins = [...req.matchAll(/^pyspark==(\S+)\s*$/gm)].map((m) => m[1]);
    expect(pins).toEqual([EMR_RELEASE.spark]);
  });

  it("java -version has the release's Java major version", () => {
    const r = run("java", ["-version"]);
    expect(r.status).toBe(0);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
    expect(m).not.toBeNull();
    const major = m![1] === "1" ? Number(m![2]) : Number(m![1]); // "1.8.0" is Java 8
    expect(major).toBe(EMR_RELEASE.java);
  });

  it("the venv runs the release's Python minor", () => {
    expect(pythonMinor(VENV_PYTHON)).toBe(PY.version);
  });

  it("ruff checks jobs/ for the release's Python (target-version)", () => {
    const toml = readFileSync(join(REPO, "ruff.toml"), "utf8");
    const m = /^target-version\s*=\s*"py(\d)(\d+)"\s*$/m.exec(toml);
    expect(m && `${m[1]}.${m[2]}`).toBe(PY.version);
  });
});

describe.each(ENVIRONMENTS.map((c) => [c.envName, c] as const))("the %s stack", (_name, config) => {
  let tf: Synth;
  beforeAll(() => {
    tf = synthStack(new PipelineStack(Testing.app(), `pipeline-${config.envName}`, config)).tf;
  });

  it("runs the release, with PySpark on its Python in spark-env", () => {
    const cluster = only(tf, "aws_emr_cluster");
    expect(cluster.release_label).toBe(EMR_RELEASE.releaseLabel);
    const classifications = JSON.parse(cluster.configurations_json as string) as {
      Classification: string;
      Configurations?: { Classification: string; Properties: Record<string, string> }[];
    }[];
    const sparkEnv = classifications.filter((c) => c.Classification === "spark-env");
    expect(sparkEnv).toHaveLength(1);
    const exports = (sparkEnv[0].Configurations ?? []).filter((c) => c.Classification === "export");
    expect(exports).toHaveLength(1);
    expect(exports[0].Properties.PYSPARK_PYTHON).toBe(PY.path);
    expect(exports[0].Properties.PYSPARK_DRIVER_PYTHON).toBe(PY.path);
  });

  it("the trigger's step (from the deployed Lambda's environment) runs the release's Python", () => {
    const fns = Object.values(resources(tf, "aws_lambda_function")).filter((f) => {
      const vars = (f.environment as { variables?: Record<string, string> } | undefined)?.variables;
      return vars !== undefined && "STREAMING_SCRIPT_URI" in vars;
    });
    expect(fns).toHaveLength(1);
    const env = (fns[0].environment as { variables: Record<string, string> }).variables;
    const step = buildStep({ year: "2026", month: "01", day: "31", hour: "23" }, configFromEnv(env));
    const conf = effectiveConf(step);
    expect(conf["spark.pyspark.python"]).toBe(PY.path);
    expect(conf["spark.pyspark.driver.python"]).toBe(PY.path);
  });
});

describe("submit-job's step", () => {
  const plan = {
    job: "batch-processing",
    runId: "r1",
    scriptUri: "s3://lake/scripts/batch-processing/0123456789ab/batch_processing.py",
    jobArgs: ["--input", "s3://lake/streaming-data/", "--output", "s3://lake/processed-data/x/"],
  };

  it("runs the release's Python on any cluster (it is not left to the cluster's spark-env)", () => {
    const req = buildStepRequest("j-USERS0WN", { ...plan, conf: ["spark.executor.memory=4g"] });
    const conf = effectiveConf(req.Steps[0]);
    expect(conf["spark.pyspark.python"]).toBe(PY.path);
    expect(conf["spark.pyspark.driver.python"]).toBe(PY.path);
    expect(conf["spark.executor.memory"]).toBe("4g");
  });

  it("lets a user's own --conf choose another interpreter (theirs comes last)", () => {
    const mine = "/opt/venv/bin/python";
    const req = buildStepRequest("j-USERS0WN", { ...plan, conf: [`spark.pyspark.python=${mine}`] });
    expect(effectiveConf(req.Steps[0])["spark.pyspark.python"]).toBe(mine);
  });
});

describe("a processor with requirements", () => {
  it("the trigger's steps run under its packed environment as submit-job's run of it does", () => {
    const env = "s3://lake/scripts/_pyenvs/0123456789ab/pyenv.pex";
    const scriptUri = "s3://lake/scripts/streaming-processor/00aa11bb22cc/streaming_processor.py";
    const pyFilesUri = "s3://lake/scripts/streaming-processor/00aa11bb22cc/common.zip";
    const cfg = configFromEnv({
      EMR_CLUSTER_ID: "j-1",
      STREAMING_SCRIPT_URI: scriptUri,
      STREAMING_PY_FILES_URI: pyFilesUri,
      STREAMING_PYTHON_ENV_URI: env,
      RAW_EVENTS_URI: "s3://lake/streaming-data/",
      PROCESSED_URI: "s3://lake/processed-data/",
    });
    const partition = "year=2026/month=01/day=31/hour=23";
    const fromTrigger = buildStep({ year: "2026", month: "01", day: "31", hour: "23" }, cfg);
    const fromSubmitJob = buildStepRequest("j-1", {
      job: "streaming-processor",
      runId: "r1",
      scriptUri,
      pyFilesUri,
      pythonEnvUri: env,
      conf: [],
      jobArgs: fromTrigger.HadoopJarStep.Args.slice(fromTrigger.HadoopJarStep.Args.indexOf(scriptUri) + 1),
    }).Steps[0];
    expect(fromTrigger.HadoopJarStep).toEqual(fromSubmitJob.HadoopJarStep);
    const args = fromTrigger.HadoopJarStep.Args;
    expect(args.slice(-2)).toEqual(["--partition", partition]);
    expect(args[args.indexOf("--files") + 1]).toBe(env);
    expect(effectiveConf(fromTrigger)).toMatchObject({
      "spark.pyspark.python": "./pyenv.pex",
      "spark.pyspark.driver.python": "./pyenv.pex",
    });
  });
});

describe.each(JOB_NAMES.map((j) => [j]))("job %s", (job) => {
  const pkg = jobPackage(JOBS, job);

  it("ships every module of jobs/ it imports, transitively, in its --py-files package", () => {
    const r = run(VENV_PYTHON, [
      join(JOBS, "tools", "import_closure.py"),
      "--root",
      JOBS,
      join(JOBS, pkg.scriptFile),
    ]);
    expect(r.stderr).toBe("");
    const needed = Object.values(JSON.parse(r.stdout) as Record<string, string[]>)[0];
    expect(needed.length).toBeGreaterThan(0); // the jobs share jobs/common
    const shipped = new Set(pkg.pyFiles?.files ?? []);
    expect(needed.filter((f) => !shipped.has(f))).toEqual([]);
  });

  it("imports and prints --help under the release's Python minor from its package alone", () => {
    expect(pythonMinor(VENV_PYTHON)).toBe(PY.version);
    // As on the cluster: the script in a directory of its own, jobs/ nowhere on the path, the
    // helper zip on it as --py-files puts it.
    const dir = mkdtempSync(join(tmpdir(), "emr-parity-"));
    try {
      writeFileSync(join(dir, pkg.scriptFile), pkg.script);
      const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: "" };
      if (pkg.pyFiles) {
        writeFileSync(join(dir, PY_FILES_NAME), pkg.pyFiles.data);
        env.PYTHONPATH = join(dir, PY_FILES_NAME);
      }
      const r = run(VENV_PYTHON, [join(dir, pkg.scriptFile), "--help"], { cwd: dir, env });
      // stderr in the comparison so that a failure shows Python's ImportError.
      expect({ status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stderr: "" });
      expect(r.stdout).toMatch(/^usage: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
