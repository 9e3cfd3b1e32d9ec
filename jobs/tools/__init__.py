"""Local tools around the Spark jobs (not shipped to EMR): the lake-row generator, the demo's
Parquet landing and the results check. Each runs as ``.venv/bin/python jobs/tools/<tool>.py``."""
