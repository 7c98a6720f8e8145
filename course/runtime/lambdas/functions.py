"""A Lambda function's settings, read from moto's Lambda backend.

moto stores what ``create_function``, ``put_function_concurrency`` and
``put_function_event_invoke_config`` sent; this module reads it into one plain
object the runtime works with::

    spec = functions.lookup("resize", region="us-east-1")
    spec.timeout_s, spec.memory_mb, spec.reserved_concurrency, spec.max_retry_attempts

moto drops ``DeadLetterConfig``; :mod:`.hooks` keeps it on moto's function
object (``course_dead_letter_arn``), read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moto.core.models import DEFAULT_ACCOUNT_ID

__all__ = ["FunctionSpec", "all_reserved", "backend", "lookup", "lookup_arn"]


def backend(region: str, account_id: str = DEFAULT_ACCOUNT_ID):
    """moto's Lambda backend (the simple one: the sandbox runs without Docker)."""
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


@dataclass(frozen=True)
class FunctionSpec:
    """One function's settings as the runtime needs them."""

    name: str
    arn: str
    region: str
    handler: str
    runtime: str
    role: str
    timeout_s: float
    memory_mb: int
    environment: dict = field(default_factory=dict)
    code_zip: bytes = b""
    code_sha: str = ""
    reserved_concurrency: int | None = None
    max_retry_attempts: int = 2
    max_event_age_s: int = 21600
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter_arn: str | None = None

    @property
    def version_arn(self) -> str:
        return f"{self.arn}:$LATEST"


def event_source_mapping(region: str, uuid: str):
    """moto's event source mapping ``uuid``, or None once it was deleted."""
    return backend(region).get_event_source_mapping(uuid)


def _from_moto(fn, region: str) -> FunctionSpec:
    invoke_config = fn.event_invoke_config[-1].config if fn.event_invoke_config else {}
    destinations = invoke_config.get("DestinationConfig", {})
    reserved = fn.reserved_concurrency
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        region=region,
        handler=fn.handler or "",
        runtime=fn.run_time or "",
        role=fn.role,
        timeout_s=float(fn.timeout),
        memory_mb=int(fn.memory_size),
        environment=dict(fn.environment_vars or {}),
        code_zip=getattr(fn, "code_bytes", b"") or b"",
        code_sha=getattr(fn, "code_sha_256", ""),
        reserved_concurrency=None if reserved is None else int(reserved),
        max_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
        max_event_age_s=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
        on_success=destinations.get("OnSuccess", {}).get("Destination"),
        on_failure=destinations.get("OnFailure", {}).get("Destination"),
        dead_letter_arn=getattr(fn, "course_dead_letter_arn", None),
    )


def lookup(name_or_arn: str, region: str, qualifier: str | None = None) -> FunctionSpec:
    """The function's settings; raises moto's ResourceNotFoundException if it does not exist."""
    if name_or_arn.startswith("arn:"):
        region = name_or_arn.split(":")[3]
    fn = backend(region).get_function(name_or_arn, qualifier)
    return _from_moto(fn, region)


def lookup_arn(arn: str) -> FunctionSpec:
    """The settings of the function an ARN names (a version or alias suffix is ignored)."""
    parts = arn.split(":")
    return lookup(parts[6], region=parts[3])


def all_reserved(region: str) -> dict[str, int]:
    """Reserved concurrency per function name, for the functions that have one."""
    return {
        fn.function_name: int(fn.reserved_concurrency)
        for fn in backend(region).list_functions()
        if fn.reserved_concurrency is not None
    }
