import { LAKE_PREFIXES } from "../constructs/contract/lake";
import { DataLake, LOG_BUCKET_PREFIXES } from "../constructs/data-lake";
import { LAKE_DEFAULTS } from "../constructs/defaults";
import { ACCOUNT, REGION, asArray, byId, only, resources, role, synth } from "./support/infra";

const NAME = "bdp-dev";
const BUCKET = `${NAME}-lake-${ACCOUNT}-${REGION}`;
const LOG_BUCKET = `${NAME}-logs-${ACCOUNT}-${REGION}`;

function lake(props: Partial<ConstructorParameters<typeof DataLake>[2]> = {}) {
  let made: DataLake | undefined;
  const out = synth((s) => {
    made = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME, ...props });
  });
  return { ...out, lake: made! };
}

describe("DataLake defaults", () => {
  const { tf, lake: l } = lake();

  it("creates the lake and a separate log bucket with static names", () => {
    const buckets = Object.values(resources(tf, "aws_s3_bucket")).map((b) => b.bucket);
    expect(buckets.sort()).toEqual([BUCKET, LOG_BUCKET].sort());
    expect(l.bucketName).toBe(BUCKET);
  });

  it("encrypts the lake with its CMK (bucket key) and the log bucket with SSE-S3", () => {
    const lakeEnc = byId(tf, "aws_s3_bucket_server_side_encryption_configuration", "lake_bucket-encryption");
    const rule = (lakeEnc.rule as Record<string, unknown>[])[0];
    expect(rule.bucket_key_enabled).toBe(true);
    const sse = rule.apply_server_side_encryption_by_default as Record<string, string>;
    expect(sse.sse_algorithm).toBe("aws:kms");
    expect(sse.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.lake_kms_key_[0-9A-F]+\.arn\}$/);
    const logEnc = byId(tf, "aws_s3_bucket_server_side_encryption_configuration", "log-bucket-encryption");
    expect((logEnc.rule as Record<string, unknown>[])[0].apply_server_side_encryption_by_default).toEqual({
      sse_algorithm: "AES256",
    });
  });

  it("has a rotating key with an explicit policy: account admin without kms:*, and CloudWatch Logs scoped to this account", () => {
    const key = only(tf, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    expect(key.deletion_window_in_days).toBe(30);
    const policy = JSON.parse(key.policy as string);
    const sids = policy.Statement.map((s: { Sid: string }) => s.Sid);
    expect(sids).toEqual(["AccountAdministrationViaIam", "CloudWatchLogsEncryptedLogGroups"]);
    for (const s of policy.Statement) {
      expect(asArray(s.Action)).not.toContain("kms:*");
      expect(JSON.stringify(s.Principal)).not.toBe('"*"');
    }
    expect(policy.Statement[0].Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    expect(policy.Statement[0].Action).toContain("kms:PutKeyPolicy");
    expect(policy.Statement[1].Principal).toEqual({ Service: `logs.${REGION}.amazonaws.com` });
    expect(policy.Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe(
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*`,
    );
  });

  it("blocks public access, enforces bucket-owner ownership, versions and sends EventBridge events on both buckets", () => {
    for (const pab of Object.values(resources(tf, "aws_s3_bucket_public_access_block"))) {
      expect(pab).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
    expect(Object.keys(resources(tf, "aws_s3_bucket_public_access_block"))).toHaveLength(2);
    for (const o of Object.values(resources(tf, "aws_s3_bucket_ownership_controls"))) {
      expect(o.rule).toEqual({ object_ownership: "BucketOwnerEnforced" });
    }
    for (const v of Object.values(resources(tf, "aws_s3_bucket_versioning"))) {
      expect(v.versioning_configuration).toEqual({ status: "Enabled" });
    }
    const notes = Object.values(resources(tf, "aws_s3_bucket_notification"));
    expect(notes).toHaveLength(2);
    for (const n of notes) expect(n.eventbridge).toBe(true);
  });

  it("denies non-TLS access on both buckets", () => {
    for (const p of Object.values(resources(tf, "aws_s3_bucket_policy"))) {
      const doc = JSON.parse(p.policy as string);
      const deny = doc.Statement.find((s: { Sid: string }) => s.Sid === "DenyInsecureTransport");
      expect(deny).toMatchObject({
        Effect: "Deny",
        Principal: "*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("logs lake access to the log bucket under s3-access/<bucket>/", () => {
    const logging = only(tf, "aws_s3_bucket_logging");
    expect(logging.target_prefix).toBe(`s3-access/${BUCKET}/`);
    expect(logging.target_bucket).toMatch(/aws_s3_bucket\.lake_log-bucket_.*\.id/);
  });

  it("lifecycle: aborts multipart, expires noncurrent versions, tiers streaming-data/, expires emr-logs/", () => {
    const lc = byId(tf, "aws_s3_bucket_lifecycle_configuration", "lake_bucket-lifecycle");
    const rules = Object.fromEntries((lc.rule as Record<string, unknown>[]).map((r) => [r.id, r]));
    expect(rules["abort-incomplete-multipart-uploads"].abort_incomplete_multipart_upload).toEqual([
      { days_after_initiation: 7 },
    ]);
    expect(rules["expire-noncurrent-versions"].noncurrent_version_expiration).toEqual([
      { noncurrent_days: 30 },
    ]);
    expect(rules["tier-streaming-data"].filter).toEqual([{ prefix: "streaming-data/" }]);
    expect(rules["tier-streaming-data"].transition).toEqual([
      { days: 30, storage_class: "STANDARD_IA" },
      { days: 90, storage_class: "GLACIER_IR" },
    ]);
    expect(rules["expire-emr-logs"]).toMatchObject({
      filter: [{ prefix: "emr-logs/" }],
      expiration: [{ days: 30 }],
    });
  });

  it("lets S3 logging and VPC flow-log delivery write only their prefixes of the log bucket", () => {
    const p = byId(tf, "aws_s3_bucket_policy", "log-bucket-policy");
    const doc = JSON.parse(p.policy as string);
    const bySid = Object.fromEntries(doc.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.S3ServerAccessLogs.Resource).toBe(
      `arn:aws:s3:::${LOG_BUCKET}/${LOG_BUCKET_PREFIXES.s3Access}*`,
    );
    expect(bySid.VpcFlowLogsDelivery.Resource).toBe(`arn:aws:s3:::${LOG_BUCKET}/vpc-flow-logs/*`);
    expect(bySid.S3ServerAccessLogs.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:s3:::${BUCKET}` },
    });
  });

  it("has no prevent_destroy or force_destroy by default", () => {
    for (const b of Object.values(resources(tf, "aws_s3_bucket"))) {
      expect(b.lifecycle).toBeUndefined();
      expect(b.force_destroy).toBe(false);
    }
  });

  it("builds URIs and ARNs for the contract prefixes", () => {
    expect(LAKE_PREFIXES).toEqual({
      scripts: "scripts/",
      streamingData: "streaming-data/",
      streamingErrors: "streaming-errors/",
      processedData: "processed-data/",
      emrLogs: "emr-logs/",
    });
    expect(l.uri(LAKE_PREFIXES.scripts)).toBe(`s3://${BUCKET}/scripts/`);
    expect(l.uri("processed-data/x")).toBe(`s3://${BUCKET}/processed-data/x/`);
    expect(l.uri()).toBe(`s3://${BUCKET}/`);
    expect(l.arnFor("scripts/")).toBe(`arn:aws:s3:::${BUCKET}/scripts/*`);
    expect(l.arnFor()).toBe(`arn:aws:s3:::${BUCKET}/*`);
  });
});

describe("DataLake grants", () => {
  it("grantRead scopes list + get to the prefix and allows only Decrypt/DescribeKey on the lake key", () => {
    const { tf } = synth((s) => {
      const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
      l.grantRead(role(s), "streaming-data/");
    });
    const p = only(tf, "aws_iam_role_policy");
    expect(p.role).toBe("${aws_iam_role.reader.name}");
    const st = JSON.parse(p.policy as string).Statement;
    expect(st[0]).toMatchObject({
      Action: ["s3:ListBucket", "s3:GetBucketLocation"],
      Resource: `arn:aws:s3:::${BUCKET}`,
      // "streaming-data*" also covers the "streaming-data" and "streaming-data_$folder$" keys Hadoop probes
      Condition: { StringLike: { "s3:prefix": ["streaming-data*"] } },
    });
    expect(st[1]).toMatchObject({
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: `arn:aws:s3:::${BUCKET}/streaming-data*`,
    });
    expect(st[2].Action).toEqual(["kms:Decrypt", "kms:DescribeKey"]);
    expect(st[2].Resource).toMatch(/^\$\{aws_kms_key\.lake_kms_key_.*\.arn\}$/);
  });

  it("grantWrite allows put/delete under the prefix and GenerateDataKey on the key; no prefix = whole lake, no condition", () => {
    const { tf } = synth((s) => {
      const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
      l.grantWrite(role(s));
    });
    const st = JSON.parse(only(tf, "aws_iam_role_policy").policy as string).Statement;
    expect(st[0].Condition).toBeUndefined();
    expect(st[1].Action).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]),
    );
    expect(st[1].Resource).toBe(`arn:aws:s3:::${BUCKET}/*`);
    expect(st[2].Action).toContain("kms:GenerateDataKey");
  });

  it("fails when a grant prefix does not end with '/'", () => {
    expect(() =>
      synth((s) => {
        const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
        l.grantRead(role(s), "scripts");
      }),
    ).toThrow('DataLake.grantRead: prefix must end with "/", got "scripts"');
  });

  it("fails when the same grant is made twice", () => {
    expect(() =>
      synth((s) => {
        const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
        const r = role(s);
        l.grantWrite(r, "scripts/");
        l.grantWrite(r, "scripts/");
      }),
    ).toThrow("granted twice");
  });
});

describe("DataLake overrides", () => {
  it("takes lifecycle days from props", () => {
    const { tf } = lake({
      streamingDataIaDays: 45,
      streamingDataGlacierDays: 200,
      emrLogExpirationDays: 7,
      noncurrentVersionExpirationDays: 3,
    });
    const lc = byId(tf, "aws_s3_bucket_lifecycle_configuration", "lake_bucket-lifecycle");
    const rules = Object.fromEntries((lc.rule as Record<string, unknown>[]).map((r) => [r.id, r]));
    expect(rules["tier-streaming-data"].transition).toEqual([
      { days: 45, storage_class: "STANDARD_IA" },
      { days: 200, storage_class: "GLACIER_IR" },
    ]);
    expect(rules["expire-emr-logs"].expiration).toEqual([{ days: 7 }]);
    expect(rules["expire-noncurrent-versions"].noncurrent_version_expiration).toEqual([
      { noncurrent_days: 3 },
    ]);
    expect(LAKE_DEFAULTS.streamingDataIaDays).toBe(30); // defaults untouched
  });

  it("preventDestroy sets Terraform prevent_destroy on both buckets and the key", () => {
    const { tf } = lake({ preventDestroy: true });
    for (const b of Object.values(resources(tf, "aws_s3_bucket"))) {
      expect(b.lifecycle).toEqual({ prevent_destroy: true });
    }
    expect(only(tf, "aws_kms_key").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("forceDestroy lets destroy empty the buckets", () => {
    const { tf } = lake({ forceDestroy: true });
    for (const b of Object.values(resources(tf, "aws_s3_bucket"))) expect(b.force_destroy).toBe(true);
  });

  it("more key-policy statements can be added after construction (rendered at synth)", () => {
    const { tf } = synth((s) => {
      const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
      l.cmk.allow({
        sid: "SqsFromS3",
        principal: { Service: "s3.amazonaws.com" },
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      });
    });
    const sids = JSON.parse(only(tf, "aws_kms_key").policy as string).Statement.map(
      (s: { Sid: string }) => s.Sid,
    );
    expect(sids).toContain("SqsFromS3");
  });
});

describe("DataLake failures", () => {
  it("fails when streamingDataIaDays < 30", () => {
    expect(() => lake({ streamingDataIaDays: 10 })).toThrow(
      "DataLake: streamingDataIaDays must be an integer ≥ 30 (S3 minimum before STANDARD_IA), got 10",
    );
  });
  it("fails when Glacier comes before IA", () => {
    expect(() => lake({ streamingDataIaDays: 60, streamingDataGlacierDays: 60 })).toThrow(
      "DataLake: streamingDataIaDays (60) must be < streamingDataGlacierDays (60)",
    );
  });
  it("fails when preventDestroy and forceDestroy are both set", () => {
    expect(() => lake({ preventDestroy: true, forceDestroy: true })).toThrow(
      "preventDestroy and forceDestroy cannot both be true",
    );
  });
  it("fails when the bucket name would exceed 63 characters", () => {
    expect(() => lake({ name: "a-very-long-name-prefix-for-an-environment" })).toThrow(
      "exceeds 63 characters",
    );
  });
  it("fails on a duplicate key-policy sid", () => {
    expect(() =>
      synth((s) => {
        const l = new DataLake(s, "lake", { accountId: ACCOUNT, region: REGION, name: NAME });
        l.cmk.allow({
          sid: "CloudWatchLogsEncryptedLogGroups",
          principal: { Service: "x" },
          actions: ["kms:Decrypt"],
        });
      }),
    ).toThrow('duplicate key policy sid "CloudWatchLogsEncryptedLogGroups"');
  });
});
