/**
 * The wait/cancel/timeout/failure paths and the submit flow, against a scripted EMR client and
 * an in-memory S3 (moto never finishes steps and has no CancelSteps). A fake clock makes the
 * backoff observable and the tests instant.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { EmrApi, S3Api, StepStatus } from "../scripts/submit-job/aws";
import { UsageError } from "../scripts/submit-job/errors";
import { sparkSubmitArgs } from "../constructs/contract/spark-step";
import { submit, SubmitOptions } from "../scripts/submit-job/run";
import { Progress, waitForStep } from "../scripts/submit-job/wait";
import { FakeClock, MemS3, ScriptedEmr } from "./submit-job.fakes";

const lines: string[] = [];
const progress: Progress = {
  state: (s, e) => lines.push(`state ${s} ${e}`),
  info: (l) => lines.push(l),
  done: () => undefined,
};
beforeEach(() => {
  lines.length = 0;
});

const base = { clusterId: "j-1", stepId: "s-1", logUri: "s3://logs-b/emr-logs/", logWaitSeconds: 60 };
const st = (state: string, extra: Partial<StepStatus> = {}): StepStatus => ({ state, ...extra });

describe("waitForStep", () => {
  it("polls with 5 s → 60 s backoff until COMPLETED", async () => {
    const emr = new ScriptedEmr([
      st("PENDING"),
      st("PENDING"),
      st("RUNNING"),
      st("RUNNING"),
      st("RUNNING"),
      st("RUNNING"),
      st("COMPLETED"),
    ]);
    const clock = new FakeClock();
    const r = await waitForStep(emr, new MemS3(), clock, progress, base);
    expect(r).toMatchObject({ state: "COMPLETED", ended: "terminal", polls: 7 });
    expect(clock.sleeps).toEqual([5, 10, 20, 40, 60, 60]);
    expect(r.elapsedSeconds).toBe(195);
    expect(emr.cancels).toEqual([]);
  });
  it("with a live line, sleeps in 1 s slices and redraws its clock after each", async () => {
    const emr = new ScriptedEmr([st("RUNNING"), st("RUNNING"), st("COMPLETED")]);
    const clock = new FakeClock();
    const ticks: number[] = [];
    const live: Progress = { ...progress, tick: (e) => ticks.push(e) };
    const r = await waitForStep(emr, new MemS3(), clock, live, { ...base, timeoutSeconds: 12.5 });
    // Backoff 5 s, then 10 s clipped to the 7.5 s left: the same total as without a live line.
    expect(clock.sleeps).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5]);
    expect(ticks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12.5]);
    expect(r).toMatchObject({ state: "RUNNING", ended: "timeout" });
  });
  it("on timeout clips the last sleep to the deadline, cancels with SEND_INTERRUPT and reports it", async () => {
    const emr = new ScriptedEmr([st("RUNNING")]);
    const clock = new FakeClock();
    const r = await waitForStep(emr, new MemS3(), clock, progress, { ...base, timeoutSeconds: 12 });
    expect(clock.sleeps).toEqual([5, 7]);
    expect(r).toMatchObject({ state: "RUNNING", ended: "timeout", cancel: { attempted: true, ok: true } });
    expect(emr.cancels).toEqual(["s-1"]);
    expect(lines).toContain("timeout after 12s with the step RUNNING; cancelling s-1 (SEND_INTERRUPT)");
  });
  it("reports when the cancel is impossible", async () => {
    const emr = new ScriptedEmr([st("RUNNING")], {
      attempted: true,
      ok: false,
      message: "cancel of s-1 not possible: step already finished",
    });
    const r = await waitForStep(emr, new MemS3(), new FakeClock(), progress, { ...base, timeoutSeconds: 2 });
    expect(r.cancel).toEqual({
      attempted: true,
      ok: false,
      message: "cancel of s-1 not possible: step already finished",
    });
    expect(lines).toContain("cancel of s-1 not possible: step already finished");
  });
  it("on Ctrl-C (abort) cancels the step and ends as interrupted", async () => {
    const emr = new ScriptedEmr([st("RUNNING")]);
    const ac = new AbortController();
    const clock = new FakeClock();
    clock.onSleep = (c) => {
      if (c.sleeps.length === 3) ac.abort();
    };
    const r = await waitForStep(emr, new MemS3(), clock, progress, { ...base, signal: ac.signal });
    expect(r.ended).toBe("interrupted");
    expect(emr.cancels).toEqual(["s-1"]);
    expect(r.polls).toBe(3);
  });
  it("on FAILED prints the failure details and, once the logs appear, the stderr tail and traceback", async () => {
    const emr = new ScriptedEmr([
      st("RUNNING"),
      st("FAILED", {
        failure: {
          reason: "Unknown Error.",
          message: "ValueError: bad partition",
          logFile: "s3://logs-b/emr-logs/j-1/steps/s-1/stderr.gz",
        },
      }),
    ]);
    const s3 = new MemS3();
    s3.objects.set(
      "logs-b/emr-logs/j-1/steps/s-1/stderr.gz",
      gzipSync(Buffer.from("Traceback (most recent call last):\n  File x\nValueError: bad partition\n")),
    );
    s3.listableAfter.set("emr-logs/j-1/steps/s-1/", 2); // not listed for the first two looks
    const clock = new FakeClock();
    const r = await waitForStep(emr, s3, clock, progress, base);
    expect(r.state).toBe("FAILED");
    expect(r.failure).toEqual({
      reason: "Unknown Error.",
      message: "ValueError: bad partition",
      logFile: "s3://logs-b/emr-logs/j-1/steps/s-1/stderr.gz",
      logTail: "Traceback (most recent call last):\n  File x\nValueError: bad partition",
      traceback: {
        uri: "s3://logs-b/emr-logs/j-1/steps/s-1/stderr.gz",
        kind: "traceback",
        text: "Traceback (most recent call last):\n  File x\nValueError: bad partition",
        lines: 3,
        truncated: false,
      },
    });
    expect(clock.sleeps).toEqual([5, 15, 15]);
    expect(lines).toContain("step FAILED: Unknown Error. — ValueError: bad partition");
    expect(lines).toContain(
      "waiting up to 1m00s for the logs under s3://logs-b/emr-logs/j-1/steps/s-1/ and the driver's container (EMR uploads them every few minutes)",
    );
  });
  it("bounds the wait for logs that never appear, and says where to look later", async () => {
    const emr = new ScriptedEmr([st("FAILED", { failure: { reason: "Step failed" } })]);
    const clock = new FakeClock();
    const r = await waitForStep(emr, new MemS3(), clock, progress, { ...base, logWaitSeconds: 40 });
    expect(clock.sleeps).toEqual([15, 15, 10]);
    expect(r.failure?.logTail).toBeUndefined();
    expect(r.failure?.logNote).toBe(
      "EMR has not uploaded any log of step s-1 to s3://logs-b/emr-logs/j-1/steps/s-1/ yet (it pushes step logs every 5 minutes) after 40s; later: submit-job logs s-1",
    );
  });
  it("ends on CANCELLED without cancelling again", async () => {
    const emr = new ScriptedEmr([st("CANCEL_PENDING"), st("CANCELLED")]);
    const r = await waitForStep(emr, new MemS3(), new FakeClock(), progress, base);
    expect(r).toMatchObject({ state: "CANCELLED", ended: "terminal" });
    expect(emr.cancels).toEqual([]);
  });
});

describe("submit with scripted AWS", () => {
  const jobsDir = join(__dirname, "fixtures", "jobs");
  const opts: SubmitOptions = {
    job: "streaming-processor",
    repoRoot: join(__dirname, ".."),
    jobsDir,
    clusterId: "j-ABC",
    bucket: "lake-b",
    conf: ["spark.sql.shuffle.partitions=8"],
    runId: "r-1",
    wait: true,
    logWait: "1m",
    dryRun: false,
    local: false,
    master: "local[*]",
    extra: ["--partition", "year=2026/month=01/day=31/hour=09"],
  };
  const deps = (emr: EmrApi, s3: S3Api, clock = new FakeClock()) => ({
    aws: () => ({ emr, s3 }),
    terraformOutput: async () => {
      throw new Error("must not be called with --cluster-id and --bucket");
    },
    clock,
    progress,
    childStdout: "inherit" as const,
  });

  it("uploads script + helper zip, adds one step, waits to COMPLETED", async () => {
    const emr = new ScriptedEmr([st("RUNNING"), st("COMPLETED")]);
    const s3 = new MemS3();
    const { outcome, result } = await submit(opts, deps(emr, s3));
    expect(outcome).toEqual({ kind: "step", state: "COMPLETED" });
    expect(s3.puts).toHaveLength(2);
    // The package prefix is sha256(script ‖ helper zip)[:12]; the zip is what was uploaded.
    const script = readFileSync(join(jobsDir, "streaming_processor.py"));
    const zipKey = s3.puts[1];
    expect(zipKey).toMatch(/^lake-b\/scripts\/streaming-processor\/[0-9a-f]{12}\/common\.zip$/);
    const hash = createHash("sha256").update(script).update(s3.objects.get(zipKey)!).digest("hex");
    const prefix = `lake-b/scripts/streaming-processor/${hash.slice(0, 12)}/`;
    expect(s3.puts).toEqual([`${prefix}streaming_processor.py`, `${prefix}common.zip`]);
    expect(s3.objects.get(s3.puts[0])!.equals(script)).toBe(true);
    expect(emr.added[0].Steps[0].HadoopJarStep.Args).toEqual(
      sparkSubmitArgs({
        name: "streaming-processor:r-1",
        scriptUri: `s3://${prefix}streaming_processor.py`,
        pyFilesUri: `s3://${prefix}common.zip`,
        conf: ["spark.sql.shuffle.partitions=8"],
        jobArgs: [
          "--input",
          "s3://lake-b/streaming-data/",
          "--output",
          "s3://lake-b/processed-data/streaming-processor/",
          "--partition",
          "year=2026/month=01/day=31/hour=09",
        ],
      }),
    );
    expect(emr.added).toHaveLength(1);
    expect(emr.added[0].Steps[0].Name).toBe("streaming-processor:r-1");
    expect(result).toMatchObject({
      stepId: "s-1",
      state: "COMPLETED",
      script: { uploaded: true },
      pyFiles: { uploaded: true },
    });
  });
  it("re-running with the same run id uploads nothing and adds no step", async () => {
    const emr = new ScriptedEmr([st("COMPLETED")]);
    const s3 = new MemS3();
    await submit({ ...opts, wait: false }, deps(emr, s3));
    const { result } = await submit({ ...opts, wait: false }, deps(emr, s3));
    expect(emr.added).toHaveLength(1);
    expect(s3.puts).toHaveLength(2);
    expect(result).toMatchObject({ reused: true, stepId: "s-1", script: { uploaded: false } });
  });
  it("a new run id with unchanged code skips the uploads (HeadObject) but adds a step", async () => {
    const emr = new ScriptedEmr([st("COMPLETED")]);
    const s3 = new MemS3();
    await submit({ ...opts, wait: false }, deps(emr, s3));
    const { result } = await submit({ ...opts, wait: false, runId: "r-2" }, deps(emr, s3));
    expect(s3.puts).toHaveLength(2);
    expect(emr.added).toHaveLength(2);
    expect(result.script.uploaded).toBe(false);
  });
  it("refuses a terminated cluster before uploading anything", async () => {
    const emr = new ScriptedEmr([st("COMPLETED")], undefined, {
      state: "TERMINATED",
      reasonCode: "IDLE_TIMEOUT",
    });
    const s3 = new MemS3();
    await expect(submit(opts, deps(emr, s3))).rejects.toThrow(
      new UsageError(
        "cluster j-ABC is TERMINATED (idle auto-termination); redeploy the stack (`cdktf deploy`) or pass --cluster-id",
      ),
    );
    expect(s3.puts).toEqual([]);
    expect(emr.added).toEqual([]);
  });
  it("--timeout ends in a timeout outcome with the cancel attempt in the result", async () => {
    const emr = new ScriptedEmr([st("PENDING")], {
      attempted: true,
      ok: false,
      message: "cancel of s-1 failed: not implemented",
    });
    const { outcome, result } = await submit({ ...opts, timeout: "30s" }, deps(emr, new MemS3()));
    expect(outcome).toEqual({ kind: "timeout" });
    expect(result.cancel).toEqual({
      attempted: true,
      ok: false,
      message: "cancel of s-1 failed: not implemented",
    });
  });
  it("a FAILED step yields the failure with reason and log tail", async () => {
    const emr = new ScriptedEmr([st("FAILED", { failure: { reason: "Unknown Error.", message: "boom" } })]);
    const s3 = new MemS3();
    s3.objects.set("logs-b/emr-logs/j-ABC/steps/s-1/stderr.gz", gzipSync(Buffer.from("x\nboom\n")));
    const { outcome, result } = await submit(opts, deps(emr, s3));
    expect(outcome).toEqual({ kind: "step", state: "FAILED" });
    expect(result.failure).toMatchObject({
      reason: "Unknown Error.",
      message: "boom",
      logTail: "x\nboom",
      logFile: "s3://logs-b/emr-logs/j-ABC/steps/s-1/stderr.gz",
    });
  });
  it("--dry-run touches no AWS at all", async () => {
    const aws = jest.fn();
    const { outcome, result } = await submit(
      { ...opts, dryRun: true },
      { ...deps(new ScriptedEmr([]), new MemS3()), aws },
    );
    expect(aws).not.toHaveBeenCalled();
    expect(outcome).toEqual({ kind: "submitted" });
    expect(result.request?.Steps[0].HadoopJarStep.Args).toEqual(result.args);
  });
});
