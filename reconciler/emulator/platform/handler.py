"""The older platform's HTTP side: the TT check, the GDC headers and error bodies, the route families.

The plumbing (keep-alive, latency, scripted faults, the request log) is http_base.BaseHandler's.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reconciler.emulator.faults import Fault
from reconciler.emulator.http_base import BaseHandler, retry_after_header
from reconciler.emulator.platform import auth, errors, routes
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Request
from reconciler.emulator.store import encode

SECRET_FIELDS = frozenset({"password", "verifyPassword"})


class PlatformHandler(BaseHandler):
    """One connection to the platform emulator."""

    @property
    def state(self) -> PlatformState:
        """The state of the emulator this server belongs to."""
        return self.server.emulator  # type: ignore[attr-defined,no-any-return]

    def _handle(self, method: str, path: str, body: bytes, fault: Fault | None) -> int | None:
        emu = self.state
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        base = f"http://{self.headers.get('Host', '')}"  # the platform's bodies carry paths, not URLs
        request = Request(
            method, split.path, self.path, parse_qs(split.query), headers, body, base, "", fault
        )
        reply = auth.before_auth(emu, request)
        if reply is None:
            user_id = emu.sessions.tt_owner(auth.credential(request, "AuthTT"))
            if user_id is None:
                reply = errors.tt_challenge()  # [rec] on any resource
            else:
                reply = routes.answer(emu, replace(request, user_id=user_id)) or errors.no_route()
        if fault is not None and fault.kind == "drop_after_apply" and reply.status < 400:
            reply = replace(reply, drop=True)  # the write happened; the answer never comes
        return self._write(reply)

    def _common_headers(self) -> dict[str, str]:
        # [rec] the request id echoed with a suffix, the time taken, an empty log header
        started = getattr(self, "_started", None) or time.monotonic()
        request_id = self.headers.get("X-GDC-REQUEST") or self._trace_id
        return {
            "X-GDC-REQUEST": f"{request_id}:{self._trace_id[:8]}",
            "X-GDC-REQUEST-TIME": str(int((time.monotonic() - started) * 1000)),
            "X-GDC-LOG-HEADER": "",
        }

    def _refuse(self, status: int, detail: str) -> int:
        return self._reply_error(status, detail)

    def _fault_status(self, fault: Fault) -> int:
        retry_after = retry_after_header(fault)
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return self._reply_error(fault.status_code or 503, "injected fault", headers)

    def _reply_error(self, status: int, detail: str, headers: dict[str, str] | None = None) -> int:
        reply = errors.gdc_error(status, "GDC::Exception::Emulator", "%s", [detail], headers=headers)
        return self._send(reply.status, reply.body, reply.content_type, dict(reply.headers))

    def _dispatch(self, method: str) -> None:
        self._started = time.monotonic()
        super()._dispatch(method)

    def _logged_body(self, body: bytes) -> bytes:
        """The body without its passwords: the request log never holds one."""
        try:
            parsed = json.loads(body)
        except ValueError:
            return body
        return encode(_redacted(parsed))


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "<PASSWORD>" if k in SECRET_FIELDS else _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value
