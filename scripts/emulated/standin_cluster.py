"""Creates the stand-in EMR cluster in the emulator and prints its id.

    .venv/bin/python scripts/emulated/standin_cluster.py ENDPOINT REGION NAME

terraform cannot create the stack's aws_emr_cluster in moto (see exclusions.json), so the
resources that name the cluster (alarms, event rules, the trigger Lambda's environment and
policy, the task instance group) get this cluster's id and ARN instead, and `submit-job` has a
cluster to add its step to. Credentials are moto's dummies; nothing leaves 127.0.0.1.
"""

import sys

import boto3


def main(endpoint: str, region: str, name: str) -> str:
    emr = boto3.client(
        "emr",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    cluster = emr.run_job_flow(
        Name=name,
        ReleaseLabel="emr-7.9.0",
        Applications=[{"Name": "Spark"}, {"Name": "Hadoop"}],
        Instances={
            "InstanceGroups": [
                {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            ],
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )
    return cluster["JobFlowId"]


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: standin_cluster.py ENDPOINT REGION NAME")
    print(main(*sys.argv[1:]))
