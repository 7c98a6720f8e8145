"""A mocked AWS account for the notebooks: moto, fake credentials, no network.

Every notebook starts with::

    import course
    sandbox = course.sandbox.start()

after which plain ``boto3.client("dynamodb")`` calls, exactly the calls one would
make on real AWS, are answered by moto inside this process. ``start(server=True)``
runs moto as an HTTP server on 127.0.0.1 instead, for code that uses threads or
several processes (in-process moto is not thread-safe). Calling ``start`` again
wipes every resource, so a notebook re-runs cleanly from the top.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit
from dataclasses import dataclass, field

from course.runtime import lambdas, netguard

# moto must be imported before any boto3 session exists: a session created
# earlier does not see moto's request hooks and would talk to real AWS.
import moto  # noqa: E402  (import order is the point)
from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: E402

REGION = "us-east-1"
ACCOUNT_ID = DEFAULT_ACCOUNT_ID
REAL_CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ENDPOINT_URL",
)
MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    "batch": {"use_docker": False},
}


def offline_environment(region: str = REGION) -> dict[str, str]:
    """The AWS variables every notebook runs with: fake keys, one region, no IMDS."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # botocore 1.44 otherwise puts the account id in DynamoDB endpoints, and
        # DynamoDB Streams calls 404 under moto.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Files that could hold real profiles are replaced by empty paths.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def use_offline_environment(region: str = REGION) -> None:
    """Remove real credentials from this process and set the fake ones.

    An ``AWS_ENDPOINT_URL`` on loopback is kept: it is a sandbox server that a
    parent process started, and a child process (spawn) must keep using it.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    for name in REAL_CREDENTIAL_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(offline_environment(region))
    if endpoint and netguard.is_loopback(urlsplit(endpoint).hostname):
        os.environ["AWS_ENDPOINT_URL"] = endpoint


@dataclass
class Sandbox:
    """A running mocked AWS account. Use ``boto3`` as usual while it is active."""

    region: str
    endpoint_url: str | None = None
    _mock: object = field(default=None, repr=False)
    _server: object = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        return "server" if self._server else "in-process"

    def client(self, service: str, **kwargs):
        """A boto3 client bound to this sandbox (a new session: safe per thread)."""
        import boto3

        return boto3.session.Session(region_name=self.region).client(
            service, endpoint_url=self.endpoint_url, **kwargs
        )

    def resource(self, service: str, **kwargs):
        import boto3

        return boto3.session.Session(region_name=self.region).resource(
            service, endpoint_url=self.endpoint_url, **kwargs
        )

    def reset(self) -> None:
        """Delete every mocked resource; the sandbox stays active."""
        self._mock.reset()
        lambdas.install(self.region)  # a fresh Lambda runtime: no handlers, no pollers

    def stop(self) -> None:
        """Stop mocking. The network guard stays on: AWS calls now fail fast."""
        global _active
        if self._server is not None:
            self._server.stop()
            os.environ.pop("AWS_ENDPOINT_URL", None)
        if self._mock is not None:
            lambdas.uninstall()  # moto's own Lambda methods back
            self._mock.stop()
        self._mock = self._server = None
        if _active is self:
            _active = None

    def __repr__(self) -> str:
        where = self.endpoint_url or "in this process"
        return f"<course sandbox: mocked AWS in {self.region}, {self.mode} ({where}), network off>"


_active: Sandbox | None = None
_lock = threading.Lock()


def start(region: str = REGION, server: bool = False, quiet: bool = False) -> Sandbox:
    """Start (or restart, with every resource wiped) the mocked AWS account.

    ``server=True`` serves moto over HTTP on 127.0.0.1 for threads and processes;
    ``boto3.client(...)`` picks the endpoint up from ``AWS_ENDPOINT_URL``.
    """
    global _active
    with _lock:
        netguard.install()
        if _active is not None:
            _active.stop()
        use_offline_environment(region)
        mock = moto.mock_aws(config=MOTO_CONFIG)
        mock.start(reset=True)
        lambdas.install(region)  # the course's Lambda runtime runs handlers (course.lambdas)
        sandbox = Sandbox(region=region, _mock=mock)
        if server:
            from course.runtime.motoserver import LoopbackMotoServer

            sandbox._server = LoopbackMotoServer()
            sandbox.endpoint_url = sandbox._server.start()
            os.environ["AWS_ENDPOINT_URL"] = sandbox.endpoint_url
        _active = sandbox
    if not quiet:
        print(f"Sandbox ready: mocked AWS in {region}, {sandbox.mode}; "
              "network access off this machine is blocked.")
    return sandbox


def active() -> Sandbox | None:
    """The running sandbox, or None."""
    return _active
