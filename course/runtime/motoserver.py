"""moto served over HTTP on 127.0.0.1, one request at a time.

moto's own ``ThreadedMotoServer`` handles requests on many threads at once, and
moto's backends are not thread-safe: eight threads doing conditional updates
lose some of them. This server keeps HTTP keep-alive and many client threads,
but lets a single request into moto at a time, so every update is applied.

Whose turn it is lives in :mod:`course.runtime.moto_turn`, so that a request
running learner code that calls AWS itself can step out while that code runs.
"""

from __future__ import annotations

import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from course.runtime.moto_turn import TURN


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a log line per request."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class _OneAtATime:
    """WSGI middleware: serialise calls into the wrapped application."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with TURN:
            return list(self.app(environ, start_response))


class LoopbackMotoServer:
    """A moto server bound to 127.0.0.1 on a free port, in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._server = None
        self._thread = None

    def start(self) -> str:
        """Start serving and return the endpoint URL."""
        app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=_QuietRequestHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="moto-server", daemon=True,
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = self._thread = None

