/**
 * Checks that a saved plan's JSON (`terraform show -json plan`) declares exactly the stack
 * outputs of the contract (constructs/contract/outputs.ts), no more and no fewer.
 *
 *   node --import tsx scripts/check-plan-outputs.ts plan.json
 */
import { readFileSync } from "node:fs";
import { STACK_OUTPUTS } from "../constructs/contract/outputs";

const file = process.argv[2];
if (!file) {
  console.error("usage: check-plan-outputs.ts <plan.json>");
  process.exit(2);
}
const plan = JSON.parse(readFileSync(file, "utf8")) as { planned_values?: { outputs?: object } };
const declared = new Set(Object.keys(plan.planned_values?.outputs ?? {}));
const missing = STACK_OUTPUTS.filter((o) => !declared.has(o));
const extra = [...declared].filter((o) => !(STACK_OUTPUTS as readonly string[]).includes(o));
if (missing.length || extra.length) {
  console.error(
    `plan outputs differ from the contract: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}]`,
  );
  process.exit(1);
}
