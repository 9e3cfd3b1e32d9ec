// Bundles the Lambda handlers and the CLIs with esbuild (CommonJS).
// Every folder constructs/lambdas/<name>/ with an index.ts is a Lambda: it is bundled to
// dist/lambda/<name>/index.js, which the stack packages (BundledLambda) and the local demo runs,
// so the demo exercises the deployed code.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// esbuild targets. Lambda bundles: the Node.js of the deployed runtime, from the one constant in
// constructs/contract/lambda-runtimes.json (constructs/defaults.ts reads it too). CLIs: they run on
// the user's Node, so the oldest one package.json "engines" allows.
const readJson = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
const lambdaRuntime = readJson("constructs/contract/lambda-runtimes.json").deployed;
const lambdaNode = /^nodejs(\d+)\.x$/.exec(String(lambdaRuntime))?.[1];
const cliNode = /^>=\s*(\d+)$/.exec(String(readJson("package.json").engines?.node))?.[1];
if (!lambdaNode || !cliNode) {
  console.error(
    `build: cannot derive esbuild targets from runtime ${lambdaRuntime} (want nodejsNN.x) and package.json engines.node (want ">=NN")`,
  );
  process.exit(1);
}

const lambdas = readdirSync(join(root, "constructs", "lambdas"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "constructs", "lambdas", d.name, "index.ts")))
  .map((d) => d.name)
  .sort();

/** entry source → output file; Lambda bundles are minified (smaller packages, faster cold starts). */
const entries = [
  ...lambdas.map((name) => ({
    src: `constructs/lambdas/${name}/index.ts`,
    out: `dist/lambda/${name}/index.js`,
    minify: true,
    target: `node${lambdaNode}`,
  })),
  ...[
    ["submit-job", "scripts/submit-job/cli.ts"],
    ["plan-review", "scripts/plan-review/main.ts"],
    ["produce-events", "scripts/produce-events.ts"],
  ].map(([name, src]) => ({ src, out: `dist/cli/${name}.js`, minify: false, target: `node${cliNode}` })),
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
    target: e.target,
    format: "cjs",
    minify: e.minify,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  inputs[e.out] = Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules/"));
  console.error(`build: ${e.out} ${statSync(join(root, e.out)).size} bytes (${e.target})`);
}
if (failed) process.exit(1);
writeFileSync(join(root, "dist", "build-inputs.json"), `${JSON.stringify(inputs, null, 2)}\n`);
