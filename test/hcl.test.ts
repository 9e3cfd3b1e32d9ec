/**
 * The HCL exit path's building blocks: jsonDocument() evaluates to the same JSON in cdk.tf.json
 * and in `cdktf synth --hcl` output (checked by terraform itself), no document of the stacks is
 * a JSON string any more, the local backend names no path of this machine, and the plan
 * comparison of scripts/compare-plans.ts sees what matters and only that. The whole stacks are
 * checked by scripts/hcl-check.ts (make terraform-check).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { jsonDocument, jsonText } from "../constructs/json-document";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ENVIRONMENTS } from "../main";
import { comparePlans } from "../scripts/compare-plans";
import { decodeDocument } from "./support/document";
import { byId, synth } from "./support/infra";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";

/** Strings that HCL would read as syntax if they were copied into the expression as they are. */
const TRICKY = [
  "plain",
  'a "quoted" word',
  "back\\slash \\d+ and a trailing \\",
  "template %{if x}directive%{endif}",
  "interpolation ${var.x} and escaped $${y}",
  "line\nbreak, \r carriage return, \t tab, \u0001 control",
  "unicode é ✓ 😀 and <html> & co",
  "arn:aws:s3:::bucket/prefix*",
];

const tfEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
  TF_CLI_CONFIG_FILE: "/dev/null",
};

/** Synthesises one stack of outputs, as JSON or as HCL, and returns terraform's planned output values. */
function plannedOutputs(dir: string, hcl: boolean, docs: Record<string, object>): Record<string, string> {
  const before = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = hcl ? "true" : "false";
  try {
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, "docs");
    for (const [id, doc] of Object.entries(docs)) {
      new TerraformOutput(stack, id, { value: jsonDocument(doc as Record<string, unknown>) });
      new TerraformOutput(stack, `${id}_text`, { value: jsonText(doc as Record<string, unknown>) });
    }
    app.synth();
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
  const stackDir = join(dir, "stacks", "docs");
  const run = (...args: string[]) =>
    execFileSync("terraform", [`-chdir=${stackDir}`, ...args], {
      env: tfEnv,
      encoding: "utf8",
      stdio: "pipe",
    });
  run("init", "-no-color");
  run("plan", "-no-color", "-out=plan.bin");
  const plan = JSON.parse(run("show", "-json", "plan.bin")) as {
    planned_values: { outputs: Record<string, { value: string }> };
  };
  return Object.fromEntries(Object.entries(plan.planned_values.outputs).map(([k, v]) => [k, v.value]));
}

describe("jsonDocument", () => {
  const docs: Record<string, object> = Object.fromEntries(
    TRICKY.map((s, i) => [
      `doc${i}`,
      {
        Version: "2012-10-17",
        Statement: [{ Sid: `S${i}`, Value: s, List: [s, 1, 2.5, true, false], Nested: { k: s } }],
      },
    ]),
  );
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "jsondoc-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ["cdk.tf.json", false],
    ["HCL", true],
  ])(
    "evaluates in %s to the JSON of the document, whatever its strings hold",
    (_label, hcl) => {
      const got = plannedOutputs(join(tmp, hcl ? "hcl" : "json"), hcl, docs);
      for (const [id, doc] of Object.entries(docs)) {
        // terraform's jsonencode sorts keys; compare as data.
        expect(JSON.parse(got[id])).toEqual(doc);
        // jsonText: the very text JSON.stringify writes.
        expect(got[`${id}_text`]).toBe(JSON.stringify(doc));
      }
    },
    120_000,
  );

  it("keeps references as references and drops undefined members, as JSON.stringify does", () => {
    const { tf } = synth((scope) => {
      const dlq = new SqsQueue(scope, "dlq", { name: "dlq" });
      new SqsQueue(scope, "queue", {
        name: "queue",
        redrivePolicy: jsonDocument({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5, dropped: undefined }),
      });
    });
    expect(JSON.parse(byId(tf, "aws_sqs_queue", "queue").redrive_policy as string)).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.dlq.arn}",
      maxReceiveCount: 5,
    });
  });

  it.each([
    ["null", { a: null }, /jsonDocument: \$\.a is null; documents hold no null\/undefined values/],
    ["undefined in a list", { a: [1, undefined] }, /jsonDocument: \$\.a\[1\] is undefined/],
    ["NaN", { a: Number.NaN }, /jsonDocument: \$\.a is NaN, not a JSON number/],
    [
      "an interpolation in a key",
      { "${x}": 1 },
      /jsonDocument: key "\$\{x\}" at \$ cannot be written in HCL/,
    ],
    ["a quote in a key", { a: { 'q"': 1 } }, /jsonDocument: key "q\\"" at \$\.a cannot be written in HCL/],
  ])("rejects %s with a one-line error", (_what, doc, message) => {
    expect(() => jsonDocument(doc as Record<string, unknown>)).toThrow(message);
  });
});

describe.each(ENVIRONMENTS.map((e) => [e.envName, e] as const))(
  "pipeline-%s synthesised JSON",
  (envName, config) => {
    const app = Testing.app();
    const stack = new PipelineStack(app, `pipeline-${envName}`, config);
    const tf = JSON.parse(Testing.synth(stack)) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
      terraform: { backend?: Record<string, { path?: string }> };
    };

    it("writes every JSON document as a jsonencode() expression, none as a JSON string", () => {
      const documents: string[] = [];
      const jsonStrings: string[] = [];
      for (const [type, byName] of Object.entries(tf.resource)) {
        for (const [name, r] of Object.entries(byName)) {
          for (const [k, v] of Object.entries(r)) {
            if (typeof v !== "string") continue;
            if (v.startsWith("${jsonencode(") || v.startsWith('${join("", [')) {
              decodeDocument(v); // parses: a well-formed expression
              documents.push(`${type}.${name}.${k}`);
            } else if (/^\s*[[{]/.test(v)) {
              jsonStrings.push(`${type}.${name}.${k}`);
            }
          }
        }
      }
      expect(jsonStrings).toEqual([]);
      // jsonText only where a changed text would replace the resource.
      const texts = Object.entries(tf.resource).flatMap(([type, byName]) =>
        Object.values(byName).flatMap((r) =>
          Object.entries(r)
            .filter(([, v]) => typeof v === "string" && v.startsWith('${join("", ['))
            .map(([k]) => `${type}.${k}`),
        ),
      );
      expect(texts).toEqual(["aws_emr_security_configuration.configuration"]);
      // policies, trust policies, key policies, bucket/queue/topic policies, event patterns, the EMR
      // configurations, the redrive policy and the dashboard: more than thirty per stack.
      expect(documents.length).toBeGreaterThan(30);
      for (const attr of [
        "event_pattern",
        "dashboard_body",
        "redrive_policy",
        "configuration",
        "configurations_json",
      ]) {
        expect(documents.some((d) => d.endsWith(`.${attr}`))).toBe(true);
      }
    });

    it("keeps local state at a relative path when no remote backend is configured", () => {
      expect(config.remoteBackend).toBeUndefined();
      expect(tf.terraform.backend).toEqual({ local: { path: `terraform.pipeline-${envName}.tfstate` } });
    });
  },
);

describe("comparePlans", () => {
  const policy = (actions: string[], spacing = "") =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
    }).replace(/,/g, `,${spacing}`);
  const planWith = (
    overrides: { policy?: string; actions?: string[]; extra?: boolean; output?: string } = {},
  ) => {
    const resources = [
      {
        address: "aws_iam_role_policy.p",
        mode: "managed",
        type: "aws_iam_role_policy",
        name: "p",
        provider_name: "registry.terraform.io/hashicorp/aws",
        values: { name: "p", policy: overrides.policy ?? policy(["s3:GetObject", "s3:ListBucket"]) },
        sensitive_values: {},
      },
      ...(overrides.extra
        ? [
            {
              address: "aws_sqs_queue.q",
              mode: "managed",
              type: "aws_sqs_queue",
              name: "q",
              values: { name: "q" },
            },
          ]
        : []),
    ];
    const plan = {
      planned_values: {
        root_module: { resources },
        outputs: { region: { sensitive: false, value: overrides.output ?? "eu-west-1" } },
      },
      resource_changes: resources.map((r) => ({
        address: r.address,
        change: {
          actions: r.address === "aws_iam_role_policy.p" ? (overrides.actions ?? ["create"]) : ["create"],
          after_unknown: { id: true },
        },
      })),
    };
    return plan as unknown as Parameters<typeof comparePlans>[0];
  };

  it("sees no difference when a policy differs only in key order and spacing", () => {
    const reordered = JSON.stringify({
      Statement: [{ Resource: "*", Action: ["s3:GetObject", "s3:ListBucket"], Effect: "Allow" }],
      Version: "2012-10-17",
    });
    expect(comparePlans(planWith(), planWith({ policy: reordered }))).toEqual([]);
    expect(
      comparePlans(planWith(), planWith({ policy: policy(["s3:GetObject", "s3:ListBucket"], "  ") })),
    ).toEqual([]);
  });

  it("reports a policy with a changed action, naming the resource and the field", () => {
    const diffs = comparePlans(planWith(), planWith({ policy: policy(["s3:GetObject", "s3:DeleteObject"]) }));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(
      /^aws_iam_role_policy\.p: values\.policy\.<json>\.Statement\.0\.Action\.1: "s3:ListBucket" vs "s3:DeleteObject"$/,
    );
  });

  it("reports a resource only one plan has, different actions and different outputs", () => {
    expect(comparePlans(planWith(), planWith({ extra: true }))).toEqual([
      "aws_sqs_queue.q: only in the second plan",
      "aws_sqs_queue.q: change only in the second plan",
    ]);
    expect(comparePlans(planWith(), planWith({ actions: ["delete", "create"] }))).toEqual([
      "aws_iam_role_policy.p: actions create vs delete,create",
    ]);
    expect(comparePlans(planWith(), planWith({ output: "us-east-1" }))).toEqual([
      'outputs.region.value: "eu-west-1" vs "us-east-1"',
    ]);
  });
});
