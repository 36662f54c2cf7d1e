"""The HTTP side of the emulator: auth, faults, the layout and profile routes, and writing the answers.

The other endpoints are families (families.py) that take a reply.Request and give a reply.Reply.
"""

from __future__ import annotations

import gc
import json
import logging
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reconciler.emulator import families, rules
from reconciler.emulator.faults import Fault
from reconciler.emulator.reply import NOT_FOUND_DETAIL, Reply, Request
from reconciler.emulator.state import EmulatorState
from reconciler.emulator.store import encode
from reconciler.gcpause import paused_gc

log = logging.getLogger(__name__)

LAYOUT = "/api/v1/layout/"
ROUTES: dict[str, tuple[str, ...]] = {
    "/api/v1/layout/usersAndUserGroups": ("GET", "PUT"),
    "/api/v1/layout/users": ("GET", "PUT"),
    "/api/v1/layout/userGroups": ("GET", "PUT"),
    "/api/v1/profile": ("GET",),
}
WWW_AUTHENTICATE = (
    'Bearer error="invalid_token", '
    'error_description="Unable to lookup user details for provided Bearer token"'
)
JSON_TYPES = ("application/json",)
FREEZE_BODY = 4 * 2**20  # a layout PUT this large (~15,000 users) is frozen once stored
CACHE_HEADERS = (("Expires", "0"), ("Pragma", "no-cache"), ("X-Content-Type-Options", "nosniff"))  # recorded


class Handler(BaseHTTPRequestHandler):
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
    def emulator(self) -> EmulatorState:
        """The state of the emulator this server belongs to."""
        return self.server.emulator  # type: ignore[attr-defined,no-any-return]

    # -- the request ------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        emu = self.emulator
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
            status = self._handle(emu, method, self._path, body)
        except Exception as e:  # a bug in the emulator must still answer, and be visible to the test
            log.exception("emulator: unhandled error on %s %s", method, self._path)
            if self._recorded:
                self.close_connection = True  # the answer had started: nothing sane can follow
                return
            status = self._problem(500, f"emulator error: {e}")
        if status is None:
            self._record(None)

    def _record(self, status: int | None) -> None:
        # Recorded before the answer is written, so a client that has its answer always finds it in the log.
        if not self._recorded:
            self._recorded = True
            body = self._body if self._method != "GET" else None
            self.emulator.record(self._method, self._path, status, self._trace_id, body)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._problem(411, "chunked request bodies are not supported; send Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._problem(400, "invalid Content-Length")
            return None
        # One read: a 30 MB layout must not be assembled from thousands of small reads.
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self, emu: EmulatorState, method: str, path: str, body: bytes) -> int | None:
        fault = emu.faults.take(method, path)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return None
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        if emu.latency > 0:
            time.sleep(emu.latency)
        if fault is not None and fault.kind == "status":
            return self._fault_status(fault)
        if emu.random_failures.should_fail():
            return self._problem(503, "injected failure (--fail-rate)")
        user_id = emu.token_owner(self._bearer())
        if user_id is None:
            return self._unauthorized()
        reply = families.answer(emu, self._request(emu, user_id, body, fault))
        if reply is not None:
            return self._reply(reply)
        allowed = ROUTES.get(path)
        if allowed is None:
            return self._problem(404, NOT_FOUND_DETAIL)
        if method not in allowed:
            return self._problem(405, f"Request method '{method}' is not supported", allow=", ".join(allowed))
        if path == "/api/v1/profile":
            return self._json(200, encode(emu.profile(user_id, self._base(emu))))
        view = path[len(LAYOUT) :]
        if method == "GET":
            return self._json(200, emu.store.snapshot.body(view))
        return self._put(emu, view, body, fault)

    def _parse(self, body: bytes, types: tuple[str, ...]) -> tuple[Any, int | None]:
        """The parsed JSON body, or the status of the problem answered instead."""
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media not in types:
            return None, self._problem(
                415, f"Content-Type '{media or '(none)'}' is not supported; use {types[-1]}"
            )
        try:
            with paused_gc():
                return json.loads(body), None
        except ValueError as e:
            return None, self._problem(400, f"malformed JSON: {e}")

    def _request(self, emu: EmulatorState, user_id: str, body: bytes, fault: Fault | None) -> Request:
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qs(split.query)
        base = self._base(emu)
        return Request(self._method, split.path, self.path, query, headers, body, base, user_id, fault)

    def _reply(self, reply: Reply) -> int | None:
        if reply.drop:
            self.close_connection = True
            return None
        if reply.detail is not None:
            allow = reply.headers.get("Allow")
            return self._problem(reply.status, reply.detail, allow=allow)
        if reply.status == 204:
            self._start(204, dict(reply.headers))
            if reply.content_type is not None:
                self.send_header("Content-Type", reply.content_type)
            self.end_headers()
            return 204
        return self._send(reply.status, reply.body, reply.content_type, dict(reply.headers))

    def _base(self, emu: EmulatorState) -> str:
        return f"{emu.scheme}://{self.headers.get('Host') or emu.url.split('//', 1)[-1]}"

    def _put(self, emu: EmulatorState, view: str, body: bytes, fault: Fault | None) -> int | None:
        if len(body) < FREEZE_BODY:
            return self._put_layout(emu, view, body, fault)
        # A large document is parsed, checked and stored with the collector paused, then frozen (gcpause):
        # otherwise the collector scans its ~15 objects per user once the pause ends, and again and again
        # while it is the organization. The freeze is unconditional: a document replacing one as large frees
        # as many objects as it makes, so gcpause's count of new ones stays low. First the cyclic garbage of
        # earlier requests goes, or the freeze would keep it forever: after the first freeze, a scan of only
        # what came since.
        gc.collect()
        with paused_gc():
            status = self._put_layout(emu, view, body, fault)
            gc.freeze()
        return status

    def _put_layout(self, emu: EmulatorState, view: str, body: bytes, fault: Fault | None) -> int | None:
        raw, problem = self._parse(body, JSON_TYPES)
        if problem is not None:
            return problem
        keys = ("users", "userGroups") if view == "usersAndUserGroups" else (view,)
        problems = rules.check_top_level(raw, keys)
        if problems:
            return self._problem(400, str(rules.InvalidDocument(problems)))
        ignored = fault.field_name if fault is not None and fault.kind == "ignore_field" else None

        def change(current: dict[str, Any]) -> dict[str, Any]:
            new = {"users": current["users"], "userGroups": current["userGroups"]}
            for key in keys:
                new[key] = raw[key]
            if ignored is not None:
                new = {k: [{f: v for f, v in e.items() if f != ignored} for e in new[k]] for k in new}
            return new

        try:
            emu.store.update(change)
        except rules.InvalidDocument as e:
            return self._problem(400, str(e))
        if fault is not None and fault.kind == "drop_after_apply":
            self.close_connection = True
            return None
        self._start(204)
        self.end_headers()
        return 204

    # -- answers ----------------------------------------------------------------------------------------

    def _bearer(self) -> str | None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _start(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("X-GDC-TRACE-ID", self._trace_id)
        for key, value in CACHE_HEADERS:
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

    def _json(self, status: int, body: bytes) -> int:
        return self._send(status, body, "application/json")

    def _problem(
        self, status: int, detail: str, *, retry_after: str | None = None, allow: str | None = None
    ) -> int:
        body = encode(
            {
                "detail": detail,
                "status": status,
                "title": _phrase(status),
                "traceId": self._trace_id,
            }
        )
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        if allow is not None:
            headers["Allow"] = allow
        return self._send(status, body, "application/problem+json", headers)

    def _fault_status(self, fault: Fault) -> int:
        code = fault.status_code or 503
        retry_after = None
        if fault.retry_after is not None:
            # Whole seconds are the only form every client parses; keep a fraction only when asked for one.
            value = fault.retry_after
            retry_after = str(int(value)) if float(value).is_integer() else str(value)
        return self._problem(code, "injected fault", retry_after=retry_after)

    def _unauthorized(self) -> int:
        return self._send(401, b"", None, {"WWW-Authenticate": WWW_AUTHENTICATE})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a scripted fault may use any code
        return "Error"
