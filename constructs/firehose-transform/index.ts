/**
 * The Lambda entry of the transform bundle (dist/lambda/firehose-transform/index.js). It sets
 * `exports.handler` itself, so the CommonJS bundle needs no ES-module interop shim: ~0.5 KB of the
 * bundle's 15 KB budget.
 */
import { handler } from "./handler";

module.exports.handler = handler;
