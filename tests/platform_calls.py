"""Helpers for the platform emulator tests: a logged-in requests session speaking the SST/TT flow by hand."""

from __future__ import annotations

from typing import Any

import requests

from reconciler.emulator.platform import PlatformEmulator


class Gdc:
    """A requests session against a PlatformEmulator, logged in as `login` (the admin by default)."""

    def __init__(self, emu: PlatformEmulator, login: str | None = None, password: str | None = None) -> None:
        self.emu = emu
        self.http = requests.Session()
        self.http.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        r = self.http.post(
            emu.url + "/gdc/account/login",
            json={
                "postUserLogin": {
                    "login": login or emu.admin_login,
                    "password": password or emu.admin_password,
                    "remember": 1,
                    "verify_level": 2,
                }
            },
            timeout=10,
        )
        assert r.status_code == 200, r.text
        self.login_body = r.json()
        self.sst: str = r.headers["X-GDC-AuthSST"]
        self.tt: str = r.headers["X-GDC-AuthTT"]
        self.profile: str = self.login_body["userLogin"]["profile"]

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """One request with the current TT (no refresh: the tests look at the 401s themselves)."""
        headers = {"X-GDC-AuthTT": self.tt, **kwargs.pop("headers", {})}
        return self.http.request(
            method,
            self.emu.url + path,
            json=body,
            headers=headers,
            timeout=10,
            allow_redirects=False,
            **kwargs,
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.call("PUT", path, body)

    def delete(self, path: str) -> requests.Response:
        return self.call("DELETE", path)

    def refresh(self) -> requests.Response:
        """GET /gdc/account/token with the SST; keeps the new TT."""
        r = self.http.get(
            self.emu.url + "/gdc/account/token", headers={"X-GDC-AuthSST": self.sst}, timeout=10
        )
        if r.status_code == 200:
            self.tt = r.json()["userToken"]["token"]
        return r


def member_item(profile: str, status: str = "ENABLED", roles: list[str] | None = None) -> dict[str, Any]:
    """One item of the bulk members POST."""
    content: dict[str, Any] = {"status": status}
    if roles is not None:
        content["userRoles"] = roles
    return {"user": {"content": content, "links": {"self": profile}}}
