"""The record of every request an injector saw: one :class:`Attempt` per request sent.

    inj.history[0]
    # Attempt(call=1, attempt=1, service='dynamodb', operation='PutItem',
    #         params={'TableName': 't', 'Item': {...}}, outcome='ambiguous', delivered=1, ...)
    frame(inj.history)          # a pandas DataFrame, one row per attempt, for plots
    calls_frame(inj.history)    # one row per call, as the caller saw it

botocore's retries of one call are attempts 1, 2, ... of the same ``call``. Times are
the injector's clock (``time.monotonic`` unless a simulated clock is given).
Parameters and responses are kept without large bodies (:func:`summarise`).
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, fields
from typing import Any, Iterable

__all__ = ["Attempt", "calls_frame", "frame", "summarise"]

MAX_TEXT = 200
_PLAIN = (bool, int, float, decimal.Decimal, datetime.datetime, datetime.date)


@dataclass
class Attempt:
    """One request on the wire, and what became of it.

    ``outcome`` is ``"ok"``, the error code the caller saw (``"SlowDown"``, or an
    exception's class name), or ``"ambiguous"`` (applied, and the caller saw a
    failure); ``None`` while the request is in flight. ``injected`` names the fault
    applied (``"throttle"``, ``"server_error"``, ``"error"``, ``"ambiguous"``,
    ``"duplicate"``), ``latency`` the seconds added, ``delivered`` how many times
    the request reached the service (0 when a fault answered in its place, 2 for a
    duplicate).
    """

    call: int
    attempt: int
    service: str
    operation: str
    params: dict
    start: float
    latency: float = 0.0
    injected: str | None = None
    delivered: int = 0
    outcome: str | None = None
    status: int | None = None
    end: float | None = None
    response: dict | None = None


COLUMNS = [f.name for f in fields(Attempt)]


def frame(attempts: Iterable[Attempt]):
    """The attempts as a pandas DataFrame, one row each, columns as :class:`Attempt`'s fields."""
    import pandas as pd

    table = pd.DataFrame([[getattr(a, name) for name in COLUMNS] for a in attempts], columns=COLUMNS)
    return table.astype({"status": "Int64"})


def calls_frame(attempts: Iterable[Attempt]):
    """One row per call, as its caller saw it: from the first attempt's start to the last
    one's end, the last attempt's outcome, status and response, the number of attempts
    and of deliveries."""
    table = frame(attempts)
    by_call = table.groupby("call", sort=False)
    summary = by_call.agg(service=("service", "first"), operation=("operation", "first"),
                          params=("params", "first"), attempts=("attempt", "count"),
                          delivered=("delivered", "sum"), start=("start", "min"), end=("end", "max"))
    last = table.loc[by_call["attempt"].idxmax()].set_index("call")
    for column in ("outcome", "status", "response"):
        summary[column] = last[column]
    return summary.reset_index()


def summarise(value: Any) -> Any:
    """``value`` with bytes, streams and long text replaced by short descriptions."""
    if value is None or isinstance(value, _PLAIN):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else f"{value[:MAX_TEXT]}... <{len(value)} chars>"
    if isinstance(value, dict):
        return {key: summarise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [summarise(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {summarise(item) for item in value}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    return f"<{type(value).__name__}>"
