/**
 * submit-job end to end against a moto server started here: the real CLI process (bin/ → the
 * esbuild bundle), real S3/EMR wire protocol. Covers uploads, idempotent re-runs, timeout and Ctrl-C, the
 * `terraform output -json` path on a real local state, and the bad-input matrix (one-line error,
 * documented exit code, nothing written, no step added).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sparkSubmitArgs } from "../constructs/contract/spark-step";
import { emulatorNodeOptions, MotoServer, motoEnv, startMoto } from "./support/moto";
import { emrLogFixture } from "./submit-job.fakes";

const ROOT = join(__dirname, "..");
const BIN = join(ROOT, "bin", "submit-job.js");
const JOBS = join(__dirname, "fixtures", "jobs");
const BUCKET = "lake-it";

let moto: MotoServer;
let clusterId: string;
let deadClusterId: string;
let tmp: string;
let outputsFile: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's environment: moto, no colour, a scratch HOME, plus `env` (undefined removes). moto
 * answers EMR with ISO timestamps the SDK refuses, so the CLI process preloads the test-support
 * rewrite (submit-job itself ships no emulator workaround).
 */
function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: tmp,
    NO_COLOR: "1",
    NODE_OPTIONS: emulatorNodeOptions(""),
    ...motoEnv(moto.endpoint),
  };
  return Object.fromEntries(
    Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined),
  ) as NodeJS.ProcessEnv;
}

/** Runs the CLI asynchronously (a blocked event loop would stall the test's own SDK sockets). */
function cli(args: string[], env: Record<string, string | undefined> = {}, jobsDir = JOBS): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, "--jobs-dir", jobsDir, ...args],
      { env: cliEnv(env), encoding: "utf8", timeout: 60_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

function outputsDoc(overrides: Record<string, unknown> = {}, id = clusterId) {
  return {
    region: "us-east-1",
    lake_bucket_name: BUCKET,
    scripts_uri: `s3://${BUCKET}/scripts/`,
    raw_events_uri: `s3://${BUCKET}/streaming-data/`,
    processed_uri: `s3://${BUCKET}/processed-data/`,
    emr_cluster_id: id,
    emr_log_uri: `s3://${BUCKET}/emr-logs/`,
    kinesis_stream_name: "events-dev",
    firehose_stream_name: "events-dev",
    glue_database_name: "lake_dev",
    alarm_topic_arn: "arn:aws:sns:us-east-1:123456789012:alarms-dev",
    dashboard_name: "pipeline-dev",
    ...overrides,
  };
}

function writeJson(name: string, doc: unknown): string {
  const p = join(tmp, name);
  writeFileSync(p, typeof doc === "string" ? doc : JSON.stringify(doc));
  return p;
}

/**
 * The test's own reads go through curl, one connection each: reusing keep-alive connections to
 * moto's werkzeug server from inside the jest worker was observed to stall.
 */
function curl(args: string[]): string {
  return execFileSync("curl", ["-sS", "--fail", "--max-time", "15", ...args]).toString();
}
/** The bytes of one lake object (a SigV4-signed GET, as an S3 client sends it). */
function getObject(key: string): Buffer {
  return execFileSync(
    "curl",
    [
      "-sS",
      "--fail",
      "--max-time",
      "30",
      "--aws-sigv4",
      "aws:amz:us-east-1:s3",
      "--user",
      "testing:testing",
      `${moto.endpoint}/${BUCKET}/${key}`,
    ],
    { maxBuffer: 64 << 20 },
  );
}
async function objectKeys(): Promise<string[]> {
  const xml = curl([`${moto.endpoint}/${BUCKET}?list-type=2`]);
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
}
interface StepRow {
  Id: string;
  Name: string;
  ActionOnFailure: string;
  Status?: { State?: string };
  Config?: { Jar?: string; Args?: string[] };
}
/** ListSteps over raw JSON (curl, see above): the timestamps do not matter here. */
async function stepsOf(id: string): Promise<StepRow[]> {
  return (emrCall("ListSteps", { ClusterId: id }).Steps as StepRow[] | undefined) ?? [];
}
function sha256sum(path: string): string {
  return execFileSync("sha256sum", [path]).toString().split(" ")[0];
}

/** One EMR JSON-protocol call over curl (moto does not check signatures). */
function emrCall(target: string, body: unknown): Record<string, unknown> {
  const text = curl([
    `${moto.endpoint}/`,
    "-H",
    "Content-Type: application/x-amz-json-1.1",
    "-H",
    `X-Amz-Target: ElasticMapReduce.${target}`,
    "-H",
    "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/elasticmapreduce/aws4_request, SignedHeaders=host, Signature=0",
    "-d",
    JSON.stringify(body),
  ]);
  return (text.trim() ? JSON.parse(text) : {}) as Record<string, unknown>;
}

beforeAll(async () => {
  moto = await startMoto();
  tmp = mkdtempSync(join(tmpdir(), "submit-job-it-"));
  // Setup over curl, not SDK clients: an SDK keep-alive connection left open to moto's threaded
  // werkzeug server keeps it from exiting on SIGTERM, and moto.stop() then never resolves.
  curl(["-X", "PUT", `${moto.endpoint}/${BUCKET}`]);
  const flow = {
    ReleaseLabel: "emr-7.5.0",
    LogUri: `s3://${BUCKET}/emr-logs/`,
    Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceCount: 1, MasterInstanceType: "m5.xlarge" },
    JobFlowRole: "EMR_EC2_DefaultRole",
    ServiceRole: "EMR_DefaultRole",
  };
  clusterId = emrCall("RunJobFlow", { Name: "pipeline-dev", ...flow }).JobFlowId as string;
  deadClusterId = emrCall("RunJobFlow", { Name: "old", ...flow }).JobFlowId as string;
  emrCall("TerminateJobFlows", { JobFlowIds: [deadClusterId] });
  outputsFile = writeJson("outputs.json", { "pipeline-dev": outputsDoc() });
});

afterAll(async () => {
  await moto?.stop();
});

describe("submit-job against moto", () => {
  const scriptPath = join(JOBS, "batch_processing.py");
  const args = [
    "batch-processing",
    "--outputs",
    "",
    "--input",
    `s3://${BUCKET}/in/`,
    "--output",
    `s3://${BUCKET}/out/batch/`,
    "--no-wait",
    "--json",
    "--run-id",
    "it-1",
  ];
  const withOutputs = () => args.map((a, i) => (i === 2 ? outputsFile : a));

  it("uploads the script's exact bytes and adds one step with the specified args", async () => {
    const r = await cli(withOutputs());
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const keys = await objectKeys();
    expect(keys).toHaveLength(2);
    // One package prefix, sha256(script ‖ helper zip)[:12], holding the script and common.zip.
    const zipKey = keys.find((k) => k.endsWith("/common.zip"))!;
    expect(zipKey).toMatch(/^scripts\/batch-processing\/[0-9a-f]{12}\/common\.zip$/);
    const zip = getObject(zipKey);
    const hash = createHash("sha256").update(readFileSync(scriptPath)).update(zip).digest("hex");
    const prefix = `scripts/batch-processing/${hash.slice(0, 12)}/`;
    const scriptKey = `${prefix}batch_processing.py`;
    expect(keys).toEqual([scriptKey, `${prefix}common.zip`].sort());
    const sha = sha256sum(scriptPath);
    expect(res).toMatchObject({
      job: "batch-processing",
      runId: "it-1",
      clusterId,
      state: "PENDING",
      script: { uri: `s3://${BUCKET}/${scriptKey}`, sha256: sha, uploaded: true },
      pyFiles: {
        uri: `s3://${BUCKET}/${zipKey}`,
        sha256: createHash("sha256").update(zip).digest("hex"),
        uploaded: true,
      },
      exitCode: 0,
    });
    expect(getObject(scriptKey).equals(readFileSync(scriptPath))).toBe(true);
    // The links, printed once the step is added: the console's cluster page first.
    expect(res.links).toMatchObject({
      console: `https://us-east-1.console.aws.amazon.com/emr/home?region=us-east-1#/clusterDetails/${clusterId}`,
      stepLogs: expect.stringMatching(
        /^https:\/\/s3\.console\.aws\.amazon\.com\/s3\/buckets\/lake-it\?region=us-east-1&prefix=emr-logs%2F/,
      ),
      sparkUiNote: expect.stringMatching(/^no Spark UI link: CreatePersistentAppUI failed/),
    });
    expect(r.stderr).toContain(
      `submit-job: added step ${res.stepId} (batch-processing:it-1) to ${clusterId}\nsubmit-job: console: ${res.links.console}\n`,
    );
    const steps = await stepsOf(clusterId);
    expect(steps).toHaveLength(1);
    expect(steps[0].Id).toBe(res.stepId);
    expect(steps[0].Name).toBe("batch-processing:it-1");
    expect(steps[0].ActionOnFailure).toBe("CONTINUE");
    expect(steps[0].Config?.Jar).toBe("command-runner.jar");
    expect(steps[0].Config?.Args).toEqual(
      sparkSubmitArgs({
        name: "batch-processing:it-1",
        scriptUri: `s3://${BUCKET}/${scriptKey}`,
        pyFilesUri: `s3://${BUCKET}/${zipKey}`,
        jobArgs: ["--input", `s3://${BUCKET}/in/`, "--output", `s3://${BUCKET}/out/batch/`],
      }),
    );
  });

  it("an immediate re-run with the same --run-id uploads nothing and adds no step", async () => {
    const before = await objectKeys();
    const r = await cli(withOutputs());
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ reused: true, script: { uploaded: false }, pyFiles: { uploaded: false } });
    expect(await objectKeys()).toEqual(before);
    expect(await stepsOf(clusterId)).toHaveLength(1);
    expect(r.stderr).toMatch(/already exists .*reusing it, nothing uploaded or added/);
  });

  it("--timeout 2s on moto's never-ending step exits 3 and reports the cancel attempt", async () => {
    const r = await cli([
      "batch-processing",
      "--outputs",
      outputsFile,
      "--run-id",
      "it-timeout",
      "--timeout",
      "2s",
      "--json",
    ]);
    expect(r.code).toBe(3);
    const res = JSON.parse(r.stdout);
    expect(res.exitCode).toBe(3);
    expect(res.cancel.attempted).toBe(true);
    // moto has no CancelSteps: the attempt is made and its failure reported, not hidden.
    expect(res.cancel.ok).toBe(false);
    expect(r.stderr).toMatch(
      /timeout after 2s with the step (RUNNING|PENDING); cancelling s-\w+ \(SEND_INTERRUPT\)/,
    );
    expect(r.stderr).toMatch(/cancel of s-\w+ failed/);
    expect(await stepsOf(clusterId)).toHaveLength(2);
  });

  it("Ctrl-C (SIGINT) while waiting cancels the step, exits 130 and reports the attempt", async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        "--jobs-dir",
        JOBS,
        "batch-processing",
        "--outputs",
        outputsFile,
        "--run-id",
        "it-sigint",
        "--json",
      ],
      { env: cliEnv() },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const guard = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`no step was added within 30 s; stderr:\n${stderr}`));
      }, 30_000);
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // Interrupt once the step exists and the CLI is waiting on it, as a user would.
        if (/added step s-\w+/.test(stderr) && !child.killed) child.kill("SIGINT");
      });
      child.once("exit", (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted; cancelling");
    const res = JSON.parse(stdout);
    expect(res.exitCode).toBe(130);
    expect(res.stepId).toMatch(/^s-\w+$/);
    expect(res.cancel.attempted).toBe(true);
    // moto has no CancelSteps: the failed attempt is reported, not hidden.
    expect(res.cancel.ok).toBe(false);
    const names = (await stepsOf(clusterId)).map((st) => st.Name);
    expect(names.filter((n) => n === "batch-processing:it-sigint")).toHaveLength(1);
  });

  it("a job with requirements uploads its packed environment once; a re-submit uploads 0 bytes", async () => {
    const jobs = join(JOBS, "with-deps");
    // pex's own cache is shared between test runs; submit-job's is this run's.
    const env = { PEX_ROOT: join(tmpdir(), "submit-job-test-pex-root"), XDG_CACHE_HOME: join(tmp, "cache") };
    const run = (runId: string) =>
      cli(
        [
          "native-dep",
          "--outputs",
          outputsFile,
          "--input",
          `s3://${BUCKET}/in/`,
          "--output",
          `s3://${BUCKET}/out/native/`,
          "--no-wait",
          "--json",
          "--run-id",
          runId,
        ],
        env,
        jobs,
      );
    const first = await run("deps-1");
    expect(first.code).toBe(0);
    const res = JSON.parse(first.stdout);
    const envKey = res.pythonEnv.uri.slice(`s3://${BUCKET}/`.length);
    expect(envKey).toMatch(/^scripts\/_pyenvs\/[0-9a-f]{12}\/pyenv\.pex$/);
    expect(res.pythonEnv).toMatchObject({ uploaded: true, packed: "built" });
    const pex = join(tmp, "cache", "submit-job", "pyenvs", `cluster-${res.pythonEnv.hash}`, "pyenv.pex");
    expect(getObject(envKey).equals(readFileSync(pex))).toBe(true);
    expect(sha256sum(pex)).toBe(res.pythonEnv.sha256);
    const step = (await stepsOf(clusterId)).find((st) => st.Id === res.stepId)!;
    expect(step.Config?.Args).toEqual(
      expect.arrayContaining(["--files", res.pythonEnv.uri, "spark.pyspark.python=./pyenv.pex"]),
    );

    const keysBefore = await objectKeys();
    const again = await run("deps-2");
    expect(again.code).toBe(0);
    const res2 = JSON.parse(again.stdout);
    expect(res2).toMatchObject({
      script: { uploaded: false },
      pythonEnv: { uri: res.pythonEnv.uri, uploaded: false, packed: "not needed" },
    });
    expect(res2.stepId).not.toBe(res.stepId);
    expect(await objectKeys()).toEqual(keysBefore);
    expect(again.stderr).not.toMatch(/uploaded s3:|packing /);
    expect(again.stderr).toContain(`${res.pythonEnv.uri} unchanged (already uploaded)`);
  });

  it("reads `terraform output -json` of a real local state when no --outputs is given", async () => {
    const repo = join(tmp, "repo");
    const stackDir = join(repo, "cdktf.out", "stacks", "pipeline-dev");
    mkdirSync(stackDir, { recursive: true });
    const tf = Object.entries(outputsDoc())
      .map(([k, v]) => `output "${k}" {\n  value = ${JSON.stringify(v)}\n}\n`)
      .join("");
    writeFileSync(join(stackDir, "main.tf"), tf);
    writeFileSync(join(tmp, "tfrc"), "");
    const tfEnv = {
      ...process.env,
      TF_CLI_CONFIG_FILE: join(tmp, "tfrc"),
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
    };
    try {
      execFileSync("terraform", ["init", "-input=false", "-no-color"], {
        cwd: stackDir,
        env: tfEnv,
        stdio: "pipe",
      });
      execFileSync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], {
        cwd: stackDir,
        env: tfEnv,
        stdio: "pipe",
      });
    } catch (e) {
      throw new Error(`terraform is needed for this test (terraform 1.11 on PATH): ${(e as Error).message}`);
    }
    const r = await cli(["batch-processing", "--dry-run", "--json", "--run-id", "tf-1"], {
      SUBMIT_JOB_REPO_ROOT: repo,
      TF_CLI_CONFIG_FILE: join(tmp, "tfrc"),
      CHECKPOINT_DISABLE: "1",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({
      clusterId,
      stack: "pipeline-dev",
      input: `s3://${BUCKET}/streaming-data/`,
      output: `s3://${BUCKET}/processed-data/batch-processing/`,
    });
    expect(res.sources.clusterId).toBe(`terraform output -json in ${stackDir}`);
  });

  it("uploads a script over 8 MB as a multipart upload (lib-storage) with the exact bytes", async () => {
    const dir = join(tmp, "big-jobs");
    mkdirSync(dir, { recursive: true });
    const script = join(dir, "big_job.py");
    const header = [
      '"""Big fixture job: a script larger than the 8 MB multipart threshold."""',
      "import argparse",
      "",
      "parser = argparse.ArgumentParser(description=__doc__)",
      'parser.add_argument("--input", required=True)',
      'parser.add_argument("--output", required=True)',
      "",
    ].join("\n");
    // ~9.5 MB of distinct comment lines (not one repeated line: catches dropped or reordered parts).
    const lines = Array.from({ length: 130_000 }, (_, i) => `# line ${i} ${"x".repeat(64)}`);
    writeFileSync(script, `${header}${lines.join("\n")}\n`);
    const bytes = readFileSync(script);
    expect(bytes.length).toBeGreaterThan(9 * 1024 * 1024);
    const r = await cli(
      [
        "big-job",
        "--outputs",
        outputsFile,
        "--input",
        `s3://${BUCKET}/in/`,
        "--output",
        `s3://${BUCKET}/out/big/`,
        "--no-wait",
        "--json",
        "--run-id",
        "it-big",
      ],
      {},
      dir,
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const key = `scripts/big-job/${sha256sum(script).slice(0, 12)}/big_job.py`;
    expect(res.script).toMatchObject({ uri: `s3://${BUCKET}/${key}`, uploaded: true, bytes: bytes.length });
    const got = getObject(key);
    expect(got.length).toBe(bytes.length);
    expect(got.equals(bytes)).toBe(true);
    // A multipart object's ETag is "<md5 of part md5s>-<part count>": proof the multipart path ran.
    const head = execFileSync("curl", [
      "-sS",
      "--fail",
      "--max-time",
      "15",
      "-I",
      `${moto.endpoint}/${BUCKET}/${key}`,
    ]).toString();
    expect(head).toMatch(/ETag: "?[0-9a-f]{32}-\d+"?/i);
  });
});

describe("bad-input matrix: one-line error, documented exit code, nothing written, no step added", () => {
  const noCreds = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  };
  const base = () => ["--outputs", outputsFile, "--no-wait", "--run-id", "bad"];
  const cases: [string, () => string[], number, RegExp, Record<string, string | undefined>?][] = [
    [
      "unknown job",
      () => ["no-such-job", ...base()],
      2,
      /unknown job "no-such-job".*\(jobs: batch-processing, optimization, streaming-processor\)/,
    ],
    [
      "missing outputs file",
      () => ["batch-processing", "--outputs", join(tmp, "missing.json"), "--no-wait"],
      2,
      /outputs file .*missing\.json not found; write it with `cdktf output/,
    ],
    [
      "malformed JSON",
      () => ["batch-processing", "--outputs", writeJson("bad.json", "{ nope"), "--no-wait"],
      2,
      /bad\.json is not valid JSON/,
    ],
    [
      "null output",
      () => [
        "batch-processing",
        "--outputs",
        writeJson("null.json", { "pipeline-dev": outputsDoc({ emr_cluster_id: null }) }),
        "--no-wait",
      ],
      2,
      /output "emr_cluster_id" is null .*or pass --cluster-id/,
    ],
    [
      "missing output",
      () => [
        "batch-processing",
        "--outputs",
        writeJson("noscripts.json", { "pipeline-dev": outputsDoc({ scripts_uri: undefined }) }),
        "--no-wait",
      ],
      2,
      /output "scripts_uri" is missing/,
    ],
    [
      "unknown stack",
      () => [...["batch-processing", ...base()], "--stack", "pipeline-qa"],
      2,
      /stack "pipeline-qa" is not in .* \(stacks: pipeline-dev\)/,
    ],
    [
      "two stacks without --stack",
      () => [
        "batch-processing",
        "--outputs",
        writeJson("two.json", { "pipeline-dev": outputsDoc(), "pipeline-prod": outputsDoc() }),
        "--no-wait",
      ],
      2,
      /2 stacks \(pipeline-dev, pipeline-prod\): pass --stack/,
    ],
    [
      "bad S3 URI",
      () => ["batch-processing", ...base(), "--input", "lake/in"],
      2,
      /--input must be an s3:\/\/bucket\/prefix URI, got "lake\/in"/,
    ],
    [
      "bad bucket name",
      () => ["batch-processing", ...base(), "--output", "s3://Not_A_Bucket/x"],
      2,
      /invalid bucket name "Not_A_Bucket"/,
    ],
    [
      "bad --conf",
      () => ["batch-processing", ...base(), "--conf", "spark.executor.memory"],
      2,
      /--conf must be key=value/,
    ],
    [
      "bad duration",
      () => ["batch-processing", ...base(), "--timeout", "10 minutes"],
      2,
      /--timeout must be a duration like 90s, 45m, 2h or 1h30m, got "10 minutes"/,
    ],
    [
      "bad --run-id",
      () => ["batch-processing", "--outputs", outputsFile, "--run-id", "a b"],
      2,
      /--run-id must be/,
    ],
    [
      "terminated cluster",
      () => ["batch-processing", ...base(), "--cluster-id", deadClusterId],
      2,
      /cluster j-\w+ is TERMINATED .*redeploy the stack .* or pass --cluster-id/,
    ],
    [
      "nonexistent cluster",
      () => ["batch-processing", ...base(), "--cluster-id", "j-DOESNOTEXIST"],
      2,
      /cluster j-DOESNOTEXIST does not exist/,
    ],
    [
      "malformed cluster id",
      () => ["batch-processing", ...base(), "--cluster-id", "cluster-1"],
      2,
      /cluster id must look like j-/,
    ],
    [
      "no credentials",
      () => ["batch-processing", ...base()],
      2,
      /no AWS credentials found; set AWS_PROFILE/,
      noCreds,
    ],
    [
      "unreachable endpoint",
      () => ["batch-processing", ...base()],
      1,
      /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
      { AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
    ],
    [
      "unknown flag",
      () => ["batch-processing", ...base(), "--bogus-flag"],
      2,
      /unknown option --bogus-flag: not a submit-job option/,
    ],
    [
      "missing required job arg",
      () => ["streaming-processor", ...base()],
      2,
      /streaming-processor requires --partition/,
    ],
    [
      "unknown job arg after --",
      () => ["batch-processing", ...base(), "--", "--nope", "1"],
      2,
      /batch-processing does not accept --nope/,
    ],
    [
      "--local with an S3 path",
      () => ["batch-processing", "--local", "--input", "s3://lake-it/in/", "--output", join(tmp, "o")],
      2,
      /--local runs on local paths; --input is s3:/,
    ],
    ["no job named", () => ["--outputs", outputsFile], 2, /name a job/],
  ];

  // Every row gets all five columns: jest treats a test function with more parameters than the
  // row has as a `done`-callback test and would wait for it forever.
  const rows = cases.map(([n, a, c, m, e]) => [n, a, c, m, e ?? {}] as const);
  it.each(rows)("%s", async (_name, argv, code, message, env) => {
    const keysBefore = await objectKeys();
    const stepsBefore = (await stepsOf(clusterId)).length;
    const r = await cli(argv(), env as Record<string, string | undefined>);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
    const errLines = r.stderr.trimEnd().split("\n");
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^submit-job: /);
    expect(r.stdout).toBe("");
    expect(await objectKeys()).toEqual(keysBefore);
    expect(await stepsOf(clusterId)).toHaveLength(stepsBefore);
  });

  it("with --json also prints one JSON error object on stdout", async () => {
    const r = await cli(["no-such-job", ...base(), "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { kind: "UsageError", message: expect.stringMatching(/^unknown job "no-such-job"/) },
      exitCode: 2,
    });
  });
});

describe("a run's lifecycle against moto: status, logs, cancel, runs", () => {
  /** moto's EMR: the first step of a cluster stays RUNNING, later ones PENDING; no CancelSteps. */
  let oldClusterId: string;
  const submitted: Record<string, { stepId: string; script: string }> = {};
  const submitRun = async (job: string, runId: string) => {
    const r = await cli([
      job,
      "--outputs",
      outputsFile,
      "--input",
      `s3://${BUCKET}/in/`,
      "--output",
      `s3://${BUCKET}/out/${job}/`,
      "--no-wait",
      "--json",
      "--run-id",
      runId,
    ]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    submitted[`${job}:${runId}`] = { stepId: res.stepId, script: res.script.uri };
  };
  /** A run of ours, the CLI's args: `--outputs` first, then the command's. */
  const life = (args: string[], env: Record<string, string | undefined> = {}) =>
    cli([...args, "--outputs", outputsFile], env);
  const oneLineError = (r: Run, code: number, message: RegExp) => {
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code, stdout: "" });
    expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
    expect(r.stderr).toMatch(/^submit-job: /);
  };

  beforeAll(async () => {
    await submitRun("batch-processing", "life-1");
    await submitRun("optimization", "life-1");
    await submitRun("batch-processing", "life-2");
    // A run on a cluster that has since terminated (idle timeout, as the stack's clusters do).
    const flow = {
      ReleaseLabel: "emr-7.5.0",
      LogUri: `s3://${BUCKET}/emr-logs/`,
      Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceCount: 1, MasterInstanceType: "m5.xlarge" },
      JobFlowRole: "EMR_EC2_DefaultRole",
      ServiceRole: "EMR_DefaultRole",
    };
    oldClusterId = emrCall("RunJobFlow", { Name: "older", ...flow }).JobFlowId as string;
    emrCall("AddJobFlowSteps", {
      JobFlowId: oldClusterId,
      Steps: [
        {
          Name: "batch-processing:old-1",
          ActionOnFailure: "CONTINUE",
          HadoopJarStep: { Jar: "command-runner.jar", Args: ["spark-submit", "s3://x/old.py"] },
        },
      ],
    });
    emrCall("TerminateJobFlows", { JobFlowIds: [oldClusterId] });
  });

  it("status <run-id> --json: the step submit added, its state, script and times; exit 0 while it runs", async () => {
    const r = await life(["status", "life-2", "--json"]);
    // moto has no persistent app UI: the missing Spark UI link is said, the status still exits 0.
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^submit-job: no Spark UI link: CreatePersistentAppUI failed: HTTP 500 /),
    ]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const steps = await stepsOf(clusterId);
    const row = steps.find((s) => s.Id === submitted["batch-processing:life-2"].stepId)!;
    expect(res).toMatchObject({
      command: "status",
      clusterId,
      // moto keeps the cluster RUNNING once it has steps.
      clusterState: "RUNNING",
      stepId: row.Id,
      name: "batch-processing:life-2",
      job: "batch-processing",
      runId: "life-2",
      state: "PENDING",
      script: submitted["batch-processing:life-2"].script,
      args: row.Config?.Args,
      exitCode: 0,
    });
    expect(res.links).toEqual({
      console: `https://us-east-1.console.aws.amazon.com/emr/home?region=us-east-1#/clusterDetails/${clusterId}`,
      stepLogs: `https://s3.console.aws.amazon.com/s3/buckets/${BUCKET}?region=us-east-1&prefix=${encodeURIComponent(`emr-logs/${clusterId}/steps/${row.Id}/`)}`,
      sparkUiNote: expect.stringMatching(/^no Spark UI link: CreatePersistentAppUI failed/),
    });
    expect(Date.parse(res.created)).not.toBeNaN();
  });

  it("status <step-id>, <job>:<run-id> and --job name the same run; text output is its state", async () => {
    const { stepId } = submitted["optimization:life-1"];
    for (const ref of [[stepId], ["optimization:life-1"], ["life-1", "--job", "optimization"]]) {
      const r = await life(["status", ...ref, "--json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ stepId, name: "optimization:life-1" });
    }
    const text = await life(["status", stepId]);
    expect(text.stdout.split("\n")[0]).toBe(`${stepId}  PENDING  optimization:life-1`);
  });

  it("the first step on the cluster is RUNNING in moto: status reports it", async () => {
    const first = (await stepsOf(clusterId)).at(-1)!;
    expect(first.Status?.State).toBe("RUNNING");
    const r = await life(["status", first.Id, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: first.Name, state: "RUNNING" });
  });

  it("runs: the cluster's runs newest first, filtered by job and state, cut by --limit", async () => {
    const all = JSON.parse((await life(["runs", "--json", "--limit", "100"])).stdout);
    const names = (await stepsOf(clusterId)).map((s) => s.Name);
    expect(all.runs.map((x: { name: string }) => x.name)).toEqual(names);
    expect(all.more).toBe(false);
    expect(all.runs[0]).toMatchObject({
      name: "batch-processing:life-2",
      job: "batch-processing",
      runId: "life-2",
    });

    const opt = JSON.parse((await life(["runs", "--json", "--job", "optimization"])).stdout);
    expect(opt.runs.map((x: { name: string }) => x.name)).toEqual(["optimization:life-1"]);

    const running = JSON.parse((await life(["runs", "--json", "--state", "running"])).stdout);
    const runningNames = (await stepsOf(clusterId))
      .filter((s) => s.Status?.State === "RUNNING")
      .map((s) => s.Name);
    expect(runningNames).toHaveLength(1);
    expect(running.runs.map((x: { name: string }) => x.name)).toEqual(runningNames);

    const two = await life(["runs", "--json", "--limit", "2"]);
    expect(two.code).toBe(0);
    expect(JSON.parse(two.stdout)).toMatchObject({
      more: true,
      runs: [{ runId: "life-2" }, { runId: "life-1" }],
    });

    const text = await life(["runs", "--limit", "1"]);
    const [head, row] = text.stdout.trimEnd().split("\n");
    expect(head).toMatch(/^STEP +STATE +JOB +RUN ID +STARTED +RAN$/);
    expect(row).toMatch(
      new RegExp(`^${submitted["batch-processing:life-2"].stepId} +PENDING +batch-processing +life-2`),
    );
  });

  it("logs says plainly that EMR has not uploaded the step's logs yet, and exits 0", async () => {
    const r = await life(["logs", "life-2", "--json"]);
    expect(r.code).toBe(0);
    const { stepId } = submitted["batch-processing:life-2"];
    const prefix = `s3://${BUCKET}/emr-logs/${clusterId}/steps/${stepId}/`;
    expect(JSON.parse(r.stdout)).toMatchObject({ command: "logs", stepId, logPrefix: prefix, logs: [] });
    expect(r.stderr).toContain(`EMR has not uploaded any log of step ${stepId} to ${prefix} yet`);
  });

  it("logs finds the driver's traceback in logs laid out as EMR writes them (the driver printed to stdout only)", async () => {
    const { stepId } = submitted["batch-processing:life-2"];
    for (const f of emrLogFixture("module-not-found", { clusterId, stepId })) {
      const body = join(tmp, "log-object");
      writeFileSync(body, f.body);
      curl([
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        `@${body}`,
        `${moto.endpoint}/${BUCKET}/emr-logs/${f.key}`,
      ]);
    }
    const r = await life(["logs", "life-2", "--json", "--tail", "3"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    const app = "application_1769850000000_0007";
    const driver = `s3://${BUCKET}/emr-logs/${clusterId}/containers/${app}/container_1769850000000_0007_02_000001/`;
    expect(res).toMatchObject({
      applicationId: app,
      driverContainer: "container_1769850000000_0007_02_000001",
      traceback: {
        uri: `${driver}stdout.gz`,
        kind: "traceback",
        text: expect.stringMatching(
          /^Traceback \(most recent call last\):\n[^]*\nModuleNotFoundError: No module named 'ujson'$/,
        ),
      },
      notes: [],
    });
    expect(
      res.logs.map((f: { source: string; stream: string; uri: string }) => [f.source, f.stream, f.uri]),
    ).toEqual([
      ["step", "stderr", `s3://${BUCKET}/emr-logs/${clusterId}/steps/${stepId}/stderr.gz`],
      ["step", "stdout", `s3://${BUCKET}/emr-logs/${clusterId}/steps/${stepId}/stdout.gz`],
      ["driver", "stderr", `${driver}stderr.gz`],
      ["driver", "stdout", `${driver}stdout.gz`],
    ]);
    expect(res.logs[0]).toMatchObject({
      lines: 3,
      truncated: true,
      text: expect.stringMatching(/Command exiting with ret '1'$/),
    });
    const text = await life(["logs", "life-2"]);
    expect(text.stdout.trimEnd().split("\n").slice(-5)).toEqual([
      `Python traceback (${driver}stdout.gz):`,
      "Traceback (most recent call last):",
      expect.stringMatching(/batch_processing\.py", line 14, in <module>$/),
      "    import ujson",
      "ModuleNotFoundError: No module named 'ujson'",
    ]);
  });

  it("cancel: moto has no CancelSteps, so the refused cancel is reported in one line and exits 1", async () => {
    const r = await life(["cancel", "life-2", "--json"]);
    expect(r.code).toBe(1);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({
      command: "cancel",
      stepId: submitted["batch-processing:life-2"].stepId,
      stateBefore: "PENDING",
      state: "PENDING",
      cancel: { attempted: true, ok: false },
      exitCode: 1,
    });
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^submit-job: cancel of s-\w+ failed: /),
    ]);
  });

  it("a run on a terminated cluster is still there for status (with a note), but not for cancel", async () => {
    const r = await life(["status", "old-1", "--cluster-id", oldClusterId, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      clusterId: oldClusterId,
      clusterState: expect.stringMatching(/^TERMINATED/),
      name: "batch-processing:old-1",
    });
    expect(r.stderr).toMatch(new RegExp(`cluster ${oldClusterId} is TERMINATED.*its runs are still listed`));
    const c = await life(["cancel", "old-1", "--cluster-id", oldClusterId]);
    oneLineError(c, 2, new RegExp(`cluster ${oldClusterId} is TERMINATED.*nothing to cancel$`));
  });

  const bad: [string, string[], RegExp][] = [
    [
      "unknown run id",
      ["status", "no-such-run"],
      /no run "no-such-run" on cluster j-\w+; `submit-job runs` lists its runs$/,
    ],
    ["unknown step id", ["logs", "s-NOSUCHSTEP"], /no step s-NOSUCHSTEP on cluster j-\w+; /],
    [
      "a run id two jobs share",
      ["status", "life-1"],
      /run id "life-1" names 2 runs on cluster j-\w+ \(optimization:life-1 s-\w+, batch-processing:life-1 s-\w+\): pass --job <job> or a step id$/,
    ],
    [
      "--job contradicting <job>:<run-id>",
      ["cancel", "optimization:life-1", "--job", "batch-processing"],
      /optimization:life-1 names job optimization, but --job says batch-processing/,
    ],
    ["no run named", ["status"], /status needs a run id or a step id \(s-\.\.\.\)/],
    [
      "two runs named",
      ["logs", "life-1", "life-2"],
      /unexpected argument life-2: logs takes one run id or step id$/,
    ],
    [
      "a submit option",
      ["status", "life-2", "--local"],
      /unknown option --local for status \(see submit-job status --help\)$/,
    ],
    [
      "bad --state",
      ["runs", "--state", "DONE"],
      /--state must be one or more of PENDING, CANCEL_PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, INTERRUPTED/,
    ],
    ["bad --limit", ["runs", "--limit", "0"], /--limit must be a whole number from 1 to 1000, got "0"$/],
    ["bad --tail", ["logs", "life-2", "--tail", "-3"], /--tail must be a number of lines/],
    [
      "nonexistent cluster",
      ["runs", "--cluster-id", "j-DOESNOTEXIST"],
      /cluster j-DOESNOTEXIST does not exist/,
    ],
    [
      "unknown run on a terminated cluster",
      ["status", "life-2", "--cluster-id", "OLD"],
      /no run "life-2" on cluster j-\w+, which is TERMINATED \([^)]*\); a run on another cluster needs --cluster-id$/,
    ],
  ];
  it.each(bad)("bad input: %s → one line, exit 2, nothing changed", async (_n, argv, message) => {
    const stepsBefore = await stepsOf(clusterId);
    const args = argv.map((a) => (a === "OLD" ? oldClusterId : a));
    const r = await life(args);
    // The terminated cluster's note comes first for status; the error is still the last, one line.
    const errors = r.stderr
      .trimEnd()
      .split("\n")
      .filter((l) => !/its runs are still listed/.test(l));
    expect({ code: r.code, stdout: r.stdout, errors }).toEqual({
      code: 2,
      stdout: "",
      errors: [expect.stringMatching(new RegExp(`^submit-job: .*${message.source}`))],
    });
    expect(await stepsOf(clusterId)).toEqual(stepsBefore);
    const j = await life([...args, "--json"]);
    expect(JSON.parse(j.stdout)).toEqual({
      error: { kind: "UsageError", message: expect.stringMatching(message) },
      exitCode: 2,
    });
  });
});
