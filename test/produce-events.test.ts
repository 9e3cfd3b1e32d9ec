import {
  CreateStreamCommand,
  ListShardsCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processRecords } from "../constructs/lambdas/firehose-transform/batch";
import { main, parseDuration, run, streamFromOutputs } from "../scripts/produce-events";
import { generateEvents, encodeEvent, prng } from "../scripts/events/generator";
import {
  kinesisClient,
  batches,
  sendRecords,
  MAX_BATCH_BYTES,
  type KinesisApi,
  type OutRecord,
} from "../scripts/events/producer";
import { motoEnv, setProcessEnv, startMoto, type MotoServer } from "./support/moto";

const START = new Date("2026-01-31T00:00:00.000Z");
const rec = (bytes: number, key = "k"): OutRecord => ({ data: new Uint8Array(bytes), partitionKey: key });

describe("generateEvents", () => {
  it("is deterministic per seed and differs across seeds", () => {
    const a = [...generateEvents({ seed: 42, count: 50, start: START, hours: 2 })];
    const b = [...generateEvents({ seed: 42, count: 50, start: START, hours: 2 })];
    const c = [...generateEvents({ seed: 43, count: 50, start: START, hours: 2 })];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("spreads events evenly over the hours and all pass the transform when invalidRatio is 0", () => {
    const evs = [...generateEvents({ seed: 1, count: 3000, start: START, hours: 3 })];
    const perHour = [0, 0, 0];
    for (const e of evs) perHour[new Date(e.timestamp as string).getUTCHours()]++;
    expect(perHour).toEqual([1000, 1000, 1000]);
    const out = processRecords(
      evs.map((e, i) => ({ recordId: String(i), data: Buffer.from(encodeEvent(e)).toString("base64") })),
    );
    expect(out.filter((r) => r.result !== "Ok")).toEqual([]);
    const types = new Set(evs.map((e) => e.log_type));
    expect([...types].sort()).toEqual(["application", "iot_sensor", "web_access"]);
    expect(evs.some((e) => "status_category" in e || "processed_at" in e || "schema_version" in e)).toBe(
      false,
    );
  });

  it("produces about invalidRatio of records the transform rejects", () => {
    const evs = [...generateEvents({ seed: 5, count: 4000, start: START, hours: 1, invalidRatio: 0.1 })];
    const failed = processRecords(
      evs.map((e, i) => ({ recordId: String(i), data: Buffer.from(encodeEvent(e)).toString("base64") })),
    ).filter((r) => r.result === "ProcessingFailed").length;
    expect(failed).toBeGreaterThan(300);
    expect(failed).toBeLessThan(500);
  });

  it("honours the mix", () => {
    const evs = [
      ...generateEvents({
        seed: 2,
        count: 1000,
        start: START,
        hours: 1,
        mix: { web_access: 0, application: 1, iot_sensor: 0 },
      }),
    ];
    expect(new Set(evs.map((e) => e.log_type))).toEqual(new Set(["application"]));
  });

  it.each([
    [{ count: -1 }, "count must be an integer ≥ 0, got -1"],
    [{ hours: 0 }, "hours must be > 0, got 0"],
    [{ invalidRatio: 2 }, "invalidRatio must be between 0 and 1, got 2"],
    [{ start: new Date("nope") }, "start must be a valid Date"],
    [{ mix: { mainframe: 1 } }, "mix key must be one of web_access, application, iot_sensor, got mainframe"],
  ])("fails when %p", (override, message) => {
    expect(() => [
      ...generateEvents({ seed: 1, count: 1, start: START, hours: 1, ...(override as object) }),
    ]).toThrow(message);
  });

  it("prng is uniform enough for test data", () => {
    const r = prng(9);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(r() * 10)]++;
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(500);
  });
});

describe("batches", () => {
  it("caps batches at 500 records", () => {
    const sizes = [...batches(Array.from({ length: 1201 }, () => rec(10)))].map((b) => b.length);
    expect(sizes).toEqual([500, 500, 201]);
  });
  it("caps batches at 5 MB of data + partition keys", () => {
    const bs = [...batches(Array.from({ length: 12 }, () => rec(1_000_000)))];
    expect(bs.map((b) => b.length)).toEqual([5, 5, 2]);
    for (const b of bs)
      expect(b.reduce((s, r) => s + r.data.byteLength + 1, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });
  it("fails on a record over 1 MiB", () => {
    expect(() => [...batches([rec(1024 * 1024)])]).toThrow(
      "record of 1048577 bytes exceeds the 1 MiB Kinesis limit",
    );
  });
});

describe("sendRecords", () => {
  /** Fails entries whose first data byte is listed, `failTimes` times each. */
  class FlakyKinesis implements KinesisApi {
    calls: number[] = [];
    seen = new Map<number, number>();
    constructor(private failing: Map<number, number>) {}
    async send(cmd: PutRecordsCommand) {
      const recs = cmd.input.Records ?? [];
      this.calls.push(recs.length);
      const Records = recs.map((r) => {
        const id = (r.Data as Uint8Array)[0];
        const n = (this.seen.get(id) ?? 0) + 1;
        this.seen.set(id, n);
        return n <= (this.failing.get(id) ?? 0)
          ? { ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down" }
          : { SequenceNumber: "1", ShardId: "shardId-0" };
      });
      return { FailedRecordCount: Records.filter((r) => "ErrorCode" in r).length, Records };
    }
  }
  const data = (n: number): OutRecord[] =>
    Array.from({ length: n }, (_, i) => ({ data: Uint8Array.of(i), partitionKey: `k${i}` }));

  it("retries only the failed entries, with growing backoff", async () => {
    const kinesis = new FlakyKinesis(
      new Map([
        [3, 2],
        [7, 1],
      ]),
    );
    const sleeps: number[] = [];
    const totals = await sendRecords(kinesis, data(10), {
      streamName: "s",
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.999,
    });
    expect(kinesis.calls).toEqual([10, 2, 1]);
    expect(totals).toMatchObject({ sent: 10, failed: 0, batches: 1, retries: 3 });
    expect(sleeps).toEqual([99, 199]);
  });

  it("counts entries that still fail after the last attempt", async () => {
    const kinesis = new FlakyKinesis(new Map([[1, 99]]));
    const totals = await sendRecords(kinesis, data(3), {
      streamName: "s",
      maxAttempts: 3,
      sleep: async () => undefined,
    });
    expect(totals).toMatchObject({
      sent: 2,
      failed: 1,
      failureCodes: { ProvisionedThroughputExceededException: 1 },
    });
  });

  it("does not retry a non-retryable error", async () => {
    const kinesis: KinesisApi = {
      send: async () => {
        throw Object.assign(new Error("Stream x not found"), { name: "ResourceNotFoundException" });
      },
    };
    await expect(sendRecords(kinesis, data(1), { streamName: "x" })).rejects.toThrow("Stream x not found");
  });
});

describe("produce-events CLI", () => {
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(() => jest.restoreAllMocks());

  it("writes exactly the record bytes as NDJSON with --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "produce-"));
    const file = join(dir, "e.ndjson");
    expect(
      await main([
        "--count",
        "20",
        "--seed",
        "3",
        "--start",
        "2026-01-31T00:00:00Z",
        "--hours",
        "2",
        "--out",
        file,
      ]),
    ).toBe(0);
    const expected = [...generateEvents({ seed: 3, count: 20, start: START, hours: 2 })].map(
      (e) => Buffer.from(encodeEvent(e)).toString() + "\n",
    );
    expect(readFileSync(file, "utf8")).toBe(expected.join(""));
    expect(stdout.mock.calls.join("")).toContain(`wrote 20 records to ${file}`);
  });

  it.each([
    [
      ["--count", "5"],
      "name the stream: --stream NAME, or --outputs FILE (kinesis_stream_name), or --out FILE",
    ],
    [["--duration", "5m", "--stream", "s"], "--duration needs --rate"],
    [
      ["--rate", "10", "--duration", "5 weeks", "--stream", "s"],
      "--duration must look like 90s, 5m or 2h, got 5 weeks",
    ],
    [["--start", "yesterday", "--out", "/tmp/x"], "--start must be an ISO-8601 time, got yesterday"],
    [["--invalid-ratio", "3", "--out", "/tmp/x"], "--invalid-ratio must be between 0 and 1, got 3"],
    [
      ["--mix", "web=1", "--out", "/tmp/x"],
      "--mix entries must be <web_access|application|iot_sensor>=<weight ≥ 0>, got web=1",
    ],
    [["--nope"], "Unknown argument: nope"],
  ])("exits 2 with one line for %p", async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toBe(`produce-events: ${message}\n`);
  });

  it("reads the stream name from cdktf outputs", () => {
    const dir = mkdtempSync(join(tmpdir(), "outputs-"));
    const file = join(dir, "o.json");
    writeFileSync(
      file,
      JSON.stringify({
        "pipeline-dev": { kinesis_stream_name: "dev-events" },
        "pipeline-prod": { kinesis_stream_name: "prod-events" },
      }),
    );
    expect(streamFromOutputs(file, "pipeline-prod")).toBe("prod-events");
    expect(() => streamFromOutputs(file)).toThrow(
      "has stacks pipeline-dev, pipeline-prod: pick one with --stack",
    );
    expect(parseDuration("2h")).toBe(7200);
  });
});

describe("producer against moto Kinesis", () => {
  let moto: MotoServer;
  let kinesis: KinesisClient;
  let restoreEnv = (): void => undefined;
  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = setProcessEnv(motoEnv(moto.endpoint));
    kinesis = kinesisClient();
  });
  afterAll(async () => {
    restoreEnv();
    kinesis?.destroy();
    await moto?.stop();
  });

  it("puts N records into a stream and reads back N identical ones", async () => {
    const StreamName = "pipeline-test-events";
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    const N = 1234;
    expect(
      await run(
        {
          count: N,
          seed: 11,
          hours: 2,
          start: "2026-01-31T00:00:00Z",
          invalidRatio: 0,
          stream: StreamName,
          json: true,
        },
        { kinesis },
      ),
    ).toBe(0);
    // ListShards, not DescribeStream: moto's StreamCreationTimestamp does not deserialise in SDK v3.
    const shards = await kinesis.send(new ListShardsCommand({ StreamName }));
    const got: string[] = [];
    for (const shard of shards.Shards ?? []) {
      let it = (
        await kinesis.send(
          new GetShardIteratorCommand({
            StreamName,
            ShardId: shard.ShardId,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        )
      ).ShardIterator;
      for (;;) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
        for (const r of page.Records ?? []) got.push(Buffer.from(r.Data!).toString("utf8"));
        if (!page.Records?.length) break;
        it = page.NextShardIterator;
      }
    }
    const expected = [...generateEvents({ seed: 11, count: N, start: START, hours: 2 })].map((e) =>
      Buffer.from(encodeEvent(e)).toString(),
    );
    expect(got.length).toBe(N);
    expect(got.sort()).toEqual(expected.sort());
  });

  it("exits 1 with the AWS error when the stream does not exist", async () => {
    const err = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main(["--count", "3", "--stream", "missing-stream"])).toBe(1);
    expect(String(err.mock.calls[0][0])).toMatch(
      /^produce-events: ResourceNotFoundException: .*missing-stream/,
    );
  });
});
