/**
 * The report as markdown (a pull-request comment: kept under GitHub's 65,536-character limit,
 * truncated with counts), JSON (the documented schema, never truncated) or text (a terminal).
 */
import { listed } from "./rules";
import { Finding, Level, Report } from "./types";

/** GitHub rejects longer comments; the margin leaves room for a wrapper the CI step may add. */
export const MARKDOWN_LIMIT = 60_000;

const LEVELS: Level[] = ["block", "warn", "info"];
const HEADINGS: Record<Level, string> = { block: "Block", warn: "Warn", info: "Info" };

function counts(findings: Finding[]): Record<Level, number> {
  const c: Record<Level, number> = { block: 0, warn: 0, info: 0 };
  for (const f of findings) if (!f.acknowledged) c[f.level]++;
  return c;
}

function planLine(r: Report): string {
  const s = r.summary;
  if (r.mode === "drift") return `${s.update} changed outside Terraform, ${s.delete} gone`;
  const bits = [
    `${s.create} to create`,
    `${s.update} to update`,
    `${s.replace} to replace`,
    `${s.delete} to delete`,
    `${s.noop} unchanged`,
  ];
  if (s.read) bits.push(`${s.read} to read`);
  if (s.forget) bits.push(`${s.forget} to forget (removed from state, not destroyed)`);
  if (s.moved.length) bits.push(`${s.moved.length} moved`);
  return bits.join(", ");
}

function verdict(r: Report): string {
  const c = counts(r.findings);
  const acked = r.findings.filter((f) => f.acknowledged).length;
  return `${c.block} block, ${c.warn} warn, ${c.info} info${acked ? `, ${acked} acknowledged` : ""} (exit ${r.exitCode})`;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function mdFinding(f: Finding): string {
  const where = f.construct ? ` (${code(f.construct)})` : "";
  const ack = f.acknowledged ? ` — _acknowledged: ${f.acknowledged}_` : "";
  const lines = [`- **${f.kind}** ${code(f.address)}${where}: ${f.title}${ack}`];
  for (const d of f.details) lines.push(`  - ${d}`);
  return lines.join("\n");
}

/** Markdown header lists show this many entries, then a count. */
export const HEADER_LISTED = 50;

export function renderMarkdown(r: Report, limit = MARKDOWN_LIMIT): string {
  const head: string[] = [
    `### plan-review${r.mode === "drift" ? " (drift)" : ""}: ${verdict(r)}`,
    "",
    `**${r.mode === "drift" ? "Refresh" : "Plan"}:** ${planLine(r)}${r.errored ? " — **errored: terraform could not finish the plan**" : ""}`,
  ];
  for (const n of r.notes) head.push("", `> **Note:** ${n}`);
  // The header's lists are bounded too, so the comment stays under the limit whatever the plan.
  if (r.summary.moved.length)
    head.push(
      "",
      `**Moved** (state follows, nothing recreated): ${listed(
        r.summary.moved.map((m) => `${code(m.from)} → ${code(m.to)}`),
        HEADER_LISTED,
      )}`,
    );
  if (r.summary.outputs.length)
    head.push("", `**Outputs changed:** ${listed(r.summary.outputs.map(code), HEADER_LISTED)}`);
  if (r.findings.length === 0) head.push("", "Nothing to report.");
  let out = head.join("\n");
  const reserve = 400;
  const shown = new Set<Finding>();
  for (const level of LEVELS) {
    const group = r.findings.filter((f) => f.level === level);
    if (group.length === 0) continue;
    const heading = `\n\n#### ${HEADINGS[level]} (${group.length})\n`;
    if (out.length + heading.length + reserve > limit) break;
    out += heading;
    for (const f of group) {
      const item = `\n${mdFinding(f)}`;
      if (out.length + item.length + reserve > limit) break;
      out += item;
      shown.add(f);
    }
  }
  if (shown.size < r.findings.length) {
    const c: Record<Level, number> = { block: 0, warn: 0, info: 0 };
    for (const f of r.findings) if (!shown.has(f)) c[f.level]++;
    out += `\n\n_${r.findings.length - shown.size} more finding(s) not shown (${c.block} block, ${c.warn} warn, ${c.info} info) to stay under GitHub's comment limit: run \`plan-review --format text\` for all._`;
  }
  return `${out}\n`;
}

export function renderText(r: Report): string {
  const lines = [
    `plan-review${r.mode === "drift" ? " (drift)" : ""}: ${verdict(r)}`,
    `${r.mode === "drift" ? "refresh" : "plan"}: ${planLine(r)}${r.errored ? " (errored: terraform could not finish the plan)" : ""}`,
  ];
  for (const n of r.notes) lines.push(`note: ${n}`);
  for (const m of r.summary.moved) lines.push(`moved: ${m.from} → ${m.to} (state follows)`);
  if (r.summary.outputs.length) lines.push(`outputs changed: ${r.summary.outputs.join(", ")}`);
  for (const f of r.findings) {
    lines.push("");
    lines.push(
      `${f.level.toUpperCase().padEnd(5)} ${f.kind} ${f.address}${f.construct ? ` (${f.construct})` : ""}`,
    );
    lines.push(`      ${f.title}${f.acknowledged ? ` [acknowledged: ${f.acknowledged}]` : ""}`);
    for (const d of f.details) lines.push(`      - ${d}`);
  }
  if (r.findings.length === 0) lines.push("nothing to report");
  return `${lines.join("\n")}\n`;
}

export function renderJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export type Format = "markdown" | "json" | "text";

export function render(r: Report, format: Format): string {
  return format === "json" ? renderJson(r) : format === "text" ? renderText(r) : renderMarkdown(r);
}
