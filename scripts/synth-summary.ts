/**
 * Prints what `cdktf deploy` would create, per synthesised stack: resource counts by type, the
 * stack outputs, and rough cost notes.
 *
 *   npx tsx scripts/synth-summary.ts [cdktf.out] [--json]
 *
 * Cost notes use approximate on-demand list prices (us-east-1, USD) from the table below; they
 * are an order-of-magnitude guide, not a quote — check the AWS pricing pages for your region.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Block = Record<string, Record<string, Record<string, unknown>>>;
export interface StackJson {
  resource?: Block;
  data?: Block;
  output?: Record<string, { value: unknown; description?: string }>;
  terraform?: { backend?: Record<string, unknown> };
}

/** USD/hour: [EC2 on-demand, EMR uplift] (us-east-1 list prices, 2025). */
const INSTANCE_PRICES: Record<string, [number, number]> = {
  "m5.xlarge": [0.192, 0.048],
  "m5.2xlarge": [0.384, 0.096],
  "m5.4xlarge": [0.768, 0.192],
  "r5.xlarge": [0.252, 0.063],
  "r5.2xlarge": [0.504, 0.126],
  "r5.4xlarge": [1.008, 0.252],
  "c5.xlarge": [0.17, 0.043],
};
const NAT_PER_HOUR = 0.045;
const INTERFACE_ENDPOINT_PER_AZ_HOUR = 0.01;
const KMS_KEY_PER_MONTH = 1;
const HOURS_PER_MONTH = 730;
/** Kinesis Data Streams: on-demand stream-hour, provisioned shard-hour; per-GB in/out (on-demand). */
const KINESIS_ON_DEMAND_STREAM_HOUR = 0.04;
const KINESIS_SHARD_HOUR = 0.015;
const KINESIS_ON_DEMAND_GB_IN = 0.08;
/** Firehose: per GB ingested (records rounded up to 5 KB) + per GB converted to Parquet. */
const FIREHOSE_GB = 0.029;
const FIREHOSE_FORMAT_CONVERSION_GB = 0.018;
const CLOUDWATCH_ALARM_PER_MONTH = 0.1;
const CLOUDWATCH_DASHBOARD_PER_MONTH = 3;

/** Kinesis, Firehose, Lambda and CloudWatch: the always-on part and what scales with data. */
function streamingCostNotes(tf: StackJson, resources: Record<string, number>): string[] {
  const notes: string[] = [];
  for (const stream of Object.values(tf.resource?.aws_kinesis_stream ?? {})) {
    const mode = (stream.stream_mode_details as { stream_mode?: string } | undefined)?.stream_mode;
    if (mode === "PROVISIONED") {
      const shards = Number(stream.shard_count ?? 1);
      notes.push(
        `Kinesis (provisioned, ${shards} shard(s)): ≈ ${money(shards * KINESIS_SHARD_HOUR * HOURS_PER_MONTH)}/month always on + PUT payload units.`,
      );
    } else {
      notes.push(
        `Kinesis (on-demand): ≈ ${money(KINESIS_ON_DEMAND_STREAM_HOUR * HOURS_PER_MONTH)}/month always on + $${KINESIS_ON_DEMAND_GB_IN}/GB written.`,
      );
    }
  }
  const firehoses = resources.aws_kinesis_firehose_delivery_stream ?? 0;
  if (firehoses > 0)
    notes.push(
      `Firehose: $${FIREHOSE_GB}/GB ingested (records round up to 5 KB) + $${FIREHOSE_FORMAT_CONVERSION_GB}/GB Parquet conversion; nothing when idle.`,
    );
  const lambdas = resources.aws_lambda_function ?? 0;
  if (lambdas > 0)
    notes.push(`Lambda: ${lambdas} function(s), $0.20 per million requests + GB-seconds; nothing when idle.`);
  const alarms = resources.aws_cloudwatch_metric_alarm ?? 0;
  const dashboards = resources.aws_cloudwatch_dashboard ?? 0;
  if (alarms + dashboards > 0)
    notes.push(
      `CloudWatch: ${alarms} alarm(s) + ${dashboards} dashboard(s) ≈ ${money(alarms * CLOUDWATCH_ALARM_PER_MONTH + dashboards * CLOUDWATCH_DASHBOARD_PER_MONTH)}/month, plus log ingestion.`,
    );
  return notes;
}

export interface StackSummary {
  stack: string;
  resourceCount: number;
  resources: Record<string, number>;
  outputs: Record<string, unknown>;
  backend: string;
  costNotes: string[];
}

const money = (n: number): string => `$${n.toFixed(2)}`;

/** The EMR cluster's instance groups: [name, type, count, spot]. */
function emrGroups(tf: StackJson): [string, string, number, boolean][] {
  const cluster = Object.values(tf.resource?.aws_emr_cluster ?? {})[0];
  if (!cluster) return [];
  const groups: [string, string, number, boolean][] = [];
  const m = cluster.master_instance_group as { instance_type: string; instance_count?: number } | undefined;
  const c = cluster.core_instance_group as { instance_type: string; instance_count?: number } | undefined;
  if (m) groups.push(["master", m.instance_type, m.instance_count ?? 1, false]);
  if (c) groups.push(["core", c.instance_type, c.instance_count ?? 1, false]);
  for (const g of Object.values(tf.resource?.aws_emr_instance_group ?? {})) {
    groups.push([
      String(g.name ?? "task"),
      String(g.instance_type),
      Number(g.instance_count ?? 0),
      g.bid_price !== undefined,
    ]);
  }
  return groups;
}

/** EMR USD/hour on-demand while the cluster runs (spot task nodes and unpriced types left out). */
function emrPerHour(tf: StackJson): number {
  let perHour = 0;
  for (const [, type, count, spot] of emrGroups(tf)) {
    const price = INSTANCE_PRICES[type];
    if (price && !spot) perHour += count * (price[0] + price[1]);
  }
  return perHour;
}

function emrCostNotes(tf: StackJson): string[] {
  const notes: string[] = [];
  const cluster = Object.values(tf.resource?.aws_emr_cluster ?? {})[0];
  if (!cluster) return notes;
  const parts: string[] = [];
  for (const [name, type, count, spot] of emrGroups(tf)) {
    parts.push(`${count}× ${type} ${name}${spot ? " (spot)" : ""}`);
    if (!INSTANCE_PRICES[type])
      notes.push(`EMR: no price for ${type} in the table; check https://aws.amazon.com/emr/pricing/`);
  }
  const perHour = emrPerHour(tf);
  const idle = (cluster.auto_termination_policy as { idle_timeout?: number } | undefined)?.idle_timeout;
  notes.push(
    `EMR ${cluster.release_label}: ${parts.join(", ")} ≈ ${money(perHour)}/h on-demand while running ` +
      `(spot task nodes extra, capped by bid); auto-terminates after ${idle ?? "?"} s idle, so cost ≈ hours of work.`,
  );
  const scaling = Object.values(tf.resource?.aws_emr_managed_scaling_policy ?? {})[0];
  const limits = (scaling?.compute_limits as { maximum_capacity_units?: number }[] | undefined)?.[0];
  if (limits?.maximum_capacity_units !== undefined) {
    notes.push(`EMR managed scaling may grow to ${limits.maximum_capacity_units} instances (core + task).`);
  }
  return notes;
}

/**
 * The cost model as numbers (for plan-review's cost delta): USD/month of what is always on (NAT,
 * interface endpoints, KMS keys, Kinesis stream/shard hours, alarms, dashboards) and EMR USD/hour
 * while running. Usage-priced parts (GB, requests) are left out, as in the notes.
 */
export function costFigures(tf: StackJson): { alwaysOnMonthly: number; emrPerHour: number } {
  const count = (type: string) => Object.keys(tf.resource?.[type] ?? {}).length;
  let monthly = count("aws_nat_gateway") * NAT_PER_HOUR * HOURS_PER_MONTH;
  const endpoints = Object.values(tf.resource?.aws_vpc_endpoint ?? {}).filter(
    (e) => e.vpc_endpoint_type === "Interface",
  );
  if (endpoints.length > 0) {
    const azs = Math.max(1, ...endpoints.map((e) => (Array.isArray(e.subnet_ids) ? e.subnet_ids.length : 1)));
    monthly += endpoints.length * azs * INTERFACE_ENDPOINT_PER_AZ_HOUR * HOURS_PER_MONTH;
  }
  monthly += count("aws_kms_key") * KMS_KEY_PER_MONTH;
  for (const stream of Object.values(tf.resource?.aws_kinesis_stream ?? {})) {
    const mode = (stream.stream_mode_details as { stream_mode?: string } | undefined)?.stream_mode;
    monthly +=
      mode === "PROVISIONED"
        ? Number(stream.shard_count ?? 1) * KINESIS_SHARD_HOUR * HOURS_PER_MONTH
        : KINESIS_ON_DEMAND_STREAM_HOUR * HOURS_PER_MONTH;
  }
  monthly +=
    count("aws_cloudwatch_metric_alarm") * CLOUDWATCH_ALARM_PER_MONTH +
    count("aws_cloudwatch_dashboard") * CLOUDWATCH_DASHBOARD_PER_MONTH;
  return { alwaysOnMonthly: monthly, emrPerHour: emrPerHour(tf) };
}

/** Summarises one synthesised stack's cdk.tf.json. */
export function summarise(stack: string, tf: StackJson): StackSummary {
  const resources: Record<string, number> = {};
  let total = 0;
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    resources[type] = Object.keys(byName).length;
    total += resources[type];
  }
  const outputs = Object.fromEntries(Object.entries(tf.output ?? {}).map(([k, v]) => [k, v.value]));
  const costNotes = emrCostNotes(tf);
  const nat = resources.aws_nat_gateway ?? 0;
  costNotes.push(
    nat > 0
      ? `NAT gateway: ${nat} × ≈ ${money(NAT_PER_HOUR * HOURS_PER_MONTH)}/month + $0.045/GB processed.`
      : "No NAT gateway (S3 via free gateway endpoint).",
  );
  const endpoints = Object.values(tf.resource?.aws_vpc_endpoint ?? {}).filter(
    (e) => e.vpc_endpoint_type === "Interface",
  );
  if (endpoints.length > 0) {
    const azs = Math.max(1, ...endpoints.map((e) => (Array.isArray(e.subnet_ids) ? e.subnet_ids.length : 1)));
    const monthly = endpoints.length * azs * INTERFACE_ENDPOINT_PER_AZ_HOUR * HOURS_PER_MONTH;
    costNotes.push(
      `Interface endpoints: ${endpoints.length} × ${azs} AZ ≈ ${money(monthly)}/month (always on).`,
    );
  }
  const keys = resources.aws_kms_key ?? 0;
  if (keys > 0)
    costNotes.push(
      `KMS: ${keys} CMK(s) × ${money(KMS_KEY_PER_MONTH)}/month + requests (S3 bucket keys cut them).`,
    );
  costNotes.push(...streamingCostNotes(tf, resources));
  costNotes.push(
    "S3: pay per GB stored; streaming-data/ tiers to STANDARD_IA then GLACIER_IR; emr-logs/ expire.",
  );
  const backend = Object.keys(tf.terraform?.backend ?? { local: {} })[0] ?? "local";
  return { stack, resourceCount: total, resources, outputs, backend, costNotes };
}

/** Reads every stack under <outdir>/stacks. */
export function summariseOutdir(outdir: string): StackSummary[] {
  const stacksDir = join(outdir, "stacks");
  if (!existsSync(stacksDir)) {
    throw new Error(`no synthesised stacks in ${stacksDir}: run "npx cdktf synth" first`);
  }
  return readdirSync(stacksDir)
    .filter((d) => existsSync(join(stacksDir, d, "cdk.tf.json")))
    .sort()
    .map((d) =>
      summarise(d, JSON.parse(readFileSync(join(stacksDir, d, "cdk.tf.json"), "utf8")) as StackJson),
    );
}

function render(s: StackSummary): string {
  const lines = [`== ${s.stack}: ${s.resourceCount} resources (state backend: ${s.backend})`];
  const width = Math.max(...Object.keys(s.resources).map((k) => k.length));
  for (const [type, n] of Object.entries(s.resources).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${type.padEnd(width)}  ${n}`);
  }
  lines.push("  outputs:");
  for (const [k, v] of Object.entries(s.outputs)) {
    const shown =
      typeof v === "string" && v.startsWith("${") ? `(known after apply: ${v.slice(2, -1)})` : String(v);
    lines.push(`    ${k.padEnd(22)} ${shown}`);
  }
  lines.push("  cost notes (approximate us-east-1 list prices):");
  for (const n of s.costNotes) lines.push(`    - ${n}`);
  return lines.join("\n");
}

function main(argv: string[]): number {
  const json = argv.includes("--json");
  const outdir = argv.find((a) => !a.startsWith("--")) ?? "cdktf.out";
  try {
    const summaries = summariseOutdir(outdir);
    if (summaries.length === 0) throw new Error(`no stacks with cdk.tf.json under ${outdir}/stacks`);
    process.stdout.write(
      json ? `${JSON.stringify(summaries, null, 2)}\n` : `${summaries.map(render).join("\n\n")}\n`,
    );
    return 0;
  } catch (e) {
    process.stderr.write(`synth-summary: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
