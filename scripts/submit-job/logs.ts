/**
 * A step's logs as EMR archives them under the cluster's log URI
 * (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-manage-view-web-log-files.html,
 * "View log files archived to Amazon S3"): `<log-uri><cluster-id>/steps/<step-id>/` holds the
 * step's own files (controller, stderr, stdout, syslog, gzipped), pushed every 5 minutes while the
 * cluster runs, and `<log-uri><cluster-id>/containers/<application-id>/<container-id>/` the YARN
 * containers' logs, uploaded after the application ends. Prefixes are listed rather than file
 * names assumed.
 *
 * In cluster deploy mode the driver runs in the application master, the container whose id
 * ends in `_000001` (one per attempt: `..._01_000001`, `..._02_000001`). Spark's PythonRunner
 * merges the Python process's stderr into its stdout and copies that to the container's stdout,
 * so a Python traceback is normally in the driver container's *stdout*; its stderr holds Spark's
 * own log. The step's stderr is only spark-submit's client side: it names the application.
 *
 * Pure parts (choosing files, the application id, the traceback) are exported for the tests;
 * the fetching goes through the small S3Api.
 */
import { gunzipSync } from "node:zlib";
import type { S3Api, S3Object } from "./aws";
import { asPrefix, parseS3Uri, s3Uri } from "./plan";

/** The streams `logs` shows; controller and syslog are EMR's and Hadoop's own, rarely the cause. */
export type Stream = "stderr" | "stdout";

/** One log file that was read. */
export interface LogFile {
  /** Whose log: the step (spark-submit's client side) or the driver's YARN container. */
  readonly source: "step" | "driver";
  /** The driver's container id. */
  readonly container?: string;
  readonly stream: Stream;
  readonly uri: string;
  /** Size of the object in S3 (compressed). */
  readonly bytes: number;
  /** The last lines (all of them when `truncated` is false). */
  readonly text: string;
  readonly lines: number;
  readonly truncated: boolean;
}

/** A file larger than this is not downloaded (a driver that logged gigabytes): its URI is shown. */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;

/** `<log-uri><cluster-id>/steps/<step-id>/`. */
export function stepLogPrefix(logUri: string, clusterId: string, stepId: string): string {
  return `${asPrefix(logUri)}${clusterId}/steps/${stepId}/`;
}

/**
 * The stream a file name holds, or undefined: `stderr.gz`, `stderr`, and rotated or renamed
 * variants such as `stderr.1.gz` all count as stderr.
 */
export function streamOf(fileName: string): Stream | undefined {
  const m = /^(stderr|stdout)(?:$|[._-])/.exec(fileName);
  return m ? (m[1] as Stream) : undefined;
}

/** Files directly under `prefix` with their stream, stderr first, then by name. */
export function pickStreams(objects: readonly S3Object[], prefix: string): (S3Object & { stream: Stream })[] {
  const picked: (S3Object & { stream: Stream })[] = [];
  for (const o of objects) {
    if (!o.key.startsWith(prefix)) continue;
    const rest = o.key.slice(prefix.length);
    if (rest.includes("/")) continue;
    const stream = streamOf(rest);
    if (stream) picked.push({ ...o, stream });
  }
  return picked.sort((a, b) =>
    a.stream !== b.stream ? (a.stream === "stderr" ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
}

/** The text of a (possibly gzipped) log. */
export function logText(data: Buffer): string {
  return data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data).toString("utf8") : data.toString("utf8");
}

/** The last `lines` lines of a text (all with `lines` 0), and whether any were left out. */
export function tailLines(text: string, lines: number): { text: string; lines: number; truncated: boolean } {
  const all = text.replace(/\s+$/, "").split("\n");
  if (all.length === 1 && all[0] === "") return { text: "", lines: 0, truncated: false };
  const kept = lines > 0 ? all.slice(-lines) : all;
  return { text: kept.join("\n"), lines: kept.length, truncated: kept.length < all.length };
}

/** What is known of a step's logs after one look at S3. */
export interface StepLogs {
  readonly prefix: string;
  /** Every object listed under the prefix (names only matter for the note). */
  readonly listed: number;
  readonly files: LogFile[];
  /** Said plainly when something is not there (yet). */
  readonly notes: string[];
}

/** Reads the stderr/stdout files directly under a listed prefix; full texts kept for the search. */
async function readStreams(
  s3: S3Api,
  bucket: string,
  prefix: string,
  objects: readonly S3Object[],
  tail: number,
  source: LogFile["source"],
  notes: string[],
  container?: string,
): Promise<{ file: LogFile; full: string }[]> {
  const out: { file: LogFile; full: string }[] = [];
  for (const o of pickStreams(objects, prefix)) {
    const uri = s3Uri({ bucket, key: o.key });
    if (o.size > MAX_LOG_BYTES) {
      notes.push(`${uri} is ${o.size} bytes; not downloaded (aws s3 cp ${uri} - | zcat | tail)`);
      continue;
    }
    const data = await s3.get(bucket, o.key);
    if (!data) continue;
    const full = logText(data);
    out.push({
      file: {
        source,
        ...(container ? { container } : {}),
        stream: o.stream,
        uri,
        bytes: o.size,
        ...tailLines(full, tail),
      },
      full,
    });
  }
  return out;
}

/** Lists the step's log prefix and reads its stderr/stdout files (tails of `tail` lines). */
export async function readStepLogs(
  s3: S3Api,
  logUri: string,
  clusterId: string,
  stepId: string,
  tail: number,
): Promise<StepLogs & { texts: { file: LogFile; full: string }[] }> {
  const prefix = stepLogPrefix(logUri, clusterId, stepId);
  const loc = parseS3Uri(prefix, "log URI");
  const objects = await s3.list(loc.bucket, loc.key);
  const notes: string[] = [];
  if (objects.length === 0) {
    notes.push(
      `EMR has not uploaded any log of step ${stepId} to ${prefix} yet (it pushes step logs every 5 minutes)`,
    );
    return { prefix, listed: 0, files: [], notes, texts: [] };
  }
  const texts = await readStreams(s3, loc.bucket, loc.key, objects, tail, "step", notes);
  const files = texts.map((t) => t.file);
  if (files.length === 0)
    notes.push(
      `${prefix} has ${objects.length} file(s) but no stderr or stdout yet (EMR pushes step logs every 5 minutes)`,
    );
  return { prefix, listed: objects.length, files, notes, texts };
}

/** The YARN application spark-submit ran: the last `application_<cluster-ts>_<n>` its log names. */
export function applicationIdOf(stepStderr: string): string | undefined {
  const all = stepStderr.match(/\bapplication_\d+_\d+\b/g);
  return all ? all[all.length - 1] : undefined;
}

/** `<log-uri><cluster-id>/containers/<application-id>/`. */
export function containersPrefix(logUri: string, clusterId: string, applicationId: string): string {
  return `${asPrefix(logUri)}${clusterId}/containers/${applicationId}/`;
}

/**
 * The driver's containers (the application master of each attempt, `..._<attempt>_000001`),
 * last attempt first. Container ids may carry the ResourceManager epoch (`container_e02_...`).
 */
export function driverContainers(
  objects: readonly S3Object[],
  prefix: string,
): { id: string; attempt: number }[] {
  const found = new Map<string, number>();
  for (const o of objects) {
    const dir = o.key.slice(prefix.length).split("/")[0];
    const m = /^container_(?:e\d+_)?\d+_\d+_(\d+)_(\d+)$/.exec(dir);
    if (m && Number(m[2]) === 1) found.set(dir, Number(m[1]));
  }
  return [...found].map(([id, attempt]) => ({ id, attempt })).sort((a, b) => b.attempt - a.attempt);
}

/** What was found of a Python failure. */
export interface Traceback {
  /** The log it was found in. */
  readonly uri: string;
  /** A Python traceback, or the one `<job>: error: ...` line this product's jobs print instead. */
  readonly kind: "traceback" | "error-line";
  readonly text: string;
  readonly lines: number;
  /** Whether lines were left out to keep it short. */
  readonly truncated: boolean;
}

/** A traceback is at most this many lines (its start and its end are kept). */
export const TRACEBACK_LINES = 60;

const HEADER = "Traceback (most recent call last):";
const CHAIN = [
  "During handling of the above exception, another exception occurred:",
  "The above exception was the direct cause of the following exception:",
];
/** A log4j or logging line: where a traceback printed among them ends (as at the job's error line). */
const LOG_LINE = /^(\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})\b/;
/**
 * The one line a job's error boundary prints (`batch-processing: error: ...`, after the traceback
 * with JOB_DEBUG=1), or its argument parser (`batch_processing.py: error: ...`, after its usage).
 */
const ERROR_LINE = /^(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*|[A-Za-z_]\w*\.py): error: .+$/;
const JAVA_FRAME = /^\s+(at [\w$.<>/-]+\(.*\)|\.\.\. \d+ more)\s*$/;

/**
 * The last Python traceback in a log, with the exceptions chained before it, bounded to
 * `maxLines`: Java stack frames (a Py4JJavaError's message) are folded to one line, and a long
 * traceback keeps its first lines and its last ones (where the exception is).
 */
export function findTraceback(text: string, maxLines = TRACEBACK_LINES): Omit<Traceback, "uri"> | undefined {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  // A traceback of its own starts a line; one quoted in a message (PythonException: Traceback ...)
  // is part of the traceback around it, unless there is no other.
  let start = lines.map((l) => l === HEADER).lastIndexOf(true);
  if (start < 0) start = lines.map((l) => l.includes(HEADER)).lastIndexOf(true);
  if (start < 0) return undefined;
  for (;;) {
    let k = start - 1;
    while (k >= 0 && lines[k].trim() === "") k--;
    if (k < 0 || !CHAIN.includes(lines[k].trim())) break;
    const prev = lines
      .slice(0, k)
      .map((l) => l === HEADER)
      .lastIndexOf(true);
    if (prev < 0) break;
    start = prev;
  }
  let end = start + 1;
  while (end < lines.length && !LOG_LINE.test(lines[end]) && !ERROR_LINE.test(lines[end])) end++;
  const block = lines.slice(start, end);
  while (block.length > 1 && block[block.length - 1].trim() === "") block.pop();
  const folded: string[] = [];
  for (let i = 0; i < block.length;) {
    if (!JAVA_FRAME.test(block[i])) {
      folded.push(block[i++]);
      continue;
    }
    let j = i;
    while (j < block.length && JAVA_FRAME.test(block[j])) j++;
    folded.push(`\t... (${j - i} Java stack lines)`);
    i = j;
  }
  if (folded.length <= maxLines)
    return { kind: "traceback", text: folded.join("\n"), lines: folded.length, truncated: false };
  const head = Math.min(10, Math.floor(maxLines / 3));
  const tailN = maxLines - head - 1;
  const kept = [
    ...folded.slice(0, head),
    `... (${folded.length - head - tailN} lines left out) ...`,
    ...folded.slice(-tailN),
  ];
  return { kind: "traceback", text: kept.join("\n"), lines: kept.length, truncated: true };
}

/**
 * The last `<job>: error: ...` line (the jobs' own error boundary prints one instead of a
 * traceback; their argument parsers print `<script>.py: error: ...`).
 */
export function findErrorLine(text: string): Omit<Traceback, "uri"> | undefined {
  const all = text.match(new RegExp(ERROR_LINE.source, "gm"));
  if (!all) return undefined;
  return { kind: "error-line", text: all[all.length - 1], lines: 1, truncated: false };
}

/** Everything the logs tell about a step, after one look at S3. */
export interface Diagnosis {
  readonly step: StepLogs;
  readonly applicationId?: string;
  /** The driver container read (the last attempt's application master). */
  readonly driverContainer?: string;
  readonly attempts?: number;
  readonly driver: LogFile[];
  readonly traceback?: Traceback;
  readonly notes: string[];
  /** Nothing more will show up by waiting: a traceback, or every log there is, was found. */
  readonly complete: boolean;
}

/**
 * Reads the step's logs, the application id in its stderr, and the driver container's logs; finds
 * the Python traceback (driver stdout, driver stderr, then the step's stderr). `failed` adds the
 * notes that only matter for a failed step.
 */
export async function diagnose(
  s3: S3Api,
  logUri: string,
  clusterId: string,
  stepId: string,
  o: { tail: number; failed: boolean },
): Promise<Diagnosis> {
  const step = await readStepLogs(s3, logUri, clusterId, stepId, o.tail);
  const notes = [...step.notes];
  const stepStderr = step.texts.filter((t) => t.file.stream === "stderr").map((t) => t.full);
  const applicationId = applicationIdOf(stepStderr.join("\n"));
  const searched: { uri: string; full: string }[] = [];
  let driver: { file: LogFile; full: string }[] = [];
  let driverContainer: string | undefined;
  let attempts: number | undefined;
  let waitMore = step.files.length === 0;
  if (applicationId) {
    const prefix = containersPrefix(logUri, clusterId, applicationId);
    const loc = parseS3Uri(prefix, "log URI");
    const objects = await s3.list(loc.bucket, loc.key, 10_000);
    const drivers = driverContainers(objects, loc.key);
    if (objects.length === 0) {
      waitMore = true;
      notes.push(
        `EMR has not uploaded the container logs of ${applicationId} to ${prefix} yet (they follow the application's end)`,
      );
    } else if (drivers.length === 0) {
      notes.push(`no driver container (container_..._000001) under ${prefix}`);
    } else {
      driverContainer = drivers[0].id;
      attempts = drivers.length;
      const dir = `${loc.key}${driverContainer}/`;
      driver = await readStreams(s3, loc.bucket, dir, objects, o.tail, "driver", notes, driverContainer);
      if (driver.length === 0) {
        waitMore = true;
        notes.push(
          `the driver container ${s3Uri({ bucket: loc.bucket, key: dir })} has no stderr or stdout yet`,
        );
      }
    }
    // stdout first: that is where PythonRunner puts the Python process's output.
    for (const stream of ["stdout", "stderr"] as const)
      for (const d of driver) if (d.file.stream === stream) searched.push({ uri: d.file.uri, full: d.full });
  } else if (step.files.length > 0 && o.failed) {
    notes.push(
      "the step's stderr names no YARN application: spark-submit failed before the job started (see the step's stderr)",
    );
  }
  for (const t of step.texts)
    if (t.file.stream === "stderr") searched.push({ uri: t.file.uri, full: t.full });
  let traceback: Traceback | undefined;
  for (const find of [findTraceback, findErrorLine]) {
    for (const s of searched) {
      const t = find(s.full);
      if (t) {
        traceback = { uri: s.uri, ...t };
        break;
      }
    }
    if (traceback) break;
  }
  if (!traceback && o.failed && driver.length > 0)
    notes.push(
      `no Python traceback in the driver's logs (${driverContainer}); see them with \`submit-job logs\``,
    );
  return {
    step,
    ...(applicationId ? { applicationId } : {}),
    ...(driverContainer ? { driverContainer, attempts } : {}),
    driver: driver.map((d) => d.file),
    ...(traceback ? { traceback } : {}),
    notes,
    complete: traceback !== undefined || !waitMore,
  };
}
