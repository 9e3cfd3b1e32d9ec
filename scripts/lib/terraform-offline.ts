/**
 * Terraform on a synthesised stack with no AWS account and no registry, for the TypeScript tools
 * (scripts/hcl-check.ts, scripts/make-plan-fixtures.ts); the shell scripts source
 * terraform-offline.sh beside this file, which does the same with the same provider override.
 *
 * The hashicorp/aws provider comes from a local filesystem mirror (TF_PROVIDER_MIRROR, default
 * /opt/tf-plugins) through a CLI config written to a work directory; a stack runs in a copy with
 * override files for the provider and the backend, so the synthesised stack itself carries no
 * test-only settings.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OFFLINE_PROVIDER from "./offline-provider.tf.json";

export const MIRROR = process.env.TF_PROVIDER_MIRROR ?? "/opt/tf-plugins";
export const PROVIDER = "registry.terraform.io/hashicorp/aws";

/**
 * Writes `<dir>/terraformrc`, which installs the provider from the mirror and never from the
 * registry, and returns its path (for TF_CLI_CONFIG_FILE).
 */
export function writeCliConfig(dir: string): string {
  const file = join(dir, "terraformrc");
  writeFileSync(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${MIRROR}"\n    include = ["${PROVIDER}"]\n  }\n  direct {\n    exclude = ["${PROVIDER}"]\n  }\n}\n`,
  );
  return file;
}

/**
 * Sets `env` up for terraform with the CLI config `cliConfig`: non-interactive, fake credentials
 * and none of the user's own AWS settings. A plan with the provider override's skip flags never
 * calls AWS (no data sources that need AWS are synthesised for the default environments).
 */
export function useOfflineTerraform(env: NodeJS.ProcessEnv, cliConfig: string): void {
  Object.assign(env, {
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake",
  });
  for (const name of ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"]) delete env[name];
}

/** Copies the stack `src` to `dest` without the working state a local terraform run leaves there. */
export function copyStack(src: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true });
  rmSync(join(dest, ".terraform"), { recursive: true, force: true });
  rmSync(join(dest, ".terraform.lock.hcl"), { force: true });
}

/**
 * Writes the override files into the stack copy `dir`: the provider with fake credentials and
 * skip flags (offline-provider.tf.json), with `providerExtra` on top, and a local backend whose
 * state is `statePath` (relative paths are relative to `dir`).
 */
export function writeOverrides(
  dir: string,
  statePath: string,
  providerExtra: Record<string, unknown> = {},
): void {
  const override = { provider: { aws: [{ ...OFFLINE_PROVIDER.provider.aws[0], ...providerExtra }] } };
  writeFileSync(join(dir, "provider_override.tf.json"), JSON.stringify(override));
  writeFileSync(
    join(dir, "backend_override.tf.json"),
    JSON.stringify({ terraform: { backend: { local: { path: statePath } } } }),
  );
}
