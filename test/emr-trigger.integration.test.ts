/**
 * The trigger handler against a moto server (real EMR wire protocol). moto marks a cluster's
 * first step RUNNING forever and later ones PENDING, so each test first adds an unrelated step
 * to take the RUNNING slot; the streaming-processor steps then stay PENDING as on a busy cluster
 * (or, as the first step, a streaming-processor step stays RUNNING).
 *
 * moto answers ListSteps with ISO-8601 strings where EMR sends epoch seconds, which SDK v3
 * refuses to deserialise; the test's client rewrites them (test-only, never in the Lambda) and
 * is passed to `trigger`, the handler's logic, with the config read from the same environment
 * variables the Lambda gets.
 */
import { AddJobFlowStepsCommand, EMRClient, ListStepsCommand, RunJobFlowCommand } from "@aws-sdk/client-emr";
import { EMR_PYTHON } from "../constructs/contract/emr-release";
import { trigger } from "../constructs/lambdas/emr-trigger/handler";
import { configFromEnv } from "../constructs/lambdas/emr-trigger/plan";
import { motoEnv, setProcessEnv, startMoto, withEmulatorTimestamps, type MotoServer } from "./support/moto";

let moto: MotoServer;
let emr: EMRClient;
let restoreEnv = (): void => undefined;

const key = (hour: string, n: number): string =>
  `streaming-data/year%3D2026/month%3D01/day%3D31/hour%3D${hour}/pipeline-dev-events-to-lake-1-2026-01-31-${hour}-${n}.parquet`;

/** SQS messages (batch of ≤ 10, as Lambda delivers them) each carrying one S3 notification. */
function sqsBatch(keys: string[], offset: number) {
  return {
    Records: keys.map((k, i) => ({
      messageId: `m-${offset + i}`,
      receiptHandle: "rh",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:trigger",
      awsRegion: "us-east-1",
      attributes: {},
      messageAttributes: {},
      md5OfBody: "",
      body: JSON.stringify({
        Records: [
          {
            eventVersion: "2.1",
            eventSource: "aws:s3",
            eventName: "ObjectCreated:Put",
            s3: { bucket: { name: "lake", arn: "arn:aws:s3:::lake" }, object: { key: k, size: 100 } },
          },
        ],
      }),
    })),
  };
}

/** moto's EMR answers with ISO timestamps; the test-support shim rewrites them. */
function motoEmrClient(): EMRClient {
  return withEmulatorTimestamps(new EMRClient({}));
}

/** A cluster; its first step (moto keeps it RUNNING) is a warm-up, or `firstStep` when given. */
async function newCluster(firstStep?: string): Promise<string> {
  const res = await emr.send(
    new RunJobFlowCommand({
      Name: "trigger-test",
      ReleaseLabel: "emr-7.5.0",
      Instances: { MasterInstanceType: "m5.xlarge", InstanceCount: 1, KeepJobFlowAliveWhenNoSteps: true },
      JobFlowRole: "EMR_EC2_DefaultRole",
      ServiceRole: "EMR_DefaultRole",
    }),
  );
  const id = res.JobFlowId!;
  await emr.send(
    new AddJobFlowStepsCommand({
      JobFlowId: id,
      Steps: [
        {
          Name: firstStep ?? "warm-up",
          ActionOnFailure: "CONTINUE",
          HadoopJarStep: { Jar: "command-runner.jar", Args: ["true"] },
        },
      ],
    }),
  );
  return id;
}

async function streamingSteps(clusterId: string) {
  const res = await emr.send(new ListStepsCommand({ ClusterId: clusterId }));
  return (res.Steps ?? []).filter((s) => s.Name?.startsWith("streaming-processor:"));
}

async function deliver(clusterId: string, keys: string[]): Promise<void> {
  process.env.EMR_CLUSTER_ID = clusterId;
  for (let i = 0; i < keys.length; i += 10) {
    const res = await trigger(sqsBatch(keys.slice(i, i + 10), i), emr, configFromEnv(process.env));
    expect(res.batchItemFailures).toEqual([]);
  }
}

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = setProcessEnv({
    ...motoEnv(moto.endpoint),
    STREAMING_SCRIPT_URI: "s3://lake/scripts/streaming-processor/0123456789ab/streaming_processor.py",
    STREAMING_PY_FILES_URI: "s3://lake/scripts/streaming-processor/0123456789ab/common.zip",
    RAW_EVENTS_URI: "s3://lake/streaming-data/",
    PROCESSED_URI: "s3://lake/processed-data/",
  });
  emr = motoEmrClient();
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});
afterAll(async () => {
  restoreEnv();
  emr?.destroy();
  await moto?.stop();
});

describe("emr-trigger against moto EMR", () => {
  it("adds exactly 1 step for 50 objects of one hour partition, delivered in 5 SQS batches", async () => {
    const clusterId = await newCluster();
    await deliver(
      clusterId,
      Array.from({ length: 50 }, (_, i) => key("07", i)),
    );
    const steps = await streamingSteps(clusterId);
    expect(steps.map((s) => s.Name)).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=07"]);
    expect(steps[0].Status?.State).toBe("PENDING");
    expect(steps[0].Config?.Args).toEqual([
      "spark-submit",
      "--deploy-mode",
      "cluster",
      "--conf",
      `spark.pyspark.python=${EMR_PYTHON}`,
      "--conf",
      `spark.pyspark.driver.python=${EMR_PYTHON}`,
      "--py-files",
      "s3://lake/scripts/streaming-processor/0123456789ab/common.zip",
      "s3://lake/scripts/streaming-processor/0123456789ab/streaming_processor.py",
      "--input",
      "s3://lake/streaming-data/",
      "--output",
      "s3://lake/processed-data/streaming-processor/",
      "--partition",
      "year=2026/month=01/day=31/hour=07",
    ]);
  });

  it("hands an hour's messages back while its step is RUNNING, and adds no second step beside it", async () => {
    const running = "streaming-processor:year=2026/month=01/day=31/hour=10";
    const clusterId = await newCluster(running);
    process.env.EMR_CLUSTER_ID = clusterId;
    const res = await trigger(sqsBatch([key("10", 1), key("11", 2)], 0), emr, configFromEnv(process.env));
    expect(res).toMatchObject({ deferred: [running], batchItemFailures: [{ itemIdentifier: "m-0" }] });
    const steps = await streamingSteps(clusterId);
    expect(steps.map((s) => [s.Name, s.Status?.State]).sort()).toEqual([
      [running, "RUNNING"],
      ["streaming-processor:year=2026/month=01/day=31/hour=11", "PENDING"],
    ]);
  });

  it("adds 2 steps for objects of two partitions, and nothing for a duplicate delivery", async () => {
    const clusterId = await newCluster();
    const keys = Array.from({ length: 30 }, (_, i) => key(i % 2 === 0 ? "08" : "09", i));
    await deliver(clusterId, keys);
    await deliver(clusterId, keys.slice(0, 10));
    const names = (await streamingSteps(clusterId)).map((s) => s.Name).sort();
    expect(names).toEqual([
      "streaming-processor:year=2026/month=01/day=31/hour=08",
      "streaming-processor:year=2026/month=01/day=31/hour=09",
    ]);
  });
});
