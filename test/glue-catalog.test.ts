import { GlueCatalog, GLUE_READ_ACTIONS } from "../constructs/glue-catalog";
import { EVENT_FIELD_COMMENTS, EVENT_FIELDS } from "../constructs/contract/event-schema";
import { PARTITION_KEYS } from "../constructs/contract/lake";
import { ACCOUNT, REGION, devLake, only, role, synth } from "./support/infra";

const BUCKET = `bdp-dev-lake-${ACCOUNT}-${REGION}`;

function catalog(extra: { databaseName?: string; tableName?: string } = {}, grant?: "read" | "readwrite") {
  return synth((s) => {
    const lake = devLake(s);
    const c = new GlueCatalog(s, "catalog", {
      accountId: ACCOUNT,
      region: REGION,
      lake,
      databaseName: extra.databaseName ?? "bdp_dev_lake",
      tableName: extra.tableName,
    });
    if (grant === "read") c.grantRead(role(s));
    if (grant === "readwrite") c.grantReadWrite(role(s));
  }).tf;
}

describe("GlueCatalog defaults", () => {
  const tf = catalog();
  const table = only(tf, "aws_glue_catalog_table");
  const sd = table.storage_descriptor as Record<string, unknown>;

  it("creates the database located at the lake root", () => {
    expect(only(tf, "aws_glue_catalog_database")).toMatchObject({
      name: "bdp_dev_lake",
      location_uri: `s3://${BUCKET}/`,
    });
  });

  it("creates the events table over streaming-data/ as Parquet", () => {
    expect(table.name).toBe("events");
    expect(table.table_type).toBe("EXTERNAL_TABLE");
    expect(sd.location).toBe(`s3://${BUCKET}/streaming-data/`);
    expect(sd.input_format).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat");
    expect(sd.output_format).toBe("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat");
    expect((sd.ser_de_info as Record<string, unknown>).serialization_library).toBe(
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    );
  });

  it("holds exactly event schema v1's columns, in order, with their Glue types", () => {
    const cols = (sd.columns as { name: string; type: string }[]).map((c) => `${c.name}:${c.type}`);
    // Written out independently of EVENT_FIELDS so a change to the schema module must be deliberate.
    expect(cols).toEqual([
      "event_id:string",
      "timestamp:timestamp",
      "log_type:string",
      "event_type:string",
      "user_id:string",
      "session_id:string",
      "category:string",
      "value:double",
      "ip_address:string",
      "method:string",
      "path:string",
      "status_code:int",
      "response_size:bigint",
      "user_agent:string",
      "referer:string",
      "level:string",
      "logger:string",
      "message:string",
      "request_id:string",
      "device_id:string",
      "device_type:string",
      "unit:string",
      "status_category:string",
      "processed_at:timestamp",
      "schema_version:int",
      "extra:string",
    ]);
    expect(cols).toHaveLength(EVENT_FIELDS.length);
  });

  it("comments every column, and nothing else", () => {
    const comments = (
      table.storage_descriptor as { columns: { name: string; comment?: string }[] }
    ).columns.map((c) => [c.name, (c.comment ?? "").length > 0]);
    expect(comments).toEqual(EVENT_FIELDS.map((f) => [f.name, true]));
    expect(Object.keys(EVENT_FIELD_COMMENTS).sort()).toEqual(EVENT_FIELDS.map((f) => f.name).sort());
  });

  it("is partitioned by year/month/day/hour as strings", () => {
    expect((table.partition_keys as { name: string; type: string }[]).map((k) => [k.name, k.type])).toEqual([
      ["year", "string"],
      ["month", "string"],
      ["day", "string"],
      ["hour", "string"],
    ]);
    expect([...PARTITION_KEYS]).toEqual(["year", "month", "day", "hour"]);
  });
});

describe("GlueCatalog grants", () => {
  it("grantRead allows the read actions on catalog, database and the events table only", () => {
    const st = JSON.parse(only(catalog({}, "read"), "aws_iam_role_policy").policy as string).Statement[0];
    expect(st.Action).toEqual(
      expect.arrayContaining(["glue:GetTable", "glue:GetTables", "glue:GetDatabase"]),
    );
    expect(st.Action).toEqual(expect.arrayContaining(["glue:GetTableVersion", "glue:GetTableVersions"]));
    expect(st.Action).toEqual([...GLUE_READ_ACTIONS]);
    expect(st.Resource).toEqual([
      `arn:aws:glue:${REGION}:${ACCOUNT}:catalog`,
      `arn:aws:glue:${REGION}:${ACCOUNT}:database/bdp_dev_lake`,
      `arn:aws:glue:${REGION}:${ACCOUNT}:table/bdp_dev_lake/events`,
    ]);
  });

  it("grantReadWrite adds partition maintenance on the database's tables, never glue:*", () => {
    const st = JSON.parse(only(catalog({}, "readwrite"), "aws_iam_role_policy").policy as string)
      .Statement[0];
    expect(st.Action).toEqual(expect.arrayContaining(["glue:BatchCreatePartition", "glue:UpdateTable"]));
    expect(st.Action.some((a: string) => a.includes("*"))).toBe(false);
    expect(st.Resource[2]).toBe(`arn:aws:glue:${REGION}:${ACCOUNT}:table/bdp_dev_lake/*`);
  });
});

describe("GlueCatalog overrides and failures", () => {
  it("uses a custom table name", () => {
    expect(only(catalog({ tableName: "events_v1" }), "aws_glue_catalog_table").name).toBe("events_v1");
  });
  it("fails on an invalid database name", () => {
    expect(() => catalog({ databaseName: "Bad-Name" })).toThrow(
      'GlueCatalog: databaseName must be lowercase letters, digits and underscores, got "Bad-Name"',
    );
  });
  it("fails on an invalid table name", () => {
    expect(() => catalog({ tableName: "ev ents" })).toThrow(
      'tableName must be lowercase letters, digits and underscores, got "ev ents"',
    );
  });
});
