/** The bundled entry of the plan-review bin: runs the CLI on the process's arguments. */
import { run } from "./cli";

// A reader that stops early (`| head`) closes stdout: the rest of the report is dropped, as other
// command-line tools do, never an unhandled EPIPE with a stack trace; the exit code stands.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
  });

process.exitCode = run(
  process.argv.slice(2),
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
);
