/**
 * Regenerates the saved-plan fixtures of plan-review (test/fixtures/plans/) with terraform and
 * the hashicorp/aws provider from the local filesystem mirror, offline:
 *
 *   npx tsx scripts/make-plan-fixtures.ts [--synth DIR] [--out DIR] [--only NAME,...] [--keep]
 *
 * How a fixture is made, so that every plan is terraform's own output:
 * 1. synth the stacks (or take --synth DIR);
 * 2. build a *converged* state per stack: plan from an empty state, write a state (format v4,
 *    schema versions from `terraform providers schema -json`) whose resources carry the plan's own
 *    planned values — unknown ids/ARNs get deterministic fake values shaped like AWS's — and plan
 *    again until the plan is all no-op (references resolve from that state, so 2–3 rounds);
 * 3. per fixture, mutate cdk.tf.json as a developer's change would, run
 *    `terraform plan -refresh=false -out` against the converged state and `terraform show -json`.
 * The drift fixture is a `terraform plan -refresh-only` whose refresh reads a local moto_server
 * (see driftFixture below). Plans are trimmed before they are written: the top-level keys
 * plan-review does not read (configuration, planned_values, prior_state, relevant_attributes,
 * timestamp) are dropped, and no-op entries of resource_changes keep address/type/name/actions only.
 */
import { execFileSync, spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as offline from "./lib/terraform-offline";

const root = resolve(__dirname, "..");

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
interface StackTf extends Obj {
  resource: { [type: string]: { [name: string]: Obj } };
}
interface ResourceChange {
  address: string;
  type: string;
  name: string;
  mode: string;
  change: { actions: string[]; after: Json; after_unknown: Json };
}
interface PlanJson {
  resource_changes?: ResourceChange[];
  output_changes?: Record<string, { actions: string[]; after: Json }>;
  errored?: boolean;
  [k: string]: unknown;
}

const STACK_ACCOUNT: Record<string, string> = {
  "pipeline-dev": "111111111111",
  "pipeline-prod": "222222222222",
};
const REGION = "eu-west-1";

function die(msg: string): never {
  process.stderr.write(`make-plan-fixtures: ${msg}\n`);
  process.exit(1);
}

function hex(seed: string, n: number): string {
  return createHash("md5").update(seed).digest("hex").slice(0, n);
}

// ---------------------------------------------------------------------------------------------
// terraform in a working copy of a stack

class Workdir {
  readonly dir: string;
  constructor(
    readonly work: string,
    readonly stack: string,
    synthDir: string,
    providerExtra: Obj = {},
    dirName = stack,
  ) {
    this.dir = join(work, dirName);
    offline.copyStack(join(synthDir, "stacks", stack), this.dir);
    offline.writeOverrides(this.dir, "terraform.tfstate", providerExtra);
    this.tf(["init", "-no-color", "-input=false"]);
  }

  tf(args: string[]): string {
    try {
      return execFileSync("terraform", [`-chdir=${this.dir}`, ...args], {
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; status?: number };
      throw new Error(
        `terraform ${args[0]} failed (exit ${err.status}): ${(err.stderr || err.stdout || "").trim().slice(0, 2000)}`,
      );
    }
  }

  get config(): StackTf {
    return JSON.parse(readFileSync(join(this.dir, "cdk.tf.json"), "utf8")) as StackTf;
  }

  set config(tf: StackTf) {
    writeFileSync(join(this.dir, "cdk.tf.json"), `${JSON.stringify(tf, null, 2)}\n`);
  }

  /** plan → saved plan → JSON. A plan terraform refuses (e.g. prevent_destroy) still saves `errored: true`. */
  plan(extra: string[] = ["-refresh=false"]): PlanJson {
    const out = join(this.dir, "plan.bin");
    rmSync(out, { force: true });
    try {
      this.tf(["plan", "-lock=false", "-no-color", "-input=false", ...extra, `-out=${out}`]);
    } catch (e) {
      if (!existsSync(out)) throw e;
    }
    return JSON.parse(this.tf(["show", "-json", out])) as PlanJson;
  }
}

// ---------------------------------------------------------------------------------------------
// a converged state from the plan's own planned values

const ID_PREFIX: Record<string, string> = {
  aws_vpc: "vpc-",
  aws_subnet: "subnet-",
  aws_security_group: "sg-",
  aws_default_security_group: "sg-",
  aws_security_group_rule: "sgrule-",
  aws_route_table: "rtb-",
  aws_route_table_association: "rtbassoc-",
  aws_vpc_endpoint: "vpce-",
  aws_flow_log: "fl-",
  aws_emr_instance_group: "ig-",
};

function str(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** An id shaped like the one AWS (and the provider) would give this resource. */
function fakeId(rc: ResourceChange, after: Obj): string {
  const h = hex(rc.address, 17);
  const name = str(after.name) ?? str(after.function_name) ?? str(after.alarm_name);
  switch (rc.type) {
    case "aws_emr_cluster":
      return `j-${h.slice(0, 13).toUpperCase()}`;
    case "aws_s3_bucket":
    case "aws_s3_bucket_versioning":
    case "aws_s3_bucket_server_side_encryption_configuration":
    case "aws_s3_bucket_public_access_block":
    case "aws_s3_bucket_lifecycle_configuration":
    case "aws_s3_bucket_policy":
    case "aws_s3_bucket_notification":
    case "aws_s3_bucket_logging":
    case "aws_s3_bucket_ownership_controls":
      return str(after.bucket) ?? h;
    case "aws_s3_object":
      return `${str(after.bucket) ?? "bucket"}/${str(after.key) ?? h}`;
    case "aws_kms_key":
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-8${h.slice(15, 17)}0-${hex(rc.address + "k", 12)}`;
    case "aws_iam_role_policy":
      return `${str(after.role) ?? "role"}:${name ?? h}`;
    case "aws_cloudwatch_dashboard":
      return str(after.dashboard_name) ?? h;
    case "aws_sqs_queue":
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name ?? h}`;
    case "aws_kinesis_stream":
    case "aws_sns_topic":
      return fakeArn(rc, after, h);
    case "aws_glue_catalog_database":
      return `${ACCOUNT}:${name ?? h}`;
    default:
      if (ID_PREFIX[rc.type]) return `${ID_PREFIX[rc.type]}${h}`;
      return name ?? `${rc.type.replace(/^aws_/, "")}-${h}`;
  }
}

let ACCOUNT = "111111111111";

function fakeArn(rc: ResourceChange, after: Obj, id: string): string {
  const name = str(after.name) ?? str(after.function_name) ?? id;
  const a = `arn:aws:%s:${REGION}:${ACCOUNT}:`;
  const arn = (svc: string, res: string) => a.replace("%s", svc) + res;
  switch (rc.type) {
    case "aws_s3_bucket":
      return `arn:aws:s3:::${str(after.bucket) ?? id}`;
    case "aws_iam_role":
      return `arn:aws:iam::${ACCOUNT}:role/${name}`;
    case "aws_iam_instance_profile":
      return `arn:aws:iam::${ACCOUNT}:instance-profile/${name}`;
    case "aws_kms_key":
      return arn("kms", `key/${id}`);
    case "aws_kms_alias":
      return arn("kms", name);
    case "aws_sns_topic":
      return arn("sns", name);
    case "aws_sqs_queue":
      return arn("sqs", name);
    case "aws_lambda_function":
      return arn("lambda", `function:${name}`);
    case "aws_kinesis_stream":
      return arn("kinesis", `stream/${name}`);
    case "aws_kinesis_firehose_delivery_stream":
      return arn("firehose", `deliverystream/${name}`);
    case "aws_cloudwatch_log_group":
      return arn("logs", `log-group:${name}`);
    case "aws_cloudwatch_event_rule":
      return arn("events", `rule/${name}`);
    case "aws_emr_cluster":
      return arn("elasticmapreduce", `cluster/${id}`);
    case "aws_glue_catalog_database":
      return arn("glue", `database/${name}`);
    case "aws_glue_catalog_table":
      return arn("glue", `table/${str(after.database_name) ?? "db"}/${name}`);
    default:
      return arn(rc.type.split("_")[1] ?? "aws", `${rc.type.replace(/^aws_/, "")}/${id}`);
  }
}

/** The provider schema of one resource type (the part the filler walks). */
interface SchemaBlock {
  attributes?: Record<string, { type: Json }>;
  block_types?: Record<string, { nesting_mode: string; block: SchemaBlock }>;
}
type SchemaNode = { block: SchemaBlock; nesting?: string } | { type: Json } | undefined;

function child(node: SchemaNode, key: string | number): SchemaNode {
  if (!node) return undefined;
  if ("block" in node) {
    // a nested block list/set: an index selects one element block
    if (typeof key === "number") return { block: node.block };
    const a = node.block.attributes?.[key];
    if (a) return { type: a.type };
    const b = node.block.block_types?.[key];
    return b ? { block: b.block, nesting: b.nesting_mode } : undefined;
  }
  const t = node.type;
  if (Array.isArray(t)) {
    if ((t[0] === "list" || t[0] === "set" || t[0] === "map") && typeof key !== "undefined")
      return { type: t[1] };
    if (t[0] === "object" && t[1] && typeof t[1] === "object" && !Array.isArray(t[1]))
      return { type: (t[1] as Obj)[String(key)] ?? null };
  }
  return undefined;
}

/** What a still-unknown value settles to: an empty collection, or a known null. */
function settled(node: SchemaNode): Json {
  if (!node) return null;
  if ("block" in node) {
    if (node.nesting === "list" || node.nesting === "set") return [];
    return node.nesting === "map" ? {} : null;
  }
  const t = node.type;
  if (Array.isArray(t) && (t[0] === "list" || t[0] === "set")) return [];
  if (Array.isArray(t) && t[0] === "map") return {};
  return null;
}

/** after with every unknown filled: ids/ARNs get fakes, collections [] / {}, the rest null. */
function fill(rc: ResourceChange, schema: SchemaBlock): Obj {
  const after = structuredClone((rc.change.after ?? {}) as Obj);
  const walk = (value: Json, unk: Json, node: SchemaNode, path: string): Json => {
    if (unk === true) {
      if (path.endsWith(".id")) return hex(rc.address + path, 8);
      return settled(node);
    }
    if (Array.isArray(unk)) {
      const arr = Array.isArray(value) ? value : [];
      return unk.map((u, i) => walk(arr[i] ?? null, u, child(node, i), `${path}.${i}`));
    }
    if (unk && typeof unk === "object") {
      const o = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Obj;
      for (const [k, u] of Object.entries(unk)) o[k] = walk(o[k] ?? null, u, child(node, k), `${path}.${k}`);
      return o;
    }
    return value;
  };
  const top = (rc.change.after_unknown ?? {}) as Obj;
  const rest = { ...top };
  delete rest.id;
  delete rest.arn;
  const filled = walk(after, rest, { block: schema }, "") as Obj;
  if (top.id === true) filled.id = fakeId(rc, filled);
  if (top.arn === true) filled.arn = fakeArn(rc, filled, str(filled.id) ?? "id");
  if (top.key_id === true) filled.key_id = str(filled.id) ?? null;
  if (top.url === true) filled.url = str(filled.id) ?? null;
  if (top.prefix_list_id === true) filled.prefix_list_id = `pl-${hex(rc.address, 8)}`;
  return filled;
}

type Schemas = Record<string, { version: number; block: SchemaBlock }>;

function writeState(w: Workdir, plan: PlanJson, schemas: Schemas, serial: number): void {
  const resources = (plan.resource_changes ?? [])
    .filter((rc) => rc.mode === "managed" && rc.change.after !== null)
    .map((rc) => ({
      mode: "managed",
      type: rc.type,
      name: rc.name,
      provider: `provider["${offline.PROVIDER}"]`,
      instances: [
        {
          schema_version: schemas[rc.type].version,
          attributes: fill(rc, schemas[rc.type].block),
          sensitive_attributes: [],
        },
      ],
    }));
  const outputs: Obj = {};
  for (const [k, o] of Object.entries(plan.output_changes ?? {})) {
    if (o.after !== null && o.after !== undefined) outputs[k] = { value: o.after, type: "string" };
  }
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial,
    lineage: `00000000-0000-4000-8000-${hex(w.stack, 12)}`,
    outputs,
    resources,
    check_results: null,
  };
  writeFileSync(join(w.dir, "terraform.tfstate"), `${JSON.stringify(state, null, 2)}\n`);
}

function pending(plan: PlanJson): string[] {
  return [
    ...(plan.resource_changes ?? [])
      .filter((rc) => rc.change.actions.join() !== "no-op")
      .map((rc) => `${rc.address} ${rc.change.actions.join("/")}`),
    ...Object.entries(plan.output_changes ?? {})
      .filter(([, o]) => o.actions.join() !== "no-op")
      .map(([k]) => `output.${k}`),
  ];
}

/** Plans and rewrites the state from the planned values until terraform proposes nothing. */
function converge(w: Workdir): void {
  const schema = JSON.parse(w.tf(["providers", "schema", "-json"])) as {
    provider_schemas: Record<string, { resource_schemas: Schemas }>;
  };
  const schemas = schema.provider_schemas[offline.PROVIDER].resource_schemas;
  rmSync(join(w.dir, "terraform.tfstate"), { force: true });
  for (let round = 1; round <= 6; round++) {
    const plan = w.plan();
    const left = pending(plan);
    process.stderr.write(`  ${w.stack}: round ${round}: ${left.length} change(s)\n`);
    if (left.length === 0) return;
    writeState(w, plan, schemas, round);
  }
  die(`${w.stack}: the state did not converge: ${pending(w.plan()).slice(0, 10).join(", ")}`);
}

// ---------------------------------------------------------------------------------------------
// the fixtures: each one change a developer could make to the stack, as it lands in cdk.tf.json

interface Fixture {
  name: string;
  stack: string;
  /** what the change is, for the fixture's README line */
  what: string;
  mutate: (tf: StackTf) => void;
}

function res(tf: StackTf, type: string, idPart: string): Obj {
  const hits = Object.entries(tf.resource[type] ?? {}).filter(([k]) => k.includes(idPart));
  if (hits.length !== 1) die(`expected one ${type} matching ${idPart}, found ${hits.length}`);
  return hits[0][1];
}

/** Replaces a string everywhere in the config (a renamed name shows in policies and outputs too). */
function replaceEverywhere(tf: StackTf, from: string, to: string): void {
  const text = JSON.stringify(tf).split(from).join(to);
  for (const k of Object.keys(tf)) delete tf[k];
  Object.assign(tf, JSON.parse(text));
}

/** The construct id cdktf gives a path below the stack: `<parts joined by _>_<8 hex of MD5(parts/)>`. */
function logicalId(path: string[]): string {
  return `${path.join("_")}_${createHash("md5").update(path.join("/")).digest("hex").slice(0, 8).toUpperCase()}`;
}

/** Renames a construct the way a changed construct id does: new address, references follow. */
function renameConstruct(tf: StackTf, type: string, oldId: string, newPath: string[], stack: string): string {
  const newId = logicalId(newPath);
  const body = tf.resource[type][oldId];
  delete tf.resource[type][oldId];
  body["//"] = { metadata: { path: `${stack}/${newPath.join("/")}`, uniqueId: newId } };
  tf.resource[type][newId] = body;
  replaceEverywhere(tf, `${type}.${oldId}`, `${type}.${newId}`);
  return newId;
}

/** The lake bucket's name bdp-<env>-lake-… → bdp-<env>-datalake-…, everywhere it is spelled. */
function renameLakeBucket(tf: StackTf): void {
  const bucket = String(res(tf, "aws_s3_bucket", "lake_bucket_").bucket);
  replaceEverywhere(tf, bucket, bucket.replace("-lake-", "-datalake-"));
}

function policyDoc(r: Obj): { Statement: Obj[] } {
  return JSON.parse(String(r.policy)) as { Statement: Obj[] };
}

const LOG_BUCKET = "lake_log-bucket_B880C446";

export const FIXTURES: Fixture[] = [
  {
    name: "noop",
    stack: "pipeline-dev",
    what: "no change: the converged dev stack planned again",
    mutate: () => {},
  },
  {
    name: "lake-bucket-renamed",
    stack: "pipeline-dev",
    what: "the lake bucket's name changed (bdp-dev-lake-… → bdp-dev-datalake-…), everywhere it is spelled",
    mutate: renameLakeBucket,
  },
  {
    name: "versioning-suspended",
    stack: "pipeline-dev",
    what: "lake bucket versioning Enabled → Suspended",
    mutate: (tf) => {
      res(tf, "aws_s3_bucket_versioning", "lake_bucket-versioning").versioning_configuration = {
        status: "Suspended",
      };
    },
  },
  {
    name: "sse-downgraded",
    stack: "pipeline-dev",
    what: "lake bucket default encryption aws:kms (lake key) → AES256",
    mutate: (tf) => {
      const enc = res(tf, "aws_s3_bucket_server_side_encryption_configuration", "lake_bucket-encryption");
      enc.rule = [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }];
    },
  },
  {
    name: "public-access-opened",
    stack: "pipeline-dev",
    what: "lake bucket public access block: all four flags false",
    mutate: (tf) => {
      const pab = res(tf, "aws_s3_bucket_public_access_block", "lake_bucket-public-access");
      for (const k of [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
      ])
        pab[k] = false;
    },
  },
  {
    name: "kinesis-encryption-off",
    stack: "pipeline-dev",
    what: "Kinesis stream encryption_type KMS → NONE",
    mutate: (tf) => {
      const s = res(tf, "aws_kinesis_stream", "streaming_stream");
      s.encryption_type = "NONE";
      delete s.kms_key_id;
    },
  },
  {
    name: "kms-rotation-off",
    stack: "pipeline-dev",
    what: "lake KMS key enable_key_rotation true → false",
    mutate: (tf) => {
      res(tf, "aws_kms_key", "lake_kms_key").enable_key_rotation = false;
    },
  },
  {
    name: "emr-release-label",
    stack: "pipeline-dev",
    what: "EMR release label emr-7.9.0 → emr-7.10.0",
    mutate: (tf) => {
      res(tf, "aws_emr_cluster", "spark_cluster").release_label = "emr-7.10.0";
    },
  },
  {
    name: "construct-renamed",
    stack: "pipeline-dev",
    what: "the lake's log-bucket construct renamed access-log-bucket, no moved block",
    mutate: (tf) => {
      renameConstruct(tf, "aws_s3_bucket", LOG_BUCKET, ["lake", "access-log-bucket"], "pipeline-dev");
    },
  },
  {
    name: "construct-renamed-moved",
    stack: "pipeline-dev",
    what: "the same rename with the moved block moveFromId() synthesises",
    mutate: (tf) => {
      const to = renameConstruct(
        tf,
        "aws_s3_bucket",
        LOG_BUCKET,
        ["lake", "access-log-bucket"],
        "pipeline-dev",
      );
      tf.moved = [{ to: `aws_s3_bucket.${to}`, from: `aws_s3_bucket.${LOG_BUCKET}` }];
    },
  },
  {
    name: "iam-widened",
    stack: "pipeline-dev",
    what: "the instance role's scripts read grant: Objects statement s3:GetObject,GetObjectVersion → s3:*",
    mutate: (tf) => {
      const p = res(tf, "aws_iam_role_policy", "lake_grant-read-instance-role-scripts");
      const doc = policyDoc(p);
      const st = doc.Statement.find((x) => x.Sid === "Objects");
      if (!st) die("no Objects statement");
      st.Action = "s3:*";
      p.policy = JSON.stringify(doc);
    },
  },
  {
    name: "ingress-open",
    stack: "pipeline-dev",
    what: "a new rule on the EMR master security group: tcp/22 from 0.0.0.0/0",
    mutate: (tf) => {
      const id = logicalId(["spark", "master-in-ssh"]);
      tf.resource.aws_security_group_rule[id] = {
        "//": { metadata: { path: "pipeline-dev/spark/master-in-ssh", uniqueId: id } },
        description: "ssh to the master",
        type: "ingress",
        protocol: "tcp",
        from_port: 22,
        to_port: 22,
        cidr_blocks: ["0.0.0.0/0"],
        security_group_id: "${aws_security_group.spark_master-sg_9126A8CE.id}",
      };
    },
  },
  {
    name: "prod-prevent-destroy-removed",
    stack: "pipeline-prod",
    what: "prod lake bucket: lifecycle.prevent_destroy removed (the plan itself is a no-op)",
    mutate: (tf) => {
      delete res(tf, "aws_s3_bucket", "lake_bucket_").lifecycle;
    },
  },
  {
    name: "prod-lake-bucket-renamed",
    stack: "pipeline-prod",
    what: "prod lake bucket renamed while prevent_destroy is on: terraform refuses, the plan saves errored",
    mutate: renameLakeBucket,
  },
];

/** The keys of a saved-plan JSON that plan-review reads; the rest is dropped from the fixtures. */
const KEPT = [
  "format_version",
  "terraform_version",
  "variables",
  "resource_changes",
  "resource_drift",
  "output_changes",
  "applyable",
  "complete",
  "errored",
];

function trim(plan: PlanJson): PlanJson {
  const out: PlanJson = {};
  for (const k of KEPT) if (k in plan) out[k] = plan[k];
  out.resource_changes = (plan.resource_changes ?? []).map((rc) =>
    rc.change.actions.join() === "no-op"
      ? ({
          address: rc.address,
          mode: rc.mode,
          type: rc.type,
          name: rc.name,
          ...("previous_address" in rc
            ? { previous_address: (rc as { previous_address?: string }).previous_address }
            : {}),
          change: { actions: ["no-op"] },
        } as unknown as ResourceChange)
      : rc,
  );
  return out;
}

/** The synth as committed: the machine's absolute state path in the local backend made relative. */
function portable(tf: StackTf, stack: string): StackTf {
  const copy = structuredClone(tf);
  const backend = (copy.terraform as Obj | undefined)?.backend as Obj | undefined;
  if (backend?.local) backend.local = { path: `terraform.${stack}.tfstate` };
  return copy;
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(resolve(file, ".."), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// the drift fixture: `terraform plan -refresh-only`, refreshed against moto_server

/**
 * moto answers EMR's JSON protocol with ISO-8601 timestamps where AWS sends epoch seconds, which
 * the provider's SDK rejects; this proxy rewrites them on the way back, nothing else.
 */
function startProxy(target: string): Promise<{ url: string; close: () => void }> {
  const iso = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"/g;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const up = httpRequest(
        `${target}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (r) => {
          const body: Buffer[] = [];
          r.on("data", (c: Buffer) => body.push(c));
          r.on("end", () => {
            let out = Buffer.concat(body);
            if (String(req.headers["x-amz-target"] ?? "").startsWith("ElasticMapReduce"))
              out = Buffer.from(
                out.toString("utf8").replace(iso, (_m, t: string) => String(Date.parse(t) / 1000)),
              );
            const headers = { ...r.headers, "content-length": String(out.length) };
            delete headers["transfer-encoding"];
            res.sendDate = false; // moto's Date header is passed on; a second one would be appended
            res.writeHead(r.statusCode ?? 502, headers);
            res.end(out);
          });
        },
      );
      up.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      ok({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    }),
  );
}

async function startMoto(): Promise<{ url: string; stop: () => void }> {
  const bin = join(root, ".venv", "bin", "moto_server");
  if (!existsSync(bin)) die(`${bin} is missing: run \`make install\``);
  const port = await new Promise<number>((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  const child = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/moto-api/`);
      return { url, stop: () => child.kill() };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  return die("moto_server did not start");
}

function tfAsync(dir: string, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn("terraform", [`-chdir=${dir}`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("close", (code) =>
      code === 0
        ? ok(Buffer.concat(out).toString("utf8"))
        : fail(
            new Error(`terraform ${args[0]} failed: ${Buffer.concat(err).toString("utf8").slice(0, 2000)}`),
          ),
    );
  });
}

const DRIFT_KEEP = [
  "aws_emr_cluster.spark_cluster_",
  "aws_emr_instance_group.spark_task-group_",
  "aws_s3_bucket_policy.lake_bucket-policy_",
  "aws_s3_bucket_server_side_encryption_configuration.lake_bucket-encryption_",
];

/**
 * The dev stack a night after a deploy: the EMR cluster auto-terminated when idle (expected) and,
 * out of band, the lake bucket's default encryption was set to AES256 and its policy edited in
 * the console (the TLS-only Deny replaced by a cross-account Allow) — unexpected. moto holds that
 * account; the state holds the converged dev state's EMR and lake-guard resources (refresh-only
 * reads only what is in the state), pointed at moto's cluster. The managed scaling policy is left
 * out: moto does not implement GetManagedScalingPolicy (HTTP 500, which the provider retries).
 */
async function driftFixture(
  converged: Workdir,
  work: string,
  synthDir: string,
  out: string,
): Promise<string> {
  const moto = await startMoto();
  const proxy = await startProxy(moto.url);
  try {
    const { EMRClient, RunJobFlowCommand, TerminateJobFlowsCommand } = await import("@aws-sdk/client-emr");
    const { S3Client, CreateBucketCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand } =
      await import("@aws-sdk/client-s3");
    const creds = { accessKeyId: "testing", secretAccessKey: "testing" };
    const emr = new EMRClient({ region: REGION, endpoint: moto.url, credentials: creds });
    const s3 = new S3Client({ region: REGION, endpoint: moto.url, credentials: creds, forcePathStyle: true });
    const state = JSON.parse(readFileSync(join(converged.dir, "terraform.tfstate"), "utf8")) as {
      resources: { type: string; name: string; instances: { attributes: Obj }[] }[];
      outputs: Obj;
    };
    const attrs = (prefix: string) => {
      const r = state.resources.find((x) => `${x.type}.${x.name}`.startsWith(prefix));
      if (!r) die(`no ${prefix} in the converged state`);
      return r.instances[0].attributes;
    };
    const cluster = attrs(DRIFT_KEEP[0]);
    const run = await emr.send(
      new RunJobFlowCommand({
        Name: String(cluster.name),
        ReleaseLabel: String(cluster.release_label),
        Instances: { MasterInstanceType: "m5.xlarge", InstanceCount: 1, KeepJobFlowAliveWhenNoSteps: true },
        JobFlowRole: "EMR_EC2_DefaultRole",
        ServiceRole: "EMR_DefaultRole",
      }),
    );
    const clusterId = run.JobFlowId!;
    await emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] }));

    const bucket = String(attrs(DRIFT_KEEP[3]).bucket);
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
        },
      }),
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "PartnerRead",
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::999999999999:root" },
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${bucket}/*`,
            },
          ],
        }),
      }),
    );

    const w = new Workdir(
      work,
      "pipeline-dev",
      synthDir,
      { endpoints: [{ emr: proxy.url, s3: proxy.url, sts: proxy.url }], s3_use_path_style: true },
      "drift",
    );
    // Workdir copied the dev stack under the name "drift": the state holds only what refresh reads.
    const kept = state.resources.filter((r) => DRIFT_KEEP.some((p) => `${r.type}.${r.name}`.startsWith(p)));
    for (const r of kept) {
      const a = r.instances[0].attributes;
      if (r.type === "aws_emr_cluster") {
        a.id = clusterId;
        a.arn = `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/${clusterId}`;
      } else if ("cluster_id" in a) a.cluster_id = clusterId;
    }
    writeFileSync(
      join(w.dir, "terraform.tfstate"),
      `${JSON.stringify({ ...state, serial: 100, resources: kept }, null, 2)}\n`,
    );
    const planFile = join(w.dir, "drift.bin");
    await tfAsync(w.dir, [
      "plan",
      "-refresh-only",
      "-lock=false",
      "-no-color",
      "-input=false",
      `-out=${planFile}`,
    ]);
    const plan = JSON.parse(await tfAsync(w.dir, ["show", "-json", planFile])) as PlanJson;
    writeJson(join(out, "drift", "plan.json"), trim(plan));
    writeJson(join(out, "drift", "synth", "cdk.tf.json"), portable(w.config, "pipeline-dev"));
    const drifted = ((plan.resource_drift as ResourceChange[] | undefined) ?? []).map(
      (d) => `${d.address} ${d.change.actions.join("/")}`,
    );
    process.stderr.write(`  drift: ${drifted.join(", ") || "nothing drifted"}\n`);
    return "- `drift/` (pipeline-dev): a `terraform plan -refresh-only` refreshed against moto_server: the EMR cluster auto-terminated (expected); the lake bucket's encryption set to AES256 and its policy edited out of band (unexpected). The state holds only the EMR cluster, its task group and the lake bucket's encryption and policy (refresh reads only what is in the state; moto lacks GetManagedScalingPolicy, so the scaling policy is left out).";
  } finally {
    proxy.close();
    moto.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// checkov's reports on a base and a head synth, for plan-review's --checkov/--base-checkov

/**
 * checkov (terraform_json, on the committed cdk.tf.json) when .venv-checkov has it; the report is
 * trimmed to what plan-review reads: the summary and each failed check's id, name and resource.
 */
function checkovReport(synthFile: string, outFile: string): boolean {
  const bin = process.env.CHECKOV ?? join(root, ".venv-checkov", "bin", "checkov");
  if (!existsSync(bin)) return false;
  let text: string;
  try {
    text = execFileSync(
      bin,
      [
        "--framework",
        "terraform_json",
        "-f",
        synthFile,
        "-o",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
      ],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
    );
  } catch (e) {
    // checkov exits 1 when a check fails; the report is on stdout all the same
    text = String((e as { stdout?: string }).stdout ?? "");
  }
  const doc = JSON.parse(text) as Obj | Obj[];
  const trimmed = (Array.isArray(doc) ? doc : [doc]).map((r) => ({
    check_type: r.check_type,
    summary: r.summary,
    results: {
      failed_checks: (((r.results as Obj | undefined)?.failed_checks as Obj[] | undefined) ?? []).map(
        (f) => ({
          check_id: f.check_id,
          check_name: f.check_name,
          resource: f.resource,
        }),
      ),
    },
  }));
  writeJson(outFile, trimmed.length === 1 ? trimmed[0] : trimmed);
  return true;
}

export { checkovReport, converge, Workdir, fill };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = resolve(opt("out") ?? join(root, "test", "fixtures", "plans"));
  const only = opt("only")?.split(",");
  const fixtures = FIXTURES.filter((f) => !only || only.includes(f.name));
  const withDrift = !only || only.includes("drift");
  if (fixtures.length === 0 && !withDrift) die(`no fixture named ${only?.join(",")}`);
  const work = mkdtempSync(join(tmpdir(), "plan-fixtures-"));
  offline.useOfflineTerraform(process.env, offline.writeCliConfig(work));
  let synthDir = opt("synth");
  if (!synthDir) {
    synthDir = join(work, "synth");
    process.stderr.write("synth...\n");
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    execFileSync("npx", ["cdktf", "synth", "--output", synthDir], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const stacks = [...new Set([...(withDrift ? ["pipeline-dev"] : []), ...fixtures.map((f) => f.stack)])];
  const readme: string[] = [];
  for (const stack of stacks) {
    ACCOUNT = STACK_ACCOUNT[stack];
    process.stderr.write(`${stack}: converging a state...\n`);
    const w = new Workdir(work, stack, resolve(synthDir));
    const base = w.config;
    converge(w);
    writeJson(join(out, "_base", stack, "cdk.tf.json"), portable(base, stack));
    for (const f of fixtures.filter((x) => x.stack === stack)) {
      const head = structuredClone(base);
      f.mutate(head);
      w.config = head;
      const plan = w.plan();
      w.config = base;
      writeJson(join(out, f.name, "plan.json"), trim(plan));
      writeJson(join(out, f.name, "synth", "cdk.tf.json"), portable(head, stack));
      const changed = pending(plan).length;
      process.stderr.write(`  ${f.name}: ${changed} change(s)${plan.errored ? ", errored" : ""}\n`);
      readme.push(`- \`${f.name}/\` (${stack}): ${f.what}.`);
    }
    if (withDrift && stack === "pipeline-dev")
      readme.push(await driftFixture(w, work, resolve(synthDir), out));
  }
  if (!only || only.includes("public-access-opened")) {
    const made =
      checkovReport(
        join(out, "_base", "pipeline-dev", "cdk.tf.json"),
        join(out, "_base", "pipeline-dev", "checkov.json"),
      ) &&
      checkovReport(
        join(out, "public-access-opened", "synth", "cdk.tf.json"),
        join(out, "public-access-opened", "checkov.json"),
      );
    if (made)
      readme.push(
        "- `_base/pipeline-dev/checkov.json`, `public-access-opened/checkov.json`: checkov's reports (terraform_json on the committed cdk.tf.json), trimmed to the summary and the failed checks' id, name and resource.",
      );
  }
  if (!only) {
    writeFileSync(
      join(out, "README.md"),
      [
        "# Saved-plan fixtures of plan-review",
        "",
        "Made by `npx tsx scripts/make-plan-fixtures.ts` (terraform and the hashicorp/aws provider, offline):",
        "each `<name>/plan.json` is `terraform show -json` of a `terraform plan -refresh=false -out` of",
        "`<name>/synth/cdk.tf.json` against a converged state of `_base/<stack>/cdk.tf.json` (a state built",
        "from the plan's own planned values, unknown ids and ARNs filled with fakes shaped like AWS's).",
        "Trimmed: only the top-level keys plan-review reads are kept, and no-op resource changes keep",
        "address, type, name, actions and previous_address. The local backend's path in each synth is made",
        "relative. The drift fixture is a refresh-only plan instead: see its line.",
        "",
        ...readme,
        "",
      ].join("\n"),
    );
  }
  execFileSync("npx", ["prettier", "--log-level", "warn", "--write", out], { cwd: root, stdio: "inherit" });
  if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
  else process.stderr.write(`work dir kept: ${work}\n`);
}

if (require.main === module) {
  main().catch((e: Error) => die(e.message));
}
