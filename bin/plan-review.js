#!/usr/bin/env node
// The package bin. Loads the esbuild bundle (fast start: one file, no TypeScript at runtime).
// Without a build, or when a source is newer than the build (e.g. after `git pull`), it runs the
// sources via tsx instead, and says how to get the fast path back.
"use strict";
const { existsSync, readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const bundle = join(root, "dist", "cli", "plan-review.js");

/** Whether a bundled source is newer than the bundle (sources as recorded by scripts/build.mjs). */
function bundleIsStale() {
  let sources;
  try {
    sources = JSON.parse(readFileSync(join(root, "dist", "build-inputs.json"), "utf8"))[
      "dist/cli/plan-review.js"
    ];
  } catch {
    return true; // built without the input list: cannot tell, so do not trust it
  }
  if (!Array.isArray(sources)) return true;
  const built = statSync(bundle).mtimeMs;
  return sources.some((f) => existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs > built);
}

const state = !existsSync(bundle) ? "missing" : bundleIsStale() ? "older than its sources" : "ok";
if (state === "ok") {
  require(bundle);
} else {
  const tsx = join(root, "node_modules", "tsx", "dist", "cjs", "api", "index.cjs");
  if (!existsSync(tsx)) {
    console.error(
      `plan-review: dist/cli/plan-review.js is ${state}: run \`npm run build\` (after \`npm install\`)`,
    );
    process.exitCode = 1; // plan-review: 1 is a usage or input error (2 and 3 are findings)
  } else {
    console.error(
      `plan-review: dist/cli/plan-review.js is ${state}, running from source via tsx (slower): run \`npm run build\``,
    );
    require(tsx).register();
    require(join(root, "scripts", "plan-review", "main.ts"));
  }
}
