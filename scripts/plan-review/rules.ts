/**
 * What plan-review knows about AWS resources: which ones hold state and what a delete loses
 * (the ranking of block findings), which attributes are protections, and which in-place changes
 * are security regressions. Pure tables and predicates over before/after values.
 */
import { Json, JsonObject } from "./types";
import { hasTlsOnly, parsePolicy } from "./policy";

export interface Stateful {
  /** lower is worse: the lake and its key first, then streams/queues/catalog/logs, then EMR */
  rank: number;
  loses: string;
}

const STATEFUL: Record<string, Stateful> = {
  aws_s3_bucket: { rank: 12, loses: "every object in the bucket, with its versions" },
  aws_kms_key: {
    rank: 13,
    loses: "the key: whatever it encrypted becomes unreadable when the deletion window ends",
  },
  aws_dynamodb_table: { rank: 20, loses: "every item in the table" },
  aws_db_instance: { rank: 20, loses: "the database" },
  aws_rds_cluster: { rank: 20, loses: "the database cluster" },
  aws_efs_file_system: { rank: 20, loses: "every file" },
  aws_kinesis_stream: { rank: 20, loses: "records not yet read (up to the retention period)" },
  aws_sqs_queue: { rank: 21, loses: "messages still in the queue" },
  aws_kinesis_firehose_delivery_stream: { rank: 22, loses: "records still buffered for delivery" },
  aws_glue_catalog_database: {
    rank: 23,
    loses: "the catalog database: every table definition and partition",
  },
  aws_glue_catalog_table: { rank: 24, loses: "the table definition and every partition registered on it" },
  aws_cloudwatch_log_group: { rank: 25, loses: "the log history" },
  aws_secretsmanager_secret: { rank: 25, loses: "the secret and its versions" },
  aws_sns_topic: { rank: 26, loses: "its subscriptions (email subscribers must confirm again)" },
  aws_emr_cluster: { rank: 30, loses: "running and queued steps, HDFS and the cluster's local state" },
};

/** Whether deleting this resource loses state, and what; the lake's bucket and key rank first. */
export function stateful(type: string, construct: string | undefined): Stateful | undefined {
  const s = STATEFUL[type];
  if (!s) return undefined;
  const path = construct ?? "";
  if (type === "aws_s3_bucket" && /(^|\/)lake\/bucket$/.test(path))
    return { rank: 10, loses: "the data lake: every raw, processed and script object, with its versions" };
  if (type === "aws_kms_key" && /(^|\/)lake\//.test(path))
    return {
      rank: 11,
      loses:
        "the lake's key: every lake object and EMR disk it encrypted becomes unreadable when the deletion window ends",
    };
  return s;
}

/** Reads a value at a path of keys and list indexes; undefined where it is absent. */
export function at(v: Json | undefined, path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const p of path) {
    if (cur === null || cur === undefined || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, Json>)[p as never];
  }
  return cur;
}

/** Whether the value at a path is unknown until apply. */
export function unknownAt(u: Json | undefined, path: (string | number)[]): boolean {
  let cur: Json | undefined = u;
  for (const p of path) {
    if (cur === true) return true;
    if (cur === null || cur === undefined || typeof cur !== "object") return false;
    cur = (cur as Record<string | number, Json>)[p as never];
  }
  return cur === true;
}

/**
 * `after` with every value the plan knows only after apply (`after_unknown`) taken from `before`:
 * a value that will be computed is not a value removed. A replaced KMS key's new ARN is unknown
 * in the plan; the queue that references it is not losing its encryption.
 */
export function knownOrAsBefore(
  before: Json | undefined,
  after: Json | undefined,
  unknown: Json | undefined,
): Json | undefined {
  if (unknown === true) return before === undefined ? after : before;
  if (!unknown || typeof unknown !== "object" || after === null || typeof after !== "object") return after;
  const out: Record<string | number, Json> = Array.isArray(after)
    ? ([...after] as never)
    : { ...(after as JsonObject) };
  for (const [k, u] of Object.entries(unknown as Record<string, Json>)) {
    const b = before && typeof before === "object" ? (before as Record<string, Json>)[k] : undefined;
    const v = knownOrAsBefore(b, (after as Record<string, Json>)[k], u);
    if (v !== undefined) out[k] = v;
  }
  return out as Json;
}

/** How many addresses a finding's detail line lists before it counts the rest. */
export const MAX_LISTED = 12;

/** At most `max` items, joined with ", ", then how many more there are. */
export function listed(items: string[], max = MAX_LISTED): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** A short rendering of a value for a report line. */
export function show(v: Json | undefined, max = 80): string {
  if (v === undefined) return "(absent)";
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Before → after of one value for a report line. Long strings that share a beginning (a JSON
 * document, a policy) are shown from just before where they first differ, so the line shows the
 * change rather than the common prefix.
 */
export function showChange(before: Json | undefined, after: Json | undefined, max = 80): string {
  if (
    typeof before === "string" &&
    typeof after === "string" &&
    (before.length > max || after.length > max)
  ) {
    let i = 0;
    while (i < before.length && i < after.length && before[i] === after[i]) i++;
    const from = Math.max(0, i - 20);
    const cut = (s: string) => `${from > 0 ? "…" : ""}${show(s.slice(from), max - 1).slice(1)}`;
    return `"${cut(before)} → "${cut(after)}`;
  }
  return `${show(before, max)} → ${show(after, max)}`;
}

/** The protections whose removal is a block, as before → after on one resource. */
export function protectionsRemoved(
  type: string,
  before: Json | undefined,
  after: Json | undefined,
): string[] {
  const out: string[] = [];
  const b = (before ?? {}) as JsonObject;
  const a = (after ?? {}) as JsonObject;
  if (!before || !after) return out;
  if (type === "aws_s3_bucket" && b.force_destroy === false && a.force_destroy === true)
    out.push("force_destroy false → true: a destroy would now delete every object instead of failing");
  if (
    "termination_protection" in a &&
    b.termination_protection === true &&
    a.termination_protection === false
  )
    out.push("termination_protection true → false");
  if ("deletion_protection" in a && b.deletion_protection === true && a.deletion_protection === false)
    out.push("deletion_protection true → false");
  if (
    type === "aws_kms_key" &&
    typeof b.deletion_window_in_days === "number" &&
    typeof a.deletion_window_in_days === "number" &&
    a.deletion_window_in_days < b.deletion_window_in_days
  )
    out.push(
      `deletion_window_in_days ${b.deletion_window_in_days} → ${a.deletion_window_in_days}: less time to cancel a key deletion`,
    );
  return out;
}

type Check = (b: JsonObject, a: JsonObject) => string[];

const flag = (name: string) => (b: JsonObject, a: JsonObject) =>
  b[name] === true && a[name] === false ? [`${name} true → false`] : [];

const removedKey = (name: string, what: string) => (b: JsonObject, a: JsonObject) =>
  typeof b[name] === "string" &&
  b[name] !== "" &&
  (a[name] === null || a[name] === "" || a[name] === undefined)
    ? [`${name} removed (${what})`]
    : [];

const SSE_RANK: Record<string, number> = { "aws:kms:dsse": 3, "aws:kms": 2, AES256: 1 };

function sseRules(o: JsonObject): { algo?: string; key?: string }[] {
  const rules = (o.rule as Json[] | undefined) ?? [];
  return rules.map((r) => {
    const d = at(r, ["apply_server_side_encryption_by_default", 0]) as JsonObject | undefined;
    return {
      algo: d?.sse_algorithm as string | undefined,
      key: (d?.kms_master_key_id as string) || undefined,
    };
  });
}

function emrEncryption(o: JsonObject): Record<string, boolean> {
  try {
    const c = JSON.parse(String(o.configuration ?? "{}")) as {
      EncryptionConfiguration?: { EnableAtRestEncryption?: boolean; EnableInTransitEncryption?: boolean };
    };
    return {
      "at-rest encryption": c.EncryptionConfiguration?.EnableAtRestEncryption === true,
      "in-transit encryption": c.EncryptionConfiguration?.EnableInTransitEncryption === true,
    };
  } catch {
    return {};
  }
}

/** In-place (or replacing) changes that weaken a resource's security, per type. */
const REGRESSIONS: Record<string, Check> = {
  aws_s3_bucket_versioning: (b, a) => {
    const before = at(b, ["versioning_configuration", 0, "status"]);
    const after = at(a, ["versioning_configuration", 0, "status"]);
    return before === "Enabled" && after !== "Enabled"
      ? [`versioning ${show(before)} → ${show(after)}: overwritten and deleted objects are no longer kept`]
      : [];
  },
  aws_s3_bucket_server_side_encryption_configuration: (b, a) => {
    const before = sseRules(b)[0] ?? {};
    const after = sseRules(a)[0] ?? {};
    const out: string[] = [];
    if ((SSE_RANK[after.algo ?? ""] ?? 0) < (SSE_RANK[before.algo ?? ""] ?? 0))
      out.push(
        `default encryption ${show(before.algo)} → ${show(after.algo)}: new objects no longer use ${before.key ? "the customer-managed key" : "KMS"}`,
      );
    else if (before.key && !after.key && after.algo?.startsWith("aws:kms"))
      out.push(
        "kms_master_key_id removed: new objects use the AWS-managed key instead of the customer-managed one",
      );
    return out;
  },
  aws_s3_bucket_public_access_block: (b, a) =>
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].flatMap(
      (k) => flag(k)(b, a),
    ),
  aws_s3_account_public_access_block: (b, a) =>
    ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].flatMap(
      (k) => flag(k)(b, a),
    ),
  aws_s3_bucket_ownership_controls: (b, a) => {
    const before = at(b, ["rule", 0, "object_ownership"]);
    const after = at(a, ["rule", 0, "object_ownership"]);
    return before === "BucketOwnerEnforced" && after !== before
      ? [`object_ownership BucketOwnerEnforced → ${show(after)}: ACLs take effect again`]
      : [];
  },
  aws_kinesis_stream: (b, a) =>
    b.encryption_type === "KMS" && a.encryption_type !== "KMS"
      ? [`encryption_type "KMS" → ${show(a.encryption_type)}: records are stored unencrypted`]
      : [],
  aws_kms_key: (b, a) => [
    ...(b.enable_key_rotation === true && a.enable_key_rotation === false
      ? ["enable_key_rotation true → false: the key material is no longer rotated"]
      : []),
    ...flag("is_enabled")(b, a),
  ],
  aws_sqs_queue: (b, a) => [
    ...removedKey("kms_master_key_id", "messages no longer encrypted with the customer-managed key")(b, a),
    ...(b.sqs_managed_sse_enabled === true && a.sqs_managed_sse_enabled === false && !a.kms_master_key_id
      ? ["sqs_managed_sse_enabled true → false: messages stored unencrypted"]
      : []),
  ],
  aws_sns_topic: removedKey("kms_master_key_id", "messages no longer encrypted at rest"),
  aws_cloudwatch_log_group: removedKey(
    "kms_key_id",
    "log events no longer encrypted with the customer-managed key",
  ),
  aws_lambda_function: removedKey(
    "kms_key_arn",
    "environment variables no longer encrypted with the customer-managed key",
  ),
  aws_kinesis_firehose_delivery_stream: (b, a) =>
    at(b, ["server_side_encryption", 0, "enabled"]) === true &&
    at(a, ["server_side_encryption", 0, "enabled"]) !== true
      ? ["server_side_encryption disabled: buffered records no longer encrypted"]
      : [],
  aws_emr_security_configuration: (b, a) => {
    const before = emrEncryption(b);
    const after = emrEncryption(a);
    return Object.keys(before)
      .filter((k) => before[k] && !after[k])
      .map((k) => `${k} turned off`);
  },
  aws_emr_block_public_access_configuration: flag("block_public_security_group_rules"),
  aws_ebs_volume: flag("encrypted"),
  aws_db_instance: flag("storage_encrypted"),
};

export function securityRegressions(
  type: string,
  before: Json | undefined,
  after: Json | undefined,
): string[] {
  const check = REGRESSIONS[type];
  if (!check || !before || !after) return [];
  return check(before as JsonObject, after as JsonObject);
}

/** Resources whose removal (without their bucket going too) drops a guard. */
export const GUARD_TYPES = new Set([
  "aws_s3_bucket_versioning",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_policy",
  "aws_emr_security_configuration",
]);

const OPEN = new Set(["0.0.0.0/0", "::/0"]);

/** The world-open sources an ingress rule gains (security group rules in any of the three shapes). */
export function ingressOpened(type: string, before: Json | undefined, after: Json | undefined): string[] {
  const a = (after ?? {}) as JsonObject;
  const b = (before ?? {}) as JsonObject;
  const open = (o: JsonObject): string[] => {
    if (type === "aws_security_group_rule") {
      if (o.type !== "ingress") return [];
      return [
        ...((o.cidr_blocks as string[] | null) ?? []),
        ...((o.ipv6_cidr_blocks as string[] | null) ?? []),
      ]
        .filter((c) => OPEN.has(c))
        .map((c) => `${c} on ${portRange(o)}`);
    }
    if (type === "aws_vpc_security_group_ingress_rule") {
      return [o.cidr_ipv4, o.cidr_ipv6]
        .filter((c) => typeof c === "string" && OPEN.has(c))
        .map((c) => `${c} on ${portRange(o)}`);
    }
    if (type === "aws_security_group" || type === "aws_default_security_group") {
      return ((o.ingress as JsonObject[] | null) ?? []).flatMap((r) =>
        [...((r.cidr_blocks as string[] | null) ?? []), ...((r.ipv6_cidr_blocks as string[] | null) ?? [])]
          .filter((c) => OPEN.has(c))
          .map((c) => `${c} on ${portRange(r)}`),
      );
    }
    return [];
  };
  if (!after) return [];
  const was = new Set(before ? open(b) : []);
  return open(a).filter((x) => !was.has(x));
}

function portRange(o: JsonObject): string {
  const proto = o.protocol ?? o.ip_protocol;
  if (proto === "-1" || proto === "all") return "all ports";
  return o.from_port === o.to_port ? `${proto}/${o.from_port}` : `${proto}/${o.from_port}-${o.to_port}`;
}

/** The attributes that hold a policy document, per type. */
export const POLICY_ATTRIBUTES: Record<string, string[]> = {
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_iam_role: ["assume_role_policy"],
  aws_kms_key: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_sqs_queue: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sns_topic: ["policy"],
};

/** Whether a policy value keeps the deny-unless-TLS guard it had. */
export function tlsOnlyRemoved(before: Json | undefined, after: Json | undefined): boolean {
  const b = parsePolicy(before);
  if (!b || !hasTlsOnly(b)) return false;
  const a = after === null || after === undefined ? [] : parsePolicy(after);
  return !!a && !hasTlsOnly(a);
}
