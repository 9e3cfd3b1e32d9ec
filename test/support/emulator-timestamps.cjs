/**
 * moto answers EMR's JSON protocol with ISO-8601 strings where EMR sends epoch seconds
 * (`"CreationDateTime": "2026-01-31T09:00:00+00:00"`), and the AWS SDK refuses those
 * ("Expected real number"). This rewrites them; real EMR never needs it, so it lives with the
 * tests, not in submit-job.
 *
 * Plain CommonJS so that `node --require` can load it into any process, including the bundled
 * CLI (see emulator-timestamps-preload.cjs); no side effects on load.
 */
"use strict";
const { Buffer } = require("node:buffer");
const { Readable } = require("node:stream");
const { URL } = require("node:url");

/** Rewrites every `"…DateTime": "<ISO-8601>"` in a JSON text to epoch seconds (null if unparsable). */
function epochTimestamps(text) {
  return text.replace(/"(\w*DateTime)":\s*"([^"]+)"/g, (_m, key, value) => {
    const t = Date.parse(value);
    return Number.isNaN(t) ? `"${key}": null` : `"${key}": ${t / 1000}`;
  });
}

const WRAPPED = Symbol.for("submit-job.emulatorTimestamps");

function header(headers, name) {
  if (!headers || typeof headers !== "object") return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : String(headers[key]);
}

/**
 * Wraps `http.request` so that the responses to EMR calls (requests with an
 * `X-Amz-Target: ElasticMapReduce.*` header, as the SDK sends them) reach their callback with the
 * timestamps rewritten. Every other request is passed through untouched. Returns the undo.
 */
function rewriteEmrResponses(http) {
  const original = http.request;
  if (original[WRAPPED]) return () => undefined;
  const wrapped = function request(...args) {
    const options = args.find((a) => a && typeof a === "object" && !(a instanceof URL));
    const cbAt = args.findIndex((a) => typeof a === "function");
    const target = header(options && options.headers, "x-amz-target");
    if (cbAt < 0 || !target || !target.startsWith("ElasticMapReduce.")) return original.apply(this, args);
    const callback = args[cbAt];
    let req;
    args[cbAt] = (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(Buffer.from(c)));
      res.once("error", (e) => req.destroy(e));
      res.once("end", () => {
        const body = Buffer.from(epochTimestamps(Buffer.concat(chunks).toString("utf8")), "utf8");
        const fixed = Readable.from([body]);
        fixed.statusCode = res.statusCode;
        fixed.statusMessage = res.statusMessage;
        fixed.headers = { ...res.headers, "content-length": String(body.length) };
        callback(fixed);
      });
    };
    req = original.apply(this, args);
    return req;
  };
  wrapped[WRAPPED] = true;
  http.request = wrapped;
  return () => {
    if (http.request === wrapped) http.request = original;
  };
}

module.exports = { epochTimestamps, rewriteEmrResponses };
