/**
 * Acknowledgements: a committed JSON file of findings a team has accepted, each with the reason.
 *
 *   { "acknowledgements": [ { "address": "aws_emr_cluster.spark_cluster_DAC0C6B5",
 *                             "kind": "stateful-replace", "reason": "EMR 7.10 upgrade, no steps running" } ] }
 *
 * An acknowledged finding is still reported but counts for nothing in the exit code; one that
 * matches no finding is stale and reported as a warning, so the file does not outlive its reasons.
 */
import { Finding, FINDING_KINDS, FindingKind } from "./types";

export interface Acknowledgement {
  address: string;
  kind: FindingKind;
  reason: string;
}

export class AckError extends Error {
  override readonly name = "AckError";
}

/** Validates a parsed acknowledgements file; throws AckError with one line naming the entry. */
export function parseAcknowledgements(doc: unknown, source: string): Acknowledgement[] {
  const list = (doc as { acknowledgements?: unknown } | null)?.acknowledgements;
  if (!Array.isArray(list)) throw new AckError(`${source}: expected {"acknowledgements": [...]}`);
  return list.map((e, i) => {
    const entry = e as Partial<Record<keyof Acknowledgement, unknown>> | null;
    const where = `${source}: acknowledgements[${i}]`;
    if (!entry || typeof entry !== "object") throw new AckError(`${where} is not an object`);
    for (const k of ["address", "kind", "reason"] as const)
      if (typeof entry[k] !== "string" || (entry[k] as string).trim() === "")
        throw new AckError(`${where} needs a non-empty "${k}"`);
    if (!(FINDING_KINDS as readonly string[]).includes(entry.kind as string))
      throw new AckError(`${where}: unknown kind "${entry.kind}" (one of ${FINDING_KINDS.join(", ")})`);
    return {
      address: entry.address as string,
      kind: entry.kind as FindingKind,
      reason: entry.reason as string,
    };
  });
}

/** Marks acknowledged findings and adds one warning per acknowledgement that matched nothing. */
export function applyAcknowledgements(findings: Finding[], acks: Acknowledgement[]): Finding[] {
  const used = new Set<Acknowledgement>();
  const out = findings.map((f) => {
    const ack = acks.find((a) => a.address === f.address && a.kind === f.kind);
    if (!ack) return f;
    used.add(ack);
    return { ...f, acknowledged: ack.reason };
  });
  for (const a of acks) {
    if (used.has(a)) continue;
    out.push({
      level: "warn",
      kind: "stale-acknowledgement",
      address: a.address,
      title: `stale acknowledgement: no ${a.kind} finding on ${a.address}`,
      details: [`reason given: ${a.reason}`, "remove it from the acknowledgements file"],
      rank: 150,
    });
  }
  return out;
}
