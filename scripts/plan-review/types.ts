/**
 * The shapes plan-review reads (a saved plan's JSON from `terraform show -json`, a synthesised
 * cdk.tf.json) and the report it produces. The report is the documented JSON output
 * (docs/plan-review.md): change `REPORT_VERSION` when a field changes meaning.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** One entry of `resource_changes` / `resource_drift`. */
export interface ResourceChange {
  address: string;
  previous_address?: string;
  mode?: string;
  type: string;
  name: string;
  action_reason?: string;
  change: {
    actions: string[];
    before?: Json;
    after?: Json;
    after_unknown?: Json;
    replace_paths?: (string | number)[][];
  };
}

export interface PlanJson {
  format_version?: string;
  terraform_version?: string;
  resource_changes?: ResourceChange[];
  resource_drift?: ResourceChange[];
  output_changes?: Record<string, { actions: string[]; before?: Json; after?: Json }>;
  errored?: boolean;
  applyable?: boolean;
}

/** A synthesised stack (cdk.tf.json): the parts plan-review joins with the plan. */
export interface SynthJson {
  resource?: Record<string, Record<string, JsonObject>>;
  moved?: { from: string; to: string }[];
  output?: Record<string, { value?: Json; sensitive?: boolean }>;
  terraform?: JsonObject;
  provider?: Record<string, JsonObject[]>;
}

export type Level = "block" | "warn" | "info";

/** Every kind of finding; an acknowledgement names one of these. */
export const FINDING_KINDS = [
  "plan-errored",
  "stateful-delete",
  "stateful-replace",
  "protection-removed",
  "rename-without-move",
  "security-regression",
  "ingress-widened",
  "tls-only-removed",
  "policy-widened",
  "drift-expected",
  "drift-unexpected",
  "cost-delta",
  "checkov-new",
  "stale-acknowledgement",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  level: Level;
  kind: FindingKind;
  address: string;
  /** the construct path from the synth (`pipeline-dev/lake/bucket`), when known */
  construct?: string;
  /** one line */
  title: string;
  /** further lines: forcing attributes, dragged resources, statement diffs, the fix */
  details: string[];
  /** blocks are ordered by what they lose: lower first */
  rank: number;
  /** set when an acknowledgement covers the finding (it then counts for nothing in the exit code) */
  acknowledged?: string;
}

export interface Summary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  noop: number;
  read: number;
  /** resources leaving Terraform's management without being destroyed (a `removed` block) */
  forget: number;
  /** resources whose state follows a `moved` block: from → to */
  moved: { from: string; to: string }[];
  /** output names whose value changes */
  outputs: string[];
}

export interface Report {
  version: 1;
  mode: "plan" | "drift";
  terraformVersion?: string;
  errored: boolean;
  summary: Summary;
  /** what the reviewer should know about the review itself (one line each) */
  notes: string[];
  findings: Finding[];
  /** 0 nothing to report · 2 warnings only · 3 an unacknowledged block */
  exitCode: 0 | 2 | 3;
}

export const REPORT_VERSION = 1;
