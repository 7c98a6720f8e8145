"""Histories from pandas DataFrames, such as a fault-injection run's record of calls.

A recorded call history is a table with one row per call. Say which column
holds which field of an :class:`~course.checkers.history.Op` (or give a
function of the row); columns that are not named go into ``op.meta``::

    calls = pd.DataFrame({"operation": ["PutItem", "GetItem"], "client": ["a", "b"],
                          "params": [{"Key": "x", "v": 1}, {"Key": "x"}],
                          "outcome": ["ok", "ambiguous"], "start": [0.0, 0.1],
                          "end": [0.05, 0.3], "attempt": [1, 1]})
    h = from_dataframe(calls, columns={"key": lambda row: row["params"]["Key"],
                                       "value": lambda row: row["params"].get("v")})

Without a mapping each field is looked up under the usual names
(:data:`CANDIDATES`): ``operation`` is ``f``, ``client`` is ``process``,
``params`` is ``value``, ``status`` is ``outcome``. Outcomes are read with
:func:`~course.checkers.history.outcome_of` (``ambiguous`` and ``timeout`` are
unknown) unless ``outcomes`` maps the table's own words (``{"Throttled": "fail"}``);
other words are AWS error codes (:func:`call_outcome`: 4xx fail, 5xx and timeouts unknown).
A register history needs ``f`` to be read/write/cas: map it
(``columns={"f": lambda row: {"GetItem": "read", "PutItem": "write"}[row["operation"]]}``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from course.checkers.history import History, Op, outcome_of

__all__ = ["CANDIDATES", "call_outcome", "from_dataframe"]

#: for each Op field, the column names tried when ``columns`` does not name one
CANDIDATES = {
    "process": ("process", "client", "client_id", "thread", "worker", "consumer"),
    "f": ("f", "operation", "op", "action", "name"),
    "key": ("key", "Key", "message_group", "group"),
    "value": ("value", "params", "args", "arguments", "message_id", "MessageId"),
    "result": ("result", "response", "returned"),
    "start": ("start", "start_time", "invoked", "time"),
    "end": ("end", "end_time", "completed"),
    "outcome": ("outcome", "status", "type"),
}


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (a list or dict is never missing)."""
    if value is None:
        return True
    import pandas as pd

    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


UNKNOWN_WORDS = ("timeout", "timedout", "connection", "internal", "unavailable", "servererror",
                 "serviceexception", "endpoint")


def call_outcome(word: Any, status: Any = None) -> str:
    """ok, fail or unknown for a recorded call's outcome: a name from
    :data:`~course.checkers.history.OUTCOMES`, else an AWS error.

    An error the service answered with a 4xx status, or any other named error
    code (``ThrottlingException``, ``ConditionalCheckFailedException``), did not
    take effect: ``fail``. A 5xx, a timeout or a lost connection may have taken
    effect: ``unknown``, as is a call still in flight (no outcome).
    """
    if _missing(word):
        return "unknown"
    try:
        return outcome_of(word)
    except ValueError:
        pass
    try:
        code = int(status)
    except (TypeError, ValueError):
        code = None
    if code is not None and code >= 400:
        return "unknown" if code >= 500 else "fail"
    name = str(word).replace("_", "").replace(" ", "").lower()
    return "unknown" if any(w in name for w in UNKNOWN_WORDS) else "fail"


def from_dataframe(frame, columns: Mapping[str, str | Callable[[dict], Any]] | None = None,
                   outcomes: Mapping[Any, str] | None = None, process: Any = "client") -> History:
    """A :class:`History` with one operation per row of ``frame``, in row order.

    ``columns`` maps Op fields (``process``, ``f``, ``key``, ``value``,
    ``result``, ``start``, ``end``, ``outcome``) to column names or to
    functions of the row (a dict). ``f`` and ``start`` must be found; a
    missing ``process`` column puts every row in one process named ``process``;
    a missing ``outcome`` counts each row as ok; a missing ``end`` makes the
    call take no time.
    """
    columns = dict(columns or {})
    unknown = set(columns) - set(CANDIDATES)
    if unknown:
        raise ValueError(f"columns maps unknown Op fields {sorted(unknown)}; "
                         f"the fields are {sorted(CANDIDATES)}")
    names = list(frame.columns)
    for name, spec in columns.items():
        if isinstance(spec, str) and spec not in names:
            raise KeyError(f"columns says {name!r} is in column {spec!r}, "
                           f"but the DataFrame has only {names}")
    for name, candidates in CANDIDATES.items():
        if name not in columns:
            found = next((c for c in candidates if c in names), None)
            if found is not None:
                columns[name] = found
    for required in ("f", "start"):
        if required not in columns:
            raise KeyError(f"no column for {required!r}: tried {list(CANDIDATES[required])}; "
                           f"the DataFrame has {names}. Pass columns={{{required!r}: 'your column'}}")
    used = {spec for spec in columns.values() if isinstance(spec, str)}
    table = {str(k).lower(): v for k, v in (outcomes or {}).items()}

    history = History()
    for row in frame.to_dict("records"):
        def get(name: str, default: Any = None) -> Any:
            spec = columns.get(name)
            if spec is None:
                return default
            value = spec(row) if callable(spec) else row[spec]
            return default if _missing(value) else value

        raw = get("outcome", None if "outcome" in columns else "ok")
        outcome = call_outcome(table.get(str(raw).lower(), raw), row.get("status"))
        start = float(get("start"))
        end = get("end", None if "end" in columns else start)
        end = None if end is None else float(end)
        meta = {k: v for k, v in row.items() if k not in used}
        history.add(Op(get("process", process), str(get("f")), get("key"), get("value"),
                       start, end, outcome, get("result"), meta=meta))
    return history
