// Preloaded with `node --require` by bench/10-synth.sh: on exit, appends this process's peak RSS
// (process.resourceUsage().maxRSS, KiB) to the file named by BENCH_USAGE_FILE. Portable stand-in
// for `/usr/bin/time -v`, and it measures exactly the node process under test.
const { appendFileSync } = require("node:fs");
process.on("exit", () => {
  if (process.env.BENCH_USAGE_FILE) {
    appendFileSync(process.env.BENCH_USAGE_FILE, `${process.resourceUsage().maxRSS}\n`);
  }
});
