import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Monitoring } from "../constructs/monitoring";
import { StreamingIngest, type StreamingIngestProps } from "../constructs/streaming-ingest";
import { lambdaPackage } from "../constructs/bundled-lambda";
import { ACCOUNT, REGION, devLakeAndCatalog, only, resources, role, synth } from "./support/infra";

/** A stand-in bundle so these tests do not depend on `npm run build` having run. */
const BUNDLE = mkdtempSync(join(tmpdir(), "fh-bundle-"));
writeFileSync(join(BUNDLE, "index.js"), "exports.handler = async () => ({ records: [] });\n");
const BUCKET = `bdp-dev-lake-${ACCOUNT}-${REGION}`;

function ingest(extra: Partial<StreamingIngestProps> = {}, withMonitoring = false, producer = false) {
  return synth((s) => {
    const { lake, catalog } = devLakeAndCatalog(s);
    const monitoring = withMonitoring
      ? new Monitoring(s, "monitoring", { accountId: ACCOUNT, region: REGION, name: "bdp-dev" })
      : undefined;
    const si = new StreamingIngest(s, "streaming", {
      accountId: ACCOUNT,
      region: REGION,
      name: "bdp-dev",
      lake,
      catalog,
      monitoring,
      transformBundleDir: BUNDLE,
      ...extra,
    });
    if (producer) si.grantPut(role(s, "producer"));
  });
}

const policyOf = (p: Record<string, unknown>) =>
  JSON.parse(p.policy as string) as { Statement: Array<Record<string, unknown>> };

describe("StreamingIngest defaults", () => {
  const { json, tf } = ingest();
  const firehose = only(tf, "aws_kinesis_firehose_delivery_stream");
  const s3 = (firehose.extended_s3_configuration as Record<string, unknown>) ?? {};

  it("creates an on-demand Kinesis stream encrypted with its own CMK, 24 h retention", () => {
    expect(
      Testing.toHaveResourceWithProperties(json, KinesisStream.tfResourceType, {
        name: "bdp-dev-events",
        stream_mode_details: { stream_mode: "ON_DEMAND" },
        retention_period: 24,
        encryption_type: "KMS",
      }),
    ).toBe(true);
    expect(only(tf, "aws_kinesis_stream").shard_count).toBeUndefined();
  });

  it("delivers from the stream through the transform Lambda to Parquet with the Glue schema", () => {
    expect(firehose.destination).toBe("extended_s3");
    expect((firehose.kinesis_source_configuration as Record<string, unknown>).kinesis_stream_arn).toMatch(
      /aws_kinesis_stream\.streaming_stream_.*\.arn/,
    );
    expect(s3.bucket_arn).toBe(`arn:aws:s3:::${BUCKET}`);
    expect(s3.prefix).toBe(
      "streaming-data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
    );
    expect(s3.error_output_prefix).toBe(
      "streaming-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
    );
    expect(s3.buffering_size).toBe(128);
    expect(s3.buffering_interval).toBe(300);
    expect(s3.compression_format).toBe("UNCOMPRESSED");
    const conv = s3.data_format_conversion_configuration as Record<string, Record<string, unknown>>;
    expect(conv.enabled).toBe(true);
    expect(conv.input_format_configuration).toEqual({ deserializer: { open_x_json_ser_de: {} } });
    expect(conv.output_format_configuration).toEqual({
      serializer: { parquet_ser_de: { compression: "SNAPPY" } },
    });
    expect(conv.schema_configuration).toMatchObject({ region: REGION, version_id: "LATEST" });
    expect(String(conv.schema_configuration.table_name)).toMatch(
      /aws_glue_catalog_table\.catalog_events_.*\.name/,
    );
    const proc = (
      s3.processing_configuration as {
        processors: Array<{
          type: string;
          parameters: Array<{ parameter_name: string; parameter_value: string }>;
        }>;
      }
    ).processors[0];
    expect(proc.type).toBe("Lambda");
    expect(proc.parameters.find((p) => p.parameter_name === "LambdaArn")?.parameter_value).toMatch(
      /aws_lambda_function\.streaming_transform_fn_.*\.arn}:\$LATEST/,
    );
    expect(s3.cloudwatch_logging_options).toMatchObject({
      enabled: true,
      log_stream_name: expect.any(String),
    });
  });

  it("deploys the transform from the bundle with tracing, reserved concurrency and no env vars", () => {
    const fn = only(tf, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "bdp-dev-firehose-transform",
      handler: "index.handler",
      runtime: "nodejs22.x",
      tracing_config: { mode: "Active" },
      reserved_concurrent_executions: 50,
      timeout: 60,
    });
    expect(fn.environment).toBeUndefined();
  });

  it("packages the bundle as a deterministic zip whose base64 SHA-256 is the source_code_hash", () => {
    const fn = only(tf, "aws_lambda_function");
    const pkg = lambdaPackage(BUNDLE);
    expect(fn.source_code_hash).toBe(createHash("sha256").update(readFileSync(pkg.path)).digest("base64"));
    // Same bundle → same bytes (no timestamps), so an unchanged function never shows in a plan.
    expect(lambdaPackage(BUNDLE)).toEqual(pkg);
    const listing = execFileSync(join(__dirname, "..", ".venv", "bin", "python"), [
      "-c",
      "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print(z.testzip(), z.namelist(), z.read('index.js').decode(), end='')",
      pkg.path,
    ]).toString();
    expect(listing).toBe(`None ['index.js'] ${readFileSync(join(BUNDLE, "index.js"), "utf8")}`);
  });

  it("encrypts both log groups with the streaming key and keeps them a year", () => {
    for (const lg of Object.values(resources(tf, "aws_cloudwatch_log_group"))) {
      expect(lg.retention_in_days).toBe(365);
      expect(String(lg.kms_key_id)).toMatch(/aws_kms_key\.streaming_kms_key_.*\.arn/);
    }
    expect(
      Object.values(resources(tf, "aws_cloudwatch_log_group"))
        .map((l) => l.name)
        .sort(),
    ).toEqual(["/aws/kinesisfirehose/bdp-dev-events-to-lake", "/aws/lambda/bdp-dev-firehose-transform"]);
  });

  it("trusts only this account's delivery stream (confused deputy)", () => {
    const role = Object.values(resources(tf, "aws_iam_role")).find((r) => r.name === "bdp-dev-firehose")!;
    const stmt = JSON.parse(role.assume_role_policy as string).Statement[0];
    expect(stmt.Principal).toEqual({ Service: "firehose.amazonaws.com" });
    expect(stmt.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: {
        "aws:SourceArn": `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/bdp-dev-events-to-lake`,
      },
    });
  });

  it("gives the Firehose role least privilege: its stream, its function, the table, the two prefixes", () => {
    const policies = Object.values(resources(tf, "aws_iam_role_policy"));
    const delivery = policyOf(policies.find((p) => p.name === "firehose-delivery")!);
    const bySid = Object.fromEntries(delivery.Statement.map((s) => [s.Sid, s]));
    expect(bySid.ReadStream.Resource).toBe(`arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/bdp-dev-events`);
    expect(bySid.InvokeTransform.Resource).toEqual([
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:bdp-dev-firehose-transform`,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:bdp-dev-firehose-transform:*`,
    ]);
    expect(bySid.ReadTableSchema.Action).toEqual([
      "glue:GetTable",
      "glue:GetTableVersion",
      "glue:GetTableVersions",
    ]);
    expect(bySid.ReadTableSchema.Resource).toContain(
      `arn:aws:glue:${REGION}:${ACCOUNT}:table/bdp_dev_lake/events`,
    );
    for (const s of delivery.Statement) {
      expect(s.Resource).not.toBe("*");
      expect(JSON.stringify(s.Action)).not.toContain("*");
    }
    const s3Objects = policies
      .filter((p) => String(p.name).startsWith("lake-write-firehose-role"))
      .map((p) => policyOf(p).Statement.find((s) => s.Sid === "Objects")!.Resource)
      .sort();
    expect(s3Objects).toEqual([
      // DataLake's grants also cover the `<prefix>_$folder$` marker keys, hence no "/" before "*".
      `arn:aws:s3:::${BUCKET}/streaming-data*`,
      `arn:aws:s3:::${BUCKET}/streaming-errors*`,
    ]);
  });
});

describe("StreamingIngest overrides", () => {
  it("uses provisioned shards and longer retention when asked", () => {
    const tf = ingest({ streamMode: "PROVISIONED", shardCount: 4, retentionHours: 168 }).tf;
    expect(only(tf, "aws_kinesis_stream")).toMatchObject({
      shard_count: 4,
      retention_period: 168,
      stream_mode_details: { stream_mode: "PROVISIONED" },
    });
  });
  it("takes buffering overrides within the format-conversion limits", () => {
    const tf = ingest({ bufferingSizeMb: 64, bufferingIntervalSeconds: 60 }).tf;
    expect(
      only(tf, "aws_kinesis_firehose_delivery_stream").extended_s3_configuration as Record<string, unknown>,
    ).toMatchObject({ buffering_size: 64, buffering_interval: 60 });
  });
  it("adds Kinesis, Firehose and Lambda alarms routed to the topic when given monitoring", () => {
    const tf = ingest({}, true).tf;
    const alarms = Object.values(resources(tf, "aws_cloudwatch_metric_alarm"));
    const names = alarms.map((a) => a.alarm_name).sort();
    expect(names).toEqual(
      [
        "kinesis-iterator-age",
        "kinesis-write-throttled",
        "kinesis-read-throttled",
        "kinesis-putrecords-failed",
        "firehose-data-freshness",
        "firehose-delivery-success",
        "firehose-throttled",
        "firehose-processing-failed",
        "firehose-conversion-failed",
        "firehose-transform-errors",
        "firehose-transform-throttles",
        "firehose-transform-duration",
      ]
        .map((n) => `bdp-dev-${n}`)
        .sort(),
    );
    for (const a of alarms) {
      expect(a.actions_enabled).toBe(true);
      expect(String((a.alarm_actions as string[])[0])).toMatch(/aws_sns_topic\.monitoring_topic_.*\.arn/);
    }
    const freshness = alarms.find((a) => a.alarm_name === "bdp-dev-firehose-data-freshness")!;
    expect(freshness.threshold).toBe(300 + 60 + 600);
    const dashboard = JSON.parse(only(tf, "aws_cloudwatch_dashboard").dashboard_body as string);
    const text = JSON.stringify(dashboard);
    for (const metric of [
      "GetRecords.IteratorAgeMilliseconds",
      "DeliveryToS3.DataFreshness",
      "ExecuteProcessing.Success",
      "Duration",
    ]) {
      expect(text).toContain(metric);
    }
  });
});

describe("StreamingIngest.grantPut", () => {
  it("lets a producer put records on this stream and use its key, nothing more", () => {
    const tf = ingest({}, false, true).tf;
    const p = Object.values(resources(tf, "aws_iam_role_policy")).find(
      (x) => x.name === "kinesis-put-bdp-dev-events",
    )!;
    const doc = policyOf(p);
    expect(doc.Statement[0]).toMatchObject({
      Action: ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"],
      Resource: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/bdp-dev-events`,
    });
    expect(doc.Statement[1].Action).toEqual(["kms:GenerateDataKey"]);
    expect(String(doc.Statement[1].Resource)).toMatch(/aws_kms_key\.streaming_kms_key_.*\.arn/);
  });
});

describe("StreamingIngest validation", () => {
  it.each<[Partial<StreamingIngestProps>, string]>([
    [
      { streamMode: "PROVISIONED" },
      "StreamingIngest: shardCount (streamMode PROVISIONED) must be an integer ≥ 1, got undefined",
    ],
    [{ shardCount: 2 }, "StreamingIngest: shardCount is only valid with streamMode PROVISIONED, got 2"],
    [
      { retentionHours: 12 },
      "StreamingIngest: retentionHours must be an integer between 24 and 8760, got 12",
    ],
    [
      { bufferingSizeMb: 32 },
      "StreamingIngest: bufferingSizeMb must be an integer between 64 and 128, got 32",
    ],
    [
      { bufferingIntervalSeconds: 1200 },
      "StreamingIngest: bufferingIntervalSeconds must be an integer between 0 and 900, got 1200",
    ],
  ])("fails when %p", (props, message) => {
    expect(() => ingest(props)).toThrow(message);
  });
  it("fails with the fix when the transform bundle was not built", () => {
    expect(() => ingest({ transformBundleDir: join(tmpdir(), "no-such-bundle") })).toThrow(
      /index\.js not found; run npm run build/,
    );
  });
});
