import { Testing } from "cdktf";
import { STACK_OUTPUTS } from "../constructs/contract/outputs";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ENVIRONMENTS } from "../main";
import {
  REGION,
  Synth,
  asArray,
  envConfig,
  only,
  policyDocuments,
  resources,
  synthStack,
} from "./support/infra";

function stackFor(envName: "dev" | "prod") {
  const app = Testing.app();
  const config = ENVIRONMENTS.find((e) => e.envName === envName)!;
  const stack = new PipelineStack(app, `pipeline-${envName}`, config);
  return { stack, config, ...synthStack(stack) };
}

const dev = stackFor("dev");
const prod = stackFor("prod");

describe.each([
  ["dev", dev],
  ["prod", prod],
])("PipelineStack %s", (envName, s) => {
  const tf: Synth = s.tf;

  it("has exactly the 12 contract outputs with static ids; URIs end with '/'", () => {
    expect(Object.keys(tf.output ?? {}).sort()).toEqual([...STACK_OUTPUTS].sort());
    const bucket = `bdp-${envName}-lake-${s.config.accountId}-${s.config.region}`;
    const o = (k: string) => tf.output![k].value;
    expect(o("region")).toBe(s.config.region);
    expect(o("scripts_uri")).toBe(`s3://${bucket}/scripts/`);
    expect(o("raw_events_uri")).toBe(`s3://${bucket}/streaming-data/`);
    expect(o("processed_uri")).toBe(`s3://${bucket}/processed-data/`);
    expect(o("emr_log_uri")).toBe(`s3://${bucket}/emr-logs/`);
    expect(o("kinesis_stream_name")).toBe(`bdp-${envName}-events`);
    expect(o("firehose_stream_name")).toBe(`bdp-${envName}-events-to-lake`);
    expect(o("dashboard_name")).toBe(`bdp-${envName}-pipeline`);
    expect(o("emr_cluster_id")).toMatch(/^\$\{aws_emr_cluster\..*\.id\}$/);
    expect(o("alarm_topic_arn")).toMatch(/^\$\{aws_sns_topic\..*\.arn\}$/);
    expect(o("glue_database_name")).toBe(`bdp_${envName}_lake`);
    expect(o("lake_bucket_name")).toBe(bucket);
  });

  it("sets provider default tags Project, Environment, ManagedBy", () => {
    const provider = (tf.provider!.aws as Record<string, unknown>[])[0];
    expect(provider.region).toBe(s.config.region);
    expect(provider.default_tags).toEqual([
      { tags: { Project: "aws-bigdata-pipeline", Environment: envName, ManagedBy: "cdktf" } },
    ]);
  });

  it("no IAM/resource policy statement allows a '*' action, or '*' resources outside KMS key policies", () => {
    const docs = policyDocuments(tf);
    expect(docs.length).toBeGreaterThan(10);
    for (const { where, doc } of docs) {
      for (const st of asArray(doc.Statement) as Record<string, unknown>[]) {
        if (st.Effect !== "Allow") continue;
        for (const a of asArray(st.Action)) {
          expect(`${where}: ${a}`).not.toMatch(/: (\*|[a-z0-9-]+:\*)$/);
        }
        if (!where.startsWith("aws_kms_key.")) {
          expect(`${where}: ${JSON.stringify(st.Resource ?? null)}`).not.toMatch(/"\*"/);
        }
        expect(`${where}: ${JSON.stringify(st.Principal ?? null)}`).not.toMatch(/: "\*"$/);
      }
    }
  });

  it("opens nothing to 0.0.0.0/0", () => {
    expect(s.json).not.toContain("0.0.0.0/0");
    expect(s.json).not.toContain("::/0");
  });

  it("creates the lake, catalog, network, cluster and monitoring", () => {
    for (const type of [
      "aws_s3_bucket",
      "aws_kms_key",
      "aws_glue_catalog_table",
      "aws_vpc",
      "aws_emr_cluster",
      "aws_emr_security_configuration",
      "aws_emr_block_public_access_configuration",
      "aws_emr_managed_scaling_policy",
      "aws_sns_topic",
      "aws_cloudwatch_dashboard",
      "aws_cloudwatch_event_rule",
      "aws_cloudwatch_metric_alarm",
    ]) {
      expect(`${type}: ${Object.keys(resources(tf, type)).length > 0}`).toBe(`${type}: true`);
    }
    for (const a of Object.values(resources(tf, "aws_cloudwatch_metric_alarm"))) {
      expect(a.actions_enabled).toBe(true);
      expect(asArray(a.alarm_actions)).toHaveLength(1);
    }
  });

  it("keeps local state when no remote backend is configured", () => {
    // Testing.synth omits cdktf's implicit local backend; what matters is that no S3 backend appears.
    const backend = (tf.terraform as { backend?: Record<string, unknown> }).backend ?? {};
    expect(backend.s3).toBeUndefined();
  });
});

describe("PipelineStack environments differ as configured", () => {
  it("prod protects buckets and keys from destroy and turns on termination protection; dev can be torn down", () => {
    for (const b of Object.values(resources(prod.tf, "aws_s3_bucket"))) {
      expect(b.lifecycle).toEqual({ prevent_destroy: true });
      expect(b.force_destroy).toBe(false);
    }
    expect(only(prod.tf, "aws_emr_cluster").termination_protection).toBe(true);
    for (const b of Object.values(resources(dev.tf, "aws_s3_bucket"))) {
      expect(b.lifecycle).toBeUndefined();
      expect(b.force_destroy).toBe(true);
    }
    expect(only(dev.tf, "aws_emr_cluster").termination_protection).toBe(false);
  });

  it("sizes the clusters from the config", () => {
    expect(only(dev.tf, "aws_emr_cluster").core_instance_group).toMatchObject({ instance_count: 1 });
    expect(only(prod.tf, "aws_emr_cluster").core_instance_group).toMatchObject({
      instance_type: "r5.2xlarge",
      instance_count: 2,
    });
  });
});

describe("PipelineStack remote backend", () => {
  it("uses S3 with use_lockfile and encryption when configured", () => {
    const app = Testing.app();
    const stack = new PipelineStack(
      app,
      "pipeline-dev",
      envConfig({ remoteBackend: { bucket: "acme-tf-state", kmsKeyId: "alias/tf-state" } }),
    );
    const backend = (synthStack(stack).tf.terraform as { backend: Record<string, Record<string, unknown>> })
      .backend;
    expect(backend.s3).toEqual({
      bucket: "acme-tf-state",
      key: "bdp/pipeline-dev.tfstate",
      region: REGION,
      encrypt: true,
      kms_key_id: "alias/tf-state",
      use_lockfile: true,
    });
    expect(backend.local).toBeUndefined();
  });

  it("fails with the config message for an invalid config", () => {
    expect(() => new PipelineStack(Testing.app(), "pipeline-x", envConfig({ accountId: "x" }))).toThrow(
      'config "dev": accountId must be 12 digits, got "x"',
    );
  });
});
