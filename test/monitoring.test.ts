import { Monitoring } from "../constructs/monitoring";
import { ACCOUNT, REGION, byId, only, resources, synth } from "./support/infra";

const CLUSTER = {
  clusterId: "j-TESTCLUSTER",
  clusterArn: `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/j-TESTCLUSTER`,
};

function monitoring(build?: (m: Monitoring) => void, alarmEmail?: string) {
  return synth((s) => {
    const m = new Monitoring(s, "monitoring", {
      accountId: ACCOUNT,
      region: REGION,
      name: "bdp-dev",
      alarmEmail,
    });
    build?.(m);
  }).tf;
}

const ALARM = {
  metricName: "IteratorAgeMilliseconds",
  namespace: "AWS/Kinesis",
  dimensions: { StreamName: "s" },
  statistic: "Maximum" as const,
  period: 60,
  evaluationPeriods: 15,
  threshold: 60000,
  comparisonOperator: "GreaterThanOrEqualToThreshold" as const,
  description: "consumers fall behind",
};

describe("Monitoring defaults", () => {
  const tf = monitoring();

  it("encrypts the topic with its own rotating CMK usable by CloudWatch and EventBridge", () => {
    const topic = only(tf, "aws_sns_topic");
    expect(topic.name).toBe("bdp-dev-alarms");
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.monitoring_kms_key_[0-9A-F]+\.arn\}$/);
    const key = only(tf, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    const st = JSON.parse(key.policy as string).Statement[1];
    expect(st.Principal).toEqual({ Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] });
    expect(st.Action).toEqual(["kms:GenerateDataKey", "kms:Decrypt"]);
    expect(st.Condition).toBeUndefined();
  });

  it("lets only CloudWatch and EventBridge of this account publish", () => {
    const st = JSON.parse(only(tf, "aws_sns_topic_policy").policy as string).Statement;
    expect(st).toHaveLength(1);
    expect(st[0]).toMatchObject({
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
      Action: "sns:Publish",
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
  });

  it("has no email subscription without alarmEmail", () => {
    expect(resources(tf, "aws_sns_topic_subscription")).toEqual({});
  });

  it("renders a dashboard with placeholder sections for the streaming resources", () => {
    const d = only(tf, "aws_cloudwatch_dashboard");
    expect(d.dashboard_name).toBe("bdp-dev-pipeline");
    const body = JSON.parse(d.dashboard_body as string);
    const texts = body.widgets
      .filter((w: { type: string }) => w.type === "text")
      .map((w: { properties: { markdown: string } }) => w.properties.markdown);
    for (const heading of ["Kinesis stream", "Firehose delivery", "Lambdas", "EMR Spark cluster"]) {
      expect(
        texts.some((t: string) => t.includes(heading) && t.includes("Not deployed in this stack yet")),
      ).toBe(true);
    }
  });
});

describe("Monitoring overrides", () => {
  it("subscribes alarmEmail", () => {
    expect(only(monitoring(undefined, "ops@example.com"), "aws_sns_topic_subscription")).toMatchObject({
      protocol: "email",
      endpoint: "ops@example.com",
    });
  });

  it("alarm() routes alarm and OK actions to the topic with actions enabled", () => {
    const tf = monitoring((m) => m.alarm("kinesis-iterator-age", ALARM));
    const a = only(tf, "aws_cloudwatch_metric_alarm");
    expect(a).toMatchObject({
      alarm_name: "bdp-dev-kinesis-iterator-age",
      namespace: "AWS/Kinesis",
      metric_name: "IteratorAgeMilliseconds",
      dimensions: { StreamName: "s" },
      statistic: "Maximum",
      period: 60,
      evaluation_periods: 15,
      datapoints_to_alarm: 15,
      threshold: 60000,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "missing",
      actions_enabled: true,
    });
    expect(a.alarm_actions).toEqual([
      expect.stringMatching(/^\$\{aws_sns_topic\.monitoring_topic_.*\.arn\}$/),
    ]);
    expect(a.ok_actions).toEqual(a.alarm_actions);
  });

  it("includes widgets added after construction in the dashboard (lazy body)", () => {
    const tf = monitoring((m) => {
      m.addSectionWidgets(
        "kinesis",
        m.metricWidget("Incoming records", [["AWS/Kinesis", "IncomingRecords", "StreamName", "s"]]),
      );
      m.addWidgets({ type: "text", width: 24, height: 2, properties: { markdown: "custom" } });
    });
    const body = JSON.parse(only(tf, "aws_cloudwatch_dashboard").dashboard_body as string);
    const titles = body.widgets.map(
      (w: { properties: { title?: string; markdown?: string } }) =>
        w.properties.title ?? w.properties.markdown,
    );
    expect(titles).toContain("Incoming records");
    expect(titles).toContain("custom");
    expect(titles).toContain("## Kinesis stream (ingest)");
    // widgets never overlap horizontally past the 24-column grid
    for (const w of body.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });

  it("watchEmrCluster adds EMR widgets, four alarms and two EventBridge rules to the topic", () => {
    const tf = monitoring((m) => m.watchEmrCluster(CLUSTER));
    const alarms = Object.values(resources(tf, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(
      ["AppsFailed", "HDFSUtilization", "MRUnhealthyNodes", "YARNMemoryAvailablePercentage"].sort(),
    );
    for (const a of alarms) {
      expect(a.dimensions).toEqual({ JobFlowId: "j-TESTCLUSTER" });
      expect(a.actions_enabled).toBe(true);
      expect(a.alarm_actions).toHaveLength(1);
    }
    const yarn = alarms.find((a) => a.metric_name === "YARNMemoryAvailablePercentage")!;
    expect(yarn).toMatchObject({
      threshold: 15,
      comparison_operator: "LessThanThreshold",
      evaluation_periods: 3,
    });
    const step = JSON.parse(byId(tf, "aws_cloudwatch_event_rule", "emr-step-failed").event_pattern as string);
    expect(step).toEqual({
      source: ["aws.emr"],
      "detail-type": ["EMR Step Status Change"],
      detail: { state: ["FAILED"], clusterId: ["j-TESTCLUSTER"] },
    });
    const cluster = JSON.parse(
      byId(tf, "aws_cloudwatch_event_rule", "emr-cluster-failed").event_pattern as string,
    );
    expect(cluster.detail).toEqual({ state: ["TERMINATED_WITH_ERRORS"], clusterId: ["j-TESTCLUSTER"] });
    // A normal end too: the stream trigger has no cluster to add steps to after it.
    const ended = JSON.parse(
      byId(tf, "aws_cloudwatch_event_rule", "emr-cluster-ended").event_pattern as string,
    );
    expect(ended).toEqual({
      source: ["aws.emr"],
      "detail-type": ["EMR Cluster State Change"],
      detail: { state: ["TERMINATED"], clusterId: ["j-TESTCLUSTER"] },
    });
    const targets = Object.values(resources(tf, "aws_cloudwatch_event_target"));
    expect(targets).toHaveLength(3);
    for (const t of targets) expect(t.arn).toMatch(/aws_sns_topic\.monitoring_topic_/);
    const body = JSON.parse(only(tf, "aws_cloudwatch_dashboard").dashboard_body as string);
    const titles = body.widgets.map((w: { properties: { title?: string } }) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "YARN memory available %",
        "Is idle (auto-termination)",
        "Capacity (managed scaling)",
      ]),
    );
  });
});

describe("Monitoring failures", () => {
  it("fails on a bad alarmEmail", () => {
    expect(() => monitoring(undefined, "not-an-email")).toThrow(
      'Monitoring: alarmEmail is not an email address, got "not-an-email"',
    );
  });
  it("fails on a bad alarm period", () => {
    expect(() => monitoring((m) => m.alarm("x", { ...ALARM, period: 45 }))).toThrow(
      "Monitoring.alarm(x): period must be 10, 30 or a multiple of 60 seconds, got 45",
    );
  });
  it("fails on zero evaluation periods", () => {
    expect(() => monitoring((m) => m.alarm("x", { ...ALARM, evaluationPeriods: 0 }))).toThrow(
      "Monitoring.alarm(x): evaluationPeriods must be ≥ 1, got 0",
    );
  });
  it("fails on a non-kebab alarm id", () => {
    expect(() => monitoring((m) => m.alarm("Bad_Id", ALARM))).toThrow(
      'Monitoring.alarm: id must be kebab-case, got "Bad_Id"',
    );
  });
  it("fails on a widget wider than the grid", () => {
    expect(() => monitoring((m) => m.addWidgets({ type: "text", width: 30, properties: {} }))).toThrow(
      "Monitoring.addWidgets: width must be 1-24, got 30",
    );
  });
});
