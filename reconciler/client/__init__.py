"""The GoodData HTTP client (SPEC §7): GoodData's documents and entities, read and written.

Retries (429/502/503/504, connection and read errors, GET and PUT) are urllib3's `Retry`, bounded both by
count and by total time; every failure becomes an `ApiError` or a `TransportError` with a human message.
The token lives only in the session's auth object: no message, log line or repr ever shows it.

The package is the one place that imports requests and urllib3: `options` (settings), `hosts` (which URLs
are allowed), `retry` (bounded retries), `transport` (the session, sending, errors), and the client here.
requests is imported when the first client is made, not with the package: the offline commands (validate,
render) use the settings and never the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from reconciler.client.hosts import normalize_host
from reconciler.client.options import ClientOptions, RetryPolicy
from reconciler.errors import ApiError, ConfigError
from reconciler.progress import NULL, Progress, plural

log = logging.getLogger("reconciler.client")

LAYOUT_PATH = "/api/v1/layout/usersAndUserGroups"
PROFILE_PATH = "/api/v1/profile"
ORG_PERMISSIONS_PATH = "/api/v1/layout/organization/permissions"
WORKSPACES_PATH = "/api/v1/entities/workspaces"
ORGANIZATION_PATH = "/api/v1/entities/organization"  # GoodData answers 302 to the organization's entity
WORKSPACE_PAGE_SIZE = 500
WORKSPACE_LAYOUT_PATH = "/api/v1/layout/workspaces"
INVITE_PATH = "/api/v1/actions/invite"  # GoodData Cloud's invitation e-mail (GoodData.CN has none)


__all__ = [
    "LAYOUT_PATH",
    "ORG_PERMISSIONS_PATH",
    "PROFILE_PATH",
    "ClientOptions",
    "GoodDataClient",
    "RetryPolicy",
    "layout_body",
]


class GoodDataClient:
    """Reads and writes the users-and-groups layout of one GoodData organization."""

    def __init__(
        self,
        host: str,
        token: str,
        *,
        options: ClientOptions = ClientOptions(),  # noqa: B008 - frozen, so sharing the default is safe
        target_name: str | None = None,
        progress: Progress = NULL,
    ) -> None:
        self.base_url, loopback = normalize_host(host, options.insecure_http)
        token = (token or "").strip()
        if not token:
            raise ConfigError("invalid config: the token is empty")
        if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
            # requests would quote the header value in its error; say nothing about the value itself.
            raise ConfigError("invalid config: the token contains spaces or non-ASCII characters")
        if options.ca_bundle is not None and not Path(options.ca_bundle).exists():
            raise ConfigError(f"invalid config: CA bundle {options.ca_bundle} does not exist")
        self._progress = progress
        label = f"target {target_name!r}" if target_name else self.base_url
        from reconciler.client.transport import Transport

        self._http = Transport(
            self.base_url, token, options, label=label, progress=progress, loopback=loopback
        )
        self._session = self._http.session

    def __repr__(self) -> str:
        return f"GoodDataClient(host={self.base_url!r})"

    def __enter__(self) -> GoodDataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def get_layout(self) -> dict[str, Any]:
        """GET the usersAndUserGroups layout document."""
        doc, _ = self.read_layout()
        assert doc is not None  # no known digest: always parsed
        return doc

    def read_layout(
        self, known_sha256: str | None = None, known_as: str = "unchanged"
    ) -> tuple[dict[str, Any] | None, str]:
        """GET the usersAndUserGroups layout: the document and the SHA-256 of the body it was parsed from.

        When the body's SHA-256 is `known_sha256` (the same bytes as a read before, or as a PUT sent) the
        document is None, not parsed: a freshness check of a 25 MB layout then costs the transfer and a hash,
        not a parse. `known_as` is what the progress line calls such a body.
        """
        with self._progress.stage(f"reading the users and groups from {self.base_url}", unit="bytes") as s:
            resp, body = self._http.send("GET", LAYOUT_PATH, "reading the users and groups", stage=s)
            sha = hashlib.sha256(body).hexdigest()
            if sha == known_sha256:
                s.done(f"read the users and groups from {self.base_url}: {known_as}")
                return None, sha
            doc = self._http.parse(resp, body, LAYOUT_PATH)
            if not (
                isinstance(doc, dict)
                and isinstance(doc.get("users"), list)
                and isinstance(doc.get("userGroups"), list)
            ):
                raise ApiError(
                    f"api error: {self.base_url}{LAYOUT_PATH}: server answered something that is not a "
                    "layout document (expected an object with 'users' and 'userGroups' lists)"
                )
            s.done(f"read {_members(doc)} from {self.base_url}")
        return doc, sha

    def put_layout(self, doc: Mapping[str, Any], body: bytes | None = None) -> str:
        """PUT the whole usersAndUserGroups layout document (it replaces everything); the SHA-256 of the body
        sent. `body` is `layout_body(doc)` when the caller has encoded it already."""
        if body is None:
            body = layout_body(doc)
        members = _members(doc)
        with self._progress.stage(
            f"writing {members} ({len(body) / 1_000_000:.1f} MB) to {self.base_url}",
            done=f"wrote {members} to {self.base_url}",
        ):
            self._http.send("PUT", LAYOUT_PATH, "writing the users and groups", body=body)
        return hashlib.sha256(body).hexdigest()

    def get_profile(self) -> dict[str, Any]:
        """GET the profile of the token's owner."""
        with self._progress.stage(
            f"reading the token owner's profile from {self.base_url}",
            done=f"read the token owner's profile from {self.base_url}",
        ):
            profile = self._http.json("GET", PROFILE_PATH, "reading the token owner's profile")
        if not isinstance(profile, dict):
            raise ApiError(f"api error: {self.base_url}{PROFILE_PATH}: the profile is not a JSON object")
        return profile

    def token_owner(self) -> str:
        """The id of the user who owns the token."""
        user_id = self.get_profile().get("userId")
        if not isinstance(user_id, str) or not user_id:
            raise ApiError(f"api error: {self.base_url}{PROFILE_PATH}: the profile names no userId")
        return user_id

    def get_organization_permissions(self) -> list[dict[str, Any]]:
        """GET the organization permissions; [] when the server does not serve them (404)."""
        try:
            with self._progress.stage(
                f"reading the organization permissions from {self.base_url}",
                done=f"read the organization permissions from {self.base_url}",
            ):
                perms = self._http.json("GET", ORG_PERMISSIONS_PATH, "reading the organization permissions")
        except ApiError as e:
            if e.status == 404:
                return []
            raise
        if not isinstance(perms, list) or not all(isinstance(p, dict) for p in perms):
            raise ApiError(
                f"api error: {self.base_url}{ORG_PERMISSIONS_PATH}: the organization permissions are not "
                "a list of objects"
            )
        return perms

    def put_organization_permissions(self, permissions: list[Mapping[str, Any]]) -> None:
        """PUT the organization permissions (a bare array; it replaces them all)."""
        body = json.dumps(list(permissions), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        with self._progress.stage(
            f"writing the organization permissions to {self.base_url}",
            done=f"wrote the organization permissions to {self.base_url}",
        ):
            self._http.send("PUT", ORG_PERMISSIONS_PATH, "writing the organization permissions", body=body)

    def list_workspaces(self) -> list[dict[str, Any]]:
        """Every workspace as `{id, name?, parent?}` (paged JSON:API listing); [] when the server has none."""
        out: list[dict[str, Any]] = []
        page = 0
        while True:
            path = f"{WORKSPACES_PATH}?page={page}&size={WORKSPACE_PAGE_SIZE}"
            try:
                listing = self._http.json("GET", path, "listing the workspaces")
            except ApiError as e:
                if e.status == 404:
                    return []
                raise
            data = listing.get("data") if isinstance(listing, dict) else None
            if not isinstance(data, list):
                raise ApiError(f"api error: {self.base_url}{WORKSPACES_PATH}: not a JSON:API list")
            for item in data:
                if isinstance(item, dict):
                    out.append(_workspace(item))
            if len(data) < WORKSPACE_PAGE_SIZE or not (listing.get("links") or {}).get("next"):
                return out
            page += 1

    def get_workspace_permissions(self, workspace_id: str) -> dict[str, Any]:
        """GET the permissions layout of one workspace (`{permissions, hierarchyPermissions}`)."""
        path = f"{WORKSPACE_LAYOUT_PATH}/{workspace_id}/permissions"
        doc = self._http.json("GET", path, f"reading the permissions of workspace {workspace_id}")
        if not isinstance(doc, dict):
            raise ApiError(f"api error: {self.base_url}{path}: the permissions are not a JSON object")
        return doc

    def invite(self, invitation: Mapping[str, str], *, force: bool = False) -> None:
        """POST an invitation `{userId, email, firstName?, lastName?}` (never retried: it sends an e-mail)."""
        body = json.dumps({**invitation, "forceSend": force}, ensure_ascii=False).encode("utf-8")
        self._http.send("POST", INVITE_PATH, f"inviting {invitation.get('userId')}", body=body)

    def put_workspace_permissions(self, workspace_id: str, doc: Mapping[str, Any]) -> None:
        """PUT the permissions layout of one workspace (it replaces both lists)."""
        path = f"{WORKSPACE_LAYOUT_PATH}/{workspace_id}/permissions"
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self._http.send("PUT", path, f"writing the permissions of workspace {workspace_id}", body=body)

    def organization_id(self) -> str | None:
        """The organization's id (GET /api/v1/entities/organization); None when the server does not say."""
        try:
            resp, content = self._http.send(
                "GET", ORGANIZATION_PATH, "reading the organization", redirect_ok=True
            )
            if resp.is_redirect:  # to /api/v1/entities/admin/organizations/{id}: follow it on this host only
                location = urljoin(self.base_url + ORGANIZATION_PATH, resp.headers["Location"])
                if not location.startswith(self.base_url + "/"):
                    return None
                _, content = self._http.send(
                    "GET", location[len(self.base_url) :], "reading the organization"
                )
            doc = json.loads(content)
        except (ApiError, ValueError, KeyError) as e:
            log.info("the organization id is not known: %s", e)
            return None
        data = doc.get("data") if isinstance(doc, dict) else None
        org_id = data.get("id") if isinstance(data, dict) else None
        return org_id if isinstance(org_id, str) and org_id else None


def _workspace(item: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON:API workspace resource as `{id, name?, parent?}`."""
    out: dict[str, Any] = {"id": str(item.get("id"))}
    name = (item.get("attributes") or {}).get("name")
    if isinstance(name, str):
        out["name"] = name
    parent = ((item.get("relationships") or {}).get("parent") or {}).get("data")
    if isinstance(parent, dict) and isinstance(parent.get("id"), str):
        out["parent"] = parent["id"]
    return out


def layout_body(doc: Mapping[str, Any]) -> bytes:
    """The body a PUT of the layout `doc` sends: compact UTF-8 JSON, keys in the document's order."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _members(doc: Mapping[str, Any]) -> str:
    """`3 users and 2 groups`."""
    users, groups = doc.get("users"), doc.get("userGroups")
    n_users = len(users) if isinstance(users, list) else 0
    n_groups = len(groups) if isinstance(groups, list) else 0
    return f"{plural(n_users, 'user')} and {plural(n_groups, 'group')}"
