/**
 * status / logs / cancel / runs against scripted EMR and in-memory S3, for what moto cannot
 * show: steps that FAILED, COMPLETED or were CANCELLED, an accepted cancel, and logs on S3.
 * The moto test covers the same commands over the wire.
 */
import { gzipSync } from "node:zlib";
import type { StepSummary } from "../scripts/submit-job/aws";
import { exitCodeFor, UsageError } from "../scripts/submit-job/errors";
import {
  cancel,
  type LifecycleDeps,
  type LifecycleOptions,
  logs,
  parseRunRef,
  parseRunsQuery,
  runs,
  scriptOf,
  splitStepName,
  status,
} from "../scripts/submit-job/lifecycle";
import { pickStreams, streamOf, tailLines } from "../scripts/submit-job/logs";
import { FakeClock, MemS3, recordingProgress, ScriptedEmr } from "./submit-job.fakes";

const O: LifecycleOptions = { repoRoot: "/nowhere", clusterId: "j-LIFE" };
const T0 = Date.UTC(2026, 0, 31, 9, 0, 0);

function step(id: string, name: string, state: string, extra: Partial<StepSummary> = {}): StepSummary {
  return {
    id,
    name,
    state,
    args: ["spark-submit", "--deploy-mode", "cluster", `s3://lake/scripts/${name.split(":")[0]}/abc/x.py`],
    created: new Date(T0),
    ...extra,
  };
}

function setup(steps: StepSummary[], cluster: Partial<{ state: string; reasonCode: string }> = {}) {
  const emr = new ScriptedEmr([], undefined, cluster);
  emr.steps = steps;
  const s3 = new MemS3();
  const progress = recordingProgress();
  const clock = new FakeClock();
  clock.t = T0 + 600_000;
  const deps: LifecycleDeps = {
    aws: () => ({ emr, s3 }),
    terraformOutput: async () => {
      throw new Error("--cluster-id needs no outputs");
    },
    clock,
    progress,
  };
  return { emr, s3, progress, deps };
}

async function usage(p: Promise<unknown>, message: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UsageError);
  expect((e as Error).message).toMatch(message);
  expect((e as Error).message).not.toContain("\n");
}

describe("naming a run", () => {
  it("takes a step id, a run id, or <job>:<run-id>, and --job", () => {
    expect(parseRunRef("s-1A2B3C", "status")).toEqual({ kind: "step", word: "s-1A2B3C", stepId: "s-1A2B3C" });
    expect(parseRunRef("nightly-1", "status")).toEqual({
      kind: "run",
      word: "nightly-1",
      runId: "nightly-1",
    });
    expect(parseRunRef("nightly-1", "status", "optimization")).toMatchObject({
      runId: "nightly-1",
      job: "optimization",
    });
    expect(parseRunRef("batch-processing:nightly-1", "logs")).toMatchObject({
      runId: "nightly-1",
      job: "batch-processing",
    });
    // The trigger's step names carry the partition: its runs can be named too.
    expect(parseRunRef("streaming-processor:year=2026/month=01/day=31/hour=09", "status")).toMatchObject({
      job: "streaming-processor",
      runId: "year=2026/month=01/day=31/hour=09",
    });
  });
  it("refuses a missing, spaced or contradicted name in one line", () => {
    expect(() => parseRunRef(undefined, "cancel")).toThrow(/^cancel needs a run id or a step id/);
    expect(() => parseRunRef("a b", "status")).toThrow(/no spaces/);
    expect(() => parseRunRef("optimization:r", "status", "batch-processing")).toThrow(
      "optimization:r names job optimization, but --job says batch-processing",
    );
    expect(() => parseRunRef("r", "status", "Bad_Job")).toThrow(/--job must be a kebab-case job name/);
  });
  it("splits step names at the first colon, only for job-named steps", () => {
    expect(splitStepName("batch-processing:a:b")).toEqual({ job: "batch-processing", runId: "a:b" });
    expect(splitStepName("Setup hadoop debugging")).toBeUndefined();
    expect(splitStepName("Weird_Name:x")).toBeUndefined();
    expect(splitStepName("job:")).toBeUndefined();
  });
  it("finds the script among a step's args", () => {
    expect(scriptOf(["spark-submit", "--conf", "a=b", "s3://l/x/job.py", "--input", "in.py"])).toBe(
      "s3://l/x/job.py",
    );
  });
});

describe("status", () => {
  it("reports a FAILED step with its failure and exits 1", async () => {
    const { deps } = setup([
      step("s-OLD", "batch-processing:r-1", "COMPLETED"),
      step("s-F", "optimization:r-2", "FAILED", {
        started: new Date(T0 + 1000),
        ended: new Date(T0 + 61_000),
        failure: { reason: "Unknown Error.", logFile: "s3://logs-b/emr-logs/j-LIFE/steps/s-F/stderr.gz" },
      }),
    ]);
    const { outcome, result } = await status(O, parseRunRef("r-2", "status"), deps);
    expect(exitCodeFor(outcome)).toBe(1);
    expect(result).toMatchObject({
      stepId: "s-F",
      job: "optimization",
      runId: "r-2",
      state: "FAILED",
      started: "2026-01-31T09:00:01.000Z",
      ended: "2026-01-31T09:01:01.000Z",
      durationSeconds: 60,
      failure: { reason: "Unknown Error.", logFile: "s3://logs-b/emr-logs/j-LIFE/steps/s-F/stderr.gz" },
      script: "s3://lake/scripts/optimization/abc/x.py",
    });
  });
  it.each([
    ["PENDING", 0],
    ["RUNNING", 0],
    ["COMPLETED", 0],
    ["CANCEL_PENDING", 0],
    ["CANCELLED", 1],
    ["INTERRUPTED", 1],
  ])("exits by the step's state: %s → %i", async (state, code) => {
    const { deps } = setup([step("s-1", "optimization:r", state)]);
    expect(exitCodeFor((await status(O, parseRunRef("s-1", "status"), deps)).outcome)).toBe(code);
  });
  it("counts a running step's duration up to now", async () => {
    const { deps } = setup([step("s-1", "optimization:r", "RUNNING", { started: new Date(T0) })]);
    expect((await status(O, parseRunRef("r", "status"), deps)).result.durationSeconds).toBe(600);
  });
  it("takes the newest step of a name used twice (by another tool)", async () => {
    const { deps } = setup([
      step("s-1", "optimization:r", "FAILED"),
      step("s-2", "optimization:r", "RUNNING"),
    ]);
    expect((await status(O, parseRunRef("r", "status"), deps)).result.stepId).toBe("s-2");
  });
});

describe("cancel", () => {
  it("cancels a RUNNING step (SEND_INTERRUPT through cancelStep) and reports the state after it", async () => {
    const { emr, deps, progress } = setup([step("s-1", "optimization:r", "RUNNING")]);
    const { outcome, result } = await cancel(O, parseRunRef("optimization:r", "cancel"), deps);
    expect(emr.cancels).toEqual(["s-1"]);
    expect(exitCodeFor(outcome)).toBe(0);
    expect(result).toMatchObject({
      stateBefore: "RUNNING",
      state: "CANCEL_PENDING",
      cancel: { attempted: true, ok: true },
    });
    expect(progress.lines).toEqual(["cancel requested for s-1"]);
  });
  it("an already cancelled step is done: exit 0, no call", async () => {
    const { emr, deps } = setup([step("s-1", "optimization:r", "CANCELLED")]);
    const { outcome, result } = await cancel(O, parseRunRef("r", "cancel"), deps);
    expect(emr.cancels).toEqual([]);
    expect(exitCodeFor(outcome)).toBe(0);
    expect(result.cancel).toEqual({
      attempted: false,
      ok: true,
      message: "step s-1 (optimization:r) is already CANCELLED",
    });
  });
  it("a finished step cannot be cancelled: exit 1, no call", async () => {
    const { emr, deps } = setup([step("s-1", "optimization:r", "COMPLETED")]);
    const { outcome, result } = await cancel(O, parseRunRef("r", "cancel"), deps);
    expect(emr.cancels).toEqual([]);
    expect(exitCodeFor(outcome)).toBe(1);
    expect(result.cancel.message).toBe(
      "step s-1 (optimization:r) already ended COMPLETED; nothing to cancel",
    );
  });
  it("a refused cancel is exit 1 with EMR's reason", async () => {
    const emr = new ScriptedEmr([], { attempted: true, ok: false, message: "cancel of s-1 not possible: x" });
    emr.steps = [step("s-1", "optimization:r", "PENDING")];
    const { deps } = setup([]);
    const { outcome, result } = await cancel(O, parseRunRef("r", "cancel"), {
      ...deps,
      aws: () => ({ emr, s3: new MemS3() }),
    });
    expect(exitCodeFor(outcome)).toBe(1);
    expect(result).toMatchObject({
      state: "PENDING",
      cancel: { ok: false, message: "cancel of s-1 not possible: x" },
    });
  });
  it("a terminated cluster is a usage error before any step is looked up", async () => {
    const { emr, deps } = setup([step("s-1", "optimization:r", "RUNNING")], {
      state: "TERMINATED",
      reasonCode: "IDLE_TIMEOUT",
    });
    await usage(
      cancel(O, parseRunRef("r", "cancel"), deps),
      /^cluster j-LIFE is TERMINATED \(idle auto-termination\): its steps ended with it, there is nothing to cancel$/,
    );
    expect(emr.listCalls).toEqual([]);
  });
});

describe("runs", () => {
  const many = () =>
    setup([
      step("s-1", "batch-processing:a", "COMPLETED"),
      step("s-2", "Setup hadoop debugging", "COMPLETED"),
      step("s-3", "optimization:b", "FAILED"),
      step("s-4", "batch-processing:c", "RUNNING"),
    ]);
  it("lists job-named steps newest first; says when --limit cut the list", async () => {
    const { deps } = many();
    const all = (await runs(O, {}, deps)).result;
    expect(all.runs.map((r) => r.stepId)).toEqual(["s-4", "s-3", "s-1"]);
    expect(all.more).toBe(false);
    const two = (await runs(O, { limit: "2" }, deps)).result;
    expect(two.runs.map((r) => r.stepId)).toEqual(["s-4", "s-3"]);
    expect(two.more).toBe(true);
  });
  it("filters by job client-side and by state server-side", async () => {
    const { emr, deps } = many();
    expect((await runs(O, { job: "batch-processing" }, deps)).result.runs.map((r) => r.stepId)).toEqual([
      "s-4",
      "s-1",
    ]);
    const failed = (await runs(O, { state: "failed,completed" }, deps)).result;
    expect(failed.runs.map((r) => r.stepId)).toEqual(["s-3", "s-1"]);
    expect(emr.listCalls.at(-1)?.states).toEqual(["FAILED", "COMPLETED"]);
  });
  it("validates its filters", () => {
    expect(parseRunsQuery({})).toEqual({ job: undefined, states: undefined, limit: 20 });
    expect(() => parseRunsQuery({ limit: "1.5" })).toThrow(/--limit must be a whole number/);
    expect(() => parseRunsQuery({ limit: "1001" })).toThrow(/--limit must be a whole number/);
    expect(() => parseRunsQuery({ state: "RUNNING,DONE" })).toThrow(/--state must be one or more of/);
  });
});

describe("logs", () => {
  const prefix = "emr-logs/j-LIFE/steps/s-1/";
  it("lists the step's prefix and reads stderr and stdout whatever their names, not controller/syslog", async () => {
    const { s3, deps } = setup([step("s-1", "optimization:r", "FAILED")]);
    const put = (name: string, text: string, gz = true) =>
      s3.objects.set(`logs-b/${prefix}${name}`, gz ? gzipSync(Buffer.from(text)) : Buffer.from(text));
    put("controller.gz", "controller says");
    put("syslog.gz", "syslog says");
    put("stdout.gz", "out 1\nout 2\n");
    put("stderr.gz", Array.from({ length: 300 }, (_, i) => `err ${i}`).join("\n"));
    put("stderr.1", "rotated, not gzipped", false);
    const { outcome, result } = await logs(O, parseRunRef("r", "logs"), "5", deps);
    expect(exitCodeFor(outcome)).toBe(0);
    expect(result.logPrefix).toBe(`s3://logs-b/${prefix}`);
    expect(
      result.logs.map((f) => [f.stream, f.uri.slice(`s3://logs-b/${prefix}`.length), f.text, f.truncated]),
    ).toEqual([
      ["stderr", "stderr.1", "rotated, not gzipped", false],
      ["stderr", "stderr.gz", "err 295\nerr 296\nerr 297\nerr 298\nerr 299", true],
      ["stdout", "stdout.gz", "out 1\nout 2", false],
    ]);
    // A failed step whose stderr names no YARN application failed in spark-submit itself.
    expect(result.notes).toEqual([
      "the step's stderr names no YARN application: spark-submit failed before the job started (see the step's stderr)",
    ]);
  });
  it("says so when EMR has uploaded nothing yet, or only other files", async () => {
    const { s3, deps, progress } = setup([step("s-1", "optimization:r", "RUNNING")]);
    const none = (await logs(O, parseRunRef("r", "logs"), undefined, deps)).result;
    expect(none.notes).toEqual([
      `EMR has not uploaded any log of step s-1 to s3://logs-b/${prefix} yet (it pushes step logs every 5 minutes)`,
    ]);
    expect(progress.lines).toEqual(none.notes);
    s3.objects.set(`logs-b/${prefix}controller.gz`, gzipSync(Buffer.from("c")));
    const some = (await logs(O, parseRunRef("r", "logs"), undefined, deps)).result;
    expect(some.notes).toEqual([
      `s3://logs-b/${prefix} has 1 file(s) but no stderr or stdout yet (EMR pushes step logs every 5 minutes)`,
    ]);
  });
  it("names the streams of EMR's file names and tails by lines", () => {
    expect(
      ["stderr.gz", "stderr", "stderr.1.gz", "stdout.gz", "stderr-old", "controller.gz", "mystderr"].map(
        streamOf,
      ),
    ).toEqual(["stderr", "stderr", "stderr", "stdout", "stderr", undefined, undefined]);
    expect(
      pickStreams(
        [
          { key: "p/sub/stderr.gz", size: 1 },
          { key: "p/stdout", size: 1 },
        ],
        "p/",
      ),
    ).toEqual([{ key: "p/stdout", size: 1, stream: "stdout" }]);
    expect(tailLines("a\nb\nc\n\n", 2)).toEqual({ text: "b\nc", lines: 2, truncated: true });
    expect(tailLines("a\nb\n", 0)).toEqual({ text: "a\nb", lines: 2, truncated: false });
    expect(tailLines("", 5)).toEqual({ text: "", lines: 0, truncated: false });
  });
});
