/**
 * Links to a run: the EMR console's cluster page, the step's logs in the S3 console, and the
 * Spark UI (EMR's persistent UI, a presigned URL), at submit, in --dry-run and in status, in
 * text and --json. Scripted EMR here (moto has no persistent UI); the moto test shows the
 * console links and the note when EMR cannot give a Spark UI link.
 */
import { join } from "node:path";
import { parseRunRef, status } from "../scripts/submit-job/lifecycle";
import { consoleHost, consoleLinks } from "../scripts/submit-job/links";
import { statusText, submitText } from "../scripts/submit-job/print";
import { submit, type SubmitOptions } from "../scripts/submit-job/run";
import {
  emrLogFixture,
  emrLogFixtureIds,
  FakeClock,
  MemS3,
  recordingProgress,
  ScriptedEmr,
} from "./submit-job.fakes";

const ARN = (id: string) => `arn:aws:elasticmapreduce:eu-west-1:123456789012:cluster/${id}`;

describe("console links", () => {
  it("the cluster page in the EMR console and the step's log prefix in the S3 console", () => {
    expect(consoleLinks("eu-west-1", "j-ABC", "s3://lake-b/emr-logs/j-ABC/steps/s-1/")).toEqual({
      console: "https://eu-west-1.console.aws.amazon.com/emr/home?region=eu-west-1#/clusterDetails/j-ABC",
      stepLogs:
        "https://s3.console.aws.amazon.com/s3/buckets/lake-b?region=eu-west-1&prefix=emr-logs%2Fj-ABC%2Fsteps%2Fs-1%2F",
    });
    expect(consoleLinks(undefined, "j-ABC")).toEqual({});
  });
  it("in the China and GovCloud partitions' consoles", () => {
    expect(consoleHost("cn-north-1")).toBe("console.amazonaws.cn");
    expect(consoleHost("us-gov-west-1")).toBe("console.amazonaws-us-gov.com");
    expect(consoleLinks("cn-north-1", "j-1", "s3://bkt/l/j-1/steps/s-1/").stepLogs).toBe(
      "https://console.amazonaws.cn/s3/buckets/bkt?region=cn-north-1&prefix=l%2Fj-1%2Fsteps%2Fs-1%2F",
    );
  });
});

describe("links at submit", () => {
  const opts: SubmitOptions = {
    job: "optimization",
    repoRoot: join(__dirname, ".."),
    jobsDir: join(__dirname, "fixtures", "jobs"),
    clusterId: "j-ABC",
    bucket: "lake-b",
    conf: [],
    runId: "r-1",
    wait: false,
    logWait: "1m",
    dryRun: false,
    local: false,
    master: "local[*]",
    extra: [],
  };
  const run = async (o: Partial<SubmitOptions>, emr = new ScriptedEmr([{ state: "PENDING" }])) => {
    const progress = recordingProgress();
    const r = await submit(
      { ...opts, ...o },
      {
        aws: () => ({ emr, s3: new MemS3() }),
        terraformOutput: async () => "",
        clock: new FakeClock(),
        progress,
        childStdout: "inherit",
      },
    );
    return { ...r, emr, progress };
  };

  it("prints the console link and the Spark UI link once the step is added, and puts them in --json", async () => {
    const { result, emr, progress } = await run({});
    expect(result.links).toEqual({
      console: "https://eu-west-1.console.aws.amazon.com/emr/home?region=eu-west-1#/clusterDetails/j-ABC",
      stepLogs:
        "https://s3.console.aws.amazon.com/s3/buckets/logs-b?region=eu-west-1&prefix=emr-logs%2Fj-ABC%2Fsteps%2Fs-1%2F",
      sparkUi: `https://p-fake.emrappui-prod.us-east-1.amazonaws.com/shs/?cluster=${ARN("j-ABC")}`,
    });
    // The Spark History Server's home: the application does not exist yet at submit.
    expect(emr.sparkUiCalls).toEqual([[ARN("j-ABC"), undefined]]);
    const added = progress.lines.findIndex((l) => l.startsWith("added step s-1"));
    expect(progress.lines.slice(added + 1, added + 3)).toEqual([
      `console: ${result.links!.console}`,
      `Spark UI: ${result.links!.sparkUi}`,
    ]);
  });
  it("says why there is no Spark UI link, without failing the run; --no-spark-ui makes no call", async () => {
    const emr = new ScriptedEmr([{ state: "PENDING" }]);
    emr.sparkUi = () => ({
      note: "no Spark UI link: CreatePersistentAppUI failed: AccessDeniedException: no",
    });
    const { outcome, result, progress } = await run({}, emr);
    expect(outcome).toEqual({ kind: "submitted" });
    expect(result.links?.sparkUiNote).toBe(
      "no Spark UI link: CreatePersistentAppUI failed: AccessDeniedException: no",
    );
    expect(progress.lines).toContain(result.links?.sparkUiNote);
    const quiet = await run({ sparkUi: false });
    expect(quiet.emr.sparkUiCalls).toEqual([]);
    expect(quiet.result.links?.sparkUi).toBeUndefined();
    expect(quiet.result.links?.console).toMatch(/#\/clusterDetails\/j-ABC$/);
  });
  it("--dry-run shows the console link from the region alone, and calls nothing", async () => {
    const aws = jest.fn();
    const r = await submit(
      { ...opts, dryRun: true, region: "us-west-2" },
      {
        aws,
        terraformOutput: async () => "",
        clock: new FakeClock(),
        progress: recordingProgress(),
        childStdout: "inherit",
      },
    );
    expect(aws).not.toHaveBeenCalled();
    expect(r.result.links).toEqual({
      console: "https://us-west-2.console.aws.amazon.com/emr/home?region=us-west-2#/clusterDetails/j-ABC",
    });
    expect(submitText(r.result)).toContain(
      "console    https://us-west-2.console.aws.amazon.com/emr/home?region=us-west-2#/clusterDetails/j-ABC\n",
    );
  });
});

describe("links in status", () => {
  it("the Spark UI at the run's own application, named by the step's stderr", async () => {
    const { clusterId, stepId } = emrLogFixtureIds("module-not-found");
    const s3 = new MemS3();
    for (const f of emrLogFixture("module-not-found")) s3.objects.set(`logs-b/emr-logs/${f.key}`, f.body);
    for (const state of ["RUNNING", "FAILED"]) {
      const emr = new ScriptedEmr([]);
      emr.steps = [{ id: stepId, name: "batch-processing:r-9", state, args: [] }];
      const { result } = await status({ repoRoot: "/x", clusterId }, parseRunRef("r-9", "status"), {
        aws: () => ({ emr, s3 }),
        terraformOutput: async () => "",
        clock: new FakeClock(),
        progress: recordingProgress(),
      });
      expect(result.applicationId).toBe("application_1769850000000_0007");
      expect(emr.sparkUiCalls).toEqual([[ARN(clusterId), "application_1769850000000_0007"]]);
      expect(statusText(result)).toContain(`Spark UI   ${result.links?.sparkUi}\n`);
      expect(statusText(result)).toContain(
        `console    https://eu-west-1.console.aws.amazon.com/emr/home?region=eu-west-1#/clusterDetails/${clusterId}\n`,
      );
    }
  });
});
