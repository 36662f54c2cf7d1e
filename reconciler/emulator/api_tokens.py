"""API tokens per user: `/api/v1/entities/users/{userId}/apiTokens[/{id}]` (list, POST 201, GET, DELETE 204).

A created token's `bearerToken` is answered once, by the POST; it authenticates as its user from then on
(`GET /api/v1/profile` names that user). The `--data` file keeps only its sha256, never the token. Like
GoodData.CN's, a token is base64 of `user:tokenId:secret` (treat it as opaque). Deleting the user deletes
its tokens.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.entities import PREFIX, EntityError, int_param
from reconciler.emulator.org_permissions import exists
from reconciler.emulator.reply import NOT_FOUND_DETAIL
from reconciler.emulator.user_rules import ID_RE

SECTION = "apiTokens"
_PATH = re.compile(r"^/api/v1/entities/users/([^/]+)/apiTokens(?:/([^/]*))?$")


@dataclass(frozen=True)
class TokenPath:
    """A parsed `/api/v1/entities/users/{userId}/apiTokens[/{id}]` path."""

    user_id: str
    token_id: str | None


def parse_path(path: str) -> TokenPath | None:
    """The API token path this is, or None."""
    m = _PATH.match(path)
    if m is None or m.group(2) == "":
        return None
    return TokenPath(m.group(1), m.group(2))


def digest(token: str) -> str:
    """What the store keeps of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def self_link(base: str, user_id: str, token_id: str) -> str:
    return f"{base}{PREFIX}users/{user_id}/apiTokens/{token_id}"


def resource(base: str, user_id: str, token_id: str, *, links: bool) -> dict[str, Any]:
    """A token's JSON:API resource: no attributes once created (the token itself is never shown again)."""
    out: dict[str, Any] = {"attributes": {}, "id": token_id, "type": "apiToken"}
    if links:
        out["links"] = {"self": self_link(base, user_id, token_id)}
    return out


class ApiTokens:
    """Token hashes `[{id, userId, sha256}]`; a section of the `--data` file (store.Section).

    Writers (`create`, `delete`, `prune`) run under the store's write lock (`Store.save`, `on_publish`) with
    the current layout document; readers take the reference of the current list.
    """

    def __init__(self) -> None:
        self._rows: list[dict[str, str]] = []

    def owner(self, token: str) -> str | None:
        """The user a created token authenticates as, or None."""
        rows = self._rows
        if not rows:
            return None
        wanted = digest(token)
        for row in rows:
            if secrets.compare_digest(row["sha256"], wanted):
                return row["userId"]
        return None

    def ids(self, user_id: str, doc: dict[str, Any]) -> list[str]:
        """The ids of a user's tokens (raises EntityError 404 for an unknown user)."""
        if not exists(doc, "user", user_id):
            raise EntityError(404, NOT_FOUND_DETAIL)
        return sorted(r["id"] for r in self._rows if r["userId"] == user_id)

    def listing(
        self, doc: dict[str, Any], base: str, user_id: str, query: Mapping[str, list[str]], self_url: str
    ) -> dict[str, Any]:
        """The JSON:API list page, with `links.next` always present, as recorded."""
        page, size = int_param(query, "page", 0), min(int_param(query, "size", 20), 1000)
        chunk = self.ids(user_id, doc)[page * size : (page + 1) * size]
        collection = f"{base}{PREFIX}users/{user_id}/apiTokens"
        return {
            "data": [resource(base, user_id, t, links=True) for t in chunk],
            "links": {"next": f"{collection}?page={page + 1}&size={size}", "self": self_url},
        }

    def get(self, doc: dict[str, Any], base: str, user_id: str, token_id: str) -> dict[str, Any]:
        if token_id not in self.ids(user_id, doc):
            raise EntityError(404, NOT_FOUND_DETAIL)
        return {
            "data": resource(base, user_id, token_id, links=False),
            "links": {"self": self_link(base, user_id, token_id)},
        }

    def create(self, doc: dict[str, Any], base: str, user_id: str, body: Any) -> dict[str, Any]:
        """POST: a new token for the user; the answer carries its bearerToken, the only time it is shown."""
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise EntityError(400, "the body must be a JSON:API document with a 'data' object")
        if data.get("type") != "apiToken":
            raise EntityError(400, "data.type must be 'apiToken'")
        token_id = data.get("id")
        if not isinstance(token_id, str) or ID_RE.fullmatch(token_id) is None:
            raise EntityError(
                400, "data.id must be an id (1-255 of A-Z a-z 0-9 . _ -, not starting with a dot)"
            )
        if token_id in self.ids(user_id, doc):
            raise EntityError(409, f"apiToken '{token_id}' already exists for user '{user_id}'")
        token = base64.b64encode(f"{user_id}:{token_id}:{secrets.token_urlsafe(24)}".encode()).decode()
        row = {"id": token_id, "sha256": digest(token), "userId": user_id}
        self._rows = sorted([*self._rows, row], key=lambda r: (r["userId"], r["id"]))
        return {
            "data": {"attributes": {"bearerToken": token}, "id": token_id, "type": "apiToken"},
            "links": {"self": self_link(base, user_id, token_id)},
        }

    def delete(self, doc: dict[str, Any], user_id: str, token_id: str) -> None:
        if token_id not in self.ids(user_id, doc):
            raise EntityError(404, NOT_FOUND_DETAIL)
        self._rows = [r for r in self._rows if not (r["userId"] == user_id and r["id"] == token_id)]

    def prune(self, doc: dict[str, Any]) -> None:
        """Delete the tokens of users that `doc` no longer has."""
        if self._rows:
            self._rows = [r for r in self._rows if exists(doc, "user", r["userId"])]

    # -- store.Section ---------------------------------------------------------------------------------

    def dump(self) -> list[dict[str, str]]:
        return list(self._rows)

    def load(self, raw: Any) -> list[str]:
        """Take the data file's `apiTokens`; the problems (nothing loaded then)."""
        keys = {"id", "sha256", "userId"}
        if not isinstance(raw, list) or not all(
            isinstance(r, dict) and set(r) == keys and all(isinstance(r[k], str) for k in keys) for r in raw
        ):
            return [f"{SECTION}: expected an array of {{id, sha256, userId}}"]
        self._rows = sorted((dict(r) for r in raw), key=lambda r: (r["userId"], r["id"]))
        return []
