import { AddJobFlowStepsCommand, ListStepsCommand } from "@aws-sdk/client-emr";
import type { S3Event, SQSEvent } from "aws-lambda";
import { pendingStepNames, trigger, type EmrApi } from "../constructs/lambdas/emr-trigger/handler";
import {
  buildStep,
  configFromEnv,
  objectRefs,
  partitionFromKey,
  partitionsOf,
} from "../constructs/lambdas/emr-trigger/plan";

const CFG = {
  clusterId: "j-TESTCLUSTER",
  scriptUri: "s3://lake/scripts/streaming-processor/0123456789ab/streaming_processor.py",
  pyFilesUri: "s3://lake/scripts/streaming-processor/0123456789ab/common.zip",
  rawEventsUri: "s3://lake/streaming-data/",
  processedUri: "s3://lake/processed-data/",
};

/** An S3 ObjectCreated notification as S3 sends it (keys URL-encoded). */
function s3Event(keys: string[]): S3Event {
  return {
    Records: keys.map((key, i) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2026-01-31T23:10:00.000Z",
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "AWS:FIREHOSE" },
      requestParameters: { sourceIPAddress: "10.0.0.1" },
      responseElements: { "x-amz-request-id": `req${i}`, "x-amz-id-2": "id2" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "streaming-data",
        bucket: { name: "lake", ownerIdentity: { principalId: "A1" }, arn: "arn:aws:s3:::lake" },
        object: { key: key.replace(/=/g, "%3D"), size: 1024, eTag: "e", sequencer: `00${i}` },
      },
    })),
  };
}

/** An SQS batch whose bodies are S3 notifications (the deployed transport). */
function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `msg-${i}`,
      receiptHandle: `rh-${i}`,
      body: typeof b === "string" ? b : JSON.stringify(b),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "1769900000000",
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: "1769900000000",
      },
      messageAttributes: {},
      md5OfBody: "x",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:trigger",
      awsRegion: "us-east-1",
    })),
  };
}

const key = (h: string, n = 0): string =>
  `streaming-data/year=2026/month=01/day=31/hour=${h}/pipeline-dev-events-to-lake-1-2026-01-31-${h}-00-00-${n}.parquet`;

/** Scripted EMR: a list of existing steps; records every AddJobFlowSteps. */
class FakeEmr implements EmrApi {
  added: Array<{ Name: string; Args: string[] }> = [];
  constructor(
    public steps: Array<{ Name: string; Status: { State: string } }> = [],
    private failAdd = false,
    private pageSize = 50,
  ) {}
  async send(cmd: ListStepsCommand | AddJobFlowStepsCommand): Promise<unknown> {
    if (cmd instanceof ListStepsCommand) {
      const states = cmd.input.StepStates;
      const matching = this.steps.filter((s) => !states || states.includes(s.Status.State as never));
      const start = cmd.input.Marker ? Number(cmd.input.Marker) : 0;
      const next = start + this.pageSize;
      return {
        Steps: matching.slice(start, next),
        Marker: next < matching.length ? String(next) : undefined,
      };
    }
    if (this.failAdd) throw new Error("ThrottlingException: Rate exceeded");
    for (const s of cmd.input.Steps ?? []) {
      const step = { Name: s.Name!, Args: s.HadoopJarStep!.Args! };
      this.added.push(step);
      this.steps.push({ Name: step.Name, Status: { State: "PENDING" } });
    }
    return { StepIds: ["s-1"] };
  }
}

beforeEach(() => {
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  jest.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe("partitionFromKey", () => {
  it("reads the zero-padded hour partition of URL-encoded and plain keys", () => {
    expect(partitionFromKey("streaming-data/year%3D2026/month%3D01/day%3D31/hour%3D23/x.parquet")).toEqual({
      year: "2026",
      month: "01",
      day: "31",
      hour: "23",
    });
    expect(partitionFromKey(key("07"))).toEqual({ year: "2026", month: "01", day: "31", hour: "07" });
  });
  it.each([
    "streaming-errors/processing-failed/year=2026/month=01/day=31/hour=23/x",
    "processed-data/year=2026/month=01/day=31/hour=23/x",
    "streaming-data/year=2026/month=1/day=31/hour=23/x",
    "streaming-data/year=2026/month=13/day=31/hour=23/x",
    "streaming-data/year=2026/month=01/day=31/hour=24/x",
    "streaming-data/year=2026/month=01/day=31/hour=23",
    "streaming-data/%E0%A4%A",
  ])("ignores %s", (k) => {
    expect(partitionFromKey(k)).toBeNull();
  });
});

describe("buildStep", () => {
  it("runs the streaming processor for the partition with spark-submit in cluster mode", () => {
    expect(buildStep({ year: "2026", month: "01", day: "31", hour: "23" }, CFG)).toEqual({
      Name: "streaming-processor:year=2026/month=01/day=31/hour=23",
      ActionOnFailure: "CONTINUE",
      HadoopJarStep: {
        Jar: "command-runner.jar",
        Args: [
          "spark-submit",
          "--deploy-mode",
          "cluster",
          "--py-files",
          "s3://lake/scripts/streaming-processor/0123456789ab/common.zip",
          "s3://lake/scripts/streaming-processor/0123456789ab/streaming_processor.py",
          "--input",
          "s3://lake/streaming-data/",
          "--output",
          "s3://lake/processed-data/streaming-processor/",
          "--partition",
          "year=2026/month=01/day=31/hour=23",
        ],
      },
    });
  });
});

describe("objectRefs", () => {
  it("reads SQS-wrapped S3 notifications, skipping s3:TestEvent and junk bodies", () => {
    const ev = sqsEvent([s3Event([key("01")]), { Service: "Amazon S3", Event: "s3:TestEvent" }, "not json"]);
    const { refs, ignoredMessages } = objectRefs(ev);
    expect(refs).toEqual([{ key: key("01").replace(/=/g, "%3D"), messageId: "msg-0" }]);
    expect(ignoredMessages).toEqual(["msg-1", "msg-2"]);
  });
  it("reads direct S3 notifications and EventBridge Object Created events", () => {
    expect(objectRefs(s3Event([key("02")])).refs).toHaveLength(1);
    expect(
      objectRefs({ "detail-type": "Object Created", detail: { object: { key: key("03") } } }).refs,
    ).toEqual([{ key: key("03") }]);
    expect(objectRefs(null).refs).toEqual([]);
  });
  it("groups 50 objects of one hour into one partition", () => {
    const refs = objectRefs(s3Event(Array.from({ length: 50 }, (_, i) => key("05", i)))).refs;
    expect([...partitionsOf(refs).keys()]).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=05"]);
  });
});

describe("trigger", () => {
  it("adds one step per new partition", async () => {
    const emr = new FakeEmr();
    const res = await trigger(s3Event([key("01"), key("01", 1), key("02")]), emr, CFG);
    expect(emr.added.map((s) => s.Name)).toEqual([
      "streaming-processor:year=2026/month=01/day=31/hour=01",
      "streaming-processor:year=2026/month=01/day=31/hour=02",
    ]);
    expect(res.batchItemFailures).toEqual([]);
  });
  it("adds nothing for a partition with a pending step (duplicate event), but does for a running one", async () => {
    const emr = new FakeEmr([
      { Name: "streaming-processor:year=2026/month=01/day=31/hour=01", Status: { State: "PENDING" } },
      { Name: "streaming-processor:year=2026/month=01/day=31/hour=02", Status: { State: "RUNNING" } },
    ]);
    const res = await trigger(sqsEvent([s3Event([key("01")]), s3Event([key("02")])]), emr, CFG);
    expect(res.alreadyPending).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=01"]);
    expect(emr.added.map((s) => s.Name)).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=02"]);
    await trigger(sqsEvent([s3Event([key("02")])]), emr, CFG);
    expect(emr.added).toHaveLength(1);
  });
  it("finds pending steps on later ListSteps pages", async () => {
    const steps = Array.from({ length: 120 }, (_, i) => ({
      Name: `other-${i}`,
      Status: { State: "PENDING" },
    }));
    steps.push({
      Name: "streaming-processor:year=2026/month=01/day=31/hour=09",
      Status: { State: "PENDING" },
    });
    const names = await pendingStepNames(new FakeEmr(steps, false, 50), "j-1");
    expect([...names]).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=09"]);
  });
  it("reports only the messages of a partition whose AddJobFlowSteps failed", async () => {
    const emr = new FakeEmr([], true);
    const res = await trigger(sqsEvent([s3Event([key("01")]), s3Event([key("01", 2)]), "junk"]), emr, CFG);
    expect(res.failed).toEqual(["streaming-processor:year=2026/month=01/day=31/hour=01"]);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: "msg-0" }, { itemIdentifier: "msg-1" }]);
  });
  it("makes no EMR call when no key is under streaming-data/", async () => {
    const emr = new FakeEmr();
    const spy = jest.spyOn(emr, "send");
    await trigger(s3Event(["streaming-errors/processing-failed/x"]), emr, CFG);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("configFromEnv", () => {
  const env = {
    EMR_CLUSTER_ID: "j-1",
    STREAMING_SCRIPT_URI: "s3://b/scripts/p.py",
    STREAMING_PY_FILES_URI: "s3://b/scripts/c.zip",
    RAW_EVENTS_URI: "s3://b/streaming-data/",
    PROCESSED_URI: "s3://b/processed-data/",
  };
  it("reads the five variables", () => {
    expect(configFromEnv(env)).toEqual({
      clusterId: "j-1",
      scriptUri: "s3://b/scripts/p.py",
      pyFilesUri: "s3://b/scripts/c.zip",
      rawEventsUri: "s3://b/streaming-data/",
      processedUri: "s3://b/processed-data/",
    });
  });
  it("works without STREAMING_PY_FILES_URI: the step then has no --py-files", () => {
    const cfg = configFromEnv({ ...env, STREAMING_PY_FILES_URI: undefined });
    expect(cfg.pyFilesUri).toBeUndefined();
    const args = buildStep({ year: "2026", month: "02", day: "01", hour: "00" }, cfg).HadoopJarStep.Args;
    expect(args.slice(0, 4)).toEqual(["spark-submit", "--deploy-mode", "cluster", "s3://b/scripts/p.py"]);
    expect(args).not.toContain("--py-files");
  });
  it("fails when a variable is missing", () => {
    expect(() => configFromEnv({ ...env, EMR_CLUSTER_ID: undefined })).toThrow(
      "environment variable EMR_CLUSTER_ID is not set",
    );
  });
  it("fails when a URI lacks the trailing slash", () => {
    expect(() => configFromEnv({ ...env, PROCESSED_URI: "s3://b/p" })).toThrow(
      'PROCESSED_URI must end with "/", got s3://b/p',
    );
  });
});
