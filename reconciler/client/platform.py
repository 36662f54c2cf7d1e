"""The client of the older GoodData platform (`/gdc/...`, API.md): its login, its domain users, its projects.

`PlatformClient` logs in once (POST /gdc/account/login: the SST), fetches a temporary token (GET
/gdc/account/token: the TT) and sends the TT with every call. A 401 whose `WWW-Authenticate` carries
`cookie=GDCAuthTT` fetches a new TT and repeats the call once; `cookie=GDCAuthSST` logs in again first.
`close()` logs out (DELETE /gdc/account/login/{id}). The API's JSON shapes live only here and in
`platform_projects`: callers pass and get plain dicts keyed as in /work PLATFORM.md's contract.

A client is not shared between threads; `fork()` gives another one on the same login (its own connections,
the same tokens: a TT renewed by one is used by all, and only one of them renews it).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from reconciler.client.hosts import normalize_host
from reconciler.client.options import ClientOptions
from reconciler.client.platform_http import (
    LOGIN_PATH,
    TOKEN_PATH,
    PlatformApiError,
    PlatformTransport,
    SessionExpired,
    TokenExpired,
    Tokens,
    relative,
)
from reconciler.client.platform_projects import ProjectCalls, last_segment
from reconciler.errors import ApiError, ConfigError, ReconcilerError
from reconciler.progress import NULL, Progress

log = logging.getLogger("reconciler.client")

DEFAULT_HOST = "https://secure.gooddata.com"
PROFILE_PREFIX = "/gdc/account/profile/"
PAGE_SIZE = 1000  # what the Ruby SDK asks for (API.md §2.2, §3.2)
BATCH_SIZE = 100  # membership items per POST, as the users brick sends them (API.md §3.3)
_USER_FIELDS = ("login", "email", "firstName", "lastName")
_SETTING_KEYS = frozenset(
    {
        "firstName",
        "lastName",
        "email",
        "password",
        "verifyPassword",
        "language",
        "authenticationModes",
        "ssoProvider",
        "companyName",
        "country",
        "phoneNumber",
        "position",
        "timezone",
        "ipWhitelist",
    }
)

__all__ = ["DEFAULT_HOST", "PlatformApiError", "PlatformClient"]


class PlatformClient(ProjectCalls):
    """Domain users, project members with roles, user groups and invitations of one older-platform domain."""

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

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fork(self, progress: Progress | None = None) -> PlatformClient:
        """Another client on this login, for another thread (its close() does not log out)."""
        return PlatformClient(
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

    def _parse(self, content: bytes, path: str) -> Any:
        try:
            return json.loads(content)
        except ValueError as e:
            head = content[:60].decode("utf-8", "replace")
            raise ApiError(
                self._http.redact(
                    f"api error: {self.base_url}{path} answered something that is not JSON (starts with "
                    f"{head!r}); is the host the GoodData platform and not a proxy or login page?"
                )
            ) from e

    # -- the executing user --------------------------------------------------------------------------

    def current_profile_id(self) -> str:
        """The profile id of the login (from the login answer)."""
        self.log_in()
        profile_id = self._tokens.profile_id
        assert profile_id is not None
        return profile_id

    def current_login(self) -> str:
        """The login of the executing user, as the platform spells it (GET its profile)."""
        if self._login_of_profile is None:
            doc = self._json("GET", PROFILE_PREFIX + self.current_profile_id(), "reading the login's profile")
            login = ((doc or {}).get("accountSetting") or {}).get("login")
            self._login_of_profile = login if isinstance(login, str) and login else self.login
        return self._login_of_profile

    # -- domain users --------------------------------------------------------------------------------

    def domain_users(self) -> list[dict[str, Any]]:
        """Every user of the domain as `{id, login, email, firstName, lastName}` (all pages)."""
        base = f"/gdc/account/domains/{quote(self.domain, safe='')}/users"
        out: list[dict[str, Any]] = []
        offset = 0
        path: str | None = f"{base}?{urlencode({'offset': 0, 'limit': self.page_size})}"
        while path is not None:
            doc = self._json("GET", path, f"listing the users of domain {self.domain}") or {}
            settings = doc.get("accountSettings") or {}
            items = settings.get("items")
            if not isinstance(items, list):
                raise ApiError(f"api error: {self.base_url}{base}: the answer holds no list of users")
            out.extend(_domain_user(item.get("accountSetting") or {}) for item in items)
            nxt = (settings.get("paging") or {}).get("next")
            offset += len(items)
            if isinstance(nxt, str) and nxt:
                path = relative(self.base_url, nxt)
            elif len(items) < self.page_size or not items:
                path = None
            else:
                path = f"{base}?{urlencode({'offset': offset, 'limit': self.page_size})}"
        return out

    def create_domain_user(self, user: Mapping[str, Any]) -> str:
        """Create a domain user from `{login, email?, firstName?, lastName?, ...}`; its profile id.

        A user given no password gets a random one (the users brick does the same): it is never shown.
        """
        setting = {k: v for k, v in user.items() if k in _SETTING_KEYS and v is not None}
        setting["login"] = user["login"]
        setting.setdefault("email", user["login"])
        if "password" not in setting:
            setting["password"] = secrets.token_urlsafe(24)
        setting.setdefault("verifyPassword", setting["password"])
        path = f"/gdc/account/domains/{quote(self.domain, safe='')}/users"
        resp, content = self._send(
            "POST",
            path,
            f"creating user {user['login']} in domain {self.domain}",
            body={"accountSetting": setting},
        )
        uri = ((self._parse(content, path) if content.strip() else None) or {}).get("uri")
        uri = uri or resp.headers.get("Location")
        if not isinstance(uri, str) or not uri:
            raise ApiError(
                f"api error: {self.base_url}{path}: the answer names no profile for {user['login']}"
            )
        return last_segment(uri)

    def update_domain_user(self, user_id: str, user: Mapping[str, Any]) -> None:
        """Change the fields given (`email`, `firstName`, `lastName`, ...) of a domain user, not its login."""
        setting = {k: v for k, v in user.items() if k in _SETTING_KEYS and v is not None}
        what = f"updating user {user.get('login') or user_id}"
        self._send("PUT", PROFILE_PREFIX + quote(user_id, safe=""), what, body={"accountSetting": setting})

    def delete_domain_user(self, user_id: str) -> None:
        """Delete a user from the domain entirely (200 or 204)."""
        self._send("DELETE", PROFILE_PREFIX + quote(user_id, safe=""), f"deleting user {user_id}")


def _domain_user(setting: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": last_segment(str((setting.get("links") or {}).get("self") or ""))}
    for key in _USER_FIELDS:
        value = setting.get(key)
        out[key] = value if isinstance(value, str) else None
    return out
