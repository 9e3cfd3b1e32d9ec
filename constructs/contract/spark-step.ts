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

/**
 * The `--conf`s that run a step under a packed environment (a PEX shipped with `--files`) instead
 * of the bare EMR_PYTHON, as Spark's packaging guide describes
 * (https://spark.apache.org/docs/3.5.5/api/python/user_guide/python_packaging.html, "Using PEX"):
 * YARN localises the file into every container's working directory, and both interpreters name
 * it there. The driver one too, because in cluster mode the driver runs in a container of its own
 * and PYTHON_CONF's driver setting would otherwise win. The PEX's shebang is EMR_PYTHON, so the
 * interpreter is still the release's; it extracts itself under PEX_ROOT, set to the container's
 * directory because a container's HOME is not guaranteed to be writable.
 */
export function pythonEnvConf(envFileName: string): string[] {
  return [
    `spark.pyspark.python=./${envFileName}`,
    `spark.pyspark.driver.python=./${envFileName}`,
    "spark.yarn.appMasterEnv.PEX_ROOT=./.pex",
    "spark.executorEnv.PEX_ROOT=./.pex",
  ];
}

export type ActionOnFailure = "CONTINUE" | "CANCEL_AND_WAIT" | "TERMINATE_CLUSTER";

/** What varies between steps. */
export interface SparkStepSpec {
  /** Step name, e.g. `batch-processing:<run-id>` or `streaming-processor:<partition>`. */
  readonly name: string;
  readonly scriptUri: string;
  /** The job's helper package zip, passed as `--py-files`. @default none */
  readonly pyFilesUri?: string;
  /** A packed Python environment (`s3://.../pyenv.pex`) the job runs under. @default none: EMR_PYTHON */
  readonly pythonEnvUri?: string;
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
 * interpreter confs first (the packed environment's, else PYTHON_CONF), so a user's own
 * `--conf spark.pyspark.python=...` still wins.
 */
export function sparkSubmitArgs(spec: SparkStepSpec): string[] {
  const args = ["spark-submit", "--deploy-mode", "cluster"];
  const python = spec.pythonEnvUri
    ? pythonEnvConf(spec.pythonEnvUri.slice(spec.pythonEnvUri.lastIndexOf("/") + 1))
    : PYTHON_CONF;
  for (const c of [...python, ...(spec.conf ?? [])]) args.push("--conf", c);
  if (spec.pythonEnvUri) args.push("--files", spec.pythonEnvUri);
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
