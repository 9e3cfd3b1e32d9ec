/**
 * checkov's findings, new against the base: plan-review reads checkov's own JSON reports
 * (`checkov -o json`, one object or a list of them) for the head and the base synth and reports the
 * failed checks the base did not have. Running checkov stays outside (it takes a minute a stack).
 */

export interface CheckovFailure {
  checkId: string;
  checkName: string;
  resource: string;
}

/** The failed checks of a checkov JSON report; undefined when the document is not one. */
export function checkovFailures(doc: unknown): CheckovFailure[] | undefined {
  const reports = Array.isArray(doc) ? doc : [doc];
  const out: CheckovFailure[] = [];
  for (const r of reports) {
    if (!r || typeof r !== "object") return undefined;
    const results = (r as { results?: { failed_checks?: unknown } }).results;
    // checkov writes a bare summary object when it found nothing to scan
    if (!results) {
      if ("summary" in (r as object)) continue;
      return undefined;
    }
    for (const f of (results.failed_checks as Record<string, unknown>[] | undefined) ?? [])
      out.push({
        checkId: String(f.check_id),
        checkName: String(f.check_name ?? ""),
        resource: String(f.resource ?? ""),
      });
  }
  return out;
}

/** Failures of the head that the base does not have (same check on the same resource). */
export function newFailures(head: CheckovFailure[], base: CheckovFailure[]): CheckovFailure[] {
  const seen = new Set(base.map((f) => `${f.checkId} ${f.resource}`));
  return head.filter((f) => !seen.has(`${f.checkId} ${f.resource}`));
}
