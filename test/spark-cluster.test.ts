import { Construct } from "constructs";
import { validateConfig } from "../constructs/config";
import { Network } from "../constructs/network";
import { SparkCluster, SparkClusterProps, securityConfigurationDocument } from "../constructs/spark-cluster";
import {
  ACCOUNT,
  REGION,
  asArray,
  byId,
  devLakeAndCatalog,
  envConfig,
  only,
  resources,
  synth,
} from "./support/infra";

type Extra = Partial<Omit<SparkClusterProps, "lake" | "catalog" | "network">>;

function build(s: Construct, extra: Extra = {}): SparkCluster {
  const { lake, catalog } = devLakeAndCatalog(s);
  const network = new Network(s, "network", {
    region: REGION,
    name: "bdp-dev",
    config: { mode: "create" },
    lake,
  });
  return new SparkCluster(s, "spark", {
    accountId: ACCOUNT,
    region: REGION,
    name: "bdp-dev",
    lake,
    catalog,
    network,
    ...extra,
  });
}

function cluster(extra: Extra = {}) {
  let c: SparkCluster | undefined;
  const { tf } = synth((s) => {
    c = build(s, extra);
  });
  return { tf, c: c! };
}

describe("SparkCluster defaults", () => {
  const { tf, c } = cluster();
  const emr = only(tf, "aws_emr_cluster");

  it("runs emr-7.9.0 with Hadoop, Spark and Hive, logging to emr-logs/ with the lake key", () => {
    expect(emr.release_label).toBe("emr-7.9.0");
    expect(emr.applications).toEqual(["Hadoop", "Spark", "Hive"]);
    expect(emr.log_uri).toBe(`s3://bdp-dev-lake-${ACCOUNT}-${REGION}/emr-logs/`);
    expect(c.logUri).toBe(emr.log_uri);
    expect(emr.log_encryption_kms_key_id).toMatch(/aws_kms_key\.lake_kms_key_/);
  });

  it("has on-demand master + core groups, auto-termination and a security configuration", () => {
    expect(emr.master_instance_group).toMatchObject({ instance_type: "m5.xlarge", instance_count: 1 });
    expect(emr.core_instance_group).toMatchObject({ instance_type: "m5.xlarge", instance_count: 2 });
    expect((emr.core_instance_group as Record<string, unknown>).bid_price).toBeUndefined();
    expect(emr.auto_termination_policy).toEqual({ idle_timeout: 3600 });
    expect(emr.security_configuration).toMatch(/aws_emr_security_configuration\..*\.name/);
    expect(emr.termination_protection).toBe(false);
  });

  it("runs in the first private subnet with the three EMR-managed security groups", () => {
    const ec2 = emr.ec2_attributes as Record<string, string>;
    expect(ec2.subnet_id).toMatch(/aws_subnet\.network_private-0_/);
    expect(ec2.emr_managed_master_security_group).toMatch(/aws_security_group\.spark_master-sg_/);
    expect(ec2.emr_managed_slave_security_group).toMatch(/aws_security_group\.spark_core-sg_/);
    expect(ec2.service_access_security_group).toMatch(/aws_security_group\.spark_service-sg_/);
    expect(ec2.instance_profile).toMatch(/aws_iam_instance_profile\./);
  });

  it("configures AQE, Kryo, snappy and the Glue Data Catalog as metastore", () => {
    const conf = JSON.parse(emr.configurations_json as string) as {
      Classification: string;
      Properties: Record<string, string>;
    }[];
    const by = Object.fromEntries(conf.map((c) => [c.Classification, c.Properties]));
    expect(by["spark-defaults"]).toMatchObject({
      "spark.sql.adaptive.enabled": "true",
      "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
      "spark.sql.parquet.compression.codec": "snappy",
    });
    const factory = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory";
    expect(by["spark-hive-site"]["hive.metastore.client.factory.class"]).toBe(factory);
    expect(by["hive-site"]["hive.metastore.client.factory.class"]).toBe(factory);
  });

  it("adds a spot task group and managed scaling that keeps core on-demand", () => {
    expect(only(tf, "aws_emr_instance_group")).toMatchObject({
      name: "task-spot",
      instance_count: 0,
      bid_price: "0.192",
    });
    expect(only(tf, "aws_emr_managed_scaling_policy").compute_limits).toEqual([
      {
        unit_type: "Instances",
        minimum_capacity_units: 2,
        maximum_capacity_units: 6,
        maximum_core_capacity_units: 2,
        maximum_ondemand_capacity_units: 2,
      },
    ]);
  });

  it("encrypts S3 (SSE-KMS), local disks and EBS with the lake key and requires IMDSv2", () => {
    const cfg = JSON.parse(only(tf, "aws_emr_security_configuration").configuration as string);
    const enc = cfg.EncryptionConfiguration;
    expect(enc.EnableAtRestEncryption).toBe(true);
    expect(enc.EnableInTransitEncryption).toBe(false);
    expect(enc.AtRestEncryptionConfiguration.S3EncryptionConfiguration.EncryptionMode).toBe("SSE-KMS");
    expect(enc.AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration).toMatchObject({
      EncryptionKeyProviderType: "AwsKms",
      EnableEbsEncryption: true,
    });
    expect(cfg.InstanceMetadataServiceConfiguration).toEqual({
      MinimumInstanceMetadataServiceVersion: 2,
      HttpPutResponseHopLimit: 1,
    });
  });

  it("blocks public security-group rules account-wide with no permitted ports", () => {
    const bpa = only(tf, "aws_emr_block_public_access_configuration");
    expect(bpa.block_public_security_group_rules).toBe(true);
    expect(bpa.permitted_public_security_group_rule_range).toBeUndefined();
  });

  it("service role: AmazonEMRServicePolicy_v2, trust limited to this account's EMR, PassRole only to EC2", () => {
    const svc = byId(tf, "aws_iam_role", "spark_service-role");
    const trust = JSON.parse(svc.assume_role_policy as string).Statement[0];
    expect(trust.Principal).toEqual({ Service: "elasticmapreduce.amazonaws.com" });
    expect(trust.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:*` },
    });
    const attachments = Object.values(resources(tf, "aws_iam_role_policy_attachment")).map(
      (a) => a.policy_arn,
    );
    expect(attachments).toEqual(["arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"]);
    const extra = JSON.parse(
      byId(tf, "aws_iam_role_policy", "service-role-extra").policy as string,
    ).Statement;
    expect(extra[0]).toMatchObject({
      Action: "iam:PassRole",
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    });
    expect(extra[0].Resource).toMatch(/aws_iam_role\.spark_instance-role_.*\.arn/);
  });

  it("instance profile: lake prefixes (read scripts/streaming, write processed-data/ + emr-logs/), Glue db, no v1/FullAccess", () => {
    const policies = Object.entries(resources(tf, "aws_iam_role_policy"))
      .filter(([, p]) => String(p.role).includes("spark_instance-role"))
      .map(([, p]) => JSON.parse(p.policy as string).Statement as Record<string, unknown>[]);
    const objectResources = policies.flatMap((st) =>
      st.filter((s) => s.Sid === "Objects").map((s) => ({ a: s.Action, r: s.Resource })),
    );
    const bucket = `arn:aws:s3:::bdp-dev-lake-${ACCOUNT}-${REGION}`;
    const writes = objectResources.filter((o) => asArray(o.a).includes("s3:PutObject")).map((o) => o.r);
    const reads = objectResources.filter((o) => asArray(o.a).includes("s3:GetObject")).map((o) => o.r);
    expect(writes.sort()).toEqual([`${bucket}/emr-logs*`, `${bucket}/processed-data*`]);
    expect(reads.sort()).toEqual(
      [
        `${bucket}/processed-data*`,
        `${bucket}/scripts*`,
        `${bucket}/streaming-data*`,
        `${bucket}/streaming-errors*`,
      ].sort(),
    );
    expect(policies.some((st) => st.some((s) => s.Sid === "GlueCatalog"))).toBe(true);
    for (const a of Object.values(resources(tf, "aws_iam_role_policy_attachment"))) {
      expect(String(a.policy_arn)).not.toMatch(
        /FullAccess|AmazonElasticMapReduceforEC2Role|AmazonElasticMapReduceRole$/,
      );
    }
  });

  it("security groups: no 0.0.0.0/0, HTTPS egress only to the S3 prefix list and the VPC, tagged for the v2 policy", () => {
    const rules = Object.values(resources(tf, "aws_security_group_rule"));
    for (const r of rules) {
      expect(asArray(r.cidr_blocks)).not.toContain("0.0.0.0/0");
      expect(typeof r.description).toBe("string");
    }
    const cidrEgress = rules.filter((r) => r.type === "egress" && r.cidr_blocks);
    for (const r of cidrEgress)
      expect(r).toMatchObject({ from_port: 443, to_port: 443, cidr_blocks: ["10.40.0.0/16"] });
    const s3 = rules.filter((r) => r.prefix_list_ids);
    expect(s3).toHaveLength(2);
    for (const sg of Object.entries(resources(tf, "aws_security_group")).filter(([k]) =>
      k.startsWith("spark_"),
    )) {
      expect(sg[1].tags).toMatchObject({ "for-use-with-amazon-emr-managed-policies": "true" });
      expect(sg[1].revoke_rules_on_delete).toBe(true);
    }
    const svcIn = rules.find((r) => r.type === "ingress" && r.from_port === 9443);
    expect(svcIn?.source_security_group_id).toMatch(/spark_master-sg_/);
  });
});

describe("SparkCluster overrides", () => {
  it("on-demand task group, custom sizes and limits", () => {
    const { tf } = cluster({
      taskSpot: false,
      coreInstanceCount: 3,
      taskInstanceCount: 1,
      coreInstanceType: "r5.2xlarge",
      minCapacity: 3,
      maxCapacity: 12,
      idleTimeoutSeconds: 900,
      terminationProtection: true,
    });
    const emr = only(tf, "aws_emr_cluster");
    expect(emr.core_instance_group).toMatchObject({ instance_type: "r5.2xlarge", instance_count: 3 });
    expect(emr.auto_termination_policy).toEqual({ idle_timeout: 900 });
    expect(emr.termination_protection).toBe(true);
    const tg = only(tf, "aws_emr_instance_group");
    expect(tg).toMatchObject({ name: "task", instance_count: 1 });
    expect(tg.bid_price).toBeUndefined();
    expect(only(tf, "aws_emr_managed_scaling_policy").compute_limits).toEqual([
      {
        unit_type: "Instances",
        minimum_capacity_units: 3,
        maximum_capacity_units: 12,
        maximum_core_capacity_units: 3,
      },
    ]);
  });

  it("in-transit TLS with a PEM certificate zip", () => {
    const doc = securityConfigurationDocument("arn:key", "s3://certs/emr.zip") as {
      EncryptionConfiguration: Record<string, unknown>;
    };
    expect(doc.EncryptionConfiguration.EnableInTransitEncryption).toBe(true);
    expect(doc.EncryptionConfiguration.InTransitEncryptionConfiguration).toEqual({
      TLSCertificateConfiguration: { CertificateProviderType: "PEM", S3Object: "s3://certs/emr.zip" },
    });
  });

  it("leaves block-public-access to another stack when manageBlockPublicAccess is false", () => {
    expect(
      resources(cluster({ manageBlockPublicAccess: false }).tf, "aws_emr_block_public_access_configuration"),
    ).toEqual({});
  });

  it("adds HTTPS egress to configured extra CIDRs", () => {
    const rules = Object.values(
      resources(cluster({ extraEgressCidrs: ["192.168.10.0/24"] }).tf, "aws_security_group_rule"),
    );
    expect(rules.filter((r) => asArray(r.cidr_blocks).includes("192.168.10.0/24"))).toHaveLength(2);
  });
});

describe("SparkCluster failures", () => {
  it("fails on a non-7.x release", () => {
    expect(() => cluster({ releaseLabel: "emr-6.15.0" })).toThrow(
      'SparkCluster: releaseLabel must be an emr-7.x release (Spark 3.5), got "emr-6.15.0"',
    );
  });
  it("fails when minCapacity > maxCapacity", () => {
    expect(() => cluster({ minCapacity: 5, maxCapacity: 4 })).toThrow(
      "SparkCluster: minCapacity (5) must be ≤ maxCapacity (4)",
    );
  });
  it("fails when maxCapacity cannot hold core + task", () => {
    expect(() =>
      cluster({ coreInstanceCount: 4, taskInstanceCount: 2, minCapacity: 2, maxCapacity: 5 }),
    ).toThrow("SparkCluster: maxCapacity (5) must be ≥ core + task instances (6)");
  });
  it("fails when the scaling floor exceeds on-demand core capacity with spot tasks", () => {
    expect(() => cluster({ coreInstanceCount: 1, minCapacity: 2, maxCapacity: 4 })).toThrow(
      "SparkCluster: minCapacity (2) must be ≤ coreInstanceCount (1) when taskSpot is on",
    );
  });
  it("fails on zero core nodes", () => {
    expect(() => cluster({ coreInstanceCount: 0 })).toThrow(
      "SparkCluster: coreInstanceCount must be an integer ≥ 1 (HDFS needs a core node), got 0",
    );
  });
  it("fails on an idle timeout out of EMR's range", () => {
    expect(() => cluster({ idleTimeoutSeconds: 30 })).toThrow(
      "SparkCluster: idleTimeoutSeconds must be an integer between 60 and 604800, got 30",
    );
  });
  it("fails when extra egress opens the internet", () => {
    expect(() => cluster({ extraEgressCidrs: ["0.0.0.0/0"] })).toThrow(
      'SparkCluster: extraEgressCidrs must not open traffic to the internet, got "0.0.0.0/0"',
    );
  });
});

describe("one message per rule (config and construct)", () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("expected a validation error");
  };
  it.each([
    ["idleTimeoutSeconds", { idleTimeoutSeconds: 30 }],
    ["coreInstanceCount", { coreInstanceCount: 0 }],
    ["releaseLabel", { releaseLabel: "emr-6.15.0" }],
  ] as const)("%s reads the same from validateConfig and SparkCluster", (field, emr) => {
    const fromConfig = message(() => validateConfig(envConfig({ emr })));
    const fromConstruct = message(() => cluster(emr));
    expect(fromConfig.startsWith(`config "dev": emr.${field} `)).toBe(true);
    expect(fromConstruct.startsWith(`SparkCluster: ${field} `)).toBe(true);
    expect(fromConfig.slice(`config "dev": emr.`.length)).toBe(fromConstruct.slice("SparkCluster: ".length));
  });
});
