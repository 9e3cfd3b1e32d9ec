import { Construct } from "constructs";
import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktf/provider-aws/lib/glue-catalog-table";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { EVENT_FIELD_COMMENTS, EVENT_FIELDS, SCHEMA_VERSION } from "./contract/event-schema";
import { DataLake } from "./data-lake";
import { LAKE_PREFIXES, PARTITION_KEYS } from "./contract/lake";
import { partitionOf } from "./defaults";
import { jsonDocument } from "./json-document";

/** Read-only Glue actions a reader of the events table needs (no wildcards). */
export const GLUE_READ_ACTIONS: readonly string[] = [
  "glue:GetDatabase",
  "glue:GetDatabases",
  "glue:GetTable",
  "glue:GetTables",
  "glue:GetTableVersion",
  "glue:GetTableVersions",
  "glue:GetPartition",
  "glue:GetPartitions",
  "glue:BatchGetPartition",
];

/** Partition maintenance (EMR/Spark writing Hive partitions through the Glue metastore). */
export const GLUE_WRITE_ACTIONS: readonly string[] = [
  "glue:CreateTable",
  "glue:UpdateTable",
  "glue:CreatePartition",
  "glue:BatchCreatePartition",
  "glue:UpdatePartition",
  "glue:DeletePartition",
  "glue:BatchDeletePartition",
];

export interface GlueCatalogProps {
  readonly accountId: string;
  readonly region: string;
  readonly lake: DataLake;
  /** Glue database name (lowercase, digits, underscores). */
  readonly databaseName: string;
  /** @default "events" */
  readonly tableName?: string;
}

/**
 * Glue database + the `events` table holding event schema v1 over `streaming-data/` (Parquet,
 * Hive partitions year/month/day/hour as zero-padded strings). Columns come from
 * constructs/contract/event-schema.ts — Firehose's Parquet conversion reads its schema from here.
 */
export class GlueCatalog extends Construct {
  public readonly database: GlueCatalogDatabase;
  public readonly table: GlueCatalogTable;
  public readonly databaseArn: string;
  public readonly tableArn: string;
  public readonly catalogArn: string;
  private readonly grants = new Set<string>();

  constructor(scope: Construct, id: string, props: GlueCatalogProps) {
    super(scope, id);
    // validate
    if (!/^[a-z0-9_]{1,255}$/.test(props.databaseName)) {
      throw new Error(
        `GlueCatalog: databaseName must be lowercase letters, digits and underscores, got "${props.databaseName}"`,
      );
    }
    const tableName = props.tableName ?? "events";
    if (!/^[a-z0-9_]{1,255}$/.test(tableName)) {
      throw new Error(
        `GlueCatalog: tableName must be lowercase letters, digits and underscores, got "${tableName}"`,
      );
    }
    // defaults
    const partition = partitionOf(props.region);
    const base = `arn:${partition}:glue:${props.region}:${props.accountId}`;
    this.catalogArn = `${base}:catalog`;
    this.databaseArn = `${base}:database/${props.databaseName}`;
    this.tableArn = `${base}:table/${props.databaseName}/${tableName}`;

    // resources
    this.database = new GlueCatalogDatabase(this, "database", {
      name: props.databaseName,
      description: "Event pipeline lake (event schema v1)",
      locationUri: props.lake.uri(),
    });
    this.table = new GlueCatalogTable(this, "events", {
      name: tableName,
      databaseName: this.database.name,
      tableType: "EXTERNAL_TABLE",
      description: `Event schema v${SCHEMA_VERSION} landed by Firehose`,
      parameters: {
        classification: "parquet",
        EXTERNAL: "TRUE",
        "parquet.compression": "SNAPPY",
        schema_version: String(SCHEMA_VERSION),
      },
      partitionKeys: PARTITION_KEYS.map((name) => ({ name, type: "string", comment: `partition ${name}` })),
      storageDescriptor: {
        location: props.lake.uri(LAKE_PREFIXES.streamingData),
        inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        serDeInfo: {
          name: "parquet",
          serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
          parameters: { "serialization.format": "1" },
        },
        columns: EVENT_FIELDS.map((f) => ({
          name: f.name,
          type: f.type,
          comment: EVENT_FIELD_COMMENTS[f.name],
        })),
      },
    });
  }

  /** Lets `role` read the database/table metadata and partitions. */
  public grantRead(role: IamRole): IamRolePolicy {
    return this.grant("read", role, GLUE_READ_ACTIONS);
  }

  /** Lets `role` read and maintain tables/partitions in this database (Spark on EMR). */
  public grantReadWrite(role: IamRole): IamRolePolicy {
    return this.grant("readwrite", role, [...GLUE_READ_ACTIONS, ...GLUE_WRITE_ACTIONS]);
  }

  private grant(mode: string, role: IamRole, actions: readonly string[]): IamRolePolicy {
    const id = `${mode}-${role.node.id}`;
    if (this.grants.has(id)) throw new Error(`GlueCatalog: ${mode} granted twice to role ${role.node.id}`);
    this.grants.add(id);
    const tablesArn = this.tableArn.replace(/[^/]+$/, "*");
    return new IamRolePolicy(this, `grant-${id}`, {
      name: `glue-${id}`.slice(0, 128),
      role: role.name,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GlueCatalog",
            Effect: "Allow",
            Action: actions,
            // Glue authorises table calls against catalog + database + table ARNs together.
            Resource: [this.catalogArn, this.databaseArn, mode === "read" ? this.tableArn : tablesArn],
          },
        ],
      }),
    });
  }
}
