"""API Gateway's Lambda proxy integration: the request event, and the response mapping.

REST APIs send a version 1.0 event and require a ``{"statusCode", "headers",
"body", "isBase64Encoded"}`` response (anything else is a 502); HTTP APIs send
version 2.0 and also accept any JSON value, returned as a 200 JSON body::

    event = proxy_event("2.0", "GET", "/orders/42", query={"verbose": "1"},
                        path_parameters={"id": "42"}, route="GET /orders/{id}")
    response = to_http_response(invocation, "2.0")
    response.status, response.headers, response.body, response.json()

``course.lambdas.call_api(...)`` builds the event, invokes the function and maps
the result in one call.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

__all__ = ["ApiResponse", "proxy_event", "to_http_response"]

ACCOUNT, API_ID = "123456789012", "courseapi"


@dataclass
class ApiResponse:
    """What the HTTP client would receive from API Gateway."""

    status: int
    headers: dict = field(default_factory=dict)
    body: str | bytes = ""

    def json(self):
        return json.loads(self.body)


def _request_time(now: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))


def proxy_event(version: str, method: str, path: str, *, headers: dict | None = None,
                query: dict | None = None, body: str | bytes | None = None,
                path_parameters: dict | None = None, route: str | None = None) -> dict:
    """The event API Gateway sends a proxy integration for one request."""
    headers = dict(headers or {"accept": "*/*"})
    headers.setdefault("user-agent", "course-client")
    encoded = isinstance(body, bytes)
    text = base64.b64encode(body).decode() if encoded else body
    now = time.time()
    request_id = str(uuid.uuid4())
    if version == "1.0":
        return {
            "resource": route or path, "path": path, "httpMethod": method,
            "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": path_parameters or None, "stageVariables": None,
            "requestContext": {
                "accountId": ACCOUNT, "apiId": API_ID, "resourceId": "res123",
                "resourcePath": route or path, "httpMethod": method, "requestId": request_id,
                "extendedRequestId": request_id, "stage": "prod", "path": f"/prod{path}",
                "protocol": "HTTP/1.1", "requestTime": _request_time(now),
                "requestTimeEpoch": int(now * 1000), "domainName": f"{API_ID}.execute-api.invalid",
                "identity": {"sourceIp": "127.0.0.1", "userAgent": headers["user-agent"]},
            },
            "body": text, "isBase64Encoded": encoded,
        }
    if version != "2.0":
        raise ValueError(f"payload format version is '1.0' or '2.0', not {version!r}")
    route_key = f"{method} {route}" if route else "$default"
    return {
        "version": "2.0", "routeKey": route_key, "rawPath": path,
        "rawQueryString": urlencode(query or {}), "headers": headers,
        "queryStringParameters": query or None, "pathParameters": path_parameters or None,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": API_ID, "domainName": f"{API_ID}.execute-api.invalid",
            "domainPrefix": API_ID, "requestId": request_id, "routeKey": route_key,
            "stage": "$default", "time": _request_time(now), "timeEpoch": int(now * 1000),
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": headers["user-agent"]},
        },
        "body": text, "isBase64Encoded": encoded, "stageVariables": None,
    }


def _mapped(payload: dict) -> ApiResponse:
    headers = {k: str(v) for k, v in (payload.get("headers") or {}).items()}
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(str(v) for v in values)
    for cookie in payload.get("cookies") or []:
        headers["set-cookie"] = f"{headers['set-cookie']}, {cookie}" if "set-cookie" in headers else cookie
    body = payload.get("body") or ""
    if payload.get("isBase64Encoded"):
        body = base64.b64decode(body)
    return ApiResponse(int(payload["statusCode"]), headers, body)


def to_http_response(invocation, version: str) -> ApiResponse:
    """The HTTP response API Gateway makes of a proxy integration's result."""
    payload = invocation.payload
    if version == "1.0":
        if invocation.ok and isinstance(payload, dict) and isinstance(payload.get("statusCode"), int) \
                and isinstance(payload.get("body", ""), (str, type(None))):
            return _mapped(payload)
        return ApiResponse(502, {"Content-Type": "application/json"}, '{"message": "Internal server error"}')
    if not invocation.ok:
        return ApiResponse(500, {"Content-Type": "application/json"}, '{"message":"Internal Server Error"}')
    if isinstance(payload, dict) and "statusCode" in payload:
        return _mapped(payload)
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return ApiResponse(200, {"Content-Type": "application/json"}, body)
