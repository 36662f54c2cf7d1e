"""Serving an emulator's state over HTTP from a daemon thread: what both emulators (Cloud, platform) share."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from reconciler.emulator.http_base import BaseHandler

__all__ = ["Serving", "tls_context"]

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # 50 concurrent clients must not see refused connections

    def __init__(self, address: tuple[str, int], emulator: Any, handler: type[BaseHandler]) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is routine; anything else is logged (socketserver would print it to
        whatever `sys.stderr` is at that moment, from a handler thread)."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            log.debug("emulator: client %s went away", client_address)
            return
        log.exception("emulator: error serving %s", client_address)

    def close_connections(self) -> None:
        """End idle keep-alive connections so that their handler threads finish."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Serving:
    """Mixed into an emulator's state: `start()` it, or use it as a context manager; `handler` answers."""

    handler: ClassVar[type[BaseHandler]]
    _server: _Server | None = None  # set while serving
    _thread: threading.Thread | None = None
    _url: str | None = None
    scheme: str = "http"

    def start(self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None) -> str:
        """Listen on host:port (0 = an ephemeral port), serve from a daemon thread, return the base URL.

        With `ssl_context` (a server-side context holding a certificate) it serves HTTPS, for clients that
        insist on https:// (gooddata-pipelines rewrites http:// hosts).
        """
        if self._server is not None:
            raise RuntimeError("emulator already started")
        server = _Server((host, port), self, self.handler)
        if ssl_context is not None:
            server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
        self.scheme = "https" if ssl_context is not None else "http"
        raw_host, bound_port = server.server_address[:2]
        bound_host = raw_host.decode() if isinstance(raw_host, bytes) else str(raw_host)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self._url = f"{self.scheme}://{shown}:{bound_port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"emulator:{bound_port}",
            daemon=True,
        )
        self._thread.start()
        return self._url

    def stop(self) -> None:
        """Stop serving, close every connection and join the thread (idempotent)."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def tls_context(certfile: Path, keyfile: Path | None = None) -> ssl.SSLContext:
    """A server-side TLS context for `start(ssl_context=...)` from PEM files."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context
