/**
 * State hygiene: everything in the synthesised configuration ends up in the Terraform state and
 * in every saved plan, and everyone who reviews plans can read those. So no value in the
 * configuration or the stack outputs may look like a secret (credentials, keys, tokens,
 * passwords), and an output that does carry one must be marked sensitive.
 */
import { Testing } from "cdktf";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ENVIRONMENTS } from "../main";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Attribute names that hold secrets (by `_`-separated segment, so `private_dns_enabled` is not one). */
const SECRET_NAME =
  /(^|_)(password|passwd|secret|token|credentials?|api_key|apikey|private_key|access_key|secret_key)(_|$)/i;

/** Values that are secrets whatever they are called. */
const SECRET_VALUE: [string, RegExp][] = [
  ["AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}\b/],
  ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ["JWT", /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ["password in a URL", /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
];

const isReference = (v: string) => /^\$\{[^}]+\}$/.test(v.trim());

/** Every place in a synthesised stack where a value looks like a secret. */
export function secretLookingValues(tf: Json): string[] {
  const found: string[] = [];
  const walk = (v: Json, path: string[]) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else if (typeof v === "string") {
      const key = path[path.length - 1] ?? "";
      if (SECRET_NAME.test(key) && v !== "" && !isReference(v))
        found.push(`${path.join(".")}: a literal value under a secret's name`);
      for (const [what, re] of SECRET_VALUE)
        if (re.test(v)) found.push(`${path.join(".")}: looks like a ${what}`);
      // JSON documents (policies, Lambda environments, dashboards) are strings: look inside them too.
      if (/^\s*[{[]/.test(v)) {
        try {
          walk(JSON.parse(v) as Json, [...path, "(json)"]);
        } catch {
          // not JSON: the patterns above already ran on the text
        }
      }
    }
  };
  walk(tf, []);
  return found;
}

/** Outputs whose name says they carry a secret but that are not marked sensitive. */
export function unmarkedSensitiveOutputs(tf: { output?: Record<string, { sensitive?: boolean }> }): string[] {
  return Object.entries(tf.output ?? {})
    .filter(([name, o]) => SECRET_NAME.test(name) && o.sensitive !== true)
    .map(([name]) => name);
}

describe.each(ENVIRONMENTS.map((e) => [e.envName, e] as const))("pipeline-%s", (envName, config) => {
  const stack = new PipelineStack(Testing.app(), `pipeline-${envName}`, config);
  const tf = JSON.parse(Testing.synth(stack)) as Json & { output?: Record<string, { sensitive?: boolean }> };

  test("no secret-looking value anywhere in the configuration (it all lands in the state)", () => {
    expect(secretLookingValues(tf)).toEqual([]);
  });

  test("outputs carry no secret and any secret-named output is sensitive", () => {
    expect(secretLookingValues((tf.output ?? {}) as Json)).toEqual([]);
    expect(unmarkedSensitiveOutputs(tf)).toEqual([]);
  });
});

describe("the check itself", () => {
  test.each([
    [
      { resource: { aws_db_instance: { db: { password: "hunter2hunter2" } } } },
      "a literal value under a secret's name",
    ],
    [
      {
        resource: {
          aws_lambda_function: { f: { environment: { variables: { KEY: "AKIAABCDEFGHIJKLMNOP" } } } },
        },
      },
      "AWS access key id",
    ],
    [
      { resource: { x: { y: { policy: JSON.stringify({ token: "abc123" }) } } } },
      "a literal value under a secret's name",
    ],
    [{ output: { db_url: { value: "postgres://admin:pw123@db:5432/x" } } }, "password in a URL"],
  ])("flags %#", (tf, what) => {
    expect(secretLookingValues(tf as Json).join("\n")).toContain(what);
  });

  test("references and secret-free names pass", () => {
    expect(
      secretLookingValues({
        resource: {
          a: {
            b: {
              secret_string: "${aws_secretsmanager_secret_version.x.secret_string}",
              private_dns_enabled: true,
            },
          },
        },
      }),
    ).toEqual([]);
  });

  test("a secret-named output must be sensitive", () => {
    expect(unmarkedSensitiveOutputs({ output: { api_token: {}, region: {} } })).toEqual(["api_token"]);
    expect(unmarkedSensitiveOutputs({ output: { api_token: { sensitive: true } } })).toEqual([]);
  });
});
