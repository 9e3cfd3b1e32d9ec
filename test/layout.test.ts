/**
 * The layout's import boundaries are enforced by eslint (eslint.config.mjs). These cases lint
 * code as if it were a file at the given path, so a loosened rule fails here.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const ESLINT = join(ROOT, "node_modules", ".bin", "eslint");

/** Lints `code` as if it were the file at `filePath` (the CLI: jest cannot load the ESM config). */
function messages(filePath: string, code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ESLINT,
      ["--format", "json", "--stdin", "--stdin-filename", filePath],
      { cwd: ROOT, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        // exit 1 = lint errors found (expected for the rejected cases); anything else is a failure.
        if (err && err.code !== 1) return reject(new Error(`eslint failed: ${stderr || err.message}`));
        const [result] = JSON.parse(stdout) as Array<{
          messages: Array<{ ruleId: string; message: string }>;
        }>;
        resolve(result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message));
      },
    );
    child.stdin!.end(code);
  });
}

describe("import boundaries (lint)", () => {
  it.each([
    [
      "constructs/x.ts",
      'import { submit } from "../scripts/submit-job/run";\nexport const x = submit;\n',
      /never imports scripts/,
    ],
    ["constructs/lambdas/l/index.ts", 'import { App } from "cdktf";\nexport const x = App;\n', /no cdktf/],
    [
      "constructs/lambdas/l/index.ts",
      'import { Construct } from "constructs";\nexport const x = Construct;\n',
      /no cdktf/,
    ],
    [
      "constructs/lambdas/l/index.ts",
      'import { DataLake } from "../../data-lake";\nexport const x = DataLake;\n',
      /only constructs\/contract/,
    ],
    [
      "constructs/lambdas/l/index.ts",
      'import { y } from "../other/plan";\nexport const x = y;\n',
      /one Lambda does not import another/,
    ],
    ["constructs/contract/c.ts", 'import { Fn } from "cdktf";\nexport const x = Fn;\n', /plain TypeScript/],
    [
      "constructs/contract/c.ts",
      'import { REPO_ROOT } from "../bundled-lambda";\nexport const x = REPO_ROOT;\n',
      /nothing outside/,
    ],
    [
      "scripts/s.ts",
      'import { DataLake } from "../constructs/data-lake";\nexport const x = DataLake;\n',
      /only constructs\/contract/,
    ],
    [
      "constructs/x.ts",
      'import { S3Bucket } from "@cdktf/provider-aws";\nexport const x = S3Bucket;\n',
      /deep imports/,
    ],
  ])("%s: rejects %j", async (file, code, why) => {
    const got = await messages(file, code);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(why);
  });

  it.each([
    [
      "constructs/lambdas/l/index.ts",
      'import { LAKE_PREFIXES } from "../../contract/lake";\nimport { join } from "node:path";\nexport const x = [LAKE_PREFIXES, join];\n',
    ],
    [
      "constructs/lambdas/l/index.ts",
      'import { EMRClient } from "@aws-sdk/client-emr";\nexport const x = EMRClient;\n',
    ],
    [
      "scripts/s.ts",
      'import { STACK_OUTPUTS } from "../constructs/contract/outputs";\nexport const x = STACK_OUTPUTS;\n',
    ],
    [
      "constructs/x.ts",
      'import { LAKE_PREFIXES } from "./contract/lake";\nexport const x = LAKE_PREFIXES;\n',
    ],
  ])("%s: allows %j", async (file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });
});

describe("Lambda folders", () => {
  it("every constructs/lambdas/<name>/ has the index.ts entry the build bundles", () => {
    const dir = join(ROOT, "constructs", "lambdas");
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(names.sort()).toEqual(["emr-trigger", "firehose-transform"]);
    for (const n of names) expect(existsSync(join(dir, n, "index.ts"))).toBe(true);
  });
});
