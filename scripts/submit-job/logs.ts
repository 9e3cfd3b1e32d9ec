/**
 * A step's logs as EMR archives them under the cluster's log URI
 * (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-manage-view-web-log-files.html,
 * "View log files archived to Amazon S3"): `<log-uri><cluster-id>/steps/<step-id>/` holds the
 * step's own files (controller, stderr, stdout, syslog, gzipped), pushed every 5 minutes while the
 * cluster runs. The prefix is listed rather than file names assumed. Pure parts (choosing files,
 * tails) are exported for the tests; the fetching goes through the small S3Api.
 */
import { gunzipSync } from "node:zlib";
import type { S3Api, S3Object } from "./aws";
import { asPrefix, parseS3Uri, s3Uri } from "./plan";

/** The streams `logs` shows; controller and syslog are EMR's and Hadoop's own, rarely the cause. */
export type Stream = "stderr" | "stdout";

/** One log file that was read. */
export interface LogFile {
  /** Whose log: the step (spark-submit's client side). */
  readonly source: "step";
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

/** Files of one directory listing with their stream, stderr first, then by name. */
export function pickStreams(objects: readonly S3Object[], prefix: string): (S3Object & { stream: Stream })[] {
  const picked: (S3Object & { stream: Stream })[] = [];
  for (const o of objects) {
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

/** Lists the step's log prefix and reads its stderr/stdout files (tails of `tail` lines). */
export async function readStepLogs(
  s3: S3Api,
  logUri: string,
  clusterId: string,
  stepId: string,
  tail: number,
): Promise<StepLogs> {
  const prefix = stepLogPrefix(logUri, clusterId, stepId);
  const loc = parseS3Uri(prefix, "log URI");
  const objects = await s3.list(loc.bucket, loc.key);
  const notes: string[] = [];
  if (objects.length === 0) {
    notes.push(
      `EMR has not uploaded any log of step ${stepId} to ${prefix} yet (it pushes step logs every 5 minutes)`,
    );
    return { prefix, listed: 0, files: [], notes };
  }
  const files: LogFile[] = [];
  for (const o of pickStreams(objects, loc.key)) {
    const uri = s3Uri({ bucket: loc.bucket, key: o.key });
    if (o.size > MAX_LOG_BYTES) {
      notes.push(`${uri} is ${o.size} bytes; not downloaded (aws s3 cp ${uri} - | zcat | tail)`);
      continue;
    }
    const data = await s3.get(loc.bucket, o.key);
    if (!data) continue;
    files.push({ source: "step", stream: o.stream, uri, bytes: o.size, ...tailLines(logText(data), tail) });
  }
  if (files.length === 0)
    notes.push(
      `${prefix} has ${objects.length} file(s) but no stderr or stdout yet (EMR pushes step logs every 5 minutes)`,
    );
  return { prefix, listed: objects.length, files, notes };
}
