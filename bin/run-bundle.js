// What both package bins do: load the command's esbuild bundle (fast start: one file, no
// TypeScript at runtime). Without a build, or when a source is newer than the build (e.g. after
// `git pull`), run the sources via tsx instead, and say how to get the fast path back.
"use strict";
const { existsSync, readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");

/** Whether a bundled source is newer than the bundle (sources as recorded by scripts/build.mjs). */
function bundleIsStale(out) {
  let sources;
  try {
    sources = JSON.parse(readFileSync(join(root, "dist", "build-inputs.json"), "utf8"))[out];
  } catch {
    return true; // built without the input list: cannot tell, so do not trust it
  }
  if (!Array.isArray(sources)) return true;
  const built = statSync(join(root, out)).mtimeMs;
  return sources.some((f) => existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs > built);
}

/**
 * Runs `name`: the bundle dist/cli/<name>.js, else `source` (relative to the repo root) via tsx.
 * With neither a fresh bundle nor tsx, says so and exits with `usageExitCode`, the command's own
 * code for a usage error.
 */
function runBundle(name, source, usageExitCode) {
  const out = `dist/cli/${name}.js`;
  const bundle = join(root, out);
  const state = !existsSync(bundle) ? "missing" : bundleIsStale(out) ? "older than its sources" : "ok";
  if (state === "ok") {
    require(bundle);
    return;
  }
  const tsx = join(root, "node_modules", "tsx", "dist", "cjs", "api", "index.cjs");
  if (!existsSync(tsx)) {
    console.error(`${name}: ${out} is ${state}: run \`npm run build\` (after \`npm install\`)`);
    process.exitCode = usageExitCode;
  } else {
    console.error(`${name}: ${out} is ${state}, running from source via tsx (slower): run \`npm run build\``);
    require(tsx).register();
    require(join(root, source));
  }
}

module.exports = { runBundle };
