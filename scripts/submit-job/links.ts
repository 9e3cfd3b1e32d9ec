/**
 * Links to a run: the cluster's page in the EMR console (its Steps tab lists the step), the
 * step's logs in the S3 console, and the Spark UI. The cluster is private, so the Spark UI is
 * EMR's persistent application UI (a Spark History Server EMR hosts off the cluster,
 * https://docs.aws.amazon.com/emr/latest/ManagementGuide/app-history-spark-UI.html), reached
 * through a presigned URL that EMR mints on request and that is valid for a short time only.
 */
import type { ClusterInfo, EmrApi } from "./aws";
import { parseS3Uri } from "./plan";

export interface Links {
  /** The cluster's page in the EMR console; the step is on its Steps tab. */
  console?: string;
  /** The step's log prefix in the S3 console. */
  stepLogs?: string;
  /** A presigned URL of the persistent Spark History Server, at the run's application when known. */
  sparkUi?: string;
  /** Why there is no sparkUi link (permissions, a UI still being prepared, an emulator). */
  sparkUiNote?: string;
}

/** The console host of a region's partition (China and GovCloud have their own). */
export function consoleHost(region: string): string {
  if (region.startsWith("cn-")) return "console.amazonaws.cn";
  if (region.startsWith("us-gov-")) return "console.amazonaws-us-gov.com";
  return `${region}.console.aws.amazon.com`;
}

/** The S3 console host of a region's partition. */
function s3ConsoleHost(region: string): string {
  return region.startsWith("cn-") || region.startsWith("us-gov-")
    ? consoleHost(region)
    : "s3.console.aws.amazon.com";
}

/** The console links of a run (pure): no region, no links. */
export function consoleLinks(region: string | undefined, clusterId: string, stepLogPrefix?: string): Links {
  if (!region) return {};
  const r = encodeURIComponent(region);
  const links: Links = {
    console: `https://${consoleHost(region)}/emr/home?region=${r}#/clusterDetails/${clusterId}`,
  };
  if (stepLogPrefix) {
    const loc = parseS3Uri(stepLogPrefix, "log URI");
    links.stepLogs = `https://${s3ConsoleHost(region)}/s3/buckets/${loc.bucket}?region=${r}&prefix=${encodeURIComponent(loc.key)}`;
  }
  return links;
}

/** Adds the Spark UI link (or the note why there is none) to `links`. Never throws. */
export async function addSparkUi(
  emr: EmrApi,
  cluster: ClusterInfo,
  links: Links,
  applicationId?: string,
): Promise<Links> {
  if (!cluster.arn) return { ...links, sparkUiNote: `no ARN known for cluster ${cluster.id}` };
  const ui = await emr.sparkUiUrl(cluster.arn, applicationId);
  return ui.url ? { ...links, sparkUi: ui.url } : { ...links, sparkUiNote: ui.note };
}
