/** The bundled entry of the plan-review bin: runs the CLI on the process's arguments. */
import { dropOutputWhenReaderLeaves } from "../lib/cli-output";
import { run } from "./cli";

dropOutputWhenReaderLeaves();

process.exitCode = run(
  process.argv.slice(2),
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
);
