// Bundles the Lambda handlers and the submit-job CLI with esbuild (CommonJS, node20).
// Lambda bundles are what the stack packages (TerraformAsset from dist/lambda/<name>/) and what
// the local demo runs, so the demo exercises the deployed code.
import { build } from "esbuild";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** entry source → output file, and whether the AWS SDK may be bundled. */
const entries = [
  {
    src: "constructs/firehose-transform/index.ts",
    out: "dist/lambda/firehose-transform/index.js",
    minify: true,
    strict: true,
  },
  { src: "constructs/emr-trigger/handler.ts", out: "dist/lambda/emr-trigger/index.js", minify: true },
  { src: "scripts/submit-job/cli.ts", out: "dist/cli/submit-job.js", minify: false },
  { src: "scripts/produce-events.ts", out: "dist/cli/produce-events.js", minify: false },
];

let failed = false;
/** out → the project sources bundled into it (dist/build-inputs.json): bin/ checks staleness. */
const inputs = {};
for (const e of entries) {
  const src = join(root, e.src);
  if (!existsSync(src)) {
    console.error(`build: missing entry ${e.src}`);
    failed = true;
    continue;
  }
  mkdirSync(dirname(join(root, e.out)), { recursive: true });
  const result = await build({
    entryPoints: [src],
    metafile: true,
    absWorkingDir: root,
    outfile: join(root, e.out),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: e.minify,
    sourcemap: false,
    legalComments: "none",
    // An entry that sets module.exports itself is not turned into strict mode by esbuild.
    banner: e.strict ? { js: '"use strict";' } : undefined,
    logLevel: "warning",
  });
  inputs[e.out] = Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules/"));
  console.error(`build: ${e.out} ${statSync(join(root, e.out)).size} bytes`);
}
if (failed) process.exit(1);
writeFileSync(join(root, "dist", "build-inputs.json"), `${JSON.stringify(inputs, null, 2)}\n`);
