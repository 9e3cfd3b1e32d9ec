import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Cmk } from "./cmk";
import { MONITORING_DEFAULTS } from "./defaults";
import { jsonDocument } from "./json-document";
import { checkEmail } from "./validate";

/** One CloudWatch dashboard widget (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html). */
export interface DashboardWidget {
  readonly type: "metric" | "text" | "log" | "alarm";
  /** Grid position; omit both to let CloudWatch place the widget. */
  readonly x?: number;
  readonly y?: number;
  /** 1–24. @default 12 */
  readonly width?: number;
  /** @default 6 */
  readonly height?: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Dashboard sections, in display order. Streaming sections are filled by the streaming constructs. */
export const DASHBOARD_SECTIONS = ["kinesis", "firehose", "lambda", "emr", "other"] as const;
export type DashboardSection = (typeof DASHBOARD_SECTIONS)[number];
const SECTION_TITLES: Record<DashboardSection, string> = {
  kinesis: "Kinesis stream (ingest)",
  firehose: "Firehose delivery (transform + Parquet)",
  lambda: "Lambdas (transform, EMR trigger)",
  emr: "EMR Spark cluster",
  other: "Other",
};

export const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;

export interface AlarmProps {
  readonly metricName: string;
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly comparisonOperator: (typeof COMPARISON_OPERATORS)[number];
  /** @default "missing" (CloudWatch's default) */
  readonly treatMissingData?: "missing" | "ignore" | "breaching" | "notBreaching";
  readonly description: string;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
}

/** What the alarms of one group share: namespace, dimensions, period, evaluation, missing data. */
export type AlarmGroup = Omit<
  AlarmProps,
  "metricName" | "statistic" | "comparisonOperator" | "threshold" | "description"
>;

/** One alarm of a group, as a table row. */
export type AlarmRow = readonly [
  id: string,
  metricName: string,
  statistic: AlarmProps["statistic"],
  comparisonOperator: AlarmProps["comparisonOperator"],
  threshold: number,
  description: string,
];

/** What the EMR part of the dashboard and its alarms watch. */
export interface MonitoredEmrCluster {
  readonly clusterId: string;
  readonly clusterArn: string;
}

export interface MonitoringProps {
  readonly accountId: string;
  readonly region: string;
  /** Name prefix of the topic, dashboard and alarms (e.g. "bdp-dev"). */
  readonly name: string;
  /** Subscribed to the topic (confirm the email once). @default no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alarm routing and dashboard: an SNS topic encrypted with its own CMK (CloudWatch and EventBridge
 * may use that key — nothing else needs it, so the lake key stays narrower), a dashboard rendered
 * lazily at synth (widgets added after construction are included), `alarm()` that always routes
 * alarm + OK actions to the topic, and `watchEmrCluster()` for the EMR widgets, alarms and the
 * EventBridge rules for failed steps / clusters terminated with errors.
 */
export class Monitoring extends Construct {
  public readonly topic: SnsTopic;
  public readonly topicKey: Cmk;
  public readonly dashboard: CloudwatchDashboard;
  public readonly dashboardName: string;
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  private readonly props: MonitoringProps;
  private readonly sections = new Map<DashboardSection, DashboardWidget[]>(
    DASHBOARD_SECTIONS.map((s) => [s, []]),
  );

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // validate
    if (props.alarmEmail !== undefined) checkEmail("Monitoring: alarmEmail", props.alarmEmail);
    // defaults
    this.props = props;
    this.dashboardName = `${props.name}-pipeline`;
    const publishers = ["cloudwatch.amazonaws.com", "events.amazonaws.com"];

    // resources
    this.topicKey = new Cmk(this, "kms", {
      accountId: props.accountId,
      region: props.region,
      alias: `${props.name}-alarms`,
      description: `${props.name} alarm topic`,
      statements: [
        {
          sid: "AlarmPublishersUseKey",
          principal: { Service: publishers },
          // No aws:SourceAccount condition here: not every publisher passes it to KMS, and a missing
          // key permission silently drops notifications. Publishing itself is restricted to this
          // account by the topic policy below.
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        },
      ],
    });
    this.topic = new SnsTopic(this, "topic", {
      name: `${props.name}-alarms`,
      kmsMasterKeyId: this.topicKey.key.arn,
    });
    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AlarmPublishers",
            Effect: "Allow",
            Principal: { Service: publishers },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
          },
        ],
      }),
    });
    if (props.alarmEmail) {
      new SnsTopicSubscription(this, "email", {
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: props.alarmEmail,
      });
    }
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.dashboardName,
      dashboardBody: Lazy.stringValue({ produce: () => this.renderDashboard() }),
    });
  }

  /** Adds widgets to a section of the dashboard ("other" when no section is given). */
  public addWidgets(...widgets: DashboardWidget[]): void {
    this.addSectionWidgets("other", ...widgets);
  }

  /** Adds widgets under a section heading (kinesis, firehose, lambda, emr, other). */
  public addSectionWidgets(section: DashboardSection, ...widgets: DashboardWidget[]): void {
    for (const w of widgets) {
      if (w.width !== undefined && (w.width < 1 || w.width > 24)) {
        throw new Error(`Monitoring.addWidgets: width must be 1-24, got ${w.width}`);
      }
    }
    this.sections.get(section)!.push(...widgets);
  }

  /** A metric widget helper: `metrics` rows are [namespace, metricName, dimName, dimValue, ...]. */
  public metricWidget(
    title: string,
    metrics: readonly (readonly string[])[],
    stat = "Average",
  ): DashboardWidget {
    return {
      type: "metric",
      width: 12,
      height: 6,
      properties: {
        title,
        region: this.props.region,
        metrics,
        stat,
        period: MONITORING_DEFAULTS.alarmPeriodSeconds,
        view: "timeSeries",
      },
    };
  }

  /** One {@link alarm} per row, each with the group's shared settings. */
  public alarmTable(group: AlarmGroup, rows: readonly AlarmRow[]): CloudwatchMetricAlarm[] {
    return rows.map(([id, metricName, statistic, comparisonOperator, threshold, description]) =>
      this.alarm(id, { ...group, metricName, statistic, comparisonOperator, threshold, description }),
    );
  }

  /** Creates an alarm whose alarm and OK actions go to the topic (actions always enabled). */
  public alarm(id: string, props: AlarmProps): CloudwatchMetricAlarm {
    if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`Monitoring.alarm: id must be kebab-case, got "${id}"`);
    const validPeriod =
      props.period === 10 || props.period === 30 || (props.period >= 60 && props.period % 60 === 0);
    if (!validPeriod) {
      throw new Error(
        `Monitoring.alarm(${id}): period must be 10, 30 or a multiple of 60 seconds, got ${props.period}`,
      );
    }
    if (!Number.isInteger(props.evaluationPeriods) || props.evaluationPeriods < 1) {
      throw new Error(
        `Monitoring.alarm(${id}): evaluationPeriods must be ≥ 1, got ${props.evaluationPeriods}`,
      );
    }
    const a = new CloudwatchMetricAlarm(this, `alarm-${id}`, {
      alarmName: `${this.props.name}-${id}`,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: { ...props.dimensions },
      statistic: props.statistic,
      period: props.period,
      evaluationPeriods: props.evaluationPeriods,
      datapointsToAlarm: props.datapointsToAlarm ?? props.evaluationPeriods,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator,
      treatMissingData: props.treatMissingData ?? "missing",
      actionsEnabled: true,
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
    this.alarms.push(a);
    return a;
  }

  /**
   * EMR widgets, alarms and EventBridge rules. Thresholds follow the metrics AWS documents as the
   * ones to alarm on: https://docs.aws.amazon.com/emr/latest/ManagementGuide/UsingEMR_ViewingMetrics.html
   * (YARNMemoryAvailablePercentage low → add capacity, MRUnhealthyNodes > 0, HDFSUtilization > 80 %,
   * AppsFailed) — EMR is not in CloudWatch's "recommended alarms" list, which covers Kinesis,
   * Firehose and Lambda (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best-Practice-Alarms.html).
   */
  /** Errors/throttles and duration widgets plus their alarms for one Lambda function. */
  public lambdaWidgetsAndAlarms(id: string, functionName: string, timeoutSeconds: number): void {
    const row = (metric: string): string[] => ["AWS/Lambda", metric, "FunctionName", functionName];
    this.addSectionWidgets(
      "lambda",
      this.metricWidget(
        `${id}: errors / throttles`,
        [row("Errors"), row("Throttles"), row("Invocations")],
        "Sum",
      ),
      this.metricWidget(`${id}: duration (ms)`, [row("Duration")], "Maximum"),
    );
    this.alarmTable(
      {
        namespace: "AWS/Lambda",
        dimensions: { FunctionName: functionName },
        period: MONITORING_DEFAULTS.alarmPeriodSeconds,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      },
      [
        [`${id}-errors`, "Errors", "Sum", "GreaterThanThreshold", 0, `${functionName} raised errors`],
        [`${id}-throttles`, "Throttles", "Sum", "GreaterThanThreshold", 0, `${functionName} was throttled`],
        [
          `${id}-duration`,
          "Duration",
          "Maximum",
          "GreaterThanThreshold",
          timeoutSeconds * 1000 * 0.8,
          `${functionName} ran above 80 % of its timeout`,
        ],
      ],
    );
  }

  public watchEmrCluster(cluster: MonitoredEmrCluster): void {
    const ns = "AWS/ElasticMapReduce";
    const dims = { JobFlowId: cluster.clusterId };
    const p = MONITORING_DEFAULTS.alarmPeriodSeconds;
    const row = (metric: string): string[] => [ns, metric, "JobFlowId", cluster.clusterId];
    this.addSectionWidgets(
      "emr",
      this.metricWidget(
        "Applications running / failed",
        [row("AppsRunning"), row("AppsFailed"), row("AppsPending")],
        "Maximum",
      ),
      this.metricWidget("YARN memory available %", [row("YARNMemoryAvailablePercentage")]),
      this.metricWidget("Is idle (auto-termination)", [row("IsIdle")], "Minimum"),
      this.metricWidget(
        "Capacity (managed scaling)",
        [
          row("TotalUnitsRequested"),
          row("TotalUnitsRunning"),
          row("CoreNodesRunning"),
          row("TaskNodesRunning"),
        ],
        "Maximum",
      ),
    );
    this.alarm("emr-apps-failed", {
      namespace: ns,
      metricName: "AppsFailed",
      dimensions: dims,
      statistic: "Maximum",
      period: p,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      // No data = cluster terminated (auto-termination): that is not a failure.
      treatMissingData: "notBreaching",
      description: "A YARN application (Spark job) failed on the EMR cluster",
    });
    this.alarm("emr-yarn-memory-low", {
      namespace: ns,
      metricName: "YARNMemoryAvailablePercentage",
      dimensions: dims,
      statistic: "Average",
      period: p,
      evaluationPeriods: 3,
      threshold: MONITORING_DEFAULTS.yarnMemoryAvailableMinPercent,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "notBreaching",
      description: `YARN memory available < ${MONITORING_DEFAULTS.yarnMemoryAvailableMinPercent}% for 15 min: raise managed-scaling maxCapacity`,
    });
    this.alarm("emr-unhealthy-nodes", {
      namespace: ns,
      metricName: "MRUnhealthyNodes",
      dimensions: dims,
      statistic: "Maximum",
      period: p,
      evaluationPeriods: 3,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      description: "EMR nodes unhealthy for 15 min (disk full or lost node)",
    });
    this.alarm("emr-hdfs-utilization", {
      namespace: ns,
      metricName: "HDFSUtilization",
      dimensions: dims,
      statistic: "Average",
      period: p,
      evaluationPeriods: 3,
      threshold: MONITORING_DEFAULTS.hdfsUtilizationMaxPercent,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      description: `HDFS utilisation > ${MONITORING_DEFAULTS.hdfsUtilizationMaxPercent}%: add core capacity`,
    });
    this.eventRule("emr-step-failed", "EMR step failed", {
      source: ["aws.emr"],
      "detail-type": ["EMR Step Status Change"],
      detail: { state: ["FAILED"], clusterId: [cluster.clusterId] },
    });
    this.eventRule("emr-cluster-failed", "EMR cluster terminated with errors", {
      source: ["aws.emr"],
      "detail-type": ["EMR Cluster State Change"],
      detail: { state: ["TERMINATED_WITH_ERRORS"], clusterId: [cluster.clusterId] },
    });
    // An idle auto-termination is a normal end, but the stream trigger's steps go to this
    // cluster only: until `cdktf deploy` brings up a new one, every new hour's step fails.
    this.eventRule(
      "emr-cluster-ended",
      "EMR cluster terminated (idle or by request): new hours get no step until cdktf deploy",
      {
        source: ["aws.emr"],
        "detail-type": ["EMR Cluster State Change"],
        detail: { state: ["TERMINATED"], clusterId: [cluster.clusterId] },
      },
    );
  }

  /** An EventBridge rule on the default bus that notifies the topic. */
  public eventRule(id: string, description: string, pattern: Record<string, unknown>): CloudwatchEventRule {
    const rule = new CloudwatchEventRule(this, `rule-${id}`, {
      name: `${this.props.name}-${id}`,
      description,
      eventPattern: jsonDocument(pattern),
    });
    new CloudwatchEventTarget(this, `rule-${id}-target`, { rule: rule.name, arn: this.topic.arn });
    return rule;
  }

  /** The dashboard body (a jsonencode expression): a heading per section, then its widgets; empty sections say so. */
  public renderDashboard(): string {
    const widgets: Record<string, unknown>[] = [];
    let y = 0;
    for (const section of DASHBOARD_SECTIONS) {
      const list = this.sections.get(section)!;
      if (section === "other" && list.length === 0) continue;
      widgets.push({
        type: "text",
        x: 0,
        y,
        width: 24,
        height: list.length === 0 ? 2 : 1,
        properties: {
          markdown:
            list.length === 0
              ? `## ${SECTION_TITLES[section]}\nNot deployed in this stack yet (added by the streaming constructs).`
              : `## ${SECTION_TITLES[section]}`,
        },
      });
      y += list.length === 0 ? 2 : 1;
      let x = 0;
      for (const w of list) {
        const width = w.width ?? 12;
        const height = w.height ?? 6;
        if (x + width > 24) {
          x = 0;
          y += 6;
        }
        widgets.push({ type: w.type, x: w.x ?? x, y: w.y ?? y, width, height, properties: w.properties });
        x += width;
      }
      if (list.length > 0) y += 6;
    }
    return jsonDocument({ widgets });
  }
}
