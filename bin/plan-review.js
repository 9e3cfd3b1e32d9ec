#!/usr/bin/env node
// The package bin: the bundle, or the sources via tsx (see run-bundle.js).
"use strict";
// 1 is plan-review's usage or input error (2 and 3 are findings).
require("./run-bundle").runBundle("plan-review", "scripts/plan-review/main.ts", 1);
