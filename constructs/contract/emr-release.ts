/**
 * The EMR release the product runs on (constructs/contract/emr-release.json, which the Makefile
 * and the Python side read too), typed. `EMR_PYTHON` is the interpreter every job runs under on
 * the cluster: the steps (spark-step.ts) and the cluster's spark-env (SparkCluster) name it.
 */
import RELEASE from "./emr-release.json";

export interface EmrRelease {
  /** e.g. `emr-7.9.0`. */
  readonly releaseLabel: string;
  /** The EMR release guide page these facts come from. */
  readonly source: string;
  readonly os: string;
  /** Spark version of the release: requirements.txt pins the same pyspark. */
  readonly spark: string;
  /** Java major version of the release's default JVM. */
  readonly java: number;
  /** The Python the jobs run under: an absolute path and its `major.minor`. */
  readonly python: { readonly path: string; readonly version: string };
}

export const EMR_RELEASE: EmrRelease = RELEASE;

/** Absolute path of the Python that runs the jobs on the cluster. */
export const EMR_PYTHON: string = EMR_RELEASE.python.path;
