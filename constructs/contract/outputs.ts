/**
 * The 12 stack outputs of DESIGN §4.1 [contract], in order. Dependency-free: the stack declares
 * exactly these and `submit-job` reads them, so both import this one list.
 */
export const STACK_OUTPUTS = [
  "region",
  "lake_bucket_name",
  "scripts_uri",
  "raw_events_uri",
  "processed_uri",
  "emr_cluster_id",
  "emr_log_uri",
  "kinesis_stream_name",
  "firehose_stream_name",
  "glue_database_name",
  "alarm_topic_arn",
  "dashboard_name",
] as const;

export type StackOutputName = (typeof STACK_OUTPUTS)[number];
