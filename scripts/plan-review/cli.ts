/**
 * plan-review — explains a saved Terraform plan's risk: what it would lose, what it weakens, what
 * it costs. This entry parses arguments, does the I/O and is the only place that sets the exit
 * code: 0 nothing to report · 2 warnings only · 3 an unacknowledged block · 1 usage or input error.
 */
import yargs from "yargs/yargs";
import { analyze } from "./analyze";
import {
  checkSameEnvironment,
  InputError,
  readAcknowledgements,
  readCheckov,
  readPlan,
  readSynth,
} from "./io";
import { Format, render } from "./render";

class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE_EXIT = 1;

/** --help's examples and exit codes: every line fits 80 columns, so none wraps. */
const EPILOGUE = [
  "Examples:",
  "  # a PR comment from a saved plan and this change's synth",
  "  $0 plan.json --synth cdktf.out/stacks/pipeline-dev --format markdown",
  "  # with the base branch's synth: prevent_destroy removed, cost delta",
  "  $0 plan.json --synth cdktf.out/stacks/pipeline-dev \\",
  "      --base-synth base/stacks/pipeline-dev",
  "",
  "Exit codes: 0 nothing to report · 2 warnings only · 3 an unacknowledged block",
  "            1 a usage or input error",
].join("\n");

/** yargs' messages as one line: some span several ("Invalid values:\n  Argument: ..."). */
function oneLine(msg: string): string {
  if (/^Not enough non-option arguments/.test(msg))
    return "name the plan: plan-review PLAN_JSON [options] (`terraform show -json PLANFILE` output; --help)";
  const choice = /Argument: ([\w-]+), Given: ("[^"]*"), Choices: (.*)$/m.exec(msg);
  if (choice) return `--${choice[1]} must be one of ${choice[3].trim()}, got ${choice[2]}`;
  return msg.replace(/\s*\n\s*/g, " ").trim();
}

/** The options plan-review takes: what yargs registers, and all the unknown-flag check accepts. */
const OPTIONS = {
  synth: { type: "string", describe: "the synthesised stack of this change (dir with cdk.tf.json)" },
  "base-synth": { type: "string", describe: "the synthesised stack before the change (e.g. main's)" },
  format: {
    choices: ["markdown", "json", "text"] as const,
    default: "text" as Format,
    describe: "markdown for a PR comment, json for tools, text for a terminal",
  },
  ack: { type: "string", describe: "acknowledgements file (JSON: address, kind, reason)" },
  checkov: { type: "string", describe: "checkov's JSON report (-o json) on this change's synth" },
  "base-checkov": {
    type: "string",
    describe: "checkov's JSON report on the base: report only new failures",
  },
  drift: {
    type: "boolean",
    default: false,
    describe: "classify resource_drift of a `terraform plan -refresh-only` saved plan",
  },
} as const;

/** The options that take a value: all but the boolean --drift. */
const VALUED = Object.entries(OPTIONS)
  .filter(([, o]) => !("type" in o && o.type === "boolean"))
  .map(([name]) => name);

export function run(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  try {
    // Named first: an unknown flag would otherwise take the plan's path as its value, and the
    // message would be about the missing plan.
    // Options end at `--`; yargs also takes their camelCase spelling (--baseSynth).
    const flags = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    const kebab = (n: string) => n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const known = new Set([...Object.keys(OPTIONS), "help"]);
    const unknown = flags.find(
      (a) => a.startsWith("--") && !known.has(kebab(a.slice(2).split("=")[0]).replace(/^no-/, "")),
    );
    if (unknown) throw new UsageError(`unknown option ${unknown.split("=")[0]} (see --help)`);
    const args = yargs(argv)
      .scriptName("plan-review")
      .usage("$0 PLAN_JSON [options]\n\nPLAN_JSON is `terraform show -json PLANFILE` output.")
      .command("$0 <plan>", false, (y) =>
        y.positional("plan", { type: "string", describe: "saved plan's JSON" }),
      )
      .options(OPTIONS)
      .epilogue(EPILOGUE)
      .strict()
      .help()
      .version(false)
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .exitProcess(false)
      .fail((msg, e) => {
        throw new UsageError(oneLine(msg || (e ? e.message : "bad arguments")));
      })
      .parseSync();
    if (args.help) return 0;
    // A flag given with no value (an unset variable in a CI script: `--base-synth "$BASE"`) must
    // not quietly turn its check off.
    for (const flag of VALUED) {
      argv.forEach((a, i) => {
        const value =
          a === `--${flag}` ? argv[i + 1] : a.startsWith(`--${flag}=`) ? a.slice(flag.length + 3) : null;
        if (value !== null && (value === undefined || value.trim() === "" || value.startsWith("--")))
          throw new UsageError(`--${flag} needs a value`);
      });
    }
    const driftValue = argv.find((a) => a.startsWith("--drift="))?.slice("--drift=".length);
    if (driftValue !== undefined && !["true", "false"].includes(driftValue))
      throw new UsageError(`--drift takes no value (or true/false), got "${driftValue}"`);
    if (args.baseCheckov && !args.checkov) throw new UsageError("--base-checkov needs --checkov");
    const plan = readPlan(String(args.plan));
    const head = args.synth ? readSynth(args.synth, "--synth") : undefined;
    const base = args.baseSynth ? readSynth(args.baseSynth, "--base-synth") : undefined;
    if (head) checkSameEnvironment(plan, head, "--synth");
    if (base) checkSameEnvironment(plan, base, "--base-synth");
    const report = analyze({
      plan,
      head,
      base,
      drift: args.drift,
      acknowledgements: args.ack ? readAcknowledgements(args.ack) : [],
      ...(args.checkov
        ? {
            checkov: {
              head: readCheckov(args.checkov, "--checkov"),
              ...(args.baseCheckov ? { base: readCheckov(args.baseCheckov, "--base-checkov") } : {}),
            },
          }
        : {}),
    });
    out(render(report, args.format as Format));
    return report.exitCode;
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      err(`plan-review: ${e.message.split("\n")[0]}\n`);
      return USAGE_EXIT;
    }
    err(`plan-review: internal error: ${(e as Error).message ?? String(e)}\n`);
    return USAGE_EXIT;
  }
}
