#!/usr/bin/env node
// The package bin. Loads the esbuild bundle (fast start: one file, no TypeScript at runtime).
// Without a build, or when a source is newer than the build (e.g. after `git pull`), it runs the
// sources via tsx instead, and says how to get the fast path back.
"use strict";
const { existsSync, readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const bundle = join(root, "dist", "cli", "submit-job.js");
const srcDir = join(root, "scripts", "submit-job");

/** Sources newer than the bundle: a stale bundle would run yesterday's code. */
function newestSourceMtime() {
  const files = readdirSync(srcDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(srcDir, f));
  files.push(join(root, "constructs", "outputs-contract.ts"));
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
}

const state = !existsSync(bundle)
  ? "missing"
  : existsSync(srcDir) && statSync(bundle).mtimeMs < newestSourceMtime()
    ? "older than its sources"
    : "ok";
if (state === "ok") {
  require(bundle);
} else {
  const tsx = join(root, "node_modules", "tsx", "dist", "cjs", "api", "index.cjs");
  if (!existsSync(tsx)) {
    console.error(
      `submit-job: dist/cli/submit-job.js is ${state}: run \`npm run build\` (after \`npm install\`)`,
    );
    process.exitCode = 2;
  } else {
    console.error(
      `submit-job: dist/cli/submit-job.js is ${state}, running from source via tsx (slower): run \`npm run build\``,
    );
    require(tsx).register();
    require(join(srcDir, "cli.ts"));
  }
}
