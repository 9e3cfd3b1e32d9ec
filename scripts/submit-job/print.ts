/**
 * The human-readable results on stdout, one function per command (--json prints the result
 * objects themselves instead). Pure: each returns the text.
 */
import type { JobInfo } from "./jobs";
import type { CancelCommandResult, LogsResult, RunInfo, RunsResult, StatusResult } from "./lifecycle";
import type { Traceback } from "./logs";
import { formatElapsed } from "./plan";
import type { SubmitResult, Upload } from "./run";

export function listText(jobs: readonly JobInfo[]): string {
  const out: string[] = [];
  for (const j of jobs) {
    out.push(`${j.name}  (${j.file})${j.summary ? ` — ${j.summary}` : ""}`);
    if (j.requirements) out.push(`    requirements: ${j.requirements}`);
    for (const a of j.args) {
      const bits = [
        a.required ? "required" : "optional",
        a.isSwitch ? "switch" : undefined,
        a.default !== undefined ? `default ${a.default}` : undefined,
      ].filter(Boolean);
      out.push(`    ${a.flags.join(", ").padEnd(24)} ${bits.join(", ")}${a.help ? ` — ${a.help}` : ""}`);
    }
    if (!j.argsComplete) out.push("    (some arguments could not be read statically; see the script)");
  }
  return out.map((l) => `${l}\n`).join("");
}

/** `<uri>  (<bytes> bytes, sha256 <hex><more>)`: a script or helper zip in a dry run. */
const sized = (u: Upload, more = "") => `${u.uri}  (${u.bytes} bytes, sha256 ${u.sha256}${more})`;

export function submitText(r: SubmitResult): string {
  if (!r.dryRun) return `${r.stepId ?? r.job} ${r.state}\n`;
  if (!r.request) return localDryRunText(r);
  const lines = [
    `job        ${r.job}  run-id ${r.runId}${r.stack ? `  stack ${r.stack}` : ""}`,
    `cluster    ${r.clusterId}  (from ${r.sources?.clusterId})`,
    `input      ${r.input}  (from ${r.sources?.input})`,
    `output     ${r.output}  (from ${r.sources?.output})`,
    `script     ${sized(r.script)}`,
    ...(r.pyFiles ? [`py-files   ${sized(r.pyFiles)}`] : []),
    ...(r.pythonEnv
      ? [
          `python env ${r.pythonEnv.uri}  (${r.pythonEnv.requirements}${r.pythonEnv.bytes !== undefined ? `, ${r.pythonEnv.bytes} bytes, sha256 ${r.pythonEnv.sha256}` : ""})`,
          ...r.pythonEnv.sparkConf.map((c) => `           --conf ${c}`),
        ]
      : []),
    ...(r.links?.console ? [`console    ${r.links.console}`] : []),
    "AddJobFlowSteps request (dry run: nothing uploaded or submitted):",
    JSON.stringify(r.request, null, 2),
  ];
  return `${lines.join("\n")}\n`;
}

/** `--local --dry-run`: what would run, and the spark-submit command line. */
function localDryRunText(r: SubmitResult): string {
  const lines = [
    `job        ${r.job}  run-id ${r.runId}  (local)`,
    `input      ${r.input}`,
    `output     ${r.output}`,
    `script     ${sized(r.script)}`,
    ...(r.pyFiles
      ? [`py-files   ${sized(r.pyFiles, "; written to a temporary directory when it runs")}`]
      : []),
    ...(r.pythonEnv ? [`python env ${r.pythonEnv.uri}  (${r.pythonEnv.requirements})`] : []),
    "spark-submit command (dry run: nothing run):",
    r.args.join(" "),
  ];
  return `${lines.join("\n")}\n`;
}

const when = (r: RunInfo) => (r.started ?? r.created ?? "").replace(/\.\d+Z$/, "Z");
const took = (r: RunInfo) => (r.durationSeconds !== undefined ? formatElapsed(r.durationSeconds) : "");

export function statusText(r: StatusResult): string {
  const lines = [
    `${r.stepId}  ${r.state}  ${r.name}`,
    `cluster    ${r.clusterId}  ${r.clusterState}`,
    ...(r.created ? [`created    ${r.created}`] : []),
    ...(r.started ? [`started    ${r.started}`] : []),
    ...(r.ended ? [`ended      ${r.ended}`] : []),
    ...(r.durationSeconds !== undefined ? [`ran        ${formatElapsed(r.durationSeconds)}`] : []),
    ...(r.script ? [`script     ${r.script}`] : []),
    ...(r.stateChangeReason ? [`reason     ${r.stateChangeReason}`] : []),
    ...(r.failure
      ? [
          `failure    ${[r.failure.reason, r.failure.message].filter(Boolean).join(" — ") || "no details"}`,
          ...(r.failure.logFile ? [`log file   ${r.failure.logFile}`] : []),
          ...(r.failure.applicationId ? [`yarn app   ${r.failure.applicationId}`] : []),
          ...(r.failure.traceback ? tracebackLines(r.failure.traceback) : []),
        ]
      : []),
    ...(r.applicationId && !r.failure?.applicationId ? [`yarn app   ${r.applicationId}`] : []),
    ...(r.links?.console ? [`console    ${r.links.console}`] : []),
    ...(r.links?.stepLogs ? [`step logs  ${r.links.stepLogs}`] : []),
    ...(r.links?.sparkUi ? [`Spark UI   ${r.links.sparkUi}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

export function runsText(r: RunsResult): string {
  if (r.runs.length === 0) return "";
  const rows = r.runs.map((x) => [x.stepId, x.state, x.job ?? "", x.runId ?? "", when(x), took(x)]);
  const head = ["STEP", "STATE", "JOB", "RUN ID", "STARTED", "RAN"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].map((l) => `${l}\n`).join("");
}

/** The traceback under a heading that says where it was found. */
function tracebackLines(t: Traceback): string[] {
  const what = t.kind === "traceback" ? "Python traceback" : "The job's error";
  return [`${what} (${t.uri}${t.truncated ? ", shortened" : ""}):`, t.text];
}

export function logsText(r: LogsResult): string {
  const out: string[] = [];
  for (const f of r.logs) {
    const whose = f.source === "driver" ? `driver ${f.stream} (${f.container})` : `step ${f.stream}`;
    out.push(
      `==> ${whose}  ${f.uri}${f.truncated ? `  (last ${f.lines} lines)` : ""} <==`,
      ...(f.text ? [f.text] : []),
      "",
    );
  }
  if (r.traceback) out.push(...tracebackLines(r.traceback));
  return out.map((l) => `${l}\n`).join("");
}

export function cancelText(r: CancelCommandResult): string {
  return `${r.stepId} ${r.state}\n`;
}
