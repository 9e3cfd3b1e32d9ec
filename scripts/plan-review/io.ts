/**
 * Reading plan-review's inputs: the saved plan's JSON, a synthesised stack, an acknowledgements
 * file. Each failure is an InputError with one line that names the file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AckError, Acknowledgement, parseAcknowledgements } from "./ack";
import { CheckovFailure, checkovFailures } from "./checkov";
import { JsonObject, PlanJson, SynthJson } from "./types";

export class InputError extends Error {
  override readonly name = "InputError";
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new InputError(`${what} ${file} does not exist`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what} ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** A saved plan's JSON (`terraform show -json PLANFILE`), not a plan file or a state. */
export function readPlan(file: string): PlanJson {
  if (existsSync(file) && statSync(file).isFile()) {
    const head = readFileSync(file).subarray(0, 2);
    if (head[0] === 0x50 && head[1] === 0x4b)
      throw new InputError(
        `${file} is a binary plan file: give \`terraform show -json ${file}\` output instead`,
      );
  }
  const doc = readJson(file, "plan") as PlanJson & { values?: unknown; resources?: unknown };
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new InputError(`plan ${file} is not a JSON object`);
  if (
    !("resource_changes" in doc) &&
    !("resource_drift" in doc) &&
    !("format_version" in doc && "planned_values" in doc)
  ) {
    const hint = "values" in doc || "resources" in doc ? " (it looks like a state: use a saved plan)" : "";
    throw new InputError(`${file} is not a saved plan's JSON: no resource_changes${hint}`);
  }
  // Plan JSON's format is 1.x (terraform 1.0 on); a major version this does not know may mean
  // other things by the same fields.
  const version = (doc as { format_version?: unknown }).format_version;
  if (version !== undefined && !/^1\.\d+$/.test(String(version)))
    throw new InputError(
      `plan ${file}: format_version ${JSON.stringify(version)} is not one plan-review reads (1.x)`,
    );
  for (const key of ["resource_changes", "resource_drift"] as const) {
    const list = doc[key] as unknown;
    // resource_drift may be null (nothing drifted); resource_changes is a list or absent.
    if (list === undefined || (list === null && key === "resource_drift")) continue;
    if (!Array.isArray(list)) throw new InputError(`plan ${file}: ${key} is not a list`);
    list.forEach((rc, i) => {
      const r = rc as { address?: unknown; change?: { actions?: unknown } } | null;
      const lacks =
        !r || typeof r.address !== "string"
          ? "an address"
          : !Array.isArray(r.change?.actions)
            ? "change.actions"
            : "";
      if (lacks)
        throw new InputError(
          `plan ${file}: ${key}[${i}]${typeof r?.address === "string" ? ` (${r.address})` : ""} has no ${lacks}: not \`terraform show -json\` output`,
        );
    });
  }
  return doc;
}

/** A synthesised stack: a directory holding cdk.tf.json, or the file itself. */
export function readSynth(path: string, flag: string): SynthJson {
  if (!existsSync(path)) throw new InputError(`${flag} ${path} does not exist`);
  const file = statSync(path).isDirectory() ? join(path, "cdk.tf.json") : path;
  if (!existsSync(file))
    throw new InputError(
      `${flag} ${path} has no cdk.tf.json (give a stack directory, e.g. cdktf.out/stacks/pipeline-dev)`,
    );
  const doc = readJson(file, `${flag}`) as SynthJson;
  if (!doc || typeof doc !== "object" || (doc.resource !== undefined && typeof doc.resource !== "object"))
    throw new InputError(`${flag} ${file} is not a synthesised stack`);
  return doc;
}

/** The `Environment` of a synth's aws provider default tags (every stack sets one), if any. */
function synthEnvironment(doc: SynthJson): string | undefined {
  const tags = (doc.provider?.aws?.[0]?.default_tags as JsonObject[] | undefined)?.[0]?.tags as
    JsonObject | undefined;
  return typeof tags?.Environment === "string" ? tags.Environment : undefined;
}

/** The `Environment` tags of the plan's resources (as planned, and as they were). */
function planEnvironments(plan: PlanJson): Set<string> {
  const envs = new Set<string>();
  for (const rc of [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])])
    for (const side of [rc.change.before, rc.change.after]) {
      const env = ((side as JsonObject | null)?.tags_all as JsonObject | null | undefined)?.Environment;
      if (typeof env === "string") envs.add(env);
    }
  return envs;
}

/**
 * Refuses a synth of another environment than the plan's: the stacks share their addresses, so
 * the review would run without an error but read the wrong stack's protections and policies.
 * Known only when the plan carries `Environment` tags and the synth its provider's default tags.
 */
export function checkSameEnvironment(plan: PlanJson, synth: SynthJson, flag: string): void {
  const want = synthEnvironment(synth);
  const got = [...planEnvironments(plan)].sort();
  if (want !== undefined && got.length > 0 && !got.includes(want))
    throw new InputError(
      `${flag} is the ${want} stack's synth, but the plan's resources are tagged Environment=${got.join(",")}: review a plan with its own stack's synth`,
    );
}

export function readAcknowledgements(file: string): Acknowledgement[] {
  try {
    return parseAcknowledgements(readJson(file, "acknowledgements file"), file);
  } catch (e) {
    if (e instanceof AckError) throw new InputError(e.message);
    throw e;
  }
}

/** A checkov JSON report (`checkov -o json`). */
export function readCheckov(file: string, flag: string): CheckovFailure[] {
  const failures = checkovFailures(readJson(file, flag));
  if (!failures) throw new InputError(`${flag} ${file} is not a checkov JSON report (checkov -o json)`);
  return failures;
}
