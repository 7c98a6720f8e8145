"""The socket layer replaced by a recorder: tests of the network guard never send a packet.

With :func:`recorder` active, the functions the guard calls through to are
recorders, so even a broken (or switched-off) guard sends nothing anywhere: the
would-be connection is only written down.
"""

from __future__ import annotations

import socket

import pytest

from course.runtime import netguard


class Recorder:
    """Stands in for the real socket functions: records, never sends."""

    def __init__(self):
        self.connects: list[object] = []
        self.lookups: list[object] = []

    def connect(self, sock, address):
        self.connects.append(address)
        raise ConnectionRefusedError("recorder: nothing is sent in this test")

    def connect_ex(self, sock, address):
        self.connects.append(address)
        return 111

    def getaddrinfo(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        raise socket.gaierror("recorder: no lookup in this test")


@pytest.fixture()
def recorder(monkeypatch):
    """The guard installed over recording socket functions, restored afterwards."""
    netguard.uninstall()
    rec = Recorder()
    monkeypatch.setattr(socket.socket, "connect", rec.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", rec.connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", rec.getaddrinfo)
    netguard.install()
    # whatever the guard does, what it calls through to must be the recorder
    if netguard.is_installed():
        assert netguard._real_getaddrinfo == rec.getaddrinfo
        assert netguard._real_connect == rec.connect and netguard._real_connect_ex == rec.connect_ex
    yield rec
    netguard.uninstall()
    monkeypatch.undo()
    netguard.install()
