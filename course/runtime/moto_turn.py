"""Whose turn it is inside moto when it serves HTTP: one request at a time.

moto's backends are not thread-safe, so :mod:`course.runtime.motoserver` lets one
request into moto at a time. A request whose handling runs learner code that
calls AWS itself (a Lambda handler behind ``invoke``) steps out while that code
runs, and back in afterwards::

    with outside_moto():      # a no-op outside a server request
        handler(event, context)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _MotoTurn:
    """Whose turn it is inside moto: one request at a time, which may step out and back."""

    def __init__(self):
        self._lock = threading.Lock()
        self._inside = threading.local()

    def __enter__(self):
        self._lock.acquire()
        self._inside.value = True

    def __exit__(self, *exc_info):
        self._inside.value = False
        self._lock.release()

    @contextmanager
    def stepped_out(self) -> Iterator[None]:
        if not getattr(self._inside, "value", False):
            yield
            return
        self.__exit__()
        try:
            yield
        finally:
            self.__enter__()


TURN = _MotoTurn()


def outside_moto():
    """Let other requests into moto while this server request runs code that calls AWS."""
    return TURN.stepped_out()
