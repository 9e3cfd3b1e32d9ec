#!/usr/bin/env node
// The package bin: the bundle, or the sources via tsx (see run-bundle.js).
"use strict";
// 2 is submit-job's usage or config error.
require("./run-bundle").runBundle("submit-job", "scripts/submit-job/cli.ts", 2);
