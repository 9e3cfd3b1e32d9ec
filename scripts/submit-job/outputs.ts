/**
 * Stack outputs and their resolution: flags > SUBMIT_JOB_* env (both arrive as
 * yargs options) > `--outputs FILE` (cdktf output --outputs-file, nested by stack) >
 * `terraform output -json` in cdktf.out/stacks/<stack>. Pure: the caller supplies the loaders.
 */
import { UsageError } from "./errors";
import { asPrefix, parseS3Uri } from "./plan";
import { LAKE_PREFIXES } from "../../constructs/contract/lake";
/** One of the stack outputs: the list the stack itself declares. */
import type { StackOutputName as OutputName } from "../../constructs/contract/outputs";

/** One stack's outputs plus where they came from (for messages and --dry-run). */
export interface OutputsSource {
  readonly stack: string;
  /** e.g. `outputs.json` or `terraform output -json in cdktf.out/stacks/pipeline-dev`. */
  readonly origin: string;
  readonly values: Readonly<Record<string, unknown>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `terraform output -json` shape: `{ name: { value, type, sensitive } }`. */
export function isTerraformOutputJson(doc: Record<string, unknown>): boolean {
  const entries = Object.values(doc);
  return entries.length > 0 && entries.every((e) => isRecord(e) && "value" in e && "type" in e);
}

/** Flattens `terraform output -json` to `{ name: value }`. */
export function fromTerraformOutputJson(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) out[k] = isRecord(v) ? v.value : undefined;
  return out;
}

/** Parses JSON text, naming the file in the error. */
export function parseJsonDoc(text: string, origin: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `${origin} is not valid JSON (${(e as Error).message}); regenerate it with \`cdktf output <stack> --outputs-file ${origin}\``,
    );
  }
  if (!isRecord(doc))
    throw new UsageError(
      `${origin} must hold a JSON object of stacks, got ${Array.isArray(doc) ? "an array" : typeof doc}`,
    );
  return doc;
}

/**
 * Picks one stack from a `cdktf output --outputs-file` document (`{ stack: { name: value } }`).
 * A file in `terraform output -json` shape is accepted too (one anonymous stack).
 */
export function selectStack(
  doc: Record<string, unknown>,
  origin: string,
  stack: string | undefined,
): OutputsSource {
  if (isTerraformOutputJson(doc)) {
    return { stack: stack ?? "(terraform output)", origin, values: fromTerraformOutputJson(doc) };
  }
  const stacks = Object.keys(doc).filter((k) => isRecord(doc[k]));
  if (stacks.length === 0)
    throw new UsageError(
      `${origin} holds no stack outputs; write it with \`cdktf output <stack> --outputs-file ${origin}\``,
    );
  let chosen: string;
  if (stack !== undefined) {
    if (!stacks.includes(stack))
      throw new UsageError(
        `stack "${stack}" is not in ${origin} (stacks: ${stacks.join(", ")}); check --stack / SUBMIT_JOB_STACK`,
      );
    chosen = stack;
  } else if (stacks.length === 1) {
    chosen = stacks[0];
  } else {
    throw new UsageError(
      `${origin} has ${stacks.length} stacks (${stacks.join(", ")}): pass --stack <name> or set SUBMIT_JOB_STACK`,
    );
  }
  return { stack: chosen, origin, values: doc[chosen] as Record<string, unknown> };
}

/** Picks the stack directory under cdktf.out/stacks when --stack is not given. */
export function selectStackDir(
  available: readonly string[],
  stack: string | undefined,
  outDir: string,
): string {
  if (stack !== undefined) {
    if (!available.includes(stack)) {
      throw new UsageError(
        `no stack "${stack}" in ${outDir} (found: ${available.join(", ") || "none"}); run \`cdktf synth\` and \`cdktf deploy ${stack}\`, or pass --outputs FILE`,
      );
    }
    return stack;
  }
  if (available.length === 1) return available[0];
  if (available.length === 0) {
    throw new UsageError(
      `no stack outputs: pass --outputs FILE (written by \`cdktf output <stack> --outputs-file FILE\`), or deploy so ${outDir}/<stack> has a state`,
    );
  }
  throw new UsageError(
    `${outDir} has ${available.length} stacks (${available.join(", ")}): pass --stack <name> or set SUBMIT_JOB_STACK`,
  );
}

/** Reads one output as a non-empty string; missing/null is a usage error naming how to produce it. */
export function requireOutput(src: OutputsSource, name: OutputName, override: string): string {
  const v = src.values[name];
  if (v === undefined || v === null || v === "") {
    const state = v === undefined ? "missing" : v === null ? "null" : "empty";
    throw new UsageError(
      `output "${name}" is ${state} in ${src.origin} (stack ${src.stack}): deploy the stack (\`cdktf deploy ${src.stack}\`) and rewrite the file with \`cdktf output ${src.stack} --outputs-file <file>\`, or pass ${override}`,
    );
  }
  if (typeof v !== "string")
    throw new UsageError(`output "${name}" in ${src.origin} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Values the flags/env may set directly. */
export interface Overrides {
  readonly clusterId?: string;
  readonly bucket?: string;
  readonly region?: string;
  readonly input?: string;
  readonly output?: string;
}

/** Everything the run needs, with where each value came from. */
export interface Resolved {
  readonly region?: string;
  readonly clusterId: string;
  readonly scriptsUri: string;
  readonly input: string;
  readonly output: string;
  readonly logUri?: string;
  readonly stack?: string;
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * Whether the overrides leave something the outputs must supply: the cluster, or the bucket
 * (scripts_uri and the default input/output/log prefixes all derive from it).
 */
export function needsOutputs(o: Overrides): boolean {
  return !o.clusterId || !o.bucket;
}

/**
 * Applies the precedence. `load` is called only when some value is not overridden, so
 * `--cluster-id --bucket --input --output` works without any outputs at all.
 */
export function resolveOutputs(job: string, o: Overrides, load: () => OutputsSource): Resolved {
  const src = needsOutputs(o) ? load() : undefined;
  const sources: Record<string, string> = {};
  const from = (
    key: string,
    flag: string | undefined,
    flagName: string,
    fromOutputs: () => string,
  ): string => {
    if (flag) {
      sources[key] = flagName;
      return flag;
    }
    sources[key] = src ? src.origin : "(none)";
    return fromOutputs();
  };
  const need = (name: OutputName, flag: string) => {
    if (!src) throw new UsageError(`no outputs loaded for ${name}; pass ${flag}`);
    return requireOutput(src, name, flag);
  };
  const bucketPrefix = (p: string) => (o.bucket ? `s3://${o.bucket}/${p}` : undefined);

  const clusterId = from("clusterId", o.clusterId, "--cluster-id", () =>
    need("emr_cluster_id", "--cluster-id"),
  );
  if (!/^j-[A-Z0-9]{1,64}$/.test(clusterId))
    throw new UsageError(`cluster id must look like j-XXXXXXXXXXXX, got "${clusterId}"`);
  const scriptsUri = asPrefix(
    from("scriptsUri", bucketPrefix(LAKE_PREFIXES.scripts), "--bucket", () =>
      need("scripts_uri", "--bucket"),
    ),
  );
  parseS3Uri(scriptsUri, sources.scriptsUri === "--bucket" ? "--bucket" : "output scripts_uri");
  const input = from(
    "input",
    o.input ?? bucketPrefix(LAKE_PREFIXES.streamingData),
    o.input ? "--input" : "--bucket",
    () => need("raw_events_uri", "--input"),
  );
  const output = from(
    "output",
    o.output ?? bucketPrefix(`${LAKE_PREFIXES.processedData}${job}/`),
    o.output ? "--output" : "--bucket",
    () => `${asPrefix(need("processed_uri", "--output"))}${job}/`,
  );
  parseS3Uri(input, sources.input === "--input" ? "--input" : "input");
  parseS3Uri(output, sources.output === "--output" ? "--output" : "output");

  const { region, logUri } = regionAndLogUri(o, src, sources);
  return { region, clusterId, scriptsUri, input, output, logUri, stack: src?.stack, sources };
}

/** The region and the EMR log URI, from the flags or the outputs; records where each came from. */
function regionAndLogUri(
  o: Overrides,
  src: OutputsSource | undefined,
  sources: Record<string, string>,
): { region?: string; logUri?: string } {
  let region = o.region;
  if (region) sources.region = "--region";
  else if (src) {
    region = requireOutput(src, "region", "--region");
    sources.region = src.origin;
  }
  let logUri: string | undefined;
  const rawLog = src?.values.emr_log_uri;
  if (typeof rawLog === "string" && rawLog) {
    logUri = rawLog;
    sources.logUri = src!.origin;
  } else if (o.bucket) {
    logUri = `s3://${o.bucket}/${LAKE_PREFIXES.emrLogs}`;
    sources.logUri = "--bucket";
  }
  return { region, logUri };
}

/** What the lifecycle commands (status, logs, cancel, runs) need: the cluster and its logs. */
export interface ResolvedCluster {
  readonly region?: string;
  readonly clusterId: string;
  /** The stack's emr_log_uri (or `<bucket>/emr-logs/`); the cluster's own LogUri wins over it. */
  readonly logUri?: string;
  readonly stack?: string;
  readonly sources: Readonly<Record<string, string>>;
}

/**
 * The same precedence for a command about runs on the cluster: `--cluster-id` alone needs no
 * outputs (the cluster's own LogUri says where its logs are); otherwise the outputs name it.
 */
export function resolveCluster(o: Overrides, load: () => OutputsSource): ResolvedCluster {
  const src = o.clusterId ? undefined : load();
  const sources: Record<string, string> = {};
  let clusterId: string;
  if (o.clusterId) {
    clusterId = o.clusterId;
    sources.clusterId = "--cluster-id";
  } else {
    clusterId = requireOutput(src!, "emr_cluster_id", "--cluster-id");
    sources.clusterId = src!.origin;
  }
  if (!/^j-[A-Z0-9]{1,64}$/.test(clusterId))
    throw new UsageError(`cluster id must look like j-XXXXXXXXXXXX, got "${clusterId}"`);
  if (o.bucket) parseS3Uri(`s3://${o.bucket}/`, "--bucket");
  const { region, logUri } = regionAndLogUri(o, src, sources);
  return { region, clusterId, logUri, stack: src?.stack, sources };
}
