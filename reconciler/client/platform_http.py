"""HTTP to the older GoodData platform (`/gdc/...`): its SST/TT headers, its error bodies, its 401 challenges.

The shared `Transport` does the sending, the bounded retries and the network errors; this module adds what
differs on the older platform (API.md §0, §1): the tokens travel in `X-GDC-AuthSST` / `X-GDC-AuthTT`
headers (verify_level 2, never cookies), an error body is `{"error": {"message", "parameters", ...}}` (or
the bare `{"message", "parameters"}` of a refused login) whose `message % parameters` is what the user
reads, and a 401 names in `WWW-Authenticate` which token expired (`cookie=GDCAuthTT`: get a new TT;
`cookie=GDCAuthSST`: log in again). The password and both tokens are redacted from every message.
"""

from __future__ import annotations

import json
import threading
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.auth import AuthBase

from reconciler.client.options import ClientOptions
from reconciler.client.retry import Attempts
from reconciler.client.transport import Transport, _phrase
from reconciler.errors import ApiError
from reconciler.progress import Progress, Stage

LOGIN_PATH = "/gdc/account/login"
TOKEN_PATH = "/gdc/account/token"


class PlatformApiError(ApiError):
    """An error answer of the older platform; `error_class` is the server's `errorClass`, when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        trace_id: str | None = None,
        error_class: str | None = None,
    ) -> None:
        super().__init__(message, status=status, trace_id=trace_id)
        self.error_class = error_class


class TokenExpired(PlatformApiError):
    """401 with `cookie=GDCAuthTT`: the temporary token expired; fetch a new one and repeat the call."""


class SessionExpired(PlatformApiError):
    """401 with `cookie=GDCAuthSST`: the session token expired; the client logs in again."""


class Tokens:
    """The login's SST and the current TT, shared by a client and its forks; `lock` serialises renewals.

    `tt_generation` / `sst_generation` count renewals, so that of several threads that met the same
    expired token only the first renews it and the others just repeat their call with the new one.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sst: str | None = None
        self.tt: str | None = None
        self.tt_generation = 0
        self.sst_generation = 0
        self.profile_id: str | None = None  # the login's profile, from the login answer
        self.logout_path: str | None = None  # the login answer's `state`

    def __repr__(self) -> str:
        return "Tokens(sst=***, tt=***)"


class _GdcAuth(AuthBase):
    """The TT on every call; the SST only where the platform wants it (the token GET and the logout)."""

    def __init__(self, tokens: Tokens) -> None:
        self._tokens = tokens

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path = r.path_url.split("?", 1)[0]
        sst, tt = self._tokens.sst, self._tokens.tt
        if sst and (path == TOKEN_PATH or (path.startswith(LOGIN_PATH + "/") and r.method == "DELETE")):
            r.headers["X-GDC-AuthSST"] = sst
        if tt and path != TOKEN_PATH and path != LOGIN_PATH:
            r.headers["X-GDC-AuthTT"] = tt
        return r

    def __repr__(self) -> str:
        return "_GdcAuth(sst=***, tt=***)"


class _NoCookies(DefaultCookiePolicy):
    """Header authentication only: a cookie the server sets is never stored nor sent back."""

    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


class PlatformTransport(Transport):
    """`Transport` with the older platform's authentication headers, error bodies and challenges."""

    def __init__(
        self,
        base_url: str,
        *,
        login: str,
        password: str,
        tokens: Tokens,
        options: ClientOptions,
        label: str,
        progress: Progress,
        loopback: bool,
    ) -> None:
        super().__init__(base_url, password, options, label=label, progress=progress, loopback=loopback)
        self._login = login
        self._password = password
        self._tokens = tokens
        self.session.auth = _GdcAuth(tokens)
        self.session.cookies.set_policy(_NoCookies())
        self.session.headers["Accept"] = "application/json"
        # Writes that mean the same when repeated (the login, a membership POST, modifyMembers SET) are
        # retried like a GET; creating a user or a group, an invitation, a DELETE are not.
        self._retry_any = self._retry.new(allowed_methods=frozenset({"GET", "PUT", "POST"}))
        self._retry_none = self._retry.new(total=0)  # the logout: best effort, never waited for

    def send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: bytes | None = None,
        stage: Stage | None = None,
        redirect_ok: bool = False,
        idempotent: bool = False,
        retry: bool = True,
    ) -> tuple[requests.Response, bytes]:
        """`Transport.send`; `idempotent`: a POST is retried as a GET is; `retry=False`: nothing is."""
        saved = self._retry
        if not retry:
            self._retry = self._retry_none
        elif idempotent:
            self._retry = self._retry_any
        try:
            return super().send(method, path, what, body=body, stage=stage, redirect_ok=redirect_ok)
        finally:
            self._retry = saved

    def __repr__(self) -> str:
        return f"PlatformTransport({self.base_url!r})"

    def redact(self, text: str) -> str:
        for secret in (self._password, self._tokens.sst, self._tokens.tt):
            if secret:
                text = text.replace(secret, "***")
        return text

    def api_error(
        self, resp: requests.Response, content: bytes, method: str, path: str, what: str, attempts: Attempts
    ) -> ApiError:
        status = resp.status_code
        bare = path.split("?", 1)[0]
        detail, request_id, error_class = server_message(content)
        request_id = request_id or _request_id(resp)
        challenge = resp.headers.get("WWW-Authenticate", "")
        reason = (resp.reason or _phrase(status)).lower()
        kind: type[PlatformApiError] = PlatformApiError
        if status == 401 and bare == LOGIN_PATH and method == "POST":
            explain = f"{self.base_url} refused the login {self._login} (check the password of {self._label})"
        elif status == 401 and "cookie=gdcauthsst" in challenge.lower():
            kind, explain = SessionExpired, f"the session of {self._login} expired while {what}"
        elif status == 401 and "cookie=gdcauthtt" in challenge.lower():
            kind, explain = TokenExpired, f"the temporary token of {self._login} expired while {what}"
        elif status == 401:
            explain = f"{self.base_url} did not accept the login of {self._login} while {what}"
        elif status == 403:
            explain = f"the login {self._login} may not do this ({what})"
        elif status == 404:
            explain = f"{method} {bare} was not found on {self.base_url} while {what}"
        elif status == 409:
            explain = f"a conflict while {what}"
        elif status == 400:
            explain = f"the server refused the request ({what})"
        elif status >= 500:
            explain = f"the server failed while {what}"
        else:
            explain = f"while {what}"
        message = self.error_text(status, reason, explain, detail, attempts, ("requestId", request_id))
        return kind(message, status=status, trace_id=request_id, error_class=error_class)


def relative(base_url: str, link: str) -> str:
    """A link the server sent (a path, or a URL on this host) as a path for `send`."""
    if link.startswith(base_url + "/"):
        return link[len(base_url) :]
    if link.startswith("/"):
        return link
    raise ApiError(f"api error: {base_url} sent a link to another host ({link[:100]}); refusing to follow it")


def server_message(content: bytes) -> tuple[str | None, str | None, str | None]:
    """(`message % parameters`, request id, errorClass) of an older-platform error body (API.md §0.1)."""
    if not content:
        return None, None, None
    try:
        body = json.loads(content)
    except ValueError:
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    inner = body.get("error")
    error: dict[str, Any] = inner if isinstance(inner, dict) else body
    message = error.get("message")
    if not isinstance(message, str) or not message:
        return None, None, None
    parameters = error.get("parameters")
    text = message
    if isinstance(parameters, list) and parameters:
        try:
            text = message % tuple(str(p) for p in parameters)
        except (TypeError, ValueError):  # a template that does not match its parameters: show both
            text = f"{message} {parameters}"
    request_id = error.get("requestId") or error.get("errorId")
    error_class = error.get("errorClass")
    return (
        text[:500],
        str(request_id) if request_id else None,
        str(error_class) if isinstance(error_class, str) else None,
    )


def _request_id(resp: requests.Response) -> str | None:
    value = resp.headers.get("X-GDC-REQUEST")
    return value or None
