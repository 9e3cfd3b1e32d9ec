/**
 * Unit tests of submit-job's pure parts: outputs (both formats), precedence, S3 keys, the step
 * request and the submission plan, durations/confs, backoff, exit codes, the static argparse
 * reader, the job's own flags and the deterministic zip. Expected values are written out or
 * computed by other tools.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkClusterAcceptsSteps, explainAwsError } from "../scripts/submit-job/aws";
import { containersPrefix, logText, stepLogPrefix, tailLines } from "../scripts/submit-job/logs";
import { AwsError, describeError, exitCodeFor, UsageError } from "../scripts/submit-job/errors";
import {
  deterministicZip,
  helperZip,
  jobFileName,
  jobNameOf,
  jobPackage,
  localImports,
} from "../constructs/contract/job-package";
import {
  checkJobArgs,
  jobFlags,
  moduleSummary,
  parseArgparse,
  pyString,
} from "../scripts/submit-job/argparse";
import { findJob, listJobs } from "../scripts/submit-job/jobs";
import {
  fromTerraformOutputJson,
  isTerraformOutputJson,
  parseJsonDoc,
  requireOutput,
  resolveOutputs,
  selectStack,
  selectStackDir,
  OutputsSource,
} from "../scripts/submit-job/outputs";
import {
  backoffDelay,
  buildStepRequest,
  defaultRunId,
  formatElapsed,
  parseConf,
  parseDuration,
  parseS3Uri,
} from "../scripts/submit-job/plan";
import { EMR_PYTHON } from "../constructs/contract/emr-release";
import { sparkStep } from "../constructs/contract/spark-step";
import { localSparkArgs, plannedResult, terraformErrorLine } from "../scripts/submit-job/run";
import { planSubmission } from "../scripts/submit-job/submission";
import { makeProgress } from "../scripts/submit-job/wait";
import { gzipSync } from "node:zlib";

const FIXTURE_JOBS = join(__dirname, "fixtures", "jobs");
const PY = join(__dirname, "..", ".venv", "bin", "python");

const DEV = {
  region: "eu-west-1",
  lake_bucket_name: "lake-dev",
  scripts_uri: "s3://lake-dev/scripts/",
  raw_events_uri: "s3://lake-dev/streaming-data/",
  processed_uri: "s3://lake-dev/processed-data/",
  emr_cluster_id: "j-DEV123",
  emr_log_uri: "s3://lake-dev/emr-logs/",
};

function expectUsage(f: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UsageError);
  expect((caught as Error).message).toMatch(message);
  expect((caught as Error).message).not.toContain("\n");
}

describe("outputs parsing", () => {
  it("reads a cdktf --outputs-file document and implies the only stack", () => {
    const src = selectStack({ "pipeline-dev": DEV }, "out.json", undefined);
    expect(src.stack).toBe("pipeline-dev");
    expect(src.values.emr_cluster_id).toBe("j-DEV123");
  });
  it("picks the stack named by --stack among several", () => {
    const src = selectStack(
      { "pipeline-dev": DEV, "pipeline-prod": { ...DEV, emr_cluster_id: "j-PROD" } },
      "out.json",
      "pipeline-prod",
    );
    expect(src.values.emr_cluster_id).toBe("j-PROD");
  });
  it("fails with two stacks and no --stack, naming both", () => {
    expectUsage(
      () => selectStack({ a: DEV, b: DEV }, "out.json", undefined),
      /2 stacks \(a, b\): pass --stack/,
    );
  });
  it("fails for an unknown stack, listing the known ones", () => {
    expectUsage(
      () => selectStack({ "pipeline-dev": DEV }, "out.json", "pipeline-qa"),
      /stack "pipeline-qa" is not in out.json \(stacks: pipeline-dev\)/,
    );
  });
  it("fails for an empty document", () => {
    expectUsage(() => selectStack({}, "out.json", undefined), /no stack outputs/);
  });
  it("reads the terraform output -json shape", () => {
    const doc = {
      region: { value: "eu-west-1", type: "string", sensitive: false },
      emr_cluster_id: { value: null, type: "string", sensitive: false },
    };
    expect(isTerraformOutputJson(doc)).toBe(true);
    expect(isTerraformOutputJson({ "pipeline-dev": DEV })).toBe(false);
    expect(fromTerraformOutputJson(doc)).toEqual({ region: "eu-west-1", emr_cluster_id: null });
    const src = selectStack(doc, "tf", "pipeline-dev");
    expect(src.values.region).toBe("eu-west-1");
  });
  it("fails on malformed JSON and on non-object documents", () => {
    expectUsage(() => parseJsonDoc("{ not json", "o.json"), /o.json is not valid JSON/);
    expectUsage(() => parseJsonDoc("[1]", "o.json"), /must hold a JSON object of stacks, got an array/);
  });
  it("names a missing or null output and how to produce it", () => {
    const src: OutputsSource = {
      stack: "pipeline-dev",
      origin: "o.json",
      values: { ...DEV, emr_cluster_id: null },
    };
    expectUsage(
      () => requireOutput(src, "emr_cluster_id", "--cluster-id"),
      /output "emr_cluster_id" is null in o.json .*cdktf output pipeline-dev --outputs-file.*or pass --cluster-id/,
    );
    expectUsage(
      () => requireOutput({ ...src, values: {} }, "scripts_uri", "--bucket"),
      /output "scripts_uri" is missing/,
    );
    expectUsage(
      () => requireOutput({ ...src, values: { region: 5 } }, "region", "--region"),
      /must be a string, got 5/,
    );
  });
  it("chooses the stack directory for terraform output", () => {
    expect(selectStackDir(["pipeline-dev"], undefined, "cdktf.out/stacks")).toBe("pipeline-dev");
    expectUsage(() => selectStackDir([], undefined, "cdktf.out/stacks"), /pass --outputs FILE/);
    expectUsage(() => selectStackDir(["a", "b"], undefined, "cdktf.out/stacks"), /pass --stack/);
    expectUsage(() => selectStackDir(["a"], "c", "cdktf.out/stacks"), /no stack "c"/);
  });
});

describe("outputs precedence", () => {
  const load = (values: Record<string, unknown> = DEV) =>
    jest.fn(() => ({ stack: "pipeline-dev", origin: "o.json", values }));
  it("defaults everything from the outputs", () => {
    const r = resolveOutputs("batch-processing", {}, load());
    expect(r).toMatchObject({
      region: "eu-west-1",
      clusterId: "j-DEV123",
      scriptsUri: "s3://lake-dev/scripts/",
      input: "s3://lake-dev/streaming-data/",
      output: "s3://lake-dev/processed-data/batch-processing/",
      logUri: "s3://lake-dev/emr-logs/",
    });
    expect(r.sources.clusterId).toBe("o.json");
  });
  it("lets each flag override its output", () => {
    const r = resolveOutputs(
      "x",
      { clusterId: "j-OTHER", region: "us-east-2", input: "s3://in-b/a/", output: "s3://out-b/b/" },
      load(),
    );
    expect([r.clusterId, r.region, r.input, r.output]).toEqual([
      "j-OTHER",
      "us-east-2",
      "s3://in-b/a/",
      "s3://out-b/b/",
    ]);
    expect(r.sources).toMatchObject({
      clusterId: "--cluster-id",
      region: "--region",
      input: "--input",
      output: "--output",
    });
  });
  it("needs no outputs at all with --cluster-id and --bucket", () => {
    const l = load();
    const r = resolveOutputs("batch-processing", { clusterId: "j-X1", bucket: "other-lake" }, l);
    expect(l).not.toHaveBeenCalled();
    expect(r.scriptsUri).toBe("s3://other-lake/scripts/");
    expect(r.input).toBe("s3://other-lake/streaming-data/");
    expect(r.output).toBe("s3://other-lake/processed-data/batch-processing/");
    expect(r.logUri).toBe("s3://other-lake/emr-logs/");
    expect(r.region).toBeUndefined();
  });
  it("fails on a malformed cluster id or a bad scripts_uri output", () => {
    expectUsage(() => resolveOutputs("x", { clusterId: "cluster-1" }, load()), /must look like j-/);
    expectUsage(
      () => resolveOutputs("x", {}, load({ ...DEV, scripts_uri: "lake-dev/scripts" })),
      /output scripts_uri must be an s3:/,
    );
  });
});

describe("S3 keys and URIs", () => {
  it("parses and rejects S3 URIs", () => {
    expect(parseS3Uri("s3://my.lake-1/a/b/", "--input")).toEqual({ bucket: "my.lake-1", key: "a/b/" });
    expect(parseS3Uri("s3://bkt", "--input")).toEqual({ bucket: "bkt", key: "" });
    expectUsage(
      () => parseS3Uri("https://bkt/a", "--input"),
      /--input must be an s3:\/\/bucket\/prefix URI, got "https:\/\/bkt\/a"/,
    );
    expectUsage(() => parseS3Uri("s3://Bad_Bucket/a", "--output"), /invalid bucket name "Bad_Bucket"/);
    expectUsage(() => parseS3Uri("s3://", "--output"), /must be an s3/);
  });
  it("maps job names to files both ways", () => {
    expect(jobFileName("batch-processing")).toBe("batch_processing.py");
    expect(jobNameOf("streaming_processor.py")).toBe("streaming-processor");
  });
  it("locates the step's and the containers' logs under the log URI", () => {
    expect(stepLogPrefix("s3://lake/emr-logs", "j-1", "s-2")).toBe("s3://lake/emr-logs/j-1/steps/s-2/");
    expect(containersPrefix("s3://lake/emr-logs/", "j-1", "application_1_0002")).toBe(
      "s3://lake/emr-logs/j-1/containers/application_1_0002/",
    );
  });
});

describe("submission plan", () => {
  const outputs: OutputsSource = { stack: "pipeline-dev", origin: "o.json", values: DEV };
  const sha256 = (...parts: Buffer[]) => {
    const h = createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest("hex");
  };
  const fixture = (file: string) => readFileSync(join(FIXTURE_JOBS, file));
  /** Entry names and contents of a zip, as Python's zipfile reads them. */
  const unzip = (zip: Buffer): Record<string, string> => {
    const path = join(mkdtempSync(join(tmpdir(), "sj-zip-")), "p.zip");
    writeFileSync(path, zip);
    const out = execFileSync(PY, [
      "-c",
      "import json,sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))",
      path,
    ]);
    return JSON.parse(out.toString()) as Record<string, string>;
  };

  it("a job without helpers: one script under <scripts_uri><job>/<sha256(script)[:12]>/, the exact request", () => {
    const script = fixture("optimization.py");
    const hash = sha256(script).slice(0, 12);
    const plan = planSubmission({
      runId: "r-1",
      package: jobPackage(FIXTURE_JOBS, "optimization"),
      overrides: {},
      outputs,
      conf: ["spark.a=1"],
      extra: ["--partitions", "8"],
    });
    const uri = `s3://lake-dev/scripts/optimization/${hash}/optimization.py`;
    expect(plan.script).toMatchObject({
      loc: { bucket: "lake-dev", key: `scripts/optimization/${hash}/optimization.py` },
      uri,
      sha256: sha256(script),
    });
    expect(plan.script.body.equals(script)).toBe(true);
    expect(plan.pyFiles).toBeUndefined();
    expect(plan.stepName).toBe("optimization:r-1");
    // The spark-submit argv itself is the contract's (sparkStep); the plan supplies its parts.
    expect(plan.request).toEqual({
      JobFlowId: "j-DEV123",
      Steps: [
        sparkStep({
          name: "optimization:r-1",
          scriptUri: uri,
          conf: ["spark.a=1"],
          jobArgs: [
            "--input",
            "s3://lake-dev/streaming-data/",
            "--output",
            "s3://lake-dev/processed-data/optimization/",
            "--partitions",
            "8",
          ],
        }),
      ],
    });
    expect(plannedResult(plan)).toMatchObject({
      job: "optimization",
      runId: "r-1",
      clusterId: "j-DEV123",
      state: "PLANNED",
      script: { uri, sha256: sha256(script), bytes: script.length, uploaded: false },
      pyFiles: undefined,
      args: plan.request.Steps[0].HadoopJarStep.Args,
      input: "s3://lake-dev/streaming-data/",
      output: "s3://lake-dev/processed-data/optimization/",
      stack: "pipeline-dev",
    });
  });

  it("a job with helpers: script and common.zip share the prefix sha256(script ‖ zip)[:12]", () => {
    const script = fixture("batch_processing.py");
    const plan = planSubmission({
      runId: "r-2",
      package: jobPackage(FIXTURE_JOBS, "batch-processing"),
      overrides: {},
      outputs,
      conf: [],
      extra: [],
    });
    const zip = plan.pyFiles!.body;
    expect(unzip(zip)).toEqual({
      "common/__init__.py": fixture("common/__init__.py").toString(),
      "common/schema.py": fixture("common/schema.py").toString(),
    });
    const hash = sha256(script, zip).slice(0, 12);
    expect(hash).not.toBe(sha256(script).slice(0, 12));
    const base = `s3://lake-dev/scripts/batch-processing/${hash}/`;
    expect([plan.script.uri, plan.pyFiles!.uri]).toEqual([`${base}batch_processing.py`, `${base}common.zip`]);
    expect(plan.pyFiles!.sha256).toBe(sha256(zip));
    expect(plan.request.Steps[0]).toEqual(
      sparkStep({
        name: "batch-processing:r-2",
        scriptUri: `${base}batch_processing.py`,
        pyFilesUri: `${base}common.zip`,
        conf: [],
        jobArgs: [
          "--input",
          "s3://lake-dev/streaming-data/",
          "--output",
          "s3://lake-dev/processed-data/batch-processing/",
        ],
      }),
    );
    expect(plannedResult(plan).pyFiles).toEqual({
      uri: `${base}common.zip`,
      sha256: sha256(zip),
      bytes: zip.length,
      uploaded: false,
    });
  });

  it("a changed helper gives the unchanged script a new prefix", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sj-")), "jobs");
    execFileSync("cp", ["-r", FIXTURE_JOBS, dir]);
    const plan = () =>
      planSubmission({
        runId: "r",
        package: jobPackage(dir, "batch-processing"),
        overrides: { clusterId: "j-X1", bucket: "other-lake" },
        conf: [],
        extra: [],
      });
    const before = plan();
    appendFileSync(join(dir, "common", "schema.py"), "\n# changed\n");
    const after = plan();
    expect(after.script.body.equals(before.script.body)).toBe(true);
    expect(after.script.uri).not.toBe(before.script.uri);
    const hash = sha256(fixture("batch_processing.py"), after.pyFiles!.body).slice(0, 12);
    expect(after.script.uri).toBe(`s3://other-lake/scripts/batch-processing/${hash}/batch_processing.py`);
  });

  it("keys follow scripts_uri, whatever its prefix, and --bucket needs no outputs", () => {
    const pkg = jobPackage(FIXTURE_JOBS, "optimization");
    const hash = sha256(fixture("optimization.py")).slice(0, 12);
    const at = (scripts_uri: string) =>
      planSubmission({
        runId: "r",
        package: pkg,
        overrides: {},
        outputs: { ...outputs, values: { ...DEV, scripts_uri } },
        conf: [],
        extra: [],
      }).script.loc;
    expect(at("s3://deploy-b/team/scripts")).toEqual({
      bucket: "deploy-b",
      key: `team/scripts/optimization/${hash}/optimization.py`,
    });
    expect(at("s3://deploy-b/").key).toBe(`optimization/${hash}/optimization.py`);
    const plan = planSubmission({
      runId: "r",
      package: pkg,
      overrides: { clusterId: "j-X1", bucket: "other-lake" },
      conf: [],
      extra: [],
    });
    expect(plan.script.uri).toBe(`s3://other-lake/scripts/optimization/${hash}/optimization.py`);
    expect(plan.request.JobFlowId).toBe("j-X1");
  });

  it("refuses to plan without outputs when flags leave the cluster or bucket open", () => {
    const pkg = jobPackage(FIXTURE_JOBS, "optimization");
    expectUsage(
      () =>
        planSubmission({ runId: "r", package: pkg, overrides: { clusterId: "j-X1" }, conf: [], extra: [] }),
      /no stack outputs loaded/,
    );
  });
});

describe("step request", () => {
  const plan = {
    job: "batch-processing",
    runId: "nightly-1",
    scriptUri: "s3://lake/scripts/batch-processing/abc/batch_processing.py",
    pyFilesUri: "s3://lake/scripts/batch-processing/abc/common.zip",
    conf: ["spark.executor.memory=4g", "spark.sql.shuffle.partitions=64"],
    jobArgs: ["--input", "s3://lake/in/", "--output", "s3://lake/out/", "--from-day", "2026-01-01", ""],
  };
  it("is command-runner.jar + spark-submit in cluster mode with an args array", () => {
    expect(buildStepRequest("j-ABC", plan)).toEqual({
      JobFlowId: "j-ABC",
      Steps: [
        {
          Name: "batch-processing:nightly-1",
          ActionOnFailure: "CONTINUE",
          HadoopJarStep: {
            Jar: "command-runner.jar",
            Args: [
              "spark-submit",
              "--deploy-mode",
              "cluster",
              "--conf",
              `spark.pyspark.python=${EMR_PYTHON}`,
              "--conf",
              `spark.pyspark.driver.python=${EMR_PYTHON}`,
              "--conf",
              "spark.executor.memory=4g",
              "--conf",
              "spark.sql.shuffle.partitions=64",
              "--py-files",
              "s3://lake/scripts/batch-processing/abc/common.zip",
              "s3://lake/scripts/batch-processing/abc/batch_processing.py",
              "--input",
              "s3://lake/in/",
              "--output",
              "s3://lake/out/",
              "--from-day",
              "2026-01-01",
            ],
          },
        },
      ],
    });
  });
  it("omits --py-files when there are no helpers and honours ActionOnFailure", () => {
    const r = buildStepRequest("j-ABC", {
      ...plan,
      pyFilesUri: undefined,
      conf: [],
      actionOnFailure: "CANCEL_AND_WAIT",
    });
    expect(r.Steps[0].HadoopJarStep.Args.slice(0, 3)).toEqual(["spark-submit", "--deploy-mode", "cluster"]);
    expect(r.Steps[0].HadoopJarStep.Args).not.toContain("--py-files");
    expect(r.Steps[0].HadoopJarStep.Args[r.Steps[0].HadoopJarStep.Args.indexOf("--input") - 1]).toBe(
      plan.scriptUri,
    );
    expect(r.Steps[0].ActionOnFailure).toBe("CANCEL_AND_WAIT");
  });
  it("shows terraform's first Error line, not the warnings before it, with a hint for an undeployed stack", () => {
    const esc = String.fromCharCode(27);
    const stderr = [
      "There are some problems with the CLI configuration:",
      "╷",
      "│ Warning: Unable to open CLI configuration file",
      "╵",
      `${esc}[31m╷${esc}[0m${esc}[0m`,
      `${esc}[31m│${esc}[0m ${esc}[0m${esc}[1m${esc}[31mError: ${esc}[0m${esc}[0m${esc}[1mBackend initialization required, please run "terraform init"${esc}[0m`,
      `${esc}[31m│${esc}[0m Reason: Initial configuration of the requested backend "local"`,
    ].join("\n");
    expect(terraformErrorLine(stderr, "x")).toBe(
      'Backend initialization required, please run "terraform init" (this checkout has no state for the stack: deploy it with `cdktf deploy`, or pass --outputs FILE)',
    );
    expect(terraformErrorLine("│ Error: Unsupported argument\n│ more", "x")).toBe("Unsupported argument");
    expect(terraformErrorLine("", "Command failed: terraform output -json")).toBe(
      "Command failed: terraform output -json",
    );
  });
  it("lets --conf spark.log.level override the quiet local default", () => {
    const args = localSparkArgs("local", ["spark.log.level=INFO"], undefined, "/j/x.py", []);
    expect(args.filter((a) => a.startsWith("spark.log.level="))).toEqual(["spark.log.level=INFO"]);
  });
  it("builds the local spark-submit argv", () => {
    expect(
      localSparkArgs("local[2]", ["a.b=1"], "/tmp/p.zip", "/j/x.py", ["--input", "i", "--output", "o"]),
    ).toEqual([
      "--master",
      "local[2]",
      "--conf",
      "spark.log.level=WARN",
      "--conf",
      "a.b=1",
      "--py-files",
      "/tmp/p.zip",
      "/j/x.py",
      "--input",
      "i",
      "--output",
      "o",
    ]);
  });
  it("makes a default run id from UTC time and randomness", () => {
    expect(defaultRunId(new Date("2026-01-31T09:05:07.123Z"), () => 0.5)).toBe("20260131T090507Z-7fff");
  });
});

describe("durations, confs, backoff", () => {
  it("parses durations", () => {
    expect(parseDuration("45m")).toBe(2700);
    expect(parseDuration("2h")).toBe(7200);
    expect(parseDuration("1h30m")).toBe(5400);
    for (const bare of ["90", "45", "0"])
      expectUsage(
        () => parseDuration(bare),
        new RegExp(`^--timeout needs a unit: ${bare}s, ${bare}m or ${bare}h\\?`),
      );
    expect(parseDuration("2s")).toBe(2);
    expect(parseDuration("500ms")).toBe(0.5);
    for (const bad of ["", "abc", "10x", "-5m", "0s", "5m garbage"])
      expectUsage(() => parseDuration(bad), /--timeout must be a duration like/);
  });
  it("formats elapsed time", () => {
    expect([formatElapsed(7), formatElapsed(65), formatElapsed(3723)]).toEqual(["7s", "1m05s", "1h02m03s"]);
  });
  it("validates --conf", () => {
    expect(parseConf(["spark.a=1", "spark.b=x=y"])).toEqual(["spark.a=1", "spark.b=x=y"]);
    for (const bad of ["spark.a", "=1", "spark.a=", "1bad=x", "a b=c"])
      expectUsage(() => parseConf([bad]), /--conf must be key=value/);
  });
  it("backs off 5 s → 60 s with bounded jitter", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, mid))).toEqual([5, 10, 20, 40, 60, 60, 60]);
    expect(backoffDelay(0, () => 0)).toBeCloseTo(4);
    expect(backoffDelay(0, () => 0.999999)).toBeCloseTo(6, 3);
    expect(backoffDelay(9, () => 0.999999)).toBe(60);
    expect(backoffDelay(9, () => 0)).toBeCloseTo(48);
  });
});

describe("exit codes", () => {
  it("maps every outcome", () => {
    expect(exitCodeFor({ kind: "submitted" })).toBe(0);
    expect(exitCodeFor({ kind: "step", state: "COMPLETED" })).toBe(0);
    expect(exitCodeFor({ kind: "step", state: "FAILED" })).toBe(1);
    expect(exitCodeFor({ kind: "step", state: "CANCELLED" })).toBe(1);
    expect(exitCodeFor({ kind: "step", state: "INTERRUPTED" })).toBe(1);
    expect(exitCodeFor({ kind: "timeout" })).toBe(3);
    expect(exitCodeFor({ kind: "interrupted" })).toBe(130);
    expect(exitCodeFor({ kind: "error", error: new UsageError("x") })).toBe(2);
    expect(exitCodeFor({ kind: "error", error: new AwsError("x") })).toBe(1);
    expect(exitCodeFor({ kind: "error", error: new TypeError("bug") })).toBe(1);
    expect(exitCodeFor({ kind: "local", code: 7 })).toBe(7);
    expect(exitCodeFor({ kind: "local", code: null, signal: "SIGINT" })).toBe(130);
  });
  it("prints one line, with a stack only for bugs under --debug", () => {
    expect(describeError(new UsageError("bad"), false)).toBe("submit-job: bad");
    expect(describeError(new AwsError("boom", "req-1"), false)).toBe("submit-job: boom (request id req-1)");
    expect(describeError(new TypeError("oops"), false)).toBe(
      "submit-job: internal error: oops (rerun with --debug for the stack)",
    );
    expect(describeError(new TypeError("oops"), true)).toMatch(/TypeError: oops\n\s+at /);
  });
  it("classifies SDK errors", () => {
    expect(
      explainAwsError(
        Object.assign(new Error("Could not load credentials from any providers"), {
          name: "CredentialsProviderError",
        }),
        "X",
      ),
    ).toBeInstanceOf(UsageError);
    const net = explainAwsError(
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      "X",
      "http://127.0.0.1:1",
    );
    expect(net).toBeInstanceOf(AwsError);
    expect(net.message).toBe("X: cannot reach http://127.0.0.1:1 (ECONNREFUSED)");
    const denied = explainAwsError(
      Object.assign(new Error("nope"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400, requestId: "r-9" },
      }),
      "AddJobFlowSteps",
    );
    expect(denied.message).toBe(
      "AddJobFlowSteps failed: AccessDeniedException (HTTP 400): nope (request id r-9)",
    );
  });
  it("rejects clusters that cannot take steps, saying why", () => {
    expect(() => checkClusterAcceptsSteps({ id: "j-1", state: "WAITING" })).not.toThrow();
    expect(() => checkClusterAcceptsSteps({ id: "j-1", state: "RUNNING" })).not.toThrow();
    expectUsage(
      () => checkClusterAcceptsSteps({ id: "j-1", state: "TERMINATED", reasonCode: "IDLE_TIMEOUT" }),
      /^cluster j-1 is TERMINATED \(idle auto-termination\); redeploy the stack \(`cdktf deploy`\) or pass --cluster-id$/,
    );
    expectUsage(
      () => checkClusterAcceptsSteps({ id: "j-1", state: "TERMINATING" }),
      /is TERMINATING; redeploy/,
    );
  });
});

describe("jobs: static argparse reading", () => {
  it("reads both add_argument shapes, multi-line, concatenated help, switches", () => {
    const src = `"""Doc line.

more"""
import argparse
p = argparse.ArgumentParser()
p.add_argument('--input', required=True, help='in')
p.add_argument(
    "-o", "--output",
    required = True,
    help="out "  # comment, with a comma
    "dir",
)
p.add_argument("--n", type=int, default=3, choices=[1, 2, 3])
p.add_argument("--dry", action="store_true", help=f"x")
p.add_argument(*FLAGS)
`;
    const { args, complete } = parseArgparse(src);
    expect(complete).toBe(false); // the *FLAGS call cannot be read statically
    expect(args).toEqual([
      { flags: ["--input"], required: true, isSwitch: false, help: "in", default: undefined },
      { flags: ["-o", "--output"], required: true, isSwitch: false, help: "out dir", default: undefined },
      { flags: ["--n"], required: false, isSwitch: false, help: undefined, default: "3", type: "int" },
      { flags: ["--dry"], required: false, isSwitch: true, help: "x", default: undefined },
    ]);
    expect(moduleSummary(src)).toBe("Doc line.");
    expect(pyString(`"a" 'b' r"\\n"`)).toBe("ab\\n");
    expect(pyString("x + 1")).toBeUndefined();
  });
  it("lists fixture jobs, skipping tests and packages", () => {
    const jobs = listJobs(FIXTURE_JOBS);
    expect(jobs.map((j) => j.name)).toEqual(["batch-processing", "optimization", "streaming-processor"]);
    const sp = jobs.find((j) => j.name === "streaming-processor")!;
    expect(sp.args.find((a) => a.flags[0] === "--partition")).toMatchObject({
      required: true,
      isSwitch: false,
    });
    expect(sp.argsComplete).toBe(true);
  });
  it("fails for an unknown job, listing the known ones", () => {
    expectUsage(
      () => findJob(FIXTURE_JOBS, "nope"),
      /unknown job "nope": no nope.py in .* \(jobs: batch-processing, optimization, streaming-processor\)/,
    );
    expectUsage(() => findJob(FIXTURE_JOBS, "Batch_Processing"), /kebab-case/);
    expectUsage(() => listJobs("/nonexistent/jobs"), /jobs directory \/nonexistent\/jobs does not exist/);
  });
  it("takes the job's own flags from the words the CLI parser left, with their values", () => {
    const job = findJob(FIXTURE_JOBS, "streaming-processor");
    expect(jobFlags(job, ["--partition", "year=2026/hour=09", "--fail"])).toEqual([
      "--partition",
      "year=2026/hour=09",
      "--fail",
    ]);
    expect(jobFlags(job, ["--fail", "--partition=p"])).toEqual(["--fail", "--partition=p"]);
    expect(jobFlags(job, ["--partition", "-5"])).toEqual(["--partition", "-5"]);
    expect(jobFlags(job, [])).toEqual([]);
  });
  it("refuses unknown options, stray words and missing values, naming them", () => {
    const job = findJob(FIXTURE_JOBS, "streaming-processor");
    expectUsage(
      () => jobFlags(job, ["--bogus-flag"]),
      /^unknown option --bogus-flag: not a submit-job option \(see --help\) and streaming-processor does not take it \(it takes: --partition, --fail\)$/,
    );
    expectUsage(() => jobFlags(job, ["--partition", "p", "--nope=1"]), /^unknown option --nope: /);
    expectUsage(
      () => jobFlags(job, ["--fail", "extra"]),
      /^unexpected argument extra; job args go after `--`$/,
    );
    expectUsage(() => jobFlags(job, ["-5"]), /^unexpected argument -5;/);
    expectUsage(
      () => jobFlags(job, ["--partition"]),
      /^--partition needs a value \(streaming-processor option: year=/,
    );
    expectUsage(() => jobFlags(job, ["--partition", "--fail"]), /^--partition needs a value/);
    const partial = { name: "x", args: [], argsComplete: false };
    expectUsage(
      () => jobFlags(partial, ["--dynamic"]),
      /x does not take it \(it takes only --input and --output\); if its script does, pass it after `--`$/,
    );
  });
  it("checks extra args against the job's definition", () => {
    const job = findJob(FIXTURE_JOBS, "streaming-processor");
    expect(() => checkJobArgs(job, ["--partition", "p"])).not.toThrow();
    expectUsage(() => checkJobArgs(job, []), /streaming-processor requires --partition/);
    expectUsage(
      () => checkJobArgs(job, ["--partition", "p", "--bogus"]),
      /does not accept --bogus \(it takes: --input, --output, --partition, --fail\)/,
    );
    expectUsage(
      () => checkJobArgs(job, ["--partition", "p", "--input", "x"]),
      /pass --input as a submit-job option/,
    );
  });
  it("checks the values of the jobs' day and hour options as the jobs would, before any upload", () => {
    const REAL = join(__dirname, "..", "jobs");
    const batch = findJob(REAL, "batch-processing");
    expect(batch.args.find((a) => a.flags.includes("--from-day"))?.type).toBe("day_arg");
    expect(() => checkJobArgs(batch, ["--from-day", "2026-01-31", "--to-day=2026-02-01"])).not.toThrow();
    expect(() => checkJobArgs(batch, ["--from-day", "2026-01-31", "--to-day", "2026-01-31"])).not.toThrow();
    expectUsage(
      () => checkJobArgs(batch, ["--from-day", "2026-13-45"]),
      /^--from-day: expected a day as YYYY-MM-DD, got "2026-13-45" \(batch-processing option\)$/,
    );
    expectUsage(
      () => checkJobArgs(batch, ["--to-day=yesterday"]),
      /^--to-day: expected a day as YYYY-MM-DD, got "yesterday"/,
    );
    expectUsage(
      () => checkJobArgs(batch, ["--from-day", "2026-02-01", "--to-day", "2026-01-01"]),
      /^--to-day 2026-01-01 is before --from-day 2026-02-01 \(batch-processing option\)$/,
    );
    const stream = findJob(REAL, "streaming-processor");
    expect(() => checkJobArgs(stream, ["--partition", "year=2026/month=01/day=31/hour=09"])).not.toThrow();
    expectUsage(
      () => checkJobArgs(stream, ["--partition", "2026-01-31T09"]),
      /^--partition: expected --partition year=YYYY\/month=MM\/day=DD\/hour=HH \(zero-padded, a real hour\), got "2026-01-31T09"/,
    );
    expectUsage(
      () => checkJobArgs(stream, ["--partition=year=2026/month=01/day=31/hour=24"]),
      /^--partition: expected /,
    );
  });
});

describe("jobs: helper zip", () => {
  it("finds local imports in both styles", () => {
    expect(localImports(FIXTURE_JOBS, "from common.schema import X\nimport json\n")).toEqual({
      root: FIXTURE_JOBS,
      paths: ["common"],
    });
    expect(localImports(FIXTURE_JOBS, "import os, common\n")).toEqual({
      root: FIXTURE_JOBS,
      paths: ["common"],
    });
    // The fixture dir is itself named "jobs", so the package-qualified style resolves too.
    expect(localImports(FIXTURE_JOBS, "from jobs.common import schema\n")).toEqual({
      root: join(FIXTURE_JOBS, ".."),
      paths: ["jobs/common"],
    });
    expect(localImports(FIXTURE_JOBS, "from pyspark.sql import functions\n").paths).toEqual([]);
    expect(localImports(FIXTURE_JOBS, "import json\n").paths).toEqual([]);
  });
  it("roots the zip above the jobs dir for `from jobs.common import ...`", () => {
    const root = mkdtempSync(join(tmpdir(), "sj-"));
    execFileSync("mkdir", ["-p", join(root, "jobs", "common")]);
    writeFileSync(join(root, "jobs", "__init__.py"), "");
    writeFileSync(join(root, "jobs", "common", "__init__.py"), "X = 1\n");
    expect(localImports(join(root, "jobs"), "from jobs.common import X\n")).toEqual({
      root: join(root, "jobs", ".."),
      paths: ["jobs/__init__.py", "jobs/common"],
    });
  });
  it("is deterministic, skips caches and is readable by Python's zipfile", () => {
    const tmp = mkdtempSync(join(tmpdir(), "sj-"));
    execFileSync("cp", ["-r", FIXTURE_JOBS, join(tmp, "jobs")]);
    const src = readFileSync(join(tmp, "jobs", "batch_processing.py"), "utf8");
    const a = helperZip(join(tmp, "jobs"), src)!;
    execFileSync("mkdir", ["-p", join(tmp, "jobs", "common", "__pycache__")]);
    writeFileSync(join(tmp, "jobs", "common", "__pycache__", "schema.cpython-311.pyc"), "junk");
    execFileSync("touch", ["-d", "2001-01-01", join(tmp, "jobs", "common", "schema.py")]);
    const b = helperZip(join(tmp, "jobs"), src)!;
    expect(b.data.equals(a.data)).toBe(true);
    expect(a.files).toEqual(["common/__init__.py", "common/schema.py"]);
    const zipPath = join(tmp, "p.zip");
    writeFileSync(zipPath, a.data);
    const listing = execFileSync(PY, [
      "-c",
      "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print(z.testzip());print([(i.filename,i.date_time) for i in z.infolist()]);print(z.read('common/schema.py').decode())",
      zipPath,
    ]).toString();
    expect(listing).toContain(
      "None\n[('common/__init__.py', (1980, 1, 1, 0, 0, 0)), ('common/schema.py', (1980, 1, 1, 0, 0, 0))]",
    );
    expect(listing).toContain(readFileSync(join(FIXTURE_JOBS, "common", "schema.py"), "utf8"));
    const other = deterministicZip([
      { name: "b", data: Buffer.from("2") },
      { name: "a", data: Buffer.from("1") },
    ]);
    expect(
      other.equals(
        deterministicZip([
          { name: "a", data: Buffer.from("1") },
          { name: "b", data: Buffer.from("2") },
        ]),
      ),
    ).toBe(true);
  });
});

describe("progress and logs", () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
  };
  it("prints plain lines on state changes when not a TTY", () => {
    const { out, stream } = sink(false);
    const p = makeProgress(stream, {});
    p.state("PENDING", 0);
    p.state("PENDING", 5);
    p.state("RUNNING", 65);
    p.state("COMPLETED", 130);
    expect(out.join("")).toBe(
      "submit-job: step PENDING after 0s\nsubmit-job: step RUNNING after 1m05s\nsubmit-job: step COMPLETED after 2m10s\n",
    );
  });
  it("rewrites one live line on a TTY, coloured unless NO_COLOR", () => {
    const tty = sink(true);
    makeProgress(tty.stream, {}).state("RUNNING", 3);
    expect(tty.out.join("")).toBe("\r\x1b[K  step \x1b[36mRUNNING\x1b[0m  3s");
    const plain = sink(true);
    makeProgress(plain.stream, { NO_COLOR: "1" }).state("RUNNING", 3);
    expect(plain.out.join("")).toBe("\r\x1b[K  step RUNNING  3s");
  });
  it("ticks the live line's clock on a TTY only, and not after the line has ended", () => {
    expect(makeProgress(sink(false).stream, {}).tick).toBeUndefined();
    const tty = sink(true);
    const p = makeProgress(tty.stream, { NO_COLOR: "1" });
    p.tick?.(1); // no live line yet
    p.state("RUNNING", 3);
    p.tick?.(4);
    p.state("COMPLETED", 5);
    p.tick?.(6);
    expect(tty.out.join("")).toBe(
      "\r\x1b[K  step RUNNING  3s\r\x1b[K  step RUNNING  4s\r\x1b[K  step COMPLETED  5s\n",
    );
  });
  it("tails gzipped and plain logs", () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const tail = tailLines(logText(gzipSync(Buffer.from(text))), 3);
    expect(tail).toEqual({ text: "line 48\nline 49\nline 50", lines: 3, truncated: true });
    expect(tailLines(logText(Buffer.from("a\nb\n")), 5).text).toBe("a\nb");
  });
});
