/**
 * The real traceback of a failed step, from logs laid out as EMR archives them
 * (test/fixtures/emr-logs/, see its README): the application id in the step's stderr, the
 * driver's container (the last attempt's application master), its stdout before its stderr, the
 * traceback bounded; and what is said when EMR has not uploaded the logs yet. Also the wait after
 * a FAILED step and `status`, which show the same; and a failed --local run, explained from its
 * output the same way.
 */
import { gunzipSync } from "node:zlib";
import {
  applicationIdOf,
  diagnose,
  driverContainers,
  findErrorLine,
  findTraceback,
} from "../scripts/submit-job/logs";
import { parseRunRef, status } from "../scripts/submit-job/lifecycle";
import { localFailure, OutputTail } from "../scripts/submit-job/run";
import { logsText } from "../scripts/submit-job/print";
import { waitForStep } from "../scripts/submit-job/wait";
import {
  emrLogFixture,
  emrLogFixtureIds,
  FakeClock,
  MemS3,
  recordingProgress,
  ScriptedEmr,
} from "./submit-job.fakes";

const LOG_URI = "s3://logs-b/emr-logs/";

/** An S3 holding one fixture under the log URI (optionally only some of its keys). */
function lake(scenario: string, only?: (key: string) => boolean): MemS3 {
  const s3 = new MemS3();
  for (const f of emrLogFixture(scenario, {}, only)) s3.objects.set(`logs-b/emr-logs/${f.key}`, f.body);
  return s3;
}

describe("the driver's traceback from EMR's log layout", () => {
  it("a driver that printed only to stdout, two attempts: the last attempt's stdout, in full", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("module-not-found");
    const d = await diagnose(lake("module-not-found"), LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    const app = "application_1769850000000_0007";
    const container = "container_1769850000000_0007_02_000001";
    expect(d.applicationId).toBe(app);
    expect(d).toMatchObject({ driverContainer: container, attempts: 2, complete: true, notes: [] });
    expect(d.traceback).toEqual({
      uri: `${LOG_URI}${clusterId}/containers/${app}/${container}/stdout.gz`,
      kind: "traceback",
      text: [
        "Traceback (most recent call last):",
        `  File "/mnt/yarn/usercache/hadoop/appcache/${app}/${container}/batch_processing.py", line 14, in <module>`,
        "    import ujson",
        "ModuleNotFoundError: No module named 'ujson'",
      ].join("\n"),
      lines: 4,
      truncated: false,
    });
    // The step's own stderr and stdout come first, then the driver's (not prelaunch.*, not executors').
    expect(d.step.files.map((f) => f.uri.split("/").pop())).toEqual(["stderr.gz", "stdout.gz"]);
    expect(d.driver.map((f) => [f.container, f.stream])).toEqual([
      [container, "stderr"],
      [container, "stdout"],
    ]);
  });

  it("a chained traceback ending in a Py4JJavaError: from its first exception, Java frames folded", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("py4j-chained");
    const d = await diagnose(lake("py4j-chained"), LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    const t = d.traceback!;
    expect(t.uri).toMatch(/container_1769850000000_0012_01_000001\/stdout\.gz$/);
    const lines = t.text.split("\n");
    expect(lines[0]).toBe("Traceback (most recent call last):");
    expect(lines[1]).toMatch(/common\/amounts\.py", line 21, in parse_amount$/);
    expect(lines).toContain("During handling of the above exception, another exception occurred:");
    expect(lines).toContain("py4j.protocol.Py4JJavaError: An error occurred while calling o112.parquet.");
    // 40 + 30 + 13 Java frame lines become three lines; the JSON line before the traceback is not in it.
    expect(lines.filter((l) => /^\t\.\.\. \(\d+ Java stack lines\)$/.test(l))).toEqual([
      "\t... (40 Java stack lines)",
      "\t... (30 Java stack lines)",
      "\t... (13 Java stack lines)",
    ]);
    expect(t.text).not.toContain('"event"');
    expect(lines.at(-1)).toBe("\t... (13 Java stack lines)");
    expect(t).toMatchObject({ kind: "traceback", truncated: false, lines: lines.length });
    expect(lines.length).toBeLessThanOrEqual(60);
  });

  it("the job's own one-line error when it printed no traceback; an epoch-style container id", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("job-error-line");
    const d = await diagnose(lake("job-error-line"), LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    expect(d.driverContainer).toBe("container_e03_1769850000000_0031_01_000001");
    expect(d.traceback).toMatchObject({
      kind: "error-line",
      text: "batch-processing: error: [PATH_NOT_FOUND] Path does not exist: s3://lake-dev/streaming-data/year=2026/month=01/day=31.",
    });
  });

  it("spark-submit failing before YARN: no application id, said plainly; nothing more to wait for", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("before-yarn");
    const d = await diagnose(lake("before-yarn"), LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    expect(d.applicationId).toBeUndefined();
    expect(d.traceback).toBeUndefined();
    expect(d.complete).toBe(true);
    expect(d.notes).toEqual([
      "the step's stderr names no YARN application: spark-submit failed before the job started (see the step's stderr)",
    ]);
    expect(d.step.files[0].text).toMatch(/java\.io\.FileNotFoundException: No such file or directory/);
  });

  it("says when EMR has not uploaded the container logs yet, or nothing at all", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("module-not-found");
    const stepOnly = lake("module-not-found", (k) => !k.includes("/containers/"));
    const d = await diagnose(stepOnly, LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    expect(d.complete).toBe(false);
    expect(d.notes).toEqual([
      `EMR has not uploaded the container logs of application_1769850000000_0007 to ${LOG_URI}${clusterId}/containers/application_1769850000000_0007/ yet (they follow the application's end)`,
    ]);
    const none = await diagnose(new MemS3(), LOG_URI, clusterId, stepId, { tail: 0, failed: true });
    expect(none.complete).toBe(false);
    expect(none.notes).toEqual([
      `EMR has not uploaded any log of step ${stepId} to ${LOG_URI}${clusterId}/steps/${stepId}/ yet (it pushes step logs every 5 minutes)`,
    ]);
  });

  it("prints the logs with the traceback last (`submit-job logs`)", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("module-not-found");
    const d = await diagnose(lake("module-not-found"), LOG_URI, clusterId, stepId, { tail: 2, failed: true });
    const text = logsText({
      command: "logs",
      clusterId,
      stepId,
      name: "batch-processing:r",
      state: "FAILED",
      logs: [...d.step.files, ...d.driver],
      traceback: d.traceback,
      notes: [],
    });
    expect(text).toContain(
      `==> step stderr  ${LOG_URI}${clusterId}/steps/${stepId}/stderr.gz  (last 2 lines) <==\n26/01/31 09:00:37 INFO ShutdownHookManager: Deleting directory`,
    );
    expect(text).toContain("==> driver stdout (container_1769850000000_0007_02_000001)  ");
    expect(text.trimEnd().split("\n").slice(-2)).toEqual([
      "    import ujson",
      "ModuleNotFoundError: No module named 'ujson'",
    ]);
  });
});

describe("finding a traceback in text", () => {
  it("keeps 'the direct cause' chains and stops at the next log line", () => {
    const text = [
      "26/01/31 09:00:01 INFO x: before",
      "Traceback (most recent call last):",
      '  File "a.py", line 1, in <module>',
      "KeyError: 'k'",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "Traceback (most recent call last):",
      '  File "a.py", line 3, in <module>',
      "RuntimeError: lookup failed",
      "26/01/31 09:00:02 INFO y: after",
    ].join("\r\n");
    expect(findTraceback(text)?.text.split("\n")).toEqual([
      "Traceback (most recent call last):",
      '  File "a.py", line 1, in <module>',
      "KeyError: 'k'",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "Traceback (most recent call last):",
      '  File "a.py", line 3, in <module>',
      "RuntimeError: lookup failed",
    ]);
  });
  it("bounds a long one, keeping its start and the exception at its end", () => {
    const frames = Array.from({ length: 100 }, (_, i) => [
      `  File "f${i}.py", line ${i}, in g${i}`,
      `    g${i + 1}()`,
    ]).flat();
    const text = ["Traceback (most recent call last):", ...frames, "RecursionError: too deep"].join("\n");
    const t = findTraceback(text, 20)!;
    const lines = t.text.split("\n");
    expect(t).toMatchObject({ truncated: true, lines: 20 });
    expect(lines.slice(0, 2)).toEqual([
      "Traceback (most recent call last):",
      '  File "f0.py", line 0, in g0',
    ]);
    // 202 lines, 20 kept with the marker: 6 from the start, 13 from the end.
    expect(lines[6]).toBe("... (183 lines left out) ...");
    expect(lines.at(-1)).toBe("RecursionError: too deep");
  });
  it("takes a traceback quoted inside a message when there is no other, and none in plain logs", () => {
    expect(
      findTraceback(
        'WARN TaskSetManager: Lost task: PythonException: Traceback (most recent call last):\n  File "w.py"\nValueError: x',
      )?.text,
    ).toBe(
      'WARN TaskSetManager: Lost task: PythonException: Traceback (most recent call last):\n  File "w.py"\nValueError: x',
    );
    expect(findTraceback("26/01/31 09:00:01 INFO all well\n")).toBeUndefined();
    expect(findErrorLine("x\noptimization: error: bad --partitions\n")?.text).toBe(
      "optimization: error: bad --partitions",
    );
    expect(findErrorLine("ERROR: not ours: error: x")).toBeUndefined();
    // A job's argument parser: its usage, then the script's name.
    const usage =
      "usage: batch_processing.py [-h] --input INPUT\nbatch_processing.py: error: argument --to-day: x\n";
    expect(findErrorLine(usage)?.text).toBe("batch_processing.py: error: argument --to-day: x");
    expect(findErrorLine("/tmp/batch_processing.py: error: x")).toBeUndefined();
  });
  it("finds the application id and the driver containers", () => {
    expect(applicationIdOf("Submitted application application_17_0001\n... application_17_0002 ...")).toBe(
      "application_17_0002",
    );
    expect(applicationIdOf("no yarn here")).toBeUndefined();
    const keys = [
      "p/container_17_0001_01_000001/stdout.gz",
      "p/container_17_0001_01_000002/stdout.gz",
      "p/container_e02_17_0001_02_000001/stderr.gz",
      "p/container_17_0001_02_000001/",
    ].map((key) => ({ key, size: 1 }));
    expect(driverContainers(keys, "p/")).toEqual([
      { id: "container_e02_17_0001_02_000001", attempt: 2 },
      { id: "container_17_0001_02_000001", attempt: 2 },
      { id: "container_17_0001_01_000001", attempt: 1 },
    ]);
  });
});

describe("a FAILED step shows its traceback", () => {
  const { clusterId, stepId } = emrLogFixtureIds("module-not-found");
  it("waitForStep waits (bounded) for the container logs, then prints the traceback", async () => {
    const s3 = lake("module-not-found");
    // The step's logs are there at once; the containers' only from the fourth listing on.
    s3.listableAfter.set(`emr-logs/${clusterId}/containers/`, 3);
    const emr = new ScriptedEmr([{ state: "FAILED", failure: { reason: "Unknown Error." } }]);
    const clock = new FakeClock();
    const progress = recordingProgress();
    const r = await waitForStep(emr, s3, clock, progress, {
      clusterId,
      stepId,
      logUri: LOG_URI,
      logWaitSeconds: 120,
    });
    // Each look lists the step prefix and the container prefix: the 2nd look (4th list) finds them.
    expect(clock.sleeps).toEqual([15]);
    expect(r.failure).toMatchObject({
      reason: "Unknown Error.",
      applicationId: "application_1769850000000_0007",
      logFile: `${LOG_URI}${clusterId}/steps/${stepId}/stderr.gz`,
      traceback: {
        kind: "traceback",
        text: expect.stringMatching(/ModuleNotFoundError: No module named 'ujson'$/),
      },
      driverLogs: [
        expect.stringMatching(/_02_000001\/stderr\.gz$/),
        expect.stringMatching(/_02_000001\/stdout\.gz$/),
      ],
    });
    expect(r.failure?.logTail?.split("\n")).toHaveLength(40);
    expect(r.failure?.logNote).toBeUndefined();
    expect(progress.lines.at(-1)).toMatch(
      /^Python traceback \(s3:\/\/.*_02_000001\/stdout\.gz\):\nTraceback/,
    );
  });
  it("says what is still missing after --log-wait, and how to look later", async () => {
    const s3 = lake("module-not-found", (k) => !k.includes("/containers/"));
    const emr = new ScriptedEmr([{ state: "FAILED" }]);
    const clock = new FakeClock();
    const r = await waitForStep(emr, s3, clock, recordingProgress(), {
      clusterId,
      stepId,
      logUri: LOG_URI,
      logWaitSeconds: 40,
    });
    expect(clock.sleeps).toEqual([15, 15, 10]);
    expect(r.failure?.traceback).toBeUndefined();
    expect(r.failure?.logNote).toBe(
      `EMR has not uploaded the container logs of application_1769850000000_0007 to ${LOG_URI}${clusterId}/containers/application_1769850000000_0007/ yet (they follow the application's end) after 40s; later: submit-job logs ${stepId}`,
    );
  });
  it("status of a FAILED run carries the traceback in its JSON, without waiting", async () => {
    const emr = new ScriptedEmr([], undefined, { logUri: LOG_URI });
    emr.steps = [
      {
        id: stepId,
        name: "batch-processing:r-9",
        state: "FAILED",
        args: [],
        failure: { reason: "Unknown Error." },
      },
    ];
    const clock = new FakeClock();
    const { result } = await status({ repoRoot: "/x", clusterId }, parseRunRef("r-9", "status"), {
      aws: () => ({ emr, s3: lake("module-not-found") }),
      terraformOutput: async () => "",
      clock,
      progress: recordingProgress(),
    });
    expect(clock.sleeps).toEqual([]);
    expect(result.failure).toMatchObject({
      reason: "Unknown Error.",
      applicationId: "application_1769850000000_0007",
      traceback: { kind: "traceback", lines: 4, uri: expect.stringMatching(/_02_000001\/stdout\.gz$/) },
    });
  });
});

describe("a failed --local run, from its output", () => {
  const log = (msg: string) => `26/12/04 03:07:16 ERROR TaskSetManager: ${msg}`;

  it("the job's error line is the message; no traceback when the job printed none", () => {
    const out = [log("Task 0 in stage 0.0 failed 1 times"), "batch-processing: error: boom", log("after")];
    expect(localFailure(1, out.join("\n"))).toEqual({
      reason: "spark-submit exited with 1",
      message: "batch-processing: error: boom",
    });
  });

  it("with JOB_DEBUG's traceback: the error line still the message, the traceback kept as on EMR", () => {
    const out = [
      "Traceback (most recent call last):",
      '  File "/repo/jobs/batch_processing.py", line 14, in run',
      "ValueError: bad value",
      "batch-processing: error: ValueError: bad value",
    ].join("\n");
    expect(localFailure(1, out)).toEqual({
      reason: "spark-submit exited with 1",
      message: "batch-processing: error: ValueError: bad value",
      traceback: {
        uri: "spark-submit output",
        kind: "traceback",
        text: out.split("\n").slice(0, 3).join("\n"),
        lines: 3,
        truncated: false,
      },
    });
  });

  it("a job without the error boundary: the traceback's last line is the message", () => {
    const out = ["Traceback (most recent call last):", '  File "x.py", line 1, in <module>', "KeyError: 'a'"];
    const f = localFailure(1, [...out, log("shutdown")].join("\n"));
    expect(f.message).toBe("KeyError: 'a'");
    expect(f.traceback?.text).toBe(out.join("\n"));
  });

  it("a Py4JJavaError's traceback: the message is an exception's line, not folded Java frames", () => {
    const [stdout] = emrLogFixture(
      "py4j-chained",
      {},
      (k) => k.endsWith("/stdout.gz") && k.includes("container_"),
    );
    const f = localFailure(1, gunzipSync(stdout.body).toString("utf8"));
    // The log ends with the Java error's cause: the executor's Python exception, the job's real bug.
    expect(f.message).toBe("decimal.InvalidOperation: [<class 'decimal.ConversionSyntax'>]");
    expect(f.traceback?.text).toContain("\t... (");
  });

  it("Spark's log on stderr cannot cut short the traceback on stdout", () => {
    const tb = ["Traceback (most recent call last):", '  File "x.py", line 1, in <module>', "KeyError: 'a'"];
    const f = localFailure(1, tb.join("\n"), log("written while the traceback was"));
    expect(f.message).toBe("KeyError: 'a'");
    expect(f.traceback?.text).toBe(tb.join("\n"));
  });

  it("nothing recognisable (spark-submit failed before Python ran): the output is what explains it", () => {
    expect(localFailure("SIGKILL", "Error: Could not find or load main class\n")).toEqual({
      reason: "spark-submit exited with SIGKILL",
      message: "see the job output above",
    });
  });

  it("keeps the end of the output, at most its limit, in order", () => {
    const tail = new OutputTail(10);
    for (const chunk of ["aaaa", "bbbb", "cccc", "dd"]) tail.add(Buffer.from(chunk));
    expect(tail.text()).toBe("bbbbccccdd");
    tail.add(Buffer.from("0123456789XY"));
    expect(tail.text()).toBe("23456789XY");
  });
});
