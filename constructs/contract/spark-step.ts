/**
 * The one EMR step both the emr-trigger Lambda and submit-job add: `spark-submit` in cluster
 * deploy mode through command-runner.jar
 * (https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-commandrunner.html).
 */
import { EMR_PYTHON } from "./emr-release";

/**
 * The `--conf`s that make a step run under the release's Python (EMR_PYTHON) on any cluster, ours
 * or a user's `--cluster-id` one, whatever its spark-env says. `/usr/bin/python3` on EMR 7 is 3.9,
 * which cannot import the jobs. Spark's precedence (https://spark.apache.org/docs/3.5.5/configuration.html,
 * "spark.pyspark.python", "spark.pyspark.driver.python"; PythonRunner): the driver — in cluster
 * mode inside the YARN application master — runs spark.pyspark.driver.python, else
 * spark.pyspark.python, and only then the PYSPARK_DRIVER_PYTHON / PYSPARK_PYTHON environment;
 * the driver passes spark.pyspark.python on as the executors' Python. So these two confs are the
 * whole set: the driver one because a cluster's spark-defaults could set it and would win over
 * spark.pyspark.python alone; spark.yarn.appMasterEnv.PYSPARK_PYTHON / spark.executorEnv.PYSPARK_PYTHON
 * would add nothing, since the environment is read only when these confs are unset.
 */
export const PYTHON_CONF: readonly string[] = [
  `spark.pyspark.python=${EMR_PYTHON}`,
  `spark.pyspark.driver.python=${EMR_PYTHON}`,
];

export type ActionOnFailure = "CONTINUE" | "CANCEL_AND_WAIT" | "TERMINATE_CLUSTER";

/** What varies between steps. */
export interface SparkStepSpec {
  /** Step name, e.g. `batch-processing:<run-id>` or `streaming-processor:<partition>`. */
  readonly name: string;
  readonly scriptUri: string;
  /** The job's helper package zip, passed as `--py-files`. @default none */
  readonly pyFilesUri?: string;
  /** Extra Spark conf `k=v`, in order, after PYTHON_CONF (spark-submit keeps the last of a key). @default none */
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

/**
 * The spark-submit argument vector (an array, never a shell string; empty args dropped): the
 * interpreter confs first, so a user's own `--conf spark.pyspark.python=...` still wins.
 */
export function sparkSubmitArgs(spec: SparkStepSpec): string[] {
  const args = ["spark-submit", "--deploy-mode", "cluster"];
  for (const c of [...PYTHON_CONF, ...(spec.conf ?? [])]) args.push("--conf", c);
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
