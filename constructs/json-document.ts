/**
 * The one way this repository writes a JSON-document attribute — IAM and resource policies, key
 * policies, trust policies, event patterns, EMR configurations and security configurations,
 * redrive policies, dashboard bodies: as Terraform's `jsonencode()` of the document.
 *
 * Why not a JSON string built here: a JSON string that embeds a reference (`"Resource":
 * "${aws_sqs_queue.dlq.arn}"`) is valid in cdk.tf.json, but `cdktf synth --hcl` renders it as
 * broken text that Terraform rejects. `jsonencode({...})` is an expression in both outputs:
 * cdk.tf.json gets `"${jsonencode({...})}"`, the HCL gets `jsonencode({...})`, and Terraform
 * evaluates both to the same JSON.
 *
 * Why not `aws_iam_policy_document` data sources: most documents here are not IAM policies
 * (event patterns, EMR configurations, redrive policies, dashboards), and one spelling for all of
 * them beats two; the document stays on the resource that uses it, with no extra data source
 * addresses in the plan; the provider's rendering would also rewrite the documents (one-element
 * lists become strings, statement fields are reordered).
 *
 * Terraform renders `jsonencode` with sorted object keys; AWS compares policies as JSON, not as
 * text, and the provider compares these attributes as JSON too, so the order does not matter —
 * except where an attribute forces replacement on any change of its text: see jsonText.
 */
import { Fn, Tokenization } from "cdktf";

// eslint-disable-next-line no-control-regex -- control characters are what is being matched
const CONTROL_CHARS = /[\u0000-\u001f]/g;
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_KEY = /["\\\u0000-\u001f]|\$\{|%\{/;

/**
 * cdktf copies string literals into the expression almost verbatim (it escapes only newlines and
 * "${"), so the characters that HCL would read as syntax are escaped here: backslashes, quotes,
 * "%{" template directives and control characters. Token markers contain none of them.
 */
function escapeLiteral(s: string): string {
  return s
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/%\{/g, "%%{")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function prepare(value: unknown, path: string): unknown {
  // A token object (e.g. a Lazy value) is resolved by cdktf itself.
  if (Tokenization.isResolvable(value)) return value;
  if (typeof value === "string") return escapeLiteral(value);
  if (typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`jsonDocument: ${path} is ${value}, not a JSON number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => prepare(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Keys go into the expression unescaped by cdktf: allow only what needs no escaping.
      if (UNSAFE_KEY.test(k)) {
        throw new Error(`jsonDocument: key ${JSON.stringify(k)} at ${path} cannot be written in HCL`);
      }
      // Dropped, as JSON.stringify drops them.
      if (v === undefined) continue;
      out[k] = prepare(v, `${path}.${k}`);
    }
    return out;
  }
  // cdktf renders null (and would render undefined in a list) as nothing.
  throw new Error(`jsonDocument: ${path} is ${String(value)}; documents hold no null/undefined values`);
}

/** `jsonencode(doc)` as a string attribute value; references (tokens) inside `doc` stay references. */
export function jsonDocument(doc: Readonly<Record<string, unknown>> | readonly unknown[]): string {
  return Fn.jsonencode(prepare(doc, "$"));
}

/** cdktf's marker of a string token inside a string ("${TfToken[TOKEN.12]}"). */
const STRING_TOKEN = /(\$\{TfToken\[[^\]]+\]\})/;

/**
 * The exception to jsonDocument: `doc` as exactly the JSON text JSON.stringify writes (member
 * order kept, no spaces), references spliced in with `join("", [...])`, for a document whose
 * attribute forces replacement when its text changes even if its JSON does not. Terraform's
 * jsonencode sorts keys, so moving such a document from JSON text to jsonencode would replace
 * the resource once in every existing deployment (aws_emr_security_configuration.configuration
 * has no equivalent-JSON check). Valid in both outputs like jsonDocument; prefer jsonDocument.
 */
export function jsonText(doc: Readonly<Record<string, unknown>>): string {
  prepare(doc, "$"); // the same checks (no null, no unwritable keys)
  const parts = JSON.stringify(doc)
    .split(STRING_TOKEN)
    .filter((p) => p !== "")
    .map((p) => (STRING_TOKEN.test(p) ? p : escapeLiteral(p)));
  return Fn.join("", parts);
}
