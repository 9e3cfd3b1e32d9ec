"""moto's server, with fixes for the moto gaps that `terraform apply` of the dev stack runs into.

    .venv/bin/python scripts/emulated/moto_server.py -H 127.0.0.1 -p PORT

Arguments are moto_server's. Each fix makes moto answer the way AWS documents the call, from
moto's own state, so a resource that applies here applies for the same reason in AWS; none
accepts a request that moto would reject for a reason AWS shares. Used only by
scripts/deploy-emulated.sh; the stacks carry nothing of it.
"""

import fnmatch
import json
import sys
import threading
from datetime import datetime, timezone
from typing import Any

from botocore.utils import parse_timestamp
from moto.awslambda import urls as lambda_urls
from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaFunction
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import BaseResponse
from moto.core.utils import get_service_model
from moto.ec2.models.flow_logs import FlowLogsBackend
from moto.ec2.responses import flow_logs as flow_logs_responses
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.kinesis.responses import KinesisResponse
from moto.s3.models import FakeBucket
from moto.s3 import responses as s3_responses
from moto.s3.responses import S3Response
from moto.sqs.models import Queue
from moto.server import main

# --- Timestamps in JSON protocols -----------------------------------------------------------
# moto writes some timestamps of JSON-protocol services (Kinesis StreamCreationTimestamp, EMR
# CreationDateTime, …) as ISO-8601 strings. AWS sends epoch seconds there (the protocols'
# default). boto3 parses either; the Go SDK of terraform-provider-aws ("expected Timestamp to be
# a JSON Number") and the JavaScript SDK of submit-job ("Expected real number, got implicit NaN")
# take only numbers. Rewrite every timestamp member of the operation's output shape that is a
# string into epoch seconds.


def _epoch_timestamps(value: Any, shape: Any) -> Any:
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                value[name] = _epoch_timestamps(value[name], member)
    elif kind == "list" and isinstance(value, list):
        return [_epoch_timestamps(v, shape.member) for v in value]
    elif kind == "map" and isinstance(value, dict):
        return {k: _epoch_timestamps(v, shape.value) for k, v in value.items()}
    elif kind == "timestamp" and isinstance(value, str):
        if shape.serialization.get("timestampFormat", "unixTimestamp") == "unixTimestamp":
            when = parse_timestamp(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return round((when - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds(), 3)
    return value


_call_action = BaseResponse.call_action


def _call_action_epoch(self: BaseResponse) -> Any:
    status, headers, body = _call_action(self)
    if status >= 300 or not body:
        return status, headers, body
    try:
        model = get_service_model(self.service_name)
        if model.protocol not in ("json", "rest-json"):
            return status, headers, body
        shape = model.operation_model(self._get_action()).output_shape
        doc = json.loads(body)
    except Exception:  # not a modelled JSON answer: leave it as moto wrote it
        return status, headers, body
    return status, headers, json.dumps(_epoch_timestamps(doc, shape))


BaseResponse.call_action = _call_action_epoch

# --- Kinesis DescribeLimits -------------------------------------------------------------------
# terraform-provider-aws checks the account's stream quota at plan time; moto lacks the call.
KINESIS_SHARD_LIMIT = 500  # the default quotas AWS documents
KINESIS_ON_DEMAND_STREAM_LIMIT = 50


def _kinesis_describe_limits(self: KinesisResponse) -> str:
    streams = self.kinesis_backend.streams.values()
    open_shards = sum(1 for s in streams for sh in s.shards.values() if sh.is_open)
    on_demand = sum(1 for s in streams if s.stream_mode.get("StreamMode") == "ON_DEMAND")
    return json.dumps(
        {
            "ShardLimit": KINESIS_SHARD_LIMIT,
            "OpenShardCount": open_shards,
            "OnDemandStreamCount": on_demand,
            "OnDemandStreamCountLimit": KINESIS_ON_DEMAND_STREAM_LIMIT,
        }
    )


KinesisResponse.describe_limits = _kinesis_describe_limits

# --- S3 object requests under a bucket policy with conditions --------------------------------
# moto evaluates the bucket policy on every object request with no request context, and its
# condition code knows only StringEquals (anything else: NotImplementedError, a 500) and
# denies when an Allow's condition fails. Evaluate statements with conditions as AWS does: a
# condition key absent from the request context does not match, and the one key that the
# request context always has here is aws:SecureTransport = true (AWS endpoints are TLS; the
# emulator's plain HTTP stands for them).
REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _condition_matches(conditions: dict) -> bool:
    for operator, pairs in conditions.items():
        for key, expected in pairs.items():
            actual = REQUEST_CONTEXT.get(key.lower())
            expected = expected if isinstance(expected, list) else [expected]
            if operator == "Bool":
                ok = actual is not None and actual in [str(e).lower() for e in expected]
            elif operator == "StringEquals":
                ok = actual is not None and actual in [str(e) for e in expected]
            else:  # an operator on a key this emulator never has in its request context
                ok = False
            if not ok:
                return False
    return True


def _bucket_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    statements = json.loads(self.policy.decode())["Statement"]
    permitted = False
    for stmt in statements if isinstance(statements, list) else [statements]:
        if "Condition" in stmt:
            if not _condition_matches(stmt["Condition"]):
                continue
            stmt = {k: v for k, v in stmt.items() if k != "Condition"}
        result = IAMPolicyStatement(stmt).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


FakeBucket.get_permission = _bucket_permission

# --- S3 PutBucketLogging ----------------------------------------------------------------------
# moto looks for the log-delivery grant in the target bucket's policy, crashes on a statement
# whose Principal is the string "*" and accepts only a Resource spelled exactly
# <bucket>/<prefix>*. AWS grants by pattern: any Resource whose wildcard covers the prefix.
LOGGING_SERVICE = "logging.s3.amazonaws.com"


def _log_permissions_enabled_policy(target_bucket: FakeBucket, target_prefix: Any) -> bool:
    if not target_bucket.policy:
        return False
    statements = json.loads(target_bucket.policy.decode())["Statement"]
    key = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}x"
    for stmt in statements if isinstance(statements, list) else [statements]:
        principal = stmt.get("Principal")
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = services if isinstance(services, list) else [services]
        actions = stmt.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        resources = stmt.get("Resource", [])
        resources = resources if isinstance(resources, list) else [resources]
        if (
            LOGGING_SERVICE in services
            and stmt.get("Effect") == "Allow"
            and any(fnmatch.fnmatchcase("s3:PutObject", a) for a in actions)
            and any(fnmatch.fnmatchcase(key, r) for r in resources)
        ):
            return True
    return False


FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)

# --- EC2 CreateFlowLogs to an S3 prefix -------------------------------------------------------
# A flow log's S3 destination may be arn:aws:s3:::bucket/prefix/; moto looks the whole
# "bucket/prefix/" up as a bucket name. Check the bucket, keep the destination as given.
_create_flow_logs = FlowLogsBackend.create_flow_logs


def _create_flow_logs_prefix(self: Any, *args: Any, **kwargs: Any) -> Any:
    dest = kwargs.get("log_destination")
    if kwargs.get("log_destination_type") == "s3" and dest and "/" in dest.split(":::", 1)[-1]:
        kwargs["log_destination"] = (
            dest.split(":::", 1)[0] + ":::" + dest.split(":::", 1)[1].split("/", 1)[0]
        )
        flow_logs, errors = _create_flow_logs(self, *args, **kwargs)
        for fl in flow_logs:
            fl.log_destination = dest
        return flow_logs, errors
    return _create_flow_logs(self, *args, **kwargs)


FlowLogsBackend.create_flow_logs = _create_flow_logs_prefix

# --- S3 GetBucketLifecycleConfiguration -------------------------------------------------------
# AWS answers with the x-amz-transition-default-minimum-object-size header (its default since
# 2024 is all_storage_classes_128K); moto 5.1.4 leaves it out, and the provider then waits for the
# rules it wrote until its create timeout (fixed in later moto releases the same way).
_get_bucket_lifecycle = S3Response.get_bucket_lifecycle


def _get_bucket_lifecycle_with_size(self: S3Response) -> Any:
    result = _get_bucket_lifecycle(self)
    if isinstance(result, str):
        return (
            200,
            {"x-amz-transition-default-minimum-object-size": "all_storage_classes_128K"},
            result,
        )
    return result


S3Response.get_bucket_lifecycle = _get_bucket_lifecycle_with_size

# --- CloudWatch XML text ----------------------------------------------------------------------
# moto renders CloudWatch answers without XML escaping, so an alarm description with "<" (ours:
# "YARN memory available < 15%") makes DescribeAlarms unreadable. moto's EC2 and S3 answers
# escape; do the same here (escaping text content is what XML requires, nothing else changes).
CloudWatchResponse.should_autoescape = property(lambda self: True)

# --- Lambda CreateEventSourceMapping ----------------------------------------------------------
# The Go SDK posts to /2015-03-31/event-source-mappings, without the trailing slash of the API
# model's request URI; moto 5.1.4 routes it but finds no action for it (404). Match such a path
# as its slashed form when nothing else matches. And moto caps an SQS batch at 10, where AWS
# allows up to 10,000 on a standard queue once MaximumBatchingWindowInSeconds is at least 1
# (ours: 100 and 60 s). Later moto releases fix both.
lambda_urls.url_paths[r"{0}/(?P<api_version>[^/]+)/event-source-mappings$"] = lambda_urls.url_paths[
    r"{0}/(?P<api_version>[^/]+)/event-source-mappings/$"
]
_action_from_uri = BaseResponse._get_action_from_method_and_request_uri


def _action_from_uri_slash(self: BaseResponse, method: str, request_uri: str) -> str:
    name = _action_from_uri(self, method, request_uri)
    if name is None and not request_uri.endswith("/"):
        name = _action_from_uri(self, method, request_uri + "/")
    return name


BaseResponse._get_action_from_method_and_request_uri = _action_from_uri_slash
SQS_STANDARD_MAX_BATCH = 10_000
_esm_init = EventSourceMapping.__init__


def _esm_init_sqs_batch(self: EventSourceMapping, spec: dict) -> None:
    size = spec.get("BatchSize")
    arn = spec.get("EventSourceArn") or ""
    window = spec.get("MaximumBatchingWindowInSeconds") or 0
    if (
        arn.split(":")[2:3] == ["sqs"]
        and not arn.endswith(".fifo")
        and size is not None
        and 10 < int(size) <= SQS_STANDARD_MAX_BATCH
        and int(window) >= 1
    ):
        _esm_init(self, {**spec, "BatchSize": None})
        self._batch_size = int(size)
    else:
        _esm_init(self, spec)


EventSourceMapping.__init__ = _esm_init_sqs_batch

# --- What moto 5.1.4 accepts but does not give back ----------------------------------------------
# terraform reads every resource back after creating it; a field that AWS echoes and moto drops
# shows up as a change in the next plan. Each fix below stores the request's field and returns it
# the way AWS's API reference shows it.

# EC2 CreateFlowLogs DestinationOptions (file format, Hive partitions, hourly partitions).
_flow_log_request = threading.local()
_create_flow_logs_response = flow_logs_responses.FlowLogs.create_flow_logs


def _create_flow_logs_with_options(self: Any) -> str:
    options = {
        key: self._get_param(f"DestinationOptions.{key}")
        for key in ("FileFormat", "HiveCompatiblePartitions", "PerHourPartition")
    }
    _flow_log_request.options = {k: v for k, v in options.items() if v is not None} or None
    try:
        return _create_flow_logs_response(self)
    finally:
        _flow_log_request.options = None


flow_logs_responses.FlowLogs.create_flow_logs = _create_flow_logs_with_options
_create_flow_logs_s3 = FlowLogsBackend.create_flow_logs


def _create_flow_logs_keep_options(self: Any, *args: Any, **kwargs: Any) -> Any:
    flow_logs, errors = _create_flow_logs_s3(self, *args, **kwargs)
    for fl in flow_logs:
        fl.destination_options = getattr(_flow_log_request, "options", None)
    return flow_logs, errors


FlowLogsBackend.create_flow_logs = _create_flow_logs_keep_options
flow_logs_responses.DESCRIBE_FLOW_LOGS_RESPONSE = flow_logs_responses.DESCRIBE_FLOW_LOGS_RESPONSE.replace(
    "<flowLogId>{{ flow_log.id }}</flowLogId>",
    "{% if flow_log.destination_options %}<destinationOptions>"
    "<fileFormat>{{ flow_log.destination_options.FileFormat or 'plain-text' }}</fileFormat>"
    "<hiveCompatiblePartitions>{{ flow_log.destination_options.HiveCompatiblePartitions or 'false' }}"
    "</hiveCompatiblePartitions>"
    "<perHourPartition>{{ flow_log.destination_options.PerHourPartition or 'false' }}</perHourPartition>"
    "</destinationOptions>{% endif %}"
    "<flowLogId>{{ flow_log.id }}</flowLogId>",
)

# Lambda CreateFunction DeadLetterConfig, KMSKeyArn and LoggingConfig (AWS reports LoggingConfig
# for every function: Text format and /aws/lambda/<name> unless set).
_function_init = LambdaFunction.__init__
_function_configuration = LambdaFunction.get_configuration


def _function_init_keep(
    self: LambdaFunction, account_id: str, spec: dict, *args: Any, **kwargs: Any
) -> None:
    _function_init(self, account_id, spec, *args, **kwargs)
    self.emulated_extra = {k: spec[k] for k in ("DeadLetterConfig", "KMSKeyArn") if spec.get(k)}
    self.emulated_logging = spec.get("LoggingConfig") or {}


def _function_configuration_keep(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict:
    config = _function_configuration(self, *args, **kwargs)
    config.update(getattr(self, "emulated_extra", {}))
    logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
    logging.update(getattr(self, "emulated_logging", {}))
    config["LoggingConfig"] = logging
    return config


LambdaFunction.__init__ = _function_init_keep
LambdaFunction.get_configuration = _function_configuration_keep

# Lambda event source mappings: AWS returns EventSourceMappingArn (the provider reads the tags by
# it) and no StartingPosition for an SQS source (moto defaults it to TRIM_HORIZON, which the
# provider then plans to remove by replacing the mapping).
_esm_configuration = EventSourceMapping.get_configuration


def _esm_configuration_aws(self: EventSourceMapping) -> dict:
    config = _esm_configuration(self)
    _, _, _, region, account, _ = self.function_arn.split(":", 5)
    config["EventSourceMappingArn"] = (
        f"arn:aws:lambda:{region}:{account}:event-source-mapping:{self.uuid}"
    )
    if self.event_source_arn.split(":")[2] == "sqs":
        config.pop("StartingPosition", None)
    return config


EventSourceMapping.get_configuration = _esm_configuration_aws
_lambda_list_tags = LambdaBackend.list_tags


def _lambda_list_tags_esm(self: LambdaBackend, resource: str) -> dict:
    if ":event-source-mapping:" in resource:
        esm = self._event_source_mappings.get(resource.rsplit(":", 1)[-1])
        return dict((esm.tags or {}) if esm else {})
    return _lambda_list_tags(self, resource)


LambdaBackend.list_tags = _lambda_list_tags_esm

# Kinesis CreateStream Tags.
_kinesis_create_stream = KinesisResponse.create_stream


def _kinesis_create_stream_tags(self: KinesisResponse) -> str:
    result = _kinesis_create_stream(self)
    tags = self._get_param("Tags")
    if tags:
        self.kinesis_backend.add_tags_to_stream(None, self._get_param("StreamName"), tags)
    return result


KinesisResponse.create_stream = _kinesis_create_stream_tags

# S3 GetBucketNotificationConfiguration: moto stores EventBridgeConfiguration but leaves it out.
s3_responses.S3_GET_BUCKET_NOTIFICATION_CONFIG = s3_responses.S3_GET_BUCKET_NOTIFICATION_CONFIG.replace(
    "</NotificationConfiguration>",
    "{% if config.event_bridge is not none %}<EventBridgeConfiguration/>{% endif %}</NotificationConfiguration>",
)

# SQS GetQueueAttributes RedrivePolicy: AWS returns the JSON compact; moto adds spaces.
_queue_attributes = Queue.attributes.fget


def _queue_attributes_compact(self: Queue) -> dict:
    result = _queue_attributes(self)
    if self.redrive_policy and "RedrivePolicy" in result:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
    return result


Queue.attributes = property(_queue_attributes_compact)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
