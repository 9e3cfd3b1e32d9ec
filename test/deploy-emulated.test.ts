/**
 * The deploy-emulated harness's stack copy and summary (scripts/emulated/stack-copy.ts): what is
 * left out of the emulator's copy and why, how stand-in values replace references, and how the
 * summary line counts what terraform applied and would change.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  countStateResources,
  plannedChanges,
  prepareConfig,
  servicesUsed,
  summaryLine,
  TfConfig,
} from "../scripts/emulated/stack-copy";

const REPO = join(__dirname, "..");

function stack(): TfConfig {
  return {
    provider: { aws: [{ region: "eu-west-1" }] },
    resource: {
      // First, so that one pass in order would miss that it goes with the alarm.
      aws_cloudwatch_dashboard: { d_8: { dashboard_body: "${aws_cloudwatch_metric_alarm.a_5.arn}" } },
      aws_emr_cluster: { c_1: { name: "x" } },
      aws_emr_instance_group: { tg_2: { cluster_id: "${aws_emr_cluster.c_1.id}" } },
      aws_iam_role_policy: {
        p_3: {
          policy:
            '${jsonencode({"Statement" = [{"Resource" = aws_emr_cluster.c_1.arn, "Action" = "elasticmapreduce:AddJobFlowSteps"}]})}',
        },
      },
      aws_emr_managed_scaling_policy: { ms_4: { cluster_id: "${aws_emr_cluster.c_1.id}" } },
      aws_cloudwatch_metric_alarm: {
        a_5: {
          dimensions: { JobFlowId: "${aws_emr_cluster.c_1.id}" },
          alarm_actions: ["${aws_sns_topic.t_6.arn}"],
        },
      },
      aws_sns_topic: { t_6: { name: "t" } },
      aws_s3_bucket: { b_7: { bucket: "b", depends_on: ["aws_emr_cluster.c_1", "aws_sns_topic.t_6"] } },
    },
    output: {
      cluster: { value: "${aws_emr_cluster.c_1.id}" },
      topic: { value: "${aws_sns_topic.t_6.arn}" },
    },
  };
}

const SUBS = {
  "aws_emr_cluster.id": "j-STANDIN",
  "aws_emr_cluster.arn": "arn:aws:elasticmapreduce:eu-west-1:1:cluster/j-STANDIN",
};

describe("prepareConfig", () => {
  it("leaves out the excluded types and counts the stack as synthesised", () => {
    const p = prepareConfig(
      stack(),
      { aws_emr_cluster: "no cluster API", aws_emr_managed_scaling_policy: "no API" },
      SUBS,
    );
    expect(p.total).toBe(8);
    expect(p.excluded).toEqual({
      "aws_emr_cluster.c_1": "no cluster API",
      "aws_emr_managed_scaling_policy.ms_4": "no API",
    });
    expect(p.config.resource?.aws_emr_cluster).toBeUndefined();
    expect(p.config.resource?.aws_emr_managed_scaling_policy).toBeUndefined();
  });

  it("puts the stand-in value for a whole interpolation and a string literal inside an expression", () => {
    const p = prepareConfig(stack(), { aws_emr_cluster: "r" }, SUBS);
    const r = p.config.resource!;
    expect(r.aws_emr_instance_group.tg_2.cluster_id).toBe("j-STANDIN");
    expect(r.aws_cloudwatch_metric_alarm.a_5.dimensions).toEqual({ JobFlowId: "j-STANDIN" });
    expect(r.aws_iam_role_policy.p_3.policy).toBe(
      '${jsonencode({"Statement" = [{"Resource" = "arn:aws:elasticmapreduce:eu-west-1:1:cluster/j-STANDIN", "Action" = "elasticmapreduce:AddJobFlowSteps"}]})}',
    );
    // References to kept resources stay references.
    expect(r.aws_cloudwatch_metric_alarm.a_5.alarm_actions).toEqual(["${aws_sns_topic.t_6.arn}"]);
    expect(p.config.output).toEqual({
      cluster: { value: "j-STANDIN" },
      topic: { value: "${aws_sns_topic.t_6.arn}" },
    });
  });

  it("drops depends_on entries naming a left-out resource and keeps the others", () => {
    const p = prepareConfig(stack(), { aws_emr_cluster: "r" }, SUBS);
    expect(p.config.resource!.aws_s3_bucket.b_7.depends_on).toEqual(["aws_sns_topic.t_6"]);
  });

  it("leaves out, transitively and with the reason, what refers to a left-out resource without a stand-in", () => {
    const p = prepareConfig(stack(), { aws_sns_topic: "no SNS" }, {});
    expect(p.excluded).toEqual({
      "aws_sns_topic.t_6": "no SNS",
      "aws_cloudwatch_metric_alarm.a_5": "depends on aws_sns_topic.t_6, which is excluded",
      "aws_cloudwatch_dashboard.d_8": "depends on aws_cloudwatch_metric_alarm.a_5, which is excluded",
    });
    expect(p.config.output).toEqual({ cluster: { value: "${aws_emr_cluster.c_1.id}" } });

    const chain = prepareConfig(stack(), { aws_emr_cluster: "r" }, { "aws_emr_cluster.id": "j-1" });
    // The policy needs the cluster's arn, which has no stand-in here.
    expect(chain.excluded["aws_iam_role_policy.p_3"]).toBe(
      "depends on aws_emr_cluster.c_1, which is excluded",
    );
    expect(chain.excluded["aws_emr_instance_group.tg_2"]).toBeUndefined();
  });

  it("does not change the configuration it is given", () => {
    const original = stack();
    const before = JSON.stringify(original);
    prepareConfig(original, { aws_emr_cluster: "r" }, SUBS);
    expect(JSON.stringify(original)).toBe(before);
  });

  it("refuses a stand-in value that could break the expression it goes into", () => {
    expect(() => prepareConfig(stack(), { aws_emr_cluster: "r" }, { "aws_emr_cluster.id": 'j-1"}' })).toThrow(
      /unexpected characters/,
    );
  });
});

describe("servicesUsed", () => {
  it("names each resource's endpoint, STS always", () => {
    expect(servicesUsed(prepareConfig(stack(), {}).config)).toEqual([
      "cloudwatch",
      "emr",
      "iam",
      "s3",
      "sns",
      "sts",
    ]);
  });
  it("fails on a resource type it has no endpoint for", () => {
    expect(() => servicesUsed({ resource: { aws_dynamodb_table: { t: {} } } })).toThrow(/aws_dynamodb_table/);
  });
});

describe("summary", () => {
  it("counts managed resources in a state list, not data sources or blank lines", () => {
    expect(countStateResources("aws_s3_bucket.a\ndata.aws_caller_identity.me\n\naws_sns_topic.t\n")).toBe(2);
    expect(countStateResources("module.m.data.aws_region.r\nmodule.m.aws_sqs_queue.q\n")).toBe(1);
    expect(countStateResources("")).toBe(0);
  });

  it("counts planned changes: create, update, delete and replace, not no-op or read", () => {
    const plan = {
      resource_changes: [
        { address: "aws_s3_bucket.a", change: { actions: ["no-op"] } },
        { address: "aws_sqs_queue.q", change: { actions: ["update"] } },
        { address: "aws_flow_log.f", change: { actions: ["delete", "create"] } },
        { address: "data.aws_region.r", change: { actions: ["read"] } },
        { address: "aws_sns_topic.t", change: { actions: ["create"] } },
      ],
    };
    expect(plannedChanges(plan)).toEqual([
      "aws_sqs_queue.q (update)",
      "aws_flow_log.f (delete+create)",
      "aws_sns_topic.t (create)",
    ]);
    expect(plannedChanges({})).toEqual([]);
  });

  it("writes the summary keys in the documented order", () => {
    expect(
      summaryLine({ destroyed: true, replan_changes: 0, excluded: { "a.b": "why" }, total: 3, applied: 2 }),
    ).toBe('{"applied":2,"total":3,"excluded":{"a.b":"why"},"replan_changes":0,"destroyed":true}');
  });

  it("the CLI reads a run's files into the line, and says in one line what is wrong", () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-copy-"));
    writeFileSync(join(dir, "prepare.json"), JSON.stringify({ total: 4, excluded: { "x.y": "r" } }));
    writeFileSync(join(dir, "state.txt"), "aws_s3_bucket.a\naws_s3_bucket.b\naws_sns_topic.t\n");
    writeFileSync(
      join(dir, "plan.json"),
      JSON.stringify({ resource_changes: [{ address: "aws_s3_bucket.a", change: { actions: ["update"] } }] }),
    );
    const tsx = join(REPO, "node_modules", ".bin", "tsx");
    const cli = join(REPO, "scripts", "emulated", "stack-copy.ts");
    const out = execFileSync(tsx, [
      cli,
      "summary",
      "--prepared",
      join(dir, "prepare.json"),
      "--state-list",
      join(dir, "state.txt"),
      "--plan",
      join(dir, "plan.json"),
      "--destroyed",
      "false",
    ]).toString();
    expect(JSON.parse(out)).toEqual({
      applied: 3,
      total: 4,
      excluded: { "x.y": "r" },
      replan_changes: 1,
      destroyed: false,
    });

    let err = "";
    try {
      execFileSync(tsx, [cli, "summary", "--prepared", join(dir, "missing.json")], { stdio: "pipe" });
    } catch (e) {
      err = ((e as { stderr: Buffer }).stderr ?? "").toString();
    }
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(/^stack-copy: /);
  });
});
