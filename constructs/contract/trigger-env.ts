/**
 * The emr-trigger contract: JobTrigger deploys the job and sets these variables, the handler
 * reads them and adds one step per hour partition.
 */

/** The job the trigger runs (`jobs/streaming_processor.py`); also its output folder name. */
export const STREAMING_JOB = "streaming-processor";

/** Environment variables of the emr-trigger Lambda. */
export const TRIGGER_ENV = {
  /** The EMR cluster the steps are added to. */
  clusterId: "EMR_CLUSTER_ID",
  /** s3:// URI of the streaming processor script. */
  scriptUri: "STREAMING_SCRIPT_URI",
  /** s3:// URI of its helper package zip (`--py-files`); unset when it imports none. */
  pyFilesUri: "STREAMING_PY_FILES_URI",
  /** s3:// URI of its packed Python environment (a PEX); unset when it has no requirements. */
  pythonEnvUri: "STREAMING_PYTHON_ENV_URI",
  /** s3:// URI of `streaming-data/` (ends with "/"). */
  rawEventsUri: "RAW_EVENTS_URI",
  /** s3:// URI of `processed-data/` (ends with "/"). */
  processedUri: "PROCESSED_URI",
} as const;
