"""The places where moto would hand work to Lambda, routed to the course runtime.

moto without Docker never runs a function: ``invoke`` echoes the payload, and the
services that trigger Lambda either "succeed" without running anything or, for an
SQS queue with an event source mapping, lose the messages. While the course
runtime is installed these moto methods are replaced (and restored by
:func:`uninstall`, which ``course.sandbox`` calls when it stops or restarts):

==============================================  ===========================================
moto method                                     with the course runtime
==============================================  ===========================================
``LambdaSimpleBackend.invoke``                  runs the handler (or queues it: Event)
``LambdaBackend.create_event_source_mapping``   keeps the mapping, unhooks moto's
                                                at-send-time delivery (SQS, Kinesis,
                                                DynamoDB) and starts the runtime's poller
``LambdaBackend.create_function``               also keeps ``DeadLetterConfig``
``s3.notifications._invoke_awslambda``          queues an asynchronous invocation
``sns.models.Subscription.publish`` (lambda)    queues an asynchronous invocation
``events.models.Rule.send_to_targets``          Lambda targets: queued asynchronous
                                                invocation (moto raises for them)
``LambdaFunction._invoke_lambda``               any other moto path: asynchronous
==============================================  ===========================================

::

    hooks.install(lambda: runtime)     # runtime: a LambdaRuntime
    hooks.installed()                  # True
    hooks.uninstall()                  # moto as it was
"""

from __future__ import annotations

import json
from typing import Callable

from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.exceptions import JsonRESTError
from moto.events import models as events_models
from moto.s3 import notifications as s3_notifications
from moto.sns import models as sns_models

from course.runtime.lambdas import events

__all__ = ["TooManyRequests", "install", "installed", "uninstall"]

_originals: dict[tuple[object, str], object] = {}
_current: Callable | None = None


class TooManyRequests(JsonRESTError):
    """Lambda's throttling error: HTTP 429, TooManyRequestsException, with its Reason."""

    code = 429

    def __init__(self, reason: str):
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = ('{"__type": "TooManyRequestsException", "message": "Rate Exceeded.", '
                            f'"Reason": "{reason}", "Type": "User"}}')


def _invoke(self, function_name, qualifier, body, headers, response_headers):
    return _current().invoke_api(self.region_name, function_name, qualifier, body,
                                 headers or {}, response_headers)


def _create_event_source_mapping(self, spec):
    esm = _originals[(LambdaBackend, "create_event_source_mapping")](self, spec)
    _detach_from_source(esm, self.account_id, self.region_name)
    _current().mapping_created(esm)
    return esm


def _detach_from_source(esm, account_id: str, region: str) -> None:
    """Remove the mapping from the queue, table or stream moto would deliver from at write time."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    sources = [*sqs_backends[account_id][region].queues.values(),
               *dynamodb_backends[account_id][region].tables.values(),
               *kinesis_backends[account_id][region].streams.values()]
    for source in sources:
        for key, value in list(source.lambda_event_source_mappings.items()):
            if value is esm:
                del source.lambda_event_source_mappings[key]


def _create_function(self, spec):
    fn = _originals[(LambdaBackend, "create_function")](self, spec)
    fn.course_dead_letter_arn = (spec.get("DeadLetterConfig") or {}).get("TargetArn")
    return fn


def _s3_invoke(account_id, event_body, fn_arn, region_name):
    _current().submit_async(fn_arn, region_name, events.complete_s3_event(event_body), source="s3")


def _sns_publish(self, message, message_id, subject=None, message_attributes=None,
                 group_id=None, deduplication_id=None, message_structure=None):
    if self.protocol != "lambda":
        return _originals[(sns_models.Subscription, "publish")](
            self, message, message_id, subject, message_attributes, group_id,
            deduplication_id, message_structure)
    if self._filter_policy_matcher is not None and \
            not self._filter_policy_matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    event = events.sns_event(self.topic_arn, self.arn, message_id, message, subject,
                             message_attributes)
    _current().submit_async(self.endpoint, self.endpoint.split(":")[3], event, source="sns")
    return None


def _send_to_targets(self, original_event, transform_input=True):
    lambda_targets = [t for t in self.targets if t["Arn"].split(":")[2] == "lambda"]
    others = [t for t in self.targets if t not in lambda_targets]
    if others:
        self.targets = others
        try:
            _originals[(events_models.Rule, "send_to_targets")](self, original_event, transform_input)
        finally:
            self.targets = others + lambda_targets
    if not lambda_targets or not self.event_pattern.matches_event(original_event):
        return
    for target in lambda_targets:
        if "Input" in target:
            event = json.loads(target["Input"])
        elif transform_input and target.get("InputTransformer"):
            transformer = target["InputTransformer"]
            event = events_models.EventTemplateParser.parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}), event=original_event)
        else:
            event = events.eventbridge_event(original_event)
        _current().submit_async(target["Arn"], target["Arn"].split(":")[3], event, source="events")


def _invoke_lambda(self, event=None):
    _current().submit_async(self.function_arn, self.region, event or {}, source="moto")
    return "", False, ""


_PATCHES = [
    (LambdaSimpleBackend, "invoke", _invoke),
    (LambdaBackend, "create_event_source_mapping", _create_event_source_mapping),
    (LambdaBackend, "create_function", _create_function),
    (s3_notifications, "_invoke_awslambda", _s3_invoke),
    (sns_models.Subscription, "publish", _sns_publish),
    (events_models.Rule, "send_to_targets", _send_to_targets),
    (LambdaFunction, "_invoke_lambda", _invoke_lambda),
]


def install(current_runtime: Callable) -> None:
    """Route moto's Lambda paths to ``current_runtime()`` (idempotent)."""
    global _current
    _current = current_runtime
    for owner, name, replacement in _PATCHES:
        if (owner, name) not in _originals:
            _originals[(owner, name)] = owner.__dict__[name]
            setattr(owner, name, replacement)


def installed() -> bool:
    return bool(_originals)


def uninstall() -> None:
    """Put moto's own methods back."""
    global _current
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()
    _current = None
