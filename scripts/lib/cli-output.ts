/**
 * For the command-line entries: a reader that stops early (`| head`) closes stdout; what is left
 * to print is then dropped, as other command-line tools do, instead of an unhandled EPIPE with
 * a stack trace. The process's work and its exit code are unaffected.
 */
export function dropOutputWhenReaderLeaves(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
    });
}
