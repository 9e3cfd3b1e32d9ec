/**
 * Event schema v1 (DESIGN §4.3) — the one TypeScript definition.
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
  readonly comment: string;
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
  comment: string,
  opts: { required?: boolean; addedByTransform?: boolean } = {},
): EventField => ({
  name,
  type,
  comment,
  required: opts.required ?? false,
  addedByTransform: opts.addedByTransform ?? false,
});

/** Columns in table order. Timestamps are ISO-8601 UTC (`2026-01-31T23:59:59.123Z`). */
export const EVENT_FIELDS: readonly EventField[] = [
  f("event_id", "string", "unique event id", { required: true }),
  f("timestamp", "timestamp", "event time, ISO-8601 UTC", { required: true }),
  f("log_type", "string", "web_access | application | iot_sensor", { required: true }),
  f("event_type", "string", "view, click, add_to_cart, purchase, login, logout, page_view, ..."),
  f("user_id", "string", "user id"),
  f("session_id", "string", "session id"),
  f("category", "string", "product or content category"),
  f("value", "double", "purchase amount or sensor reading"),
  f("ip_address", "string", "client IP, anonymised by the transform (IPv4 /24, IPv6 /48)"),
  f("method", "string", "HTTP method"),
  f("path", "string", "HTTP path"),
  f("status_code", "int", "HTTP status code"),
  f("response_size", "bigint", "response size in bytes"),
  f("user_agent", "string", "HTTP user agent"),
  f("referer", "string", "HTTP referer"),
  f("level", "string", "application log level"),
  f("logger", "string", "application logger name"),
  f("message", "string", "application log message"),
  f("request_id", "string", "request id"),
  f("device_id", "string", "IoT device id"),
  f("device_type", "string", "IoT device type"),
  f("unit", "string", "unit of an IoT reading"),
  f("status_category", "string", "class of status_code", { addedByTransform: true }),
  f("processed_at", "timestamp", "when the transform processed the record", { addedByTransform: true }),
  f("schema_version", "int", "event schema version", { addedByTransform: true }),
  f("extra", "string", "unknown input fields as a JSON object string", { addedByTransform: true }),
];

/** Hive partition keys of `streaming-data/`, zero-padded strings (DESIGN §4.2). */
export const PARTITION_KEYS = ["year", "month", "day", "hour"] as const;
