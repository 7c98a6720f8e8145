"""One grader per gradebook at a time: a second one is refused, never interleaved.

PostgreSQL: a session-level advisory lock, held on its own connection for the
batch (released by the server if the grader dies). SQLite: an exclusive ``flock``
on a file beside the gradebook (released by the kernel if the grader dies).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
from typing import Iterator

from course.coursedir import Course


class GraderBusy(RuntimeError):
    """Another grader holds this gradebook."""


def _busy(course: Course, who: str = "") -> GraderBusy:
    where = course.db_url.split("@")[-1] if "@" in course.db_url else course.db_url
    return GraderBusy(f"another grader is already grading the gradebook {where}{who}: wait for it to "
                      "finish (two graders at once could interleave their writes), then grade again")


def _key(course: Course) -> int:
    """A signed 64-bit advisory-lock key per course."""
    return int.from_bytes(hashlib.sha256(f"course-grader|{course.course_id}".encode()).digest()[:8],
                          "big", signed=True)


@contextlib.contextmanager
def _postgres(course: Course) -> Iterator[None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(course.db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(course)}).scalar():
                raise _busy(course)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(course)})
    finally:
        engine.dispose()


@contextlib.contextmanager
def _sqlite(course: Course) -> Iterator[None]:
    path = course.sqlite_path.with_name(course.sqlite_path.name + ".grading-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise _busy(course, f" ({f.read().strip() or 'unknown process'})") from None
        f.truncate(0)
        f.write(f"process {os.getpid()} on {socket.gethostname()}")
        f.flush()
        try:
            yield
        finally:
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)


def exclusive(course: Course):
    """Hold the gradebook for one grading batch (a context manager); raise :class:`GraderBusy` if taken."""
    if course.db_url.startswith("postgresql"):
        return _postgres(course)
    if course.sqlite_path is not None:
        return _sqlite(course)
    return contextlib.nullcontext()
