// Synthesises both environment stacks (the same App main.ts builds) into the given directory.
import { buildApp } from "../main";

const outdir = process.argv[2];
if (!outdir) {
  process.stderr.write("usage: node --import tsx bench/synth-once.ts <outdir>\n");
  process.exit(2);
}
buildApp(outdir).synth();
