"""Refuse every network connection that would leave this machine.

The course runs offline: boto3 talks to moto in the same process, or to a moto
server on 127.0.0.1. Once :func:`install` has run, resolving a non-loopback host
name or connecting to a non-loopback address raises :class:`OfflineError`
before any packet is sent and before any DNS lookup happens.

``OfflineError`` is deliberately not an ``OSError``: botocore retries
connection errors with back-off, and a student should see the reason at once,
not after a minute of retries.
"""

from __future__ import annotations

import ipaddress
import os
import socket

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})

_real_connect = None
_real_connect_ex = None
_real_getaddrinfo = None


class OfflineError(RuntimeError):
    """Raised instead of opening a connection that would leave this machine."""

    def __init__(self, host: object, port: object = None):
        self.host = host
        where = f"{host}:{port}" if port is not None else f"{host}"
        super().__init__(
            f"Blocked a network connection to {where}: this course runs offline and "
            "never talks to real AWS or any other host. If you stopped the mock, run "
            "`sandbox = course.sandbox.start()` again; to use real AWS, copy the code "
            "into your own script outside the course."
        )


def _refuse(host: object, port: object = None) -> OfflineError:
    """The error to raise; also noted in $COURSE_NETGUARD_LOG when tests ask for it."""
    log = os.environ.get("COURSE_NETGUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{host}:{port}\n")
    return OfflineError(host, port)


def is_loopback(host: object) -> bool:
    """True for host names and addresses that stay on this machine."""
    if host is None:
        return True
    name = str(host).strip("[]").lower()
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _host_port(address: object) -> tuple[object, object]:
    if isinstance(address, tuple) and address:
        return address[0], address[1] if len(address) > 1 else None
    return address, None


def _allowed(sock: socket.socket, address: object) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True  # Unix sockets and other local families
    host, _ = _host_port(address)
    return is_loopback(host)


def _guarded_connect(self, address):
    if not _allowed(self, address):
        raise _refuse(*_host_port(address))
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _allowed(self, address):
        raise _refuse(*_host_port(address))
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    if not is_loopback(host.decode() if isinstance(host, bytes) else host):
        raise _refuse(host, port)
    return _real_getaddrinfo(host, port, *args, **kwargs)


def install() -> None:
    """Start refusing off-machine connections in this process (idempotent)."""
    global _real_connect, _real_connect_ex, _real_getaddrinfo
    if is_installed():
        return
    _real_connect = socket.socket.connect
    _real_connect_ex = socket.socket.connect_ex
    _real_getaddrinfo = socket.getaddrinfo
    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    """Restore the socket functions that :func:`install` replaced."""
    global _real_connect, _real_connect_ex, _real_getaddrinfo
    if not is_installed():
        return
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    socket.getaddrinfo = _real_getaddrinfo
    _real_connect = _real_connect_ex = _real_getaddrinfo = None


def is_installed() -> bool:
    return socket.getaddrinfo is _guarded_getaddrinfo
