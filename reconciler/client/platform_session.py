"""The older platform's login session: SST once, a TT on every call, renewed on its 401, logout at the end.

A 401 whose `WWW-Authenticate` carries `cookie=GDCAuthTT` fetches a new TT and repeats the call once;
`cookie=GDCAuthSST` logs in again first (API.md §1, §0.2). The session's tokens are shared by `fork()`s:
a TT renewed by one is used by all, and only the first that meets the expiry renews it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Self

from reconciler.client.hosts import normalize_host
from reconciler.client.options import ClientOptions
from reconciler.client.platform_http import (
    LOGIN_PATH,
    TOKEN_PATH,
    PlatformTransport,
    SessionExpired,
    TokenExpired,
    Tokens,
)
from reconciler.client.platform_projects import last_segment
from reconciler.errors import ApiError, ConfigError, ReconcilerError
from reconciler.progress import NULL, Progress

log = logging.getLogger("reconciler.client")

PAGE_SIZE = 1000  # what the Ruby SDK asks for (API.md §2.2, §3.2)
BATCH_SIZE = 100  # membership items per POST, as the users brick sends them (API.md §3.3)


class PlatformSession:
    """One login to one older-platform host, and the sending of its calls (`_send`, `_json`)."""

    def __init__(
        self,
        host: str,
        *,
        domain: str,
        login: str,
        password: str,
        options: ClientOptions = ClientOptions(),  # noqa: B008 - frozen, so sharing the default is safe
        target_name: str | None = None,
        progress: Progress = NULL,
        page_size: int = PAGE_SIZE,
        batch_size: int = BATCH_SIZE,
        _tokens: Tokens | None = None,
    ) -> None:
        self.base_url, loopback = normalize_host(host, options.insecure_http)
        if not password:
            raise ConfigError("invalid config: the password is empty")
        if not login.strip():
            raise ConfigError("invalid config: the login is empty")
        if options.ca_bundle is not None and not Path(options.ca_bundle).exists():
            raise ConfigError(f"invalid config: CA bundle {options.ca_bundle} does not exist")
        self.domain = domain
        self.login = login.strip()
        self.page_size = page_size
        self.batch_size = batch_size
        self._password = password
        self._options = options
        self._target_name = target_name
        self._progress = progress
        self._owner = _tokens is None  # the client that logged in logs out; its forks do not
        self._tokens = _tokens or Tokens()
        self._loopback = loopback
        label = f"target {target_name!r}" if target_name else self.base_url
        self._http = PlatformTransport(
            self.base_url,
            login=self.login,
            password=password,
            tokens=self._tokens,
            options=options,
            label=label,
            progress=progress,
            loopback=loopback,
        )
        self._roles: dict[str, dict[str, str]] = {}
        self._login_of_profile: str | None = None

    def __repr__(self) -> str:
        return f"PlatformClient(host={self.base_url!r}, login={self.login!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fork(self, progress: Progress | None = None) -> Self:
        """Another client on this login, for another thread (its close() does not log out)."""
        return type(self)(
            self.base_url,
            domain=self.domain,
            login=self.login,
            password=self._password,
            options=self._options,
            target_name=self._target_name,
            progress=self._progress if progress is None else progress,
            page_size=self.page_size,
            batch_size=self.batch_size,
            _tokens=self._tokens,
        )

    # -- the session -------------------------------------------------------------------------------

    def log_in(self) -> None:
        """Log in (SST) and fetch a TT, unless this login already has a session."""
        with self._tokens.lock:
            if self._tokens.sst is None:
                self._log_in_locked()
                self._fetch_tt_locked()

    def close(self) -> None:
        """Log out (when this client logged in) and close the connections; a failed logout is only logged."""
        try:
            if self._owner and self._tokens.sst is not None:
                path = self._tokens.logout_path or f"{LOGIN_PATH}/{self._tokens.profile_id}"
                try:
                    self._send("DELETE", path, f"logging {self.login} out", retry=False)
                    log.info("logged %s out of %s", self.login, self.base_url)
                except ReconcilerError as e:
                    log.warning("could not log %s out of %s: %s", self.login, self.base_url, e)
                finally:
                    self._tokens.sst = self._tokens.tt = None
        finally:
            self._http.close()

    def _log_in_locked(self) -> None:
        self._tokens.sst = self._tokens.tt = None
        body = {
            "postUserLogin": {
                "login": self.login,
                "password": self._password,
                "remember": 1,
                "verify_level": 2,
            }
        }
        resp, content = self._http.send(
            "POST",
            LOGIN_PATH,
            f"logging in as {self.login}",
            body=json.dumps(body).encode("utf-8"),
            idempotent=True,
        )
        user_login = self._parse(content, LOGIN_PATH).get("userLogin") or {}
        sst = user_login.get("token") or resp.headers.get("X-GDC-AuthSST")
        profile = user_login.get("profile")
        if not isinstance(sst, str) or not sst or not isinstance(profile, str):
            raise ApiError(
                f"api error: {self.base_url}{LOGIN_PATH}: the login answer has no token or profile"
            )
        self._tokens.sst = sst
        self._tokens.profile_id = last_segment(profile)
        state = user_login.get("state")
        self._tokens.logout_path = state if isinstance(state, str) and state.startswith(LOGIN_PATH) else None
        self._tokens.sst_generation += 1
        log.info("logged in to %s as %s", self.base_url, self.login)

    def _fetch_tt_locked(self, relogin: bool = True) -> None:
        try:
            resp, content = self._http.send("GET", TOKEN_PATH, "fetching a temporary token")
        except SessionExpired:
            if not relogin:
                raise
            log.info("the session of %s expired: logging in again", self.login)
            self._log_in_locked()
            self._fetch_tt_locked(relogin=False)
            return
        token = (self._parse(content, TOKEN_PATH).get("userToken") or {}).get("token")
        tt = token or resp.headers.get("X-GDC-AuthTT")
        if not isinstance(tt, str) or not tt:
            raise ApiError(f"api error: {self.base_url}{TOKEN_PATH}: the answer carries no temporary token")
        self._tokens.tt = tt
        self._tokens.tt_generation += 1

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: Any = None,
        redirect_ok: bool = False,
        idempotent: bool = False,
        retry: bool = True,
    ) -> tuple[Any, bytes]:
        """Send with the TT; renew it once on its challenge, log in again once on the SST's."""
        self.log_in()
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        renewed_tt = relogged = False
        while True:
            tt_seen, sst_seen = self._tokens.tt_generation, self._tokens.sst_generation
            try:
                return self._http.send(
                    method, path, what, body=data, redirect_ok=redirect_ok, idempotent=idempotent, retry=retry
                )
            except TokenExpired:
                if renewed_tt:
                    raise
                renewed_tt = True
                with self._tokens.lock:
                    if self._tokens.tt_generation == tt_seen:  # no other thread renewed it meanwhile
                        log.info("the temporary token expired: fetching a new one")
                        self._fetch_tt_locked()
            except SessionExpired:
                if relogged:
                    raise
                relogged = True
                with self._tokens.lock:
                    if self._tokens.sst_generation == sst_seen:
                        log.info("the session of %s expired: logging in again", self.login)
                        self._log_in_locked()
                        self._fetch_tt_locked(relogin=False)

    def _json(self, method: str, path: str, what: str, body: Any = None, *, idempotent: bool = False) -> Any:
        _, content = self._send(method, path, what, body=body, idempotent=idempotent)
        return self._parse(content, path) if content.strip() else None

    def _parse(self, content: bytes, path: str) -> dict[str, Any]:
        """The JSON object of an answer (every answer of the platform's user calls is one)."""
        try:
            doc = json.loads(content)
        except ValueError as e:
            head = content[:60].decode("utf-8", "replace")
            raise ApiError(
                self._http.redact(
                    f"api error: {self.base_url}{path} answered something that is not JSON (starts with "
                    f"{head!r}); is the host the GoodData platform and not a proxy or login page?"
                )
            ) from e
        if not isinstance(doc, dict):
            raise ApiError(f"api error: {self.base_url}{path} answered JSON that is not an object")
        return doc
