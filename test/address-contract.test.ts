/**
 * Resource addresses are a contract with every deployed state: an address that changes or goes
 * away is a delete + create on the next apply (for the lake bucket: its data). The committed
 * snapshot (test/fixtures/addresses/<stack>.json) lists every address per stack; this test fails
 * when one disappears unless the same change adds the `moved` block (cdktf: moveFromId/moveToId)
 * that carries its state to the new address, and when an address appears that the snapshot does
 * not list (so the snapshot stays complete).
 *
 * After an intended change: UPDATE_ADDRESSES=1 npx jest test/address-contract.test.ts
 */
import { Testing } from "cdktf";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PipelineStack } from "../constructs/pipeline-stack";
import { ENVIRONMENTS } from "../main";

const SNAPSHOTS = join(__dirname, "fixtures", "addresses");

interface StackTf {
  resource?: Record<string, Record<string, unknown>>;
  moved?: { from: string; to: string }[];
}

/** address → construct path below the stack (cdktf's logical id spells it: `<path by _>_<MD5[:8]>`). */
export function addressesOf(tf: StackTf): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [type, byName] of Object.entries(tf.resource ?? {}))
    for (const name of Object.keys(byName))
      out[`${type}.${name}`] = name
        .replace(/_[0-9A-F]{8}$/, "")
        .split("_")
        .join("/");
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** What breaks the contract: addresses gone without a moved block, and ones the snapshot lacks. */
export function contractViolations(snapshot: Record<string, string>, tf: StackTf): string[] {
  const now = addressesOf(tf);
  const moved = new Map((tf.moved ?? []).map((m) => [m.from, m.to]));
  const movedTo = new Set(moved.values());
  const problems: string[] = [];
  for (const address of Object.keys(snapshot)) {
    if (address in now) continue;
    const to = moved.get(address);
    if (to && to in now) continue;
    problems.push(
      `${address} (${snapshot[address]}) is gone: the next apply deletes it; add moveFromId("${address}") on its new resource, or update the snapshot if the delete is intended`,
    );
  }
  for (const address of Object.keys(now))
    if (!(address in snapshot) && !movedTo.has(address))
      problems.push(`${address} (${now[address]}) is new: update the snapshot (UPDATE_ADDRESSES=1)`);
  return problems;
}

function synth(envName: string): StackTf {
  const config = ENVIRONMENTS.find((e) => e.envName === envName)!;
  const stack = new PipelineStack(Testing.app(), `pipeline-${envName}`, config);
  return JSON.parse(Testing.synth(stack)) as StackTf;
}

describe.each(["dev", "prod"])("pipeline-%s addresses", (envName) => {
  const file = join(SNAPSHOTS, `pipeline-${envName}.json`);
  const tf = synth(envName);

  if (process.env.UPDATE_ADDRESSES === "1") {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, `${JSON.stringify(addressesOf(tf), null, 2)}\n`);
  }

  test("match the committed snapshot (or move with a moved block)", () => {
    expect(existsSync(file)).toBe(true);
    const snapshot = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    expect(contractViolations(snapshot, tf)).toEqual([]);
  });
});

describe("the check itself", () => {
  const before: StackTf = { resource: { aws_s3_bucket: { "lake_log-bucket_B880C446": {} } } };
  const snapshot = addressesOf(before);
  const renamed = { resource: { aws_s3_bucket: { "lake_access-log-bucket_9D3DDAE2": {} } } };

  test("a rename without a moved block fails, naming the fix", () => {
    const problems = contractViolations(snapshot, renamed);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('moveFromId("aws_s3_bucket.lake_log-bucket_B880C446")');
  });

  test("the same rename with the moved block passes", () => {
    const moved = {
      ...renamed,
      moved: [
        {
          from: "aws_s3_bucket.lake_log-bucket_B880C446",
          to: "aws_s3_bucket.lake_access-log-bucket_9D3DDAE2",
        },
      ],
    };
    expect(contractViolations(snapshot, moved)).toEqual([]);
  });

  test("a moved block to an address that does not exist does not count", () => {
    const wrong = {
      ...renamed,
      moved: [{ from: "aws_s3_bucket.lake_log-bucket_B880C446", to: "aws_s3_bucket.typo_00000000" }],
    };
    expect(contractViolations(snapshot, wrong).length).toBeGreaterThan(0);
  });
});
