/**
 * `NODE_OPTIONS="--require <this file>"`: makes a Node process (the submit-job CLI, bundled or
 * not) accept moto's EMR timestamps. For tests and local experiments against moto only.
 */
"use strict";
require("./emulator-timestamps.cjs").rewriteEmrResponses(require("node:http"));
