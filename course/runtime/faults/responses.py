"""Error responses as each AWS protocol puts them on the wire, and the codes the services use.

botocore parses an injected response exactly as it parses the real one: the
error code, the HTTP status and the modeled exception class come out the same::

    code, status = throttle_error("s3")                        # ("SlowDown", 503)
    response = error_response(s3.meta.service_model, code, status)
    # a client that receives it raises ClientError with
    # e.response["Error"]["Code"] == "SlowDown" and HTTPStatusCode 503

Protocols: ``json`` (DynamoDB, SQS, Kinesis), ``rest-json`` (Lambda), ``query``
(SNS), ``rest-xml`` (S3), ``ec2`` and ``smithy-rpc-v2-cbor``.
"""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from botocore.awsrequest import AWSResponse

__all__ = ["error_response", "server_error", "throttle_error"]

#: Each service's own throttling error, as botocore models it (code, HTTP status).
#: SQS: the model's ``RequestThrottled``; botocore's legacy retry config
#: (``data/_retry.json``) expects it with status 403, the standard and adaptive
#: modes recognise the code whatever the status.
THROTTLING = {
    "dynamodb": ("ProvisionedThroughputExceededException", 400),
    "kinesis": ("ProvisionedThroughputExceededException", 400),
    "s3": ("SlowDown", 503),
    "sqs": ("RequestThrottled", 403),
    "sns": ("Throttling", 400),
    "lambda": ("TooManyRequestsException", 429),
    "ec2": ("RequestLimitExceeded", 503),
}
#: Services not listed above: the usual throttling code of their protocol.
THROTTLING_BY_PROTOCOL = {"query": ("Throttling", 400), "rest-xml": ("Throttling", 400)}
DEFAULT_THROTTLING = ("ThrottlingException", 400)

#: Each service's code for an internal error (HTTP 500); 503 is ``ServiceUnavailable``.
INTERNAL_ERROR = {"dynamodb": "InternalServerError", "s3": "InternalError",
                  "lambda": "ServiceException", "sns": "InternalError"}
DEFAULT_INTERNAL_ERROR = "InternalFailure"


def throttle_error(service: str, protocol: str = "json") -> tuple[str, int]:
    """The (code, HTTP status) with which ``service`` (a boto3 name) throttles a request."""
    return THROTTLING.get(service) or THROTTLING_BY_PROTOCOL.get(protocol, DEFAULT_THROTTLING)


def server_error(service: str, status: int = 500) -> str:
    """The code ``service`` answers a 5xx ``status`` with."""
    if status == 503:
        return "ServiceUnavailable"
    return INTERNAL_ERROR.get(service, DEFAULT_INTERNAL_ERROR)


def error_response(service_model, code: str, status: int, message: str | None = None,
                   url: str = "") -> AWSResponse:
    """An HTTP error response carrying ``code``, in the protocol of ``service_model``."""
    message = message or f"{code} (injected by course.faults)"
    request_id = str(uuid.uuid4())
    build = _BUILDERS[service_model.resolved_protocol]
    headers, body = build(service_model, code, status, message, request_id)
    return AWSResponse(url, status, headers, _Raw(body))


def _fault(status: int) -> str:
    return "Receiver" if status >= 500 else "Sender"


def _json(service_model, code, status, message, request_id):
    version = service_model.metadata.get("jsonVersion", "1.0")
    headers = {"Content-Type": f"application/x-amz-json-{version}", "x-amzn-RequestId": request_id,
               "x-amzn-ErrorType": code}
    if "awsQueryCompatible" in service_model.metadata:
        headers["x-amzn-query-error"] = f"{code};{_fault(status)}"
    return headers, json.dumps({"__type": code, "message": message}).encode()


def _rest_json(service_model, code, status, message, request_id):
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id,
               "x-amzn-ErrorType": code}
    return headers, json.dumps({"message": message}).encode()


def _query(service_model, code, status, message, request_id):
    body = (f"<ErrorResponse><Error><Type>{_fault(status)}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>")
    return {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()


def _ec2(service_model, code, status, message, request_id):
    body = (f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}"
            f"</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
    return {"Content-Type": "text/xml"}, body.encode()


def _rest_xml(service_model, code, status, message, request_id):
    if service_model.service_name != "s3":
        return _query(service_model, code, status, message, request_id)
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>course-faults</HostId></Error>")
    headers = {"Content-Type": "application/xml", "x-amz-request-id": request_id,
               "x-amz-id-2": "course-faults"}
    return headers, body.encode()


def _cbor(service_model, code, status, message, request_id):
    headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
               "x-amzn-RequestId": request_id}
    return headers, _cbor_map({"__type": code, "message": message})


def _cbor_map(items: dict[str, str]) -> bytes:
    """A CBOR map of text strings (RFC 8949): all an error body needs."""
    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        if length < 65536:
            return bytes([major << 5 | 25]) + length.to_bytes(2, "big")
        return bytes([major << 5 | 26]) + length.to_bytes(4, "big")

    def text(value: str) -> bytes:
        data = value.encode()
        return head(3, len(data)) + data

    return head(5, len(items)) + b"".join(text(k) + text(v) for k, v in items.items())


_BUILDERS = {"json": _json, "rest-json": _rest_json, "query": _query, "ec2": _ec2,
             "rest-xml": _rest_xml, "smithy-rpc-v2-cbor": _cbor}


class _Raw:
    """The raw-body object botocore reads an AWSResponse from."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body

    def read(self, *_args, **_kwargs) -> bytes:
        return self._body
