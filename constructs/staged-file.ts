import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Writes bytes built at synth time (a Lambda package, a helper zip) to a content-addressed temp
 * path, `<tmp>/cdktf-stage-<sha256:16>/<fileName>`, for a FILE `TerraformAsset` to copy into the
 * stack directory. Written once per content: the same bytes always give the same path.
 */
export function stageFile(fileName: string, data: Buffer): { path: string; sha256: Buffer } {
  const sha256 = createHash("sha256").update(data).digest();
  const dir = join(tmpdir(), `cdktf-stage-${sha256.toString("hex").slice(0, 16)}`);
  const path = join(dir, fileName);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, data);
  }
  return { path, sha256 };
}
