/**
 * Event schema v1 — the one TypeScript definition.
 *
 * Used by the Glue `events` table (Firehose's Parquet conversion reads its schema from there),
 * the transform Lambda's validation, and checked against the PySpark StructType in
 * jobs/common by a test, so the three never drift apart.
 */

/** Glue/Hive column types used by schema v1. */
export type GlueType = "string" | "int" | "bigint" | "double" | "timestamp";

/** One column of schema v1. */
export interface EventField {
  readonly name: string;
  readonly type: GlueType;
  /** Required fields make a record invalid when absent or null. */
  readonly required: boolean;
  /** Set by the transform Lambda, not by producers. */
  readonly addedByTransform: boolean;
}

export const SCHEMA_VERSION = 1;

/** Allowed values of the required `log_type` field. */
export const LOG_TYPES = ["web_access", "application", "iot_sensor"] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** Status classes written by the transform into `status_category`. */
export const STATUS_CATEGORIES = [
  "Informational",
  "Success",
  "Redirect",
  "Client Error",
  "Server Error",
  "Unknown",
] as const;

const f = (
  name: string,
  type: GlueType,
  opts: { required?: boolean; addedByTransform?: boolean } = {},
): EventField => ({
  name,
  type,
  required: opts.required ?? false,
  addedByTransform: opts.addedByTransform ?? false,
});

/** Columns in table order. Timestamps are ISO-8601 UTC (`2026-01-31T23:59:59.123Z`). */
export const EVENT_FIELDS: readonly EventField[] = [
  f("event_id", "string", { required: true }),
  f("timestamp", "timestamp", { required: true }),
  f("log_type", "string", { required: true }),
  f("event_type", "string"),
  f("user_id", "string"),
  f("session_id", "string"),
  f("category", "string"),
  f("value", "double"),
  f("ip_address", "string"),
  f("method", "string"),
  f("path", "string"),
  f("status_code", "int"),
  f("response_size", "bigint"),
  f("user_agent", "string"),
  f("referer", "string"),
  f("level", "string"),
  f("logger", "string"),
  f("message", "string"),
  f("request_id", "string"),
  f("device_id", "string"),
  f("device_type", "string"),
  f("unit", "string"),
  f("status_category", "string", { addedByTransform: true }),
  f("processed_at", "timestamp", { addedByTransform: true }),
  f("schema_version", "int", { addedByTransform: true }),
  f("extra", "string", { addedByTransform: true }),
];

/**
 * The Glue column comment of each field, apart from EVENT_FIELDS so that the transform Lambda's
 * bundle, which needs names and types only, leaves the text out (its size is a target).
 */
export const EVENT_FIELD_COMMENTS: Readonly<Record<string, string>> = {
  event_id: "unique event id",
  timestamp: "event time, ISO-8601 UTC",
  log_type: "web_access | application | iot_sensor",
  event_type: "view, click, add_to_cart, purchase, login, logout, page_view, ...",
  user_id: "user id",
  session_id: "session id",
  category: "product or content category",
  value: "purchase amount or sensor reading",
  ip_address: "client IP, anonymised by the transform (IPv4 /24, IPv6 /48)",
  method: "HTTP method",
  path: "HTTP path",
  status_code: "HTTP status code",
  response_size: "response size in bytes",
  user_agent: "HTTP user agent",
  referer: "HTTP referer",
  level: "application log level",
  logger: "application logger name",
  message: "application log message",
  request_id: "request id",
  device_id: "IoT device id",
  device_type: "IoT device type",
  unit: "unit of an IoT reading",
  status_category: "class of status_code",
  processed_at: "when the transform processed the record",
  schema_version: "event schema version",
  extra: "unknown input fields as a JSON object string",
};
