import { readFileSync } from "node:fs";
import { DOC, withTables } from "../scripts/parity-tables";

describe("docs/production-parity.md", () => {
  it("shows the EMR release and Lambda runtime tables the code uses (regenerate: node --import tsx scripts/parity-tables.ts --write)", () => {
    const page = readFileSync(DOC, "utf8");
    expect(page).toBe(withTables(page));
  });
});
