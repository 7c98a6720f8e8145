"""Watching a boto3 client's calls through botocore's event hooks, removed again on the way out.

moto answers every call, so "how many requests did that cost?" has to be
counted in the client. Both helpers are context managers that register a
handler on one client only and unregister it in a ``finally``, even when the
block raises::

    with count_calls(ddb) as calls:
        ddb.get_item(...)
    calls["GetItem"]                      # 1

    with hooked(s3, "provide-client-params.s3.ListObjectsV2", two_keys_per_page):
        ...                               # every ListObjectsV2 call in the block is changed
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

__all__ = ["count_calls", "hooked"]


@contextmanager
def hooked(client, events: str | Iterable[str], handler: Callable) -> Iterator[None]:
    """Register ``handler`` for botocore ``events`` on ``client`` for the duration of the block."""
    names = [events] if isinstance(events, str) else list(events)
    for name in names:
        client.meta.events.register(name, handler)
    try:
        yield
    finally:
        for name in names:
            client.meta.events.unregister(name, handler)


@contextmanager
def count_calls(client) -> Iterator[Counter]:
    """Count the API calls ``client`` makes in the block, by operation name (``calls["Query"]``).

    Counts calls as the application makes them (botocore's ``before-call``
    event): a call that botocore retries counts once.
    """
    calls: Counter = Counter()

    def count(event_name: str, **_kwargs) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    with hooked(client, "before-call", count):
        yield calls
