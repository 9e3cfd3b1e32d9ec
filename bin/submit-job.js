#!/usr/bin/env node
// The package bin. Loads the esbuild bundle (fast start: one file, no TypeScript at runtime).
// Without a build it falls back to tsx on the sources, and says how to get the fast path.
"use strict";
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const bundle = join(__dirname, "..", "dist", "cli", "submit-job.js");
if (existsSync(bundle)) {
  require(bundle);
} else {
  const tsx = join(__dirname, "..", "node_modules", "tsx", "dist", "cjs", "api", "index.cjs");
  if (!existsSync(tsx)) {
    console.error("submit-job: dist/cli/submit-job.js is missing: run `npm run build` (or `npm ci` first)");
    process.exitCode = 2;
  } else {
    console.error(
      "submit-job: dist/cli/submit-job.js is missing, running from source via tsx (slower): run `npm run build`",
    );
    require(tsx).register();
    require(join(__dirname, "..", "scripts", "submit-job", "cli.ts"));
  }
}
