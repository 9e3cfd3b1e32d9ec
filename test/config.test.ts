import { ConfigError, EnvironmentConfig, validateConfig } from "../constructs/config";
import { envConfig } from "./support/infra";

const bad =
  (overrides: Partial<EnvironmentConfig>): (() => void) =>
  () =>
    validateConfig(envConfig(overrides));

describe("validateConfig", () => {
  it("accepts a minimal config and the app's own environments", () => {
    expect(() => validateConfig(envConfig())).not.toThrow();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ENVIRONMENTS } = require("../main") as { ENVIRONMENTS: EnvironmentConfig[] };
    expect(ENVIRONMENTS.map((e) => e.envName)).toEqual(["dev", "prod"]);
    for (const e of ENVIRONMENTS) expect(() => validateConfig(e)).not.toThrow();
  });

  it("accepts full overrides", () => {
    expect(() =>
      validateConfig(
        envConfig({
          alarmEmail: "ops@example.com",
          network: { mode: "existing", vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetIds: ["subnet-1"] },
          emr: {
            releaseLabel: "emr-7.2.0",
            minCapacity: 1,
            maxCapacity: 3,
            idleTimeoutSeconds: 600,
            taskSpotMaxPrice: "0.1",
          },
          lake: { streamingDataIaDays: 60, streamingDataGlacierDays: 120, preventDestroy: true },
          remoteBackend: { bucket: "my-state-bucket" },
        }),
      ),
    ).not.toThrow();
  });

  const cases: [string, Partial<EnvironmentConfig>, string][] = [
    ["envName", { envName: "Dev" }, 'envName must be 1-10 lowercase letters/digits, got "Dev"'],
    ["accountId", { accountId: "123" }, 'config "dev": accountId must be 12 digits, got "123"'],
    ["region", { region: "europe" }, 'config "dev": region must look like "eu-west-1", got "europe"'],
    [
      "namePrefix",
      { namePrefix: "Bad_Prefix" },
      'namePrefix must be ≤ 16 lowercase letters/digits/hyphens starting with a letter, got "Bad_Prefix"',
    ],
    ["namePrefix length", { namePrefix: "a".repeat(17) }, "namePrefix must be ≤ 16"],
    ["alarmEmail", { alarmEmail: "nope" }, 'alarmEmail is not an email address, got "nope"'],
    [
      "existing subnets",
      { network: { mode: "existing", vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetIds: [] } },
      "network.subnetIds must list at least one private subnet, got []",
    ],
    [
      "vpcCidr",
      { network: { mode: "create", vpcCidr: "10.0.0.0" } },
      'network.vpcCidr must be an IPv4 CIDR, got "10.0.0.0"',
    ],
    [
      "azCount",
      { network: { mode: "create", azCount: 5 } },
      "network.azCount must be an integer between 1 and 3, got 5",
    ],
    [
      "releaseLabel",
      { emr: { releaseLabel: "emr-6.15.0" } },
      'emr.releaseLabel must be an emr-7.x release (Spark 3.5), got "emr-6.15.0"',
    ],
    [
      "negative count",
      { emr: { taskInstanceCount: -1 } },
      "emr.taskInstanceCount must be an integer ≥ 0, got -1",
    ],
    [
      "no core",
      { emr: { coreInstanceCount: 0 } },
      "emr.coreInstanceCount must be an integer ≥ 1 (HDFS needs a core node), got 0",
    ],
    [
      "min > max",
      { emr: { minCapacity: 4, maxCapacity: 2 } },
      "emr.minCapacity (4) must be ≤ emr.maxCapacity (2)",
    ],
    [
      "idle",
      { emr: { idleTimeoutSeconds: 10 } },
      "emr.idleTimeoutSeconds must be an integer between 60 and 604800, got 10",
    ],
    [
      "spot price",
      { emr: { taskSpotMaxPrice: "$1" } },
      'emr.taskSpotMaxPrice must be a USD amount like "0.10", got "$1"',
    ],
    [
      "cert",
      { emr: { inTransitCertificateS3Uri: "https://x/y.zip" } },
      'emr.inTransitCertificateS3Uri must be an s3://.../*.zip URI, got "https://x/y.zip"',
    ],
    [
      "egress /0",
      { emr: { extraEgressCidrs: ["0.0.0.0/0"] } },
      'emr.extraEgressCidrs must not open traffic to the internet, got "0.0.0.0/0"',
    ],
    [
      "egress cidr",
      { emr: { extraEgressCidrs: ["x"] } },
      'emr.extraEgressCidrs must be an IPv4 CIDR, got "x"',
    ],
    [
      "ia days",
      { lake: { streamingDataIaDays: 7 } },
      "lake.streamingDataIaDays must be an integer ≥ 30 (S3 minimum before STANDARD_IA), got 7",
    ],
    [
      "glacier days",
      { lake: { streamingDataGlacierDays: 30 } },
      "lake.streamingDataIaDays (30) must be < lake.streamingDataGlacierDays (30)",
    ],
    [
      "days int",
      { lake: { emrLogExpirationDays: 0 } },
      "lake.emrLogExpirationDays must be an integer ≥ 1, got 0",
    ],
    [
      "destroy flags",
      { lake: { preventDestroy: true, forceDestroy: true } },
      "lake.preventDestroy and lake.forceDestroy cannot both be true",
    ],
    [
      "backend bucket",
      { remoteBackend: { bucket: "Bad_Bucket" } },
      'remoteBackend.bucket is not a valid S3 bucket name, got "Bad_Bucket"',
    ],
  ];
  it.each(cases)("fails on a bad %s with a one-line message", (_name, overrides, message) => {
    expect(bad(overrides)).toThrow(ConfigError);
    expect(bad(overrides)).toThrow(message);
    try {
      bad(overrides)();
    } catch (e) {
      expect((e as Error).message).not.toContain("\n");
    }
  });
});
