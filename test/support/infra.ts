/**
 * Helpers for construct tests: synthesise constructs inside a throwaway stack and read the
 * resulting Terraform JSON by resource type.
 */
import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { EnvironmentConfig } from "../../constructs/config";
import { serviceTrustPolicy } from "../../constructs/cmk";
import { DataLake } from "../../constructs/data-lake";
import { GlueCatalog } from "../../constructs/glue-catalog";
import { decodeDocumentsInPlace } from "./document";

/** Terraform JSON of a synthesised stack. */
export interface Synth {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
}

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

/**
 * Builds constructs in a stack with an AWS provider and returns the raw string and parsed JSON
 * (its jsonencode() documents as JSON text, see ./document).
 */
export function synth(build: (scope: Construct) => void): { json: string; tf: Synth } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: REGION });
  build(stack);
  return synthStack(stack);
}

/** Synthesises an already-built stack (documents decoded as in synth()). */
export function synthStack(stack: TerraformStack): { json: string; tf: Synth } {
  const json = Testing.synth(stack);
  const tf = JSON.parse(json) as Synth;
  decodeDocumentsInPlace(tf);
  return { json, tf };
}

/** All resources of a Terraform type, keyed by logical id. */
export function resources(tf: Synth, type: string): Record<string, Record<string, unknown>> {
  return tf.resource?.[type] ?? {};
}

/** The only resource of a type (fails the test when there are zero or several). */
export function only(tf: Synth, type: string): Record<string, unknown> {
  const all = Object.values(resources(tf, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** The one resource of a type whose logical id contains `idPart`. */
export function byId(tf: Synth, type: string, idPart: string): Record<string, unknown> {
  const hits = Object.entries(resources(tf, type)).filter(([k]) => k.includes(idPart));
  if (hits.length !== 1) {
    throw new Error(
      `expected one ${type} with id containing "${idPart}", found ${hits.map(([k]) => k).join(", ")}`,
    );
  }
  return hits[0][1];
}

/** A minimal role to grant things to. */
export function role(scope: Construct, id = "reader"): IamRole {
  return new IamRole(scope, id, {
    name: id,
    assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
  });
}

/** The dev environment's lake ("bdp-dev"), with defaults: what most construct tests build on. */
export function devLake(scope: Construct): DataLake {
  return new DataLake(scope, "lake", { accountId: ACCOUNT, region: REGION, name: "bdp-dev" });
}

/** The dev lake plus its Glue catalog (database "bdp_dev_lake"). */
export function devLakeAndCatalog(scope: Construct): { lake: DataLake; catalog: GlueCatalog } {
  const lake = devLake(scope);
  const catalog = new GlueCatalog(scope, "catalog", {
    accountId: ACCOUNT,
    region: REGION,
    lake,
    databaseName: "bdp_dev_lake",
  });
  return { lake, catalog };
}

/** A valid environment config; override fields per test. */
export function envConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return {
    envName: "dev",
    accountId: ACCOUNT,
    region: REGION,
    namePrefix: "bdp",
    network: { mode: "create" },
    ...overrides,
  };
}

/** Every IAM-style policy document string in the synthesised JSON (inline, role, bucket, key, topic). */
export function policyDocuments(
  tf: Synth,
): { where: string; doc: { Statement: Record<string, unknown>[] } }[] {
  const out: { where: string; doc: { Statement: Record<string, unknown>[] } }[] = [];
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, r] of Object.entries(byName)) {
      for (const key of ["policy", "assume_role_policy"]) {
        const v = r[key];
        if (typeof v === "string" && v.trim().startsWith("{")) {
          out.push({ where: `${type}.${name}.${key}`, doc: JSON.parse(v) });
        }
      }
    }
  }
  return out;
}

/** A statement's field as an array. */
export function asArray(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
