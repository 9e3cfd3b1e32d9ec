/**
 * emr-trigger unit tests. Events are built from AWS's published sample events in
 * test/fixtures/aws-events/ (sources in its README: AWS Lambda Powertools' s3Event.json,
 * s3SqsEvent.json and s3EventBridgeNotificationObjectCreatedEvent.json); the tests change only
 * the bucket name and object keys, and give each SQS message of a batch its own messageId.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AddJobFlowStepsCommand, EMRClient, ListStepsCommand } from "@aws-sdk/client-emr";
import type { EventBridgeEvent, S3Event, SQSEvent } from "aws-lambda";
import { EMR_PYTHON } from "../constructs/contract/emr-release";
import { activeSteps, handler, trigger, type EmrApi } from "../constructs/lambdas/emr-trigger/handler";
import {
  buildStep,
  configFromEnv,
  decodeNotificationKey,
  objectRefs,
  partitionsOf,
  whyNoPartition,
} from "../constructs/lambdas/emr-trigger/plan";

const CFG = {
  clusterId: "j-TESTCLUSTER",
  scriptUri: "s3://lake/scripts/streaming-processor/0123456789ab/streaming_processor.py",
  pyFilesUri: "s3://lake/scripts/streaming-processor/0123456789ab/common.zip",
  rawEventsUri: "s3://lake/streaming-data/",
  processedUri: "s3://lake/processed-data/",
};
const BUCKET = "lake";

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, "fixtures", "aws-events", name), "utf8")) as T;

/** A key as S3 notifications carry it: form-URL-encoded, `/` kept (`=` → `%3D`, space → `+`). */
const s3Encode = (key: string): string => encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");

/** s3-event.json with one copy of its record per key; keys are given as S3 sends them (encoded). */
function s3Event(encodedKeys: string[]): S3Event {
  const sample = fixture<S3Event>("s3-event.json");
  return {
    Records: encodedKeys.map((key) => {
      const r = structuredClone(sample.Records[0]);
      r.s3.bucket.name = BUCKET;
      r.s3.bucket.arn = `arn:aws:s3:::${BUCKET}`;
      r.s3.object.key = key;
      return r;
    }),
  };
}

/** sqs-s3-event.json with one message per key, each body the sample's S3 notification for that key. */
function sqsEvent(encodedKeys: string[]): SQSEvent {
  const sample = fixture<SQSEvent>("sqs-s3-event.json").Records[0];
  return {
    Records: encodedKeys.map((key, i) => {
      const body = JSON.parse(sample.body) as S3Event;
      body.Records[0].s3.bucket.name = BUCKET;
      body.Records[0].s3.bucket.arn = `arn:aws:s3:::${BUCKET}`;
      body.Records[0].s3.object.key = key;
      return { ...structuredClone(sample), messageId: messageId(i), body: JSON.stringify(body) };
    }),
  };
}
const messageId = (i: number): string =>
  `${fixture<SQSEvent>("sqs-s3-event.json").Records[0].messageId}-${i}`;

/** An SQS batch with the given raw bodies (s3:TestEvent, junk) in place of notifications. */
function withBodies(ev: SQSEvent, bodies: string[]): SQSEvent {
  const n = ev.Records.length;
  const extra = bodies.map((body, i) => ({
    ...structuredClone(ev.Records[0]),
    messageId: messageId(n + i),
    body,
  }));
  return { Records: [...ev.Records, ...extra] };
}

type ObjectCreated = EventBridgeEvent<
  "Object Created",
  { bucket: { name: string }; object: { key: string } }
>;

/** s3-eventbridge-object-created.json for one key (EventBridge carries keys as they are). */
function eventBridgeEvent(key: string): ObjectCreated {
  const ev = fixture<ObjectCreated>("s3-eventbridge-object-created.json");
  ev.resources = [`arn:aws:s3:::${BUCKET}`];
  ev.detail.bucket.name = BUCKET;
  ev.detail.object.key = key;
  return ev;
}

/** An object key Firehose writes for an hour of 2026-01-31 (plain, not encoded). */
const key = (h: string, n = 0, day = "31", month = "01"): string =>
  `streaming-data/year=2026/month=${month}/day=${day}/hour=${h}/pipeline-dev-events-to-lake-1-2026-${month}-${day}-${h}-00-00-${n}.parquet`;
const step = (h: string, day = "31", month = "01"): string =>
  `streaming-processor:year=2026/month=${month}/day=${day}/hour=${h}`;

/** Scripted EMR: a list of existing steps; records every AddJobFlowSteps; fails those named. */
class FakeEmr implements EmrApi {
  added: Array<{ Name: string; Args: string[] }> = [];
  /** Every step name AddJobFlowSteps was called with, failed or not. */
  attempted: string[] = [];
  constructor(
    public steps: Array<{ Name: string; Status: { State: string } }> = [],
    private fails: (stepName: string) => boolean = () => false,
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
    const names = (cmd.input.Steps ?? []).map((s) => s.Name!);
    this.attempted.push(...names);
    if (names.some(this.fails)) throw new Error("ThrottlingException: Rate exceeded");
    for (const s of cmd.input.Steps ?? []) {
      const added = { Name: s.Name!, Args: s.HadoopJarStep!.Args! };
      this.added.push(added);
      this.steps.push({ Name: added.Name, Status: { State: "PENDING" } });
    }
    return { StepIds: ["s-1"] };
  }
}
const failing =
  (...names: string[]) =>
  (name: string): boolean =>
    names.includes(name);

/** The JSON lines the handler logged with console.log/console.error. */
function logLines(): Array<Record<string, unknown>> {
  const calls = [...(console.log as jest.Mock).mock.calls, ...(console.error as jest.Mock).mock.calls];
  return calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}
const ignoredKeyLines = () => logLines().filter((l) => l.msg === "key ignored: adds no step");

beforeEach(() => {
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  jest.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe("decodeNotificationKey and whyNoPartition", () => {
  it("decodes S3's form encoding (%3D, +) and rejects malformed escapes", () => {
    expect(decodeNotificationKey("streaming-data/year%3D2026/month%3D01/a+b%2Bc.parquet")).toBe(
      "streaming-data/year=2026/month=01/a b+c.parquet",
    );
    expect(decodeNotificationKey("streaming-data/%E0%A4%A")).toBeNull();
  });
  it.each([
    ["streaming-errors/processing-failed/year=2026/month=01/day=31/hour=23/x", "not under streaming-data/"],
    ["processed-data/year=2026/month=01/day=31/hour=23/x", "not under streaming-data/"],
    ["streaming-data/year=2026/month=02/day=31/hour=23/x", "no such date or hour"],
    ["streaming-data/year=2026/month=01/day=31/hour=24/x", "no such date or hour"],
    ["streaming-data/year=2026/month=13/day=01/hour=00/x", "no such date or hour"],
    ["streaming-data/backfill/year=2026/month=01/day=31/hour=23/x", "not directly under streaming-data/"],
    ["streaming-data/year=2026/month=1/day=31/hour=23/x", "no year=YYYY/month=MM/day=DD/hour=HH partition"],
    ["streaming-data/manifest.json", "no year=YYYY/month=MM/day=DD/hour=HH partition"],
    ["streaming-data/year=2026/month=01/day=31/hour=05", "sits in the day's folder, not in the hour's"],
    ["streaming-data/year=2026/month=01/day=31/hour=05/", "a folder marker or hidden file"],
    ["streaming-data/year=2026/month=01/day=31/hour=05/_SUCCESS", "a folder marker or hidden file"],
  ])("%s: %s", (k, reason) => {
    expect(partitionsOf([{ key: k }]).partitions.size).toBe(0);
    expect(whyNoPartition(k)).toContain(reason);
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
          "year=2026/month=01/day=31/hour=23",
        ],
      },
    });
  });
});

describe("objectRefs", () => {
  it("reads SQS-wrapped S3 notifications (decoded), skipping s3:TestEvent and junk bodies", () => {
    const ev = withBodies(sqsEvent([s3Encode(key("01"))]), [
      JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent" }),
      "not json",
    ]);
    const { shape, refs, ignoredMessages } = objectRefs(ev);
    expect(shape).toBe("sqs");
    // The sample notification's eventTime: when the object was created.
    expect(refs).toEqual([
      { key: key("01"), messageId: messageId(0), landedAt: Date.parse("2023-04-12T20:43:38.021Z") },
    ]);
    expect(ignoredMessages).toEqual([messageId(1), messageId(2)]);
  });
  it("reads direct S3 notifications, URL-decoded", () => {
    expect(objectRefs(s3Event([s3Encode(key("02"))]))).toEqual({
      shape: "s3",
      refs: [{ key: key("02"), landedAt: Date.parse("2019-09-03T19:37:27.192Z") }],
      ignoredMessages: [],
      ignoredKeys: [],
    });
  });
  it("reads EventBridge Object Created keys as they are: a literal % or + is not decoded", () => {
    const literal = "streaming-data/year=2026/month=01/day=31/hour=03/100%+a%3D.parquet";
    expect(objectRefs(eventBridgeEvent(literal))).toEqual({
      shape: "eventbridge",
      refs: [{ key: literal, landedAt: Date.parse("2023-03-08T17:50:14Z") }],
      ignoredMessages: [],
      ignoredKeys: [],
    });
  });
  it("reports an S3 key with a malformed escape as ignored, naming it", () => {
    const { refs, ignoredKeys } = objectRefs(sqsEvent(["streaming-data/%E0%A4%A"]));
    expect(refs).toEqual([]);
    expect(ignoredKeys).toEqual([
      { key: "streaming-data/%E0%A4%A", reason: "malformed URL encoding", messageId: messageId(0) },
    ]);
  });
  it("yields nothing for other events", () => {
    expect(objectRefs(null)).toMatchObject({ shape: "unknown", refs: [] });
    expect(objectRefs({ Records: "x" })).toMatchObject({ shape: "unknown", refs: [] });
  });
  it("groups 50 objects of one hour into one partition", () => {
    const refs = objectRefs(s3Event(Array.from({ length: 50 }, (_, i) => s3Encode(key("05", i))))).refs;
    expect([...partitionsOf(refs).partitions.keys()]).toEqual([step("05")]);
  });
});

describe("trigger", () => {
  it("adds one step per new partition", async () => {
    const emr = new FakeEmr();
    const res = await trigger(s3Event([key("01"), key("01", 1), key("02")].map(s3Encode)), emr, CFG);
    expect(emr.added.map((s) => s.Name)).toEqual([step("01"), step("02")]);
    expect(res.batchItemFailures).toEqual([]);
  });
  it("adds the step for an S3 key whose = arrive as %3D (decoded)", async () => {
    const encoded = "streaming-data/year%3D2026/month%3D01/day%3D31/hour%3D06/a+b.parquet";
    for (const ev of [s3Event([encoded]), sqsEvent([encoded])]) {
      const emr = new FakeEmr();
      await trigger(ev, emr, CFG);
      expect(emr.added.map((s) => s.Name)).toEqual([step("06")]);
    }
  });
  it("adds the step for an EventBridge key with a literal % and + (not decoded)", async () => {
    const emr = new FakeEmr();
    await trigger(
      eventBridgeEvent("streaming-data/year=2026/month=01/day=31/hour=03/100%+x.parquet"),
      emr,
      CFG,
    );
    expect(emr.added.map((s) => s.Name)).toEqual([step("03")]);
    expect(ignoredKeyLines()).toEqual([]);
  });
  it("takes an EventBridge key with a literal %3D as it is: not a partition", async () => {
    const literal = "streaming-data/year%3D2026/month%3D01/day%3D31/hour%3D03/x.parquet";
    const emr = new FakeEmr();
    await trigger(eventBridgeEvent(literal), emr, CFG);
    expect(emr.added).toEqual([]);
    expect(ignoredKeyLines()).toEqual([
      {
        level: "warn",
        msg: "key ignored: adds no step",
        key: literal,
        reason: "no year=YYYY/month=MM/day=DD/hour=HH partition",
      },
    ]);
  });
  it("adds nothing for a pending step's hour; hands a running step's hour back until it has ended", async () => {
    const emr = new FakeEmr([
      { Name: step("01"), Status: { State: "PENDING" } },
      { Name: step("02"), Status: { State: "RUNNING" } },
      { Name: step("03"), Status: { State: "COMPLETED" } },
    ]);
    const batch = sqsEvent([key("01"), key("02"), key("03")].map(s3Encode));
    const res = await trigger(batch, emr, CFG);
    expect(res.alreadyPending).toEqual([step("01")]);
    expect(res.deferred).toEqual([step("02")]);
    // A finished step's hour gets a new step: the object may have landed after it listed.
    expect(emr.added.map((s) => s.Name)).toEqual([step("03")]);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: messageId(1) }]);
    // Retried while it still runs: handed back again, nothing added.
    const again = await trigger(sqsEvent([s3Encode(key("02"))]), emr, CFG);
    expect(again.batchItemFailures).toEqual([{ itemIdentifier: messageId(0) }]);
    expect(emr.added).toHaveLength(1);
    // Once it has ended, the retried message adds the step that sees the whole hour.
    emr.steps[1].Status.State = "COMPLETED";
    const after = await trigger(sqsEvent([s3Encode(key("02"))]), emr, CFG);
    expect(after.batchItemFailures).toEqual([]);
    expect(emr.added.map((s) => s.Name)).toEqual([step("03"), step("02")]);
  });
  it("a running step that started after the batch's objects landed lists them: nothing to hand back", async () => {
    const landed = Date.parse("2023-04-12T20:43:38.021Z"); // the sample notification's eventTime
    const running = (startedAt: Date) => ({
      Name: step("02"),
      Status: { State: "RUNNING", Timeline: { StartDateTime: startedAt } },
    });
    const after = new FakeEmr([running(new Date(landed + 1000))]);
    const res = await trigger(sqsEvent([s3Encode(key("02"))]), after, CFG);
    expect(res).toMatchObject({ coveredByRunning: [step("02")], deferred: [], batchItemFailures: [] });
    expect(after.added).toEqual([]);
    // Started before the object landed: it may not have seen it, so the message waits.
    const before = new FakeEmr([running(new Date(landed - 1000))]);
    const res2 = await trigger(sqsEvent([s3Encode(key("02"))]), before, CFG);
    expect(res2).toMatchObject({ coveredByRunning: [], deferred: [step("02")] });
    expect(res2.batchItemFailures).toEqual([{ itemIdentifier: messageId(0) }]);
  });
  it("a direct invocation for a running step's hour fails, so Lambda retries it", async () => {
    const emr = new FakeEmr([{ Name: step("02"), Status: { State: "RUNNING" } }]);
    await expect(trigger(s3Event([key("02"), key("04")]), emr, CFG)).rejects.toThrow(
      `a step is RUNNING for ${step("02")}: retry once it has ended (its output may miss this object)`,
    );
    // The other hour's step was still added (a retry finds it PENDING and adds nothing).
    expect(emr.added.map((s) => s.Name)).toEqual([step("04")]);
  });
  it("finds active steps on later ListSteps pages; a hour with a pending step counts as pending", async () => {
    const steps = Array.from({ length: 120 }, (_, i) => ({
      Name: `other-${i}`,
      Status: { State: "PENDING" },
    }));
    steps.push({ Name: step("09"), Status: { State: "RUNNING" } });
    steps.push({ Name: step("08"), Status: { State: "PENDING" } });
    steps.push({ Name: step("08"), Status: { State: "RUNNING" } });
    steps.push({ Name: step("07"), Status: { State: "FAILED" } });
    const active = await activeSteps(new FakeEmr(steps, undefined, 50), "j-1");
    expect([...active].sort()).toEqual([
      [step("08"), { state: "PENDING" }],
      [step("09"), { state: "RUNNING" }],
    ]);
  });
  it("a cluster that has ended: the hour is retried, and the log line says how to recover", async () => {
    const emr = new FakeEmr();
    const ended = Object.assign(
      new Error("A job flow that is shutting down, terminated, or finished may not be modified."),
      { name: "ValidationException" },
    );
    const send = emr.send.bind(emr);
    emr.send = async (cmd) => {
      if (cmd instanceof AddJobFlowStepsCommand) throw ended;
      return send(cmd);
    };
    const res = await trigger(sqsEvent([s3Encode(key("05"))]), emr, CFG);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: messageId(0) }]);
    const line = logLines().find((l) => l.msg === "AddJobFlowSteps failed")!;
    expect(line.fix).toBe(
      `cluster ${CFG.clusterId} has ended (idle auto-termination?): \`cdktf deploy\` brings up a new one and points this trigger at it; then redrive the DLQ`,
    );
    // Any other failure gets no such advice.
    const other = new FakeEmr([], failing(step("06")));
    await trigger(sqsEvent([s3Encode(key("06"))]), other, CFG);
    const lines = logLines().filter((l) => l.msg === "AddJobFlowSteps failed");
    expect(lines.at(-1)!.fix).toBeUndefined();
  });
  it("makes no EMR call when no key is under streaming-data/", async () => {
    const emr = new FakeEmr();
    const spy = jest.spyOn(emr, "send");
    await trigger(s3Event(["streaming-errors/processing-failed/x"]), emr, CFG);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("trigger: keys that add no step", () => {
  it.each([
    ["an impossible date (month=02/day=31)", key("10", 0, "31", "02"), "no such date or hour"],
    [
      "a deeper prefix (streaming-data/backfill/)",
      key("10").replace("streaming-data/", "streaming-data/backfill/"),
      "partition is not directly under streaming-data/",
    ],
  ])("%s: no step, one log line naming the key and why, the message not retried", async (_, k, reason) => {
    const emr = new FakeEmr();
    const res = await trigger(sqsEvent([s3Encode(k), s3Encode(key("11"))]), emr, CFG);
    expect(emr.added.map((s) => s.Name)).toEqual([step("11")]);
    expect(res.batchItemFailures).toEqual([]);
    const lines = ignoredKeyLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", key: k, messageId: messageId(0) });
    expect(String(lines[0].reason)).toContain(reason);
  });
  it("logs each ignored key once, in every shape", async () => {
    const bad = key("10", 0, "31", "02");
    const cases: Array<[unknown, string[]]> = [
      [s3Event([s3Encode(bad), s3Encode(bad)]), [bad, bad]],
      [eventBridgeEvent(bad), [bad]],
    ];
    for (const [ev, keys] of cases) {
      jest.mocked(console.log).mockClear();
      const emr = new FakeEmr();
      await expect(trigger(ev, emr, CFG)).resolves.toMatchObject({ partitions: 0 });
      expect(emr.attempted).toEqual([]);
      expect(ignoredKeyLines().map((l) => l.key)).toEqual(keys);
    }
  });
});

describe("trigger: AddJobFlowSteps failures", () => {
  it("SQS batch: the partial batch response lists exactly the messages of the failed partition", async () => {
    const emr = new FakeEmr([], failing(step("02")));
    const ev = withBodies(sqsEvent([key("01"), key("02"), key("01", 1), key("02", 1)].map(s3Encode)), [
      "junk",
    ]);
    const res = await trigger(ev, emr, CFG);
    expect(res.failed).toEqual([step("02")]);
    expect(emr.added.map((s) => s.Name)).toEqual([step("01")]);
    expect(res.batchItemFailures).toEqual([
      { itemIdentifier: messageId(1) },
      { itemIdentifier: messageId(3) },
    ]);
  });
  it("direct S3 notification: rejects after trying every partition, naming the failed step", async () => {
    const emr = new FakeEmr([], failing(step("01")));
    await expect(trigger(s3Event([key("01"), key("02")].map(s3Encode)), emr, CFG)).rejects.toThrow(
      `AddJobFlowSteps failed for 1 of 2 partition(s): ${step("01")}`,
    );
    expect(emr.attempted).toEqual([step("01"), step("02")]);
    expect(emr.added.map((s) => s.Name)).toEqual([step("02")]);
  });
  it("EventBridge Object Created: rejects, naming the failed step", async () => {
    const emr = new FakeEmr([], failing(step("04")));
    await expect(trigger(eventBridgeEvent(key("04")), emr, CFG)).rejects.toThrow(
      `AddJobFlowSteps failed for 1 of 1 partition(s): ${step("04")}`,
    );
  });
  it("direct S3 and EventBridge resolve when every step was added", async () => {
    await expect(trigger(s3Event([s3Encode(key("01"))]), new FakeEmr(), CFG)).resolves.toMatchObject({
      added: [step("01")],
      failed: [],
    });
    await expect(trigger(eventBridgeEvent(key("01")), new FakeEmr(), CFG)).resolves.toMatchObject({
      added: [step("01")],
      failed: [],
    });
  });
});

describe("handler (the Lambda entry)", () => {
  const ENV = {
    EMR_CLUSTER_ID: "j-1",
    STREAMING_SCRIPT_URI: "s3://lake/scripts/p.py",
    RAW_EVENTS_URI: "s3://lake/streaming-data/",
    PROCESSED_URI: "s3://lake/processed-data/",
  };
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
    Object.assign(process.env, ENV, { AWS_REGION: "us-east-1" });
    // The handler's own EMRClient, answered here: no pending steps, every AddJobFlowSteps throttled.
    jest.spyOn(EMRClient.prototype, "send").mockImplementation(async (cmd: unknown) => {
      if (cmd instanceof ListStepsCommand) return { Steps: [] };
      throw new Error("ThrottlingException: Rate exceeded");
    });
  });
  afterEach(() => {
    process.env = saved;
  });
  it("rejects a direct S3 invocation whose step could not be added (Lambda then retries it)", async () => {
    await expect(handler(s3Event([s3Encode(key("01"))]))).rejects.toThrow(
      `AddJobFlowSteps failed for 1 of 1 partition(s): ${step("01")}`,
    );
  });
  it("answers an SQS batch with only its partial batch response", async () => {
    await expect(handler(sqsEvent([s3Encode(key("01"))]))).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: messageId(0) }],
    });
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
    expect(args.slice(0, 3)).toEqual(["spark-submit", "--deploy-mode", "cluster"]);
    expect(args[args.indexOf("--input") - 1]).toBe("s3://b/scripts/p.py");
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
