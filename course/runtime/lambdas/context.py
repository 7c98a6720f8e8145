"""The context object a Python handler receives as its second argument.

It carries the same attributes as the Lambda Python runtime's context, and its
remaining time counts down on the runtime's clock (simulated by default)::

    def handler(event, context):
        print(context.function_name, context.aws_request_id)
        if context.get_remaining_time_in_millis() < 1_000:
            raise TimeoutError("not enough time left for another item")

A context is built by the runtime for each invocation; a test can build one too::

    LambdaContext(function_name="fn", function_arn="arn:aws:lambda:...:function:fn",
                  memory_mb=128, timeout_s=3, clock=SimulatedClock())
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

__all__ = ["LambdaContext"]


@dataclass
class LambdaContext:
    """What ``context`` offers a handler, as on AWS; ``cold_start`` is the course's label."""

    function_name: str
    function_arn: str
    memory_mb: int
    timeout_s: float
    clock: object = field(repr=False)
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream_name: str = ""
    cold_start: bool = False
    started_at: float | None = None

    def __post_init__(self) -> None:
        if self.started_at is None:
            self.started_at = self.clock.now()

    @property
    def invoked_function_arn(self) -> str:
        return self.function_arn

    @property
    def memory_limit_in_mb(self) -> str:
        return str(self.memory_mb)  # a string on AWS too

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def identity(self) -> None:
        return None  # set only for calls from the AWS Mobile SDK

    @property
    def client_context(self) -> None:
        return None

    def deadline(self) -> float:
        """The clock time at which this invocation times out."""
        return self.started_at + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(round((self.deadline() - self.clock.now()) * 1000)))
