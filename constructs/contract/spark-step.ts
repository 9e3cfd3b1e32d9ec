/**
 * The one EMR step both the emr-trigger Lambda and submit-job add: `spark-submit` in cluster
 * deploy mode through command-runner.jar
 * (https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-commandrunner.html).
 */

export type ActionOnFailure = "CONTINUE" | "CANCEL_AND_WAIT" | "TERMINATE_CLUSTER";

/** What varies between steps. */
export interface SparkStepSpec {
  /** Step name, e.g. `batch-processing:<run-id>` or `streaming-processor:<partition>`. */
  readonly name: string;
  readonly scriptUri: string;
  /** The job's helper package zip, passed as `--py-files`. @default none */
  readonly pyFilesUri?: string;
  /** Extra Spark conf `k=v`, in order. @default none */
  readonly conf?: readonly string[];
  /** The job's own arguments (`--input`, `--output`, ...). */
  readonly jobArgs: readonly string[];
  /**
   * CONTINUE: a failed job must never take the shared cluster down with it.
   * @default "CONTINUE"
   */
  readonly actionOnFailure?: ActionOnFailure;
}

/** One StepConfig of an AddJobFlowSteps request. */
export interface SparkStep {
  Name: string;
  ActionOnFailure: ActionOnFailure;
  HadoopJarStep: { Jar: string; Args: string[] };
}

/** The spark-submit argument vector (an array, never a shell string; empty args dropped). */
export function sparkSubmitArgs(spec: SparkStepSpec): string[] {
  const args = ["spark-submit", "--deploy-mode", "cluster"];
  for (const c of spec.conf ?? []) args.push("--conf", c);
  if (spec.pyFilesUri) args.push("--py-files", spec.pyFilesUri);
  args.push(spec.scriptUri, ...spec.jobArgs);
  return args.filter((a) => a !== "");
}

/** The StepConfig for one spark-submit run. */
export function sparkStep(spec: SparkStepSpec): SparkStep {
  return {
    Name: spec.name,
    ActionOnFailure: spec.actionOnFailure ?? "CONTINUE",
    HadoopJarStep: { Jar: "command-runner.jar", Args: sparkSubmitArgs(spec) },
  };
}
