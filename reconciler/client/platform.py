"""The client of the older GoodData platform (`/gdc/...`, API.md): its login, its domain users, its projects.

`PlatformClient` logs in once (POST /gdc/account/login: the SST), fetches a temporary token (GET
/gdc/account/token: the TT) and sends the TT with every call, renewing it on its 401 challenge
(`platform_session`); `close()` logs out (DELETE /gdc/account/login/{id}). The API's JSON shapes live only
here and in `platform_projects`: callers pass and get plain dicts (the keys of the contract the platform
modules share).

A client is not shared between threads; `fork()` gives another one on the same login (its own connections,
the same tokens: a TT renewed by one is used by all, and only one of them renews it).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from reconciler.client.platform_http import PlatformApiError, relative
from reconciler.client.platform_projects import PROFILE_PREFIX, ProjectCalls, last_segment
from reconciler.client.platform_session import BATCH_SIZE, PAGE_SIZE, PlatformSession
from reconciler.errors import ApiError

DEFAULT_HOST = "https://secure.gooddata.com"
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

__all__ = ["BATCH_SIZE", "DEFAULT_HOST", "PAGE_SIZE", "PlatformApiError", "PlatformClient"]


class PlatformClient(PlatformSession, ProjectCalls):
    """Domain users, project members with roles, user groups and invitations of one older-platform domain."""

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

    def projects(self) -> list[str]:
        """The ids of the projects the login is a member of (GET /gdc/account/profile/{id}/projects, paged
        by its `paging.next`; API.md §2.7)."""
        first = f"{PROFILE_PREFIX}{quote(self.current_profile_id(), safe='')}/projects?offset=0&limit=500"
        out = []
        for item in self._pages(first, "projects", "listing the login's projects"):
            self_link = ((item.get("project") or {}).get("links") or {}).get("self")
            if isinstance(self_link, str) and self_link:
                out.append(last_segment(self_link))
        return out

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
            if not items:  # an empty page ends the listing, whatever `next` says
                path = None
            elif isinstance(nxt, str) and nxt:
                path = relative(self.base_url, nxt)
            elif len(items) < self.page_size:
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
