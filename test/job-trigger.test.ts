import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobTrigger, type JobTriggerProps } from "../constructs/job-trigger";
import { Monitoring } from "../constructs/monitoring";
import { helperZip } from "../constructs/contract/job-package";
import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../main";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ACCOUNT, REGION, byId, devLake, only, resources, synth, synthStack } from "./support/infra";

const BUNDLE = mkdtempSync(join(tmpdir(), "trigger-bundle-"));
writeFileSync(join(BUNDLE, "index.js"), "exports.handler = async () => ({ batchItemFailures: [] });\n");
const BUCKET = `bdp-dev-lake-${ACCOUNT}-${REGION}`;
const JOBS = join(__dirname, "..", "jobs");
const CLUSTER = {
  clusterId: "j-ABCDEF",
  clusterArn: `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-ABCDEF`,
};

function trigger(extra: Partial<JobTriggerProps> = {}, withMonitoring = false) {
  return synth((s) => {
    const lake = devLake(s);
    const monitoring = withMonitoring
      ? new Monitoring(s, "monitoring", { accountId: ACCOUNT, region: REGION, name: "bdp-dev" })
      : undefined;
    new JobTrigger(s, "trigger", {
      accountId: ACCOUNT,
      region: REGION,
      name: "bdp-dev",
      lake,
      cluster: CLUSTER,
      monitoring,
      triggerBundleDir: BUNDLE,
      ...extra,
    });
  }).tf;
}

/** Expected key segment, computed here from the files (not by the construct's helper). */
function expectedHash(jobsDir: string): string {
  const script = readFileSync(join(jobsDir, "streaming_processor.py"));
  const zip = helperZip(jobsDir, script.toString("utf8"));
  const h = createHash("sha256").update(script);
  if (zip) h.update(zip.data);
  return h.digest("hex").slice(0, 12);
}

describe("JobTrigger defaults", () => {
  const tf = trigger();
  const hash = expectedHash(JOBS);
  const prefix = `scripts/streaming-processor/${hash}/`;

  it("uploads the processor and its jobs/common zip under content-hashed keys, KMS-encrypted", () => {
    const objects = Object.values(resources(tf, "aws_s3_object"));
    expect(objects.map((o) => o.key).sort()).toEqual([
      `${prefix}common.zip`,
      `${prefix}streaming_processor.py`,
    ]);
    for (const o of objects) {
      expect(o).toMatchObject({ bucket: BUCKET, server_side_encryption: "aws:kms" });
      expect(String(o.source)).toMatch(/^assets\//);
    }
  });

  it("the zip holds the common package the script imports", () => {
    const zip = helperZip(JOBS, readFileSync(join(JOBS, "streaming_processor.py"), "utf8"));
    expect(zip?.files).toEqual(expect.arrayContaining(["common/__init__.py", "common/cli.py"]));
  });

  it("gives the Lambda the four documented variables plus the py-files URI, encrypted", () => {
    const fn = only(tf, "aws_lambda_function");
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      EMR_CLUSTER_ID: "j-ABCDEF",
      STREAMING_SCRIPT_URI: `s3://${BUCKET}/${prefix}streaming_processor.py`,
      STREAMING_PY_FILES_URI: `s3://${BUCKET}/${prefix}common.zip`,
      RAW_EVENTS_URI: `s3://${BUCKET}/streaming-data/`,
      PROCESSED_URI: `s3://${BUCKET}/processed-data/`,
    });
    expect(fn).toMatchObject({
      reserved_concurrent_executions: 1,
      tracing_config: { mode: "Active" },
      function_name: "bdp-dev-emr-trigger",
    });
    expect(String(fn.kms_key_arn)).toMatch(/aws_kms_key\.trigger_kms_key_.*\.arn/);
    expect(String((fn.dead_letter_config as Record<string, string>).target_arn)).toMatch(
      /aws_sqs_queue\.trigger_dlq_.*\.arn/,
    );
  });

  it("routes streaming-data/ ObjectCreated events to a KMS queue with a DLQ and a batching window", () => {
    const notification = byId(tf, "aws_s3_bucket_notification", "lake_bucket-notifications");
    expect(notification.eventbridge).toBe(true);
    expect(notification.queue).toEqual([
      expect.objectContaining({
        events: ["s3:ObjectCreated:*"],
        filter_prefix: "streaming-data/",
        id: "streaming-data-to-trigger",
      }),
    ]);
    expect(
      (notification.depends_on as string[]).some((d) =>
        d.startsWith("aws_sqs_queue_policy.trigger_queue-policy_"),
      ),
    ).toBe(true);
    const queues = Object.values(resources(tf, "aws_sqs_queue"));
    for (const q of queues) expect(String(q.kms_master_key_id)).toMatch(/aws_kms_key\.trigger_kms_key_/);
    const main = queues.find((q) => q.name === "bdp-dev-streaming-trigger")!;
    expect(JSON.parse(main.redrive_policy as string)).toMatchObject({ maxReceiveCount: 10 });
    expect(main.visibility_timeout_seconds).toBe(6 * 60 + 60);
    expect(only(tf, "aws_lambda_event_source_mapping")).toMatchObject({
      batch_size: 100,
      maximum_batching_window_in_seconds: 60,
      function_response_types: ["ReportBatchItemFailures"],
    });
    const qp = JSON.parse(only(tf, "aws_sqs_queue_policy").policy as string).Statement[0];
    expect(qp).toMatchObject({
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Condition: {
        StringEquals: { "aws:SourceAccount": ACCOUNT },
        ArnLike: { "aws:SourceArn": `arn:aws:s3:::${BUCKET}` },
      },
    });
  });

  it("limits EMR permissions to the two step calls the handler makes, on the cluster ARN", () => {
    const policy = Object.values(resources(tf, "aws_iam_role_policy")).find((p) => p.name === "emr-trigger")!;
    const stmts = JSON.parse(policy.policy as string).Statement as Array<Record<string, unknown>>;
    const emr = stmts.filter((s) => JSON.stringify(s.Action).includes("elasticmapreduce"));
    expect(emr).toEqual([
      {
        Sid: "StepsOnTheCluster",
        Effect: "Allow",
        Action: ["elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:ListSteps"],
        Resource: CLUSTER.clusterArn,
      },
    ]);
    for (const s of stmts) expect(s.Resource).not.toBe("*");
  });
});

describe("JobTrigger overrides and monitoring", () => {
  it("takes a batching window and a jobs dir; the key follows the content", () => {
    const dir = mkdtempSync(join(tmpdir(), "jobs-"));
    mkdirSync(join(dir, "common"));
    writeFileSync(join(dir, "common", "__init__.py"), "");
    writeFileSync(join(dir, "streaming_processor.py"), "from common import x\n");
    const hashA = expectedHash(dir);
    const a = trigger({ jobsDir: dir, batchWindowSeconds: 10 });
    expect(only(a, "aws_lambda_event_source_mapping").maximum_batching_window_in_seconds).toBe(10);
    const keyA = Object.values(resources(a, "aws_s3_object")).map((o) => o.key as string);
    expect(keyA.sort()).toEqual([
      `scripts/streaming-processor/${hashA}/common.zip`,
      `scripts/streaming-processor/${hashA}/streaming_processor.py`,
    ]);
    writeFileSync(join(dir, "streaming_processor.py"), "from common import y\n");
    const hashB = expectedHash(dir);
    expect(hashB).not.toBe(hashA);
    const keyB = Object.values(resources(trigger({ jobsDir: dir }), "aws_s3_object")).map(
      (o) => o.key as string,
    );
    expect(keyB.sort()).toEqual([
      `scripts/streaming-processor/${hashB}/common.zip`,
      `scripts/streaming-processor/${hashB}/streaming_processor.py`,
    ]);
    expect(keyA.sort()).not.toEqual(keyB.sort());
  });

  it("uploads no zip and passes no py-files URI when the processor imports no helper package", () => {
    const dir = mkdtempSync(join(tmpdir(), "jobs-"));
    writeFileSync(join(dir, "streaming_processor.py"), "import json\n");
    const tf = trigger({ jobsDir: dir });
    const keys = Object.values(resources(tf, "aws_s3_object")).map((o) => o.key as string);
    expect(keys).toEqual([`scripts/streaming-processor/${expectedHash(dir)}/streaming_processor.py`]);
    const env = (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> })
      .variables;
    expect(env.STREAMING_PY_FILES_URI).toBeUndefined();
    expect(Object.keys(env).sort()).toEqual([
      "EMR_CLUSTER_ID",
      "PROCESSED_URI",
      "RAW_EVENTS_URI",
      "STREAMING_SCRIPT_URI",
    ]);
  });

  it("adds Lambda and DLQ-depth alarms routed to the topic", () => {
    const alarms = Object.values(resources(trigger({}, true), "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual(
      ["emr-trigger-dlq-depth", "emr-trigger-duration", "emr-trigger-errors", "emr-trigger-throttles"].map(
        (n) => `bdp-dev-${n}`,
      ),
    );
    const dlq = alarms.find((a) => a.alarm_name === "bdp-dev-emr-trigger-dlq-depth")!;
    expect(dlq).toMatchObject({
      namespace: "AWS/SQS",
      dimensions: { QueueName: "bdp-dev-streaming-trigger-dlq" },
      threshold: 0,
    });
  });
});

describe("JobTrigger with the processor's requirements", () => {
  /** A jobs dir whose processor has requirements, and a stand-in for their packed environment. */
  function withRequirements(text = "ujson==5.10.0\n") {
    const dir = mkdtempSync(join(tmpdir(), "jobs-req-"));
    writeFileSync(join(dir, "streaming_processor.py"), "import ujson\n");
    mkdirSync(join(dir, "requirements"));
    writeFileSync(join(dir, "requirements", "streaming-processor.txt"), text);
    const pex = join(dir, "built.pex");
    writeFileSync(pex, "a stand-in PEX\n");
    return {
      dir,
      env: { path: pex, hash: "0123456789ab", requirements: "jobs/requirements/streaming-processor.txt" },
    };
  }

  it("uploads the packed environment to submit-job's key; every step names it", () => {
    const { dir, env } = withRequirements();
    const tf = trigger({ jobsDir: dir, pythonEnv: env });
    const key = "scripts/_pyenvs/0123456789ab/pyenv.pex";
    const objects = resources(tf, "aws_s3_object");
    const pexObject = Object.entries(objects).find(([, o]) => o.key === key);
    expect(pexObject?.[1]).toMatchObject({ bucket: BUCKET, server_side_encryption: "aws:kms" });
    expect(String(pexObject?.[1].source)).toMatch(/^assets\//);
    const vars = (only(tf, "aws_lambda_function").environment as { variables: Record<string, string> })
      .variables;
    expect(vars.STREAMING_PYTHON_ENV_URI).toBe(`s3://${BUCKET}/${key}`);
    // No step may start before the environment is there.
    expect(only(tf, "aws_lambda_event_source_mapping").depends_on).toContain(
      `aws_s3_object.${pexObject?.[0]}`,
    );
  });

  it("refuses requirements without their environment, and an environment without requirements", () => {
    const { dir, env } = withRequirements();
    expect(() => trigger({ jobsDir: dir })).toThrow(
      `JobTrigger: ${join(dir, "requirements", "streaming-processor.txt")} gives streaming-processor requirements, but no packed environment was passed for its steps`,
    );
    const none = withRequirements("# nothing pinned yet\n\n");
    expect(() => trigger({ jobsDir: none.dir })).not.toThrow();
    expect(() => trigger({ jobsDir: none.dir, pythonEnv: env })).toThrow(
      `JobTrigger: a packed environment (jobs/requirements/streaming-processor.txt) was passed, but streaming-processor has no requirements in ${none.dir}`,
    );
  });
});

describe("JobTrigger validation", () => {
  it("fails when batchWindowSeconds is out of range", () => {
    expect(() => trigger({ batchWindowSeconds: 301 })).toThrow(
      "JobTrigger: batchWindowSeconds must be an integer between 0 and 300, got 301",
    );
  });
  it("fails when the processor script is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "empty-jobs-"));
    expect(() => trigger({ jobsDir: dir })).toThrow(
      `JobTrigger: ${join(dir, "streaming_processor.py")} not found; set jobsDir`,
    );
  });
  it("fails with the fix when the trigger bundle was not built", () => {
    expect(() => trigger({ triggerBundleDir: join(tmpdir(), "no-bundle-here") })).toThrow(
      /index\.js not found; run npm run build/,
    );
  });
});

describe("streaming wiring in PipelineStack", () => {
  // Uses the real bundles (dist/lambda/*): `make test` builds before jest.
  const stackTf = (envName: "dev" | "prod") => {
    const app = Testing.app();
    const config = ENVIRONMENTS.find((e) => e.envName === envName)!;
    return synthStack(new PipelineStack(app, `pipeline-${envName}`, config)).tf;
  };

  it.each([
    ["dev", 24],
    ["prod", 168],
  ] as const)("%s: stream retention %i h, outputs name the stream and delivery stream", (envName, hours) => {
    const tf = stackTf(envName);
    const stream = only(tf, "aws_kinesis_stream");
    expect(stream.retention_period).toBe(hours);
    expect(tf.output?.kinesis_stream_name.value).toBe(stream.name);
    expect(tf.output?.firehose_stream_name.value).toBe(only(tf, "aws_kinesis_firehose_delivery_stream").name);
  });

  it("points the trigger at the stack's cluster and lake", () => {
    const tf = stackTf("dev");
    const trig = Object.values(resources(tf, "aws_lambda_function")).find((f) =>
      String(f.function_name).endsWith("-emr-trigger"),
    )!;
    const vars = (trig.environment as { variables: Record<string, string> }).variables;
    expect(vars.EMR_CLUSTER_ID).toMatch(/aws_emr_cluster\.spark_cluster_.*\.id/);
    expect(vars.RAW_EVENTS_URI).toBe(tf.output?.raw_events_uri.value);
    expect(vars.PROCESSED_URI).toBe(tf.output?.processed_uri.value);
    const policy = Object.values(resources(tf, "aws_iam_role_policy")).find((p) => p.name === "emr-trigger")!;
    expect(JSON.stringify(JSON.parse(policy.policy as string).Statement[0].Resource)).toMatch(
      /aws_emr_cluster\.spark_cluster_.*\.arn/,
    );
  });
});
