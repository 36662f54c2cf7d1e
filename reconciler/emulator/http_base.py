"""What both emulators' HTTP handlers share: keep-alive plumbing, the request log, latency and faults.

A subclass says how it answers (`_handle`), how it refuses (`_refuse`: its platform's error body), how an
injected status fault looks (`_fault_status`) and which headers every answer carries (`_common_headers`).
"""

from __future__ import annotations

import logging
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import urlsplit

from reconciler.emulator.faults import Fault, FaultQueue, RandomFailures
from reconciler.emulator.reply import Reply

log = logging.getLogger(__name__)


class Served(Protocol):
    """What the handler needs of the state it serves."""

    faults: FaultQueue
    random_failures: RandomFailures
    latency: float

    def record(
        self, method: str, path: str, status: int | None, trace_id: str, body: bytes | None
    ) -> None: ...


class BaseHandler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, every answer carries Content-Length (except 204)."""

    protocol_version = "HTTP/1.1"
    server_version = "reconciler-emulator"
    timeout = 300  # an idle keep-alive connection is closed eventually
    # Headers and body go out in two writes; with Nagle on, a keep-alive client waits for a delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("%s " + format, self.address_string(), *args)

    @property
    def served(self) -> Served:
        """The state of the emulator this server belongs to."""
        return self.server.emulator  # type: ignore[attr-defined,no-any-return]

    # -- what a subclass provides -------------------------------------------------------------------------

    def _handle(self, method: str, path: str, body: bytes, fault: Fault | None) -> int | None:
        """Answer one request that got past the faults; the status sent, None when nothing was."""
        raise NotImplementedError

    def _refuse(self, status: int, detail: str) -> int:
        """Answer with this platform's error body."""
        raise NotImplementedError

    def _fault_status(self, fault: Fault) -> int:
        """Answer a scripted status fault."""
        raise NotImplementedError

    def _common_headers(self) -> dict[str, str]:
        """Headers on every answer."""
        return {}

    def _logged_body(self, body: bytes) -> bytes:
        """The request body as the request log keeps it."""
        return body

    # -- the request ------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        self._trace_id = uuid.uuid4().hex
        self._method = method
        self._path = urlsplit(self.path).path
        self._body: bytes | None = None
        self._recorded = False
        body = self._read_body()
        if body is None:
            return
        self._body = body
        status: int | None
        try:
            status = self._paced(method, self._path, body)
        except (BrokenPipeError, ConnectionResetError):  # the client left mid-answer: nobody to answer
            log.debug("emulator: the client of %s %s went away", method, self._path)
            self.close_connection = True
            return
        except Exception as e:  # a bug in the emulator must still answer, and be visible to the test
            log.exception("emulator: unhandled error on %s %s", method, self._path)
            if self._recorded:
                self.close_connection = True  # the answer had started: nothing sane can follow
                return
            status = self._refuse(500, f"emulator error: {e}")
        if status is None:
            self._record(None)

    def _paced(self, method: str, path: str, body: bytes) -> int | None:
        served = self.served
        fault = served.faults.take(method, path)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return None
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        if served.latency > 0:
            time.sleep(served.latency)
        if fault is not None and fault.kind == "status":
            return self._fault_status(fault)
        if served.random_failures.should_fail():
            return self._refuse(503, "injected failure (--fail-rate)")
        return self._handle(method, path, body, fault)

    def _record(self, status: int | None) -> None:
        # Recorded before the answer is written, so a client that has its answer always finds it in the log.
        if not self._recorded:
            self._recorded = True
            body = self._logged_body(self._body) if self._method != "GET" and self._body is not None else None
            self.served.record(self._method, self._path, status, self._trace_id, body)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._refuse(411, "chunked request bodies are not supported; send Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._refuse(400, "invalid Content-Length")
            return None
        # One read: a 30 MB layout must not be assembled from thousands of small reads.
        return self.rfile.read(length) if length > 0 else b""

    # -- answers ----------------------------------------------------------------------------------------

    def _start(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        for key, value in self._common_headers().items():
            self.send_header(key, value)
        for key, value in (headers or {}).items():
            self.send_header(key, value)

    def _send(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> int:
        self._start(status, headers)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        return status

    def _write(self, reply: Reply) -> int | None:
        """Send a Reply (its `detail` is the subclass's business); a 204 carries no Content-Length."""
        if reply.drop:
            self.close_connection = True
            return None
        if reply.status == 204:
            self._start(204, dict(reply.headers))
            if reply.content_type is not None:
                self.send_header("Content-Type", reply.content_type)
            self.end_headers()
            return 204
        return self._send(reply.status, reply.body, reply.content_type, dict(reply.headers))


def retry_after_header(fault: Fault) -> str | None:
    """The Retry-After value of a status fault: whole seconds unless a fraction was asked for."""
    if fault.retry_after is None:
        return None
    value = fault.retry_after
    return str(int(value)) if float(value).is_integer() else str(value)
