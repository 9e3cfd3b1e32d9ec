/**
 * A job's third-party requirements: the requirements file's rules, the cluster's platform (wheel
 * tags checked against Python's own `packaging`), the content-addressed key, the Spark settings
 * of the step, the pex command line and its failures, and the submit flow with a stand-in packer
 * (an unchanged lock packs and uploads nothing). The real pex runs in the CLI and moto tests.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMR_RELEASE } from "../constructs/contract/emr-release";
import { pythonEnvKey, requirementsFile } from "../constructs/contract/job-package";
import { PYTHON_CONF, sparkSubmitArgs } from "../constructs/contract/spark-step";
import { PackError, UsageError } from "../scripts/submit-job/errors";
import {
  CLUSTER_OS,
  clusterPlatform,
  envHash,
  jobRequirements,
  PEX_VERSION,
  type PackedEnv,
  parseRequirements,
  pexArgs,
  pexFailure,
  type Requirements,
} from "../scripts/submit-job/pyenv";
import { submit, type SubmitOptions } from "../scripts/submit-job/run";
import { FakeClock, MemS3, recordingProgress, ScriptedEmr } from "./submit-job.fakes";

const ROOT = join(__dirname, "..");
const PY = join(ROOT, ".venv", "bin", "python");
const WITH_DEPS = join(__dirname, "fixtures", "jobs", "with-deps");

const req = (text: string): Requirements => ({
  file: "/r.txt",
  shown: "jobs/requirements.txt",
  bytes: Buffer.from(text),
  pins: parseRequirements(text, "jobs/requirements.txt"),
});

describe("requirements files", () => {
  it("read pins with extras, markers, hashes, comments and continuations", () => {
    const text = [
      "# the lock",
      "ujson==5.10.0",
      "Requests[socks]==2.32.3  # a comment",
      'tomli==2.0.1 ; python_version < "3.11"',
      "Markup_Safe===3.0.2 \\",
      "    --hash=sha256:0123456789abcdef",
      "",
    ].join("\n");
    expect(parseRequirements(text, "f")).toEqual([
      { name: "ujson", version: "5.10.0", line: 2 },
      { name: "requests", version: "2.32.3", line: 3 },
      { name: "tomli", version: "2.0.1", line: 4 },
      { name: "markup-safe", version: "3.0.2", line: 5 },
    ]);
  });
  it.each([
    ["ujson", /^f:1: "ujson" is not a pinned requirement \(name==version\)/],
    ["ujson>=5", /^f:1: "ujson>=5" is not a pinned requirement/],
    ["-r other.txt", /^f:1: "-r other.txt" is not a pinned requirement/],
    ["--index-url https://example.org/simple", /is not a pinned requirement/],
    ["ok==1\npyspark==3.5.5", /^f:2: pyspark comes with the cluster \(Spark 3\.5\.5\); remove it from f$/],
    ["ujson==5.10.0\nUJSON==5.9.0", /^f:2: UJSON is pinned twice$/],
  ])("refuse %j in one line", (text, message) => {
    let caught: unknown;
    try {
      parseRequirements(text, "f");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain("\n");
  });
  it("are found per job first, then one for jobs/; a file named after the script is pointed out", () => {
    const dir = mkdtempSync(join(tmpdir(), "sj-req-"));
    mkdirSync(join(dir, "requirements"));
    expect(requirementsFile(dir, "batch-processing")).toBeUndefined();
    writeFileSync(join(dir, "requirements.txt"), "ujson==5.10.0\n");
    expect(requirementsFile(dir, "batch-processing")).toBe(join(dir, "requirements.txt"));
    writeFileSync(join(dir, "requirements", "batch-processing.txt"), "ujson==5.9.0\n");
    expect(requirementsFile(dir, "batch-processing")).toBe(join(dir, "requirements", "batch-processing.txt"));
    expect(requirementsFile(dir, "optimization")).toBe(join(dir, "requirements.txt"));
    writeFileSync(join(dir, "requirements", "stream_job.txt"), "ujson==5.9.0\n");
    expect(() => jobRequirements(dir, "stream-job")).toThrow(
      `${join(dir, "requirements", "stream_job.txt")} is named after the script; name it requirements/stream-job.txt (the job's name)`,
    );
  });
  it("requirements.txt pins the pex submit-job packs with", () => {
    expect(readFileSync(join(ROOT, "requirements.txt"), "utf8")).toMatch(
      new RegExp(`^pex==${PEX_VERSION.replace(/\./g, "\\.")}$`, "m"),
    );
  });
});

describe("the cluster's platform", () => {
  it("is the release's OS (glibc 2.34 is Amazon Linux 2023's): change both together", () => {
    expect(EMR_RELEASE.os).toBe(CLUSTER_OS);
  });
  it("lists the wheel tags CPython 3.11 on manylinux_2_34 x86_64 accepts, in packaging's order", () => {
    const p = clusterPlatform();
    expect(p.marker_environment).toMatchObject({
      python_version: "3.11",
      platform_machine: "x86_64",
      sys_platform: "linux",
    });
    const platforms = [...new Set(p.compatible_tags.map((t) => t.split("-").slice(2).join("-")))].filter(
      (x) => x !== "any",
    );
    expect(platforms[0]).toBe("manylinux_2_34_x86_64");
    expect(platforms).toContain("manylinux2014_x86_64");
    expect(platforms.at(-1)).toBe("linux_x86_64");
    expect(platforms.some((x) => /musllinux|aarch64|manylinux_2_35/.test(x))).toBe(false);
    // Python's packaging (pip's copy in the venv) orders the tags of these platforms.
    const expected = execFileSync(PY, [
      "-c",
      [
        "import json, sys",
        "from pip._vendor.packaging import tags",
        "p = json.loads(sys.argv[1])",
        "t = list(tags.cpython_tags((3, 11), abis=['cp311'], platforms=p)) + list(tags.compatible_tags((3, 11), 'cp311', p))",
        "print(json.dumps([str(x) for x in t]))",
      ].join("\n"),
      JSON.stringify(platforms),
    ]);
    expect(p.compatible_tags).toEqual(JSON.parse(expected.toString()));
  });
});

describe("the environment's key", () => {
  const a = req("ujson==5.10.0\n");
  it("names the requirements and how they are packed; the same lock, the same key", () => {
    expect(envHash(a, { kind: "cluster" })).toMatch(/^[0-9a-f]{12}$/);
    expect(envHash(req("ujson==5.10.0\n"), { kind: "cluster" })).toBe(envHash(a, { kind: "cluster" }));
    expect(envHash(req("ujson==5.9.0\n"), { kind: "cluster" })).not.toBe(envHash(a, { kind: "cluster" }));
    expect(envHash(a, { kind: "local", python: PY })).not.toBe(envHash(a, { kind: "cluster" }));
    expect(pythonEnvKey("0123456789ab", "lake/scripts/")).toBe("lake/scripts/_pyenvs/0123456789ab/pyenv.pex");
  });
});

describe("the step under a packed environment", () => {
  it("ships it with --files and names it as both interpreters, before the user's confs", () => {
    const uri = "s3://lake/scripts/_pyenvs/0123456789ab/pyenv.pex";
    const args = sparkSubmitArgs({
      name: "j:r",
      scriptUri: "s3://lake/scripts/j/h/j.py",
      pyFilesUri: "s3://lake/scripts/j/h/common.zip",
      pythonEnvUri: uri,
      conf: ["spark.pyspark.python=/mine"],
      jobArgs: ["--input", "i"],
    });
    expect(args).toEqual([
      "spark-submit",
      "--deploy-mode",
      "cluster",
      "--conf",
      "spark.pyspark.python=./pyenv.pex",
      "--conf",
      "spark.pyspark.driver.python=./pyenv.pex",
      "--conf",
      "spark.yarn.appMasterEnv.PEX_ROOT=./.pex",
      "--conf",
      "spark.executorEnv.PEX_ROOT=./.pex",
      "--conf",
      "spark.pyspark.python=/mine",
      "--files",
      uri,
      "--py-files",
      "s3://lake/scripts/j/h/common.zip",
      "s3://lake/scripts/j/h/j.py",
      "--input",
      "i",
    ]);
    expect(args.join(" ")).not.toContain(PYTHON_CONF[0]);
  });
});

describe("pex", () => {
  it("packs for the cluster from wheels only, for the release's interpreter; locally for the venv", () => {
    expect(pexArgs("/r.txt", { kind: "cluster" }, "/p.json", "/o.pex")).toEqual([
      "-r",
      "/r.txt",
      "--pip-version",
      "24.3.1",
      "--inherit-path=fallback",
      "--runtime-pex-root=~/.cache/pex",
      "--complete-platform",
      "/p.json",
      "--no-build",
      "--python-shebang",
      "/usr/bin/python3.11",
      "-o",
      "/o.pex",
    ]);
    expect(pexArgs("/r.txt", { kind: "local", python: PY }, undefined, "/o.pex").slice(6, 10)).toEqual([
      "--python",
      PY,
      "--python-shebang",
      PY,
    ]);
  });
  it("turns a missing wheel into a usage error naming it, anything else into a one-line pack error", () => {
    const stderr =
      "pid 1 -> /x/pex --disable-pip-version-check ... exited with 1 and STDERR:\npip: ERROR: Could not find a version that satisfies the requirement docopt==0.6.2 (from versions: none)\npip: ERROR: No matching distribution found for docopt==0.6.2\n";
    const e = pexFailure(stderr, req("docopt==0.6.2"), { kind: "cluster" });
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(
      "jobs/requirements.txt: no wheel of docopt==0.6.2 for the cluster (CPython 3.11, manylinux_2_34 x86_64): pin a version that publishes one, or drop it",
    );
    const other = pexFailure(
      "Traceback (most recent call last):\n  File x\nOSError: [Errno 101] Network is unreachable\n",
      req("a==1"),
      {
        kind: "cluster",
      },
    );
    expect(other).toBeInstanceOf(PackError);
    expect(other.message).toBe(
      "pex could not pack jobs/requirements.txt: OSError: [Errno 101] Network is unreachable",
    );
  });
});

describe("submit with requirements (a stand-in packer)", () => {
  const opts: SubmitOptions = {
    job: "native-dep",
    repoRoot: ROOT,
    jobsDir: WITH_DEPS,
    clusterId: "j-ABC",
    bucket: "lake-b",
    conf: [],
    runId: "r-1",
    wait: false,
    logWait: "1m",
    dryRun: false,
    local: false,
    master: "local[*]",
    extra: [],
  };
  const packs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "sj-fakepack-"));
  const fakePack = async (_root: string, r: Requirements, target: { kind: string }): Promise<PackedEnv> => {
    packs.push(target.kind);
    const path = join(dir, `${target.kind}.pex`);
    writeFileSync(path, `#!/usr/bin/python3.11\n${r.bytes.toString()}`);
    return {
      path,
      hash: "0123456789ab",
      bytes: readFileSync(path).length,
      sha256: "f".repeat(64),
      packed: "built",
    };
  };
  const deps = (emr: ScriptedEmr, s3: MemS3) => ({
    aws: () => ({ emr, s3 }),
    terraformOutput: async () => "",
    clock: new FakeClock(),
    progress: recordingProgress(),
    childStdout: "inherit" as const,
    packEnv: fakePack as never,
  });

  it("uploads the environment once; a new run with the same lock packs nothing and uploads 0 bytes", async () => {
    packs.length = 0;
    const emr = new ScriptedEmr([{ state: "PENDING" }]);
    emr.sparkUi = () => ({ note: "n/a" });
    const s3 = new MemS3();
    const first = await submit(opts, deps(emr, s3));
    const key = pythonEnvKey(
      envHash(jobRequirements(WITH_DEPS, "native-dep")!, { kind: "cluster" }),
      "scripts/",
    );
    expect(s3.puts).toContain(`lake-b/${key}`);
    expect(s3.objects.get(`lake-b/${key}`)?.equals(readFileSync(join(dir, "cluster.pex")))).toBe(true);
    expect(first.result.pythonEnv).toMatchObject({
      requirements: "with-deps/requirements/native-dep.txt",
      uri: `s3://lake-b/${key}`,
      uploaded: true,
      packed: "built",
    });
    expect(emr.added[0].Steps[0].HadoopJarStep.Args).toEqual(
      expect.arrayContaining(["--files", `s3://lake-b/${key}`]),
    );
    expect(packs).toEqual(["cluster"]);
    const putsBefore = s3.puts.length;
    const again = await submit({ ...opts, runId: "r-2" }, deps(emr, s3));
    expect(s3.puts.length).toBe(putsBefore);
    expect(packs).toEqual(["cluster"]);
    expect(again.result).toMatchObject({
      script: { uploaded: false },
      pythonEnv: { uploaded: false, packed: "not needed" },
    });
    expect(emr.added).toHaveLength(2);
  });
  it("--dry-run packs (a missing wheel shows there) but calls no AWS", async () => {
    packs.length = 0;
    const aws = jest.fn();
    const dry = await submit({ ...opts, dryRun: true }, { ...deps(new ScriptedEmr([]), new MemS3()), aws });
    expect(aws).not.toHaveBeenCalled();
    expect(packs).toEqual(["cluster"]);
    expect(dry.result.pythonEnv).toMatchObject({
      bytes: expect.any(Number),
      sha256: "f".repeat(64),
      packed: "built",
    });
  });
});
