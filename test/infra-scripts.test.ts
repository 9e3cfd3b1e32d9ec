import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarise, summariseOutdir } from "../scripts/synth-summary";

const ROOT = join(__dirname, "..");
// Absolute bash path, so tests may hand the scripts a PATH without it.
const BASH = spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(BASH, [join(ROOT, "scripts", script), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });

function fakeStack(): string {
  const dir = mkdtempSync(join(tmpdir(), "stack-"));
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ resource: {} }));
  return dir;
}

describe("scripts/terraform-check.sh failure modes (no terraform run needed)", () => {
  it("fails with a clear message when the provider mirror has no aws provider", () => {
    const r = run("terraform-check.sh", [fakeStack()], { TF_PROVIDER_MIRROR: "/nonexistent-mirror" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no hashicorp/aws provider in the filesystem mirror /nonexistent-mirror");
  });

  it("fails with a clear message when terraform is not on PATH", () => {
    // An empty PATH dir: the script reaches the check with builtins only (bash is resolved first).
    const r = run("terraform-check.sh", [fakeStack()], { PATH: mkdtempSync(join(tmpdir(), "empty-path-")) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("terraform is not on PATH");
  });

  it("ALLOW_NO_TERRAFORM=1 turns a missing provider into a loud warning", () => {
    const r = run("terraform-check.sh", [fakeStack()], {
      TF_PROVIDER_MIRROR: "/nonexistent-mirror",
      ALLOW_NO_TERRAFORM: "1",
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/WARNING: terraform check SKIPPED/);
  });

  it("prints usage and exits 2 without stack dirs", () => {
    const r = run("terraform-check.sh", []);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: scripts/terraform-check.sh");
  });
});

describe("scripts/checkov-check.sh failure modes", () => {
  it("fails with a clear message when checkov is missing", () => {
    const r = run("checkov-check.sh", [fakeStack()], { CHECKOV: "/nonexistent/checkov" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("checkov-check: /nonexistent/checkov not found");
  });
  it("fails when the skip list is missing", () => {
    const r = run("checkov-check.sh", [fakeStack()], {
      CHECKOV_SKIPS: "/nonexistent/skips.txt",
      CHECKOV: "/bin/true",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("skip list /nonexistent/skips.txt not found");
  });
});

describe("scripts/plan-review/review.sh", () => {
  it.each([
    [
      "REVIEW_STATE",
      "/nonexistent/terraform.tfstate",
      "review: REVIEW_STATE=/nonexistent/terraform.tfstate: no such file",
    ],
    ["REVIEW_ACK", "/nonexistent/acks.json", "review: REVIEW_ACK=/nonexistent/acks.json: no such file"],
    [
      "REVIEW_BASE_SYNTH",
      "/nonexistent",
      "review: REVIEW_BASE_SYNTH=/nonexistent: no cdk.tf.json there (a stack directory of a base synth)",
    ],
  ])("refuses a %s that is not there, before planning anything", (name, value, message) => {
    const r = spawnSync("bash", [join(ROOT, "scripts", "plan-review", "review.sh"), "dev"], {
      encoding: "utf8",
      env: { ...process.env, [name]: value },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(message);
  });
});

describe("main.ts", () => {
  it("fails synth with one line and exit 2 on a bad environment config (no stack trace)", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "main.ts")], {
      cwd: ROOT, // --import tsx resolves from here; validation fails before anything is written
      encoding: "utf8",
      env: { ...process.env, PIPELINE_PROD_ACCOUNT_ID: "12" },
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('synth failed: config "prod": accountId must be 12 digits, got "12"');
  });
});

describe("scripts/synth-summary.ts", () => {
  const tf = {
    resource: {
      aws_s3_bucket: { a: {}, b: {} },
      aws_kms_key: { k: {} },
      aws_emr_cluster: {
        c: {
          release_label: "emr-7.9.0",
          master_instance_group: { instance_type: "m5.xlarge", instance_count: 1 },
          core_instance_group: { instance_type: "r5.2xlarge", instance_count: 2 },
          auto_termination_policy: { idle_timeout: 1800 },
        },
      },
      aws_emr_instance_group: {
        t: { name: "task-spot", instance_type: "m5.xlarge", instance_count: 0, bid_price: "0.1" },
      },
      aws_vpc_endpoint: {
        s3: { vpc_endpoint_type: "Gateway" },
        glue: { vpc_endpoint_type: "Interface", subnet_ids: ["s1"] },
        kms: { vpc_endpoint_type: "Interface", subnet_ids: ["s1"] },
      },
    },
    output: { region: { value: "eu-west-1" }, emr_cluster_id: { value: "${aws_emr_cluster.c.id}" } },
  };

  it("counts resources by type and lists outputs", () => {
    const s = summarise("pipeline-dev", tf);
    expect(s.resourceCount).toBe(8);
    expect(s.resources).toEqual({
      aws_s3_bucket: 2,
      aws_kms_key: 1,
      aws_emr_cluster: 1,
      aws_emr_instance_group: 1,
      aws_vpc_endpoint: 3,
    });
    expect(s.outputs).toEqual({ region: "eu-west-1", emr_cluster_id: "${aws_emr_cluster.c.id}" });
    expect(s.backend).toBe("local");
  });

  it("prices the on-demand EMR groups (EC2 + EMR uplift), endpoints and keys", () => {
    const notes = summarise("pipeline-dev", tf).costNotes.join("\n");
    // 1 × (0.192 + 0.048) + 2 × (0.504 + 0.126) = 1.50 $/h; spot task group excluded
    expect(notes).toContain("≈ $1.50/h on-demand");
    expect(notes).toContain("auto-terminates after 1800 s idle");
    // 2 endpoints × 1 AZ × 0.01 $/h × 730 h
    expect(notes).toContain("Interface endpoints: 2 × 1 AZ ≈ $14.60/month");
    expect(notes).toContain("No NAT gateway");
    expect(notes).toContain("KMS: 1 CMK(s)");
  });

  it("prices the streaming resources: always-on Kinesis, per-GB Firehose, Lambda, CloudWatch", () => {
    const streaming = {
      resource: {
        aws_kinesis_stream: { s: { stream_mode_details: { stream_mode: "ON_DEMAND" } } },
        aws_kinesis_firehose_delivery_stream: { f: {} },
        aws_lambda_function: { a: {}, b: {} },
        aws_cloudwatch_metric_alarm: { a1: {}, a2: {}, a3: {} },
        aws_cloudwatch_dashboard: { d: {} },
      },
    };
    const notes = summarise("pipeline-dev", streaming).costNotes.join("\n");
    // 0.04 $/stream-hour × 730 h
    expect(notes).toContain("Kinesis (on-demand): ≈ $29.20/month always on");
    expect(notes).toContain(
      "Firehose: $0.029/GB ingested (records round up to 5 KB) + $0.018/GB Parquet conversion",
    );
    expect(notes).toContain("Lambda: 2 function(s)");
    // 3 × 0.10 + 1 × 3
    expect(notes).toContain("CloudWatch: 3 alarm(s) + 1 dashboard(s) ≈ $3.30/month");
    const provisioned = {
      resource: {
        aws_kinesis_stream: { s: { shard_count: 2, stream_mode_details: { stream_mode: "PROVISIONED" } } },
      },
    };
    // 2 shards × 0.015 $/h × 730 h
    expect(summarise("pipeline-dev", provisioned).costNotes.join("\n")).toContain(
      "Kinesis (provisioned, 2 shard(s)): ≈ $21.90/month",
    );
  });

  it("reads <outdir>/stacks/* and fails clearly without them", () => {
    const out = mkdtempSync(join(tmpdir(), "cdktf-out-"));
    expect(() => summariseOutdir(out)).toThrow(
      `no synthesised stacks in ${join(out, "stacks")}: run "npx cdktf synth" first`,
    );
    mkdirSync(join(out, "stacks", "pipeline-dev"), { recursive: true });
    writeFileSync(join(out, "stacks", "pipeline-dev", "cdk.tf.json"), JSON.stringify(tf));
    expect(summariseOutdir(out).map((s) => s.stack)).toEqual(["pipeline-dev"]);
  });
});

describe("scripts/check-prereqs.sh", () => {
  /** A PATH holding only the utilities the script itself runs, plus the given fake tools. */
  function pathWith(tools: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "prereqs-path-"));
    for (const util of ["dirname", "sed", "head", "cut"]) {
      const real = spawnSync(BASH, ["-c", `command -v ${util}`], { encoding: "utf8" }).stdout.trim();
      symlinkSync(real, join(dir, util));
    }
    for (const [name, body] of Object.entries(tools)) {
      writeFileSync(join(dir, name), `#!${BASH}\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    return dir;
  }
  const oldTools = {
    node: "echo 20.5.1",
    java: `echo 'openjdk version "11.0.2" 2019-01-15' >&2`,
  };

  it("passes on this machine, which has everything", () => {
    const r = run("check-prereqs.sh", ["test"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("names every missing or wrong tool for the tests, one line each", () => {
    const r = run("check-prereqs.sh", ["test"], { PATH: pathWith(oldTools) });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      "prereqs: node is 20.5.1; need Node >= 20.6 (node --import, used by cdktf.json and the scripts)",
      "prereqs: java is 11.0.2; need Java 17, the EMR release's (set JAVA_HOME/PATH)",
      expect.stringContaining("prereqs: terraform is not on PATH"),
      "prereqs: curl is not on PATH (the tests call it)",
      "prereqs: unzip is not on PATH (the tests call it)",
      "prereqs: sha256sum is not on PATH (the tests call it)",
    ]);
  });

  it("for the demo, checks Node and Java only; reads Java 8's version form", () => {
    const r = run("check-prereqs.sh", ["demo"], {
      PATH: pathWith({ node: "echo 20.6.0", java: `echo 'java version "1.8.0_292"' >&2` }),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "prereqs: java is 1.8.0_292; need Java 17, the EMR release's (set JAVA_HOME/PATH)\n",
    );
  });

  it("a provider mirror without the aws provider is named", () => {
    const r = run("check-prereqs.sh", ["test"], { TF_PROVIDER_MIRROR: "/nonexistent-mirror" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no hashicorp/aws provider in the filesystem mirror /nonexistent-mirror");
  });

  it("prints usage and exits 2 without demo|test", () => {
    const r = run("check-prereqs.sh", []);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("usage: scripts/check-prereqs.sh demo|test\n");
  });
});
