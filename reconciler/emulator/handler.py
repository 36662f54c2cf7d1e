"""The HTTP side of the Cloud emulator: bearer auth, the layout and profile routes, problem+json answers.

The other endpoints are families (families.py) that take a reply.Request and give a reply.Reply.
"""

from __future__ import annotations

import gc
import json
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reconciler.emulator import families, rules
from reconciler.emulator.faults import Fault
from reconciler.emulator.http_base import BaseHandler, retry_after_header
from reconciler.emulator.reply import NOT_FOUND_DETAIL, Reply, Request
from reconciler.emulator.state import EmulatorState
from reconciler.emulator.store import encode
from reconciler.gcpause import paused_gc

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


class Handler(BaseHandler):
    """GoodData Cloud's API on one connection (the plumbing is http_base.BaseHandler's)."""

    @property
    def emulator(self) -> EmulatorState:
        """The state of the emulator this server belongs to."""
        return self.server.emulator  # type: ignore[attr-defined,no-any-return]

    # -- the request ------------------------------------------------------------------------------------

    def _handle(self, method: str, path: str, body: bytes, fault: Fault | None) -> int | None:
        emu = self.emulator
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
        if reply.detail is not None and not reply.drop:
            allow = reply.headers.get("Allow")
            return self._problem(reply.status, reply.detail, allow=allow)
        return self._write(reply)

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

    def _common_headers(self) -> dict[str, str]:
        return {"X-GDC-TRACE-ID": self._trace_id, **dict(CACHE_HEADERS)}

    def _refuse(self, status: int, detail: str) -> int:
        return self._problem(status, detail)

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
        return self._problem(
            fault.status_code or 503, "injected fault", retry_after=retry_after_header(fault)
        )

    def _unauthorized(self) -> int:
        return self._send(401, b"", None, {"WWW-Authenticate": WWW_AUTHENTICATE})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a scripted fault may use any code
        return "Error"
