/**
 * The 12 stack outputs, in order: a contract with users' scripts (a rename breaks them). Every
 * environment's stack declares exactly these as stack-level outputs with these static ids, and
 * `submit-job` and terraform-check read this one list. URI outputs end with "/".
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
