"""The project side of the older platform's client: roles, members, user groups, invitations (API.md §3–§6).

Roles are resolved by their identifier (`editorRole`), never by their number: the numbers differ between
servers. A membership POST answers 200 even when items fail; the failures are returned by the login or id
the caller gave, and an item the answer names neither as successful nor as failed counts as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from reconciler.client.platform_http import relative
from reconciler.errors import ApiError

log = logging.getLogger("reconciler.client")

PROFILE_PREFIX = "/gdc/account/profile/"
GROUPS_PATH = "/gdc/userGroups"


def last_segment(uri: str) -> str:
    """`/gdc/account/profile/abc` → `abc`."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _project(pid: str) -> str:
    return f"/gdc/projects/{quote(pid, safe='')}"


class ProjectCalls:
    """The project calls of `PlatformClient` (which provides the sending and the settings)."""

    base_url: str
    page_size: int
    batch_size: int
    _roles: dict[str, dict[str, str]]

    def _json(self, method: str, path: str, what: str, body: Any = None, *, idempotent: bool = False) -> Any:
        raise NotImplementedError

    # -- roles ---------------------------------------------------------------------------------------

    def roles(self, pid: str) -> dict[str, str]:
        """The roles as `{identifier: role URI}` (GET /gdc/internal/projects/{pid}/roles, cached)."""
        if pid not in self._roles:
            path = f"/gdc/internal/projects/{quote(pid, safe='')}/roles"
            doc = self._json("GET", path, f"reading the roles of project {pid}") or {}
            listed = (doc.get("internalProjectRoles") or {}).get("roles")
            if not isinstance(listed, list):
                raise ApiError(f"api error: {self.base_url}{path}: the answer holds no list of roles")
            found: dict[str, str] = {}
            for entry in listed:
                meta = (entry.get("projectRole") or {}).get("meta") or {}
                if isinstance(meta.get("identifier"), str) and isinstance(meta.get("uri"), str):
                    found[meta["identifier"]] = meta["uri"]
            self._roles[pid] = found
        return dict(self._roles[pid])

    def _identifier(self, pid: str, uri: str) -> str:
        """The identifier of role `uri` of project `pid` (a role the internal list lacks is read itself)."""
        for identifier, known in self.roles(pid).items():
            if known.rstrip("/") == uri.rstrip("/"):
                return identifier
        doc = self._json("GET", uri, f"reading role {uri} of project {pid}") or {}
        found = ((doc.get("projectRole") or {}).get("meta") or {}).get("identifier")
        if not isinstance(found, str) or not found:
            raise ApiError(f"api error: {self.base_url}{uri}: the role has no identifier")
        self._roles[pid][found] = uri
        return found

    def _role_uri(self, pid: str, identifier: str) -> str:
        roles = self.roles(pid)
        if identifier not in roles:
            raise ApiError(
                f"api error: project {pid} on {self.base_url} has no role {identifier!r} "
                f"(its roles: {', '.join(sorted(roles)) or 'none'})"
            )
        return roles[identifier]

    # -- members -------------------------------------------------------------------------------------

    def project_users(self, pid: str) -> list[dict[str, Any]]:
        """Every member, ENABLED and DISABLED, as `{id, login, role, status}` (`role`: an identifier)."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            query = urlencode({"offset": offset, "limit": self.page_size})
            path = f"{_project(pid)}/users?{query}"
            doc = self._json("GET", path, f"listing the members of project {pid}") or {}
            users = doc.get("users")
            if not isinstance(users, list):
                raise ApiError(f"api error: {self.base_url}{path}: the answer holds no list of users")
            for item in users:
                out.append(self._member(pid, item.get("user") or {}))
            offset += len(users)
            if len(users) < self.page_size or not users:
                return out

    def _member(self, pid: str, user: Mapping[str, Any]) -> dict[str, Any]:
        content = user.get("content") or {}
        uris = [u for u in content.get("userRoles") or () if isinstance(u, str)]
        login = content.get("login")
        if len(uris) > 1:
            log.warning("project %s: %s has %d roles; the first one counts", pid, login, len(uris))
        return {
            "id": last_segment(str((user.get("links") or {}).get("self") or "")),
            "login": login,
            "role": self._identifier(pid, uris[0]) if uris else None,
            "status": content.get("status"),
        }

    def set_project_users(self, pid: str, items: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
        """Add members, change their role, enable or disable them, in batches; the items that failed.

        Each item is `{"id" or "login", "role": identifier or None, "status": "ENABLED"|"DISABLED"}`. The
        answer is one `{"login" or "id": ..., "message": ...}` per failed item, keyed as the item was; the
        server's per-item failures never raise. An unknown role raises before anything is sent.
        """
        prepared: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        for item in items:
            key = "id" if item.get("id") else "login"
            uri = PROFILE_PREFIX + str(item[key])
            content: dict[str, Any] = {"status": item.get("status") or "ENABLED"}
            if item.get("role"):
                content["userRoles"] = [self._role_uri(pid, str(item["role"]))]
            prepared.append(
                (uri, {key: str(item[key])}, {"user": {"content": content, "links": {"self": uri}}})
            )
        failures: list[dict[str, str]] = []
        for start in range(0, len(prepared), self.batch_size):
            batch = prepared[start : start + self.batch_size]
            what = f"updating {len(batch)} members of project {pid}"
            body = {"users": [b[2] for b in batch]}
            doc = self._json("POST", f"{_project(pid)}/users", what, body, idempotent=True) or {}
            failures.extend(_failures(doc.get("projectUsersUpdateResult") or {}, batch))
        return failures

    def remove_project_user(self, pid: str, user_id: str) -> None:
        """Remove a member from the project (hard removal, not DISABLED)."""
        path = f"{_project(pid)}/users/{quote(user_id, safe='')}"
        self._json("DELETE", path, f"removing user {user_id} from project {pid}")

    # -- user groups ---------------------------------------------------------------------------------

    def user_groups(self, pid: str) -> list[dict[str, Any]]:
        """The project's user groups as `{id, name, members: [profile ids]}`."""
        out: list[dict[str, Any]] = []
        first = f"{GROUPS_PATH}?{urlencode({'project': pid})}"
        for item in self._pages(first, "userGroups", f"listing the user groups of project {pid}"):
            group = item.get("userGroup") or {}
            content, links = group.get("content") or {}, group.get("links") or {}
            group_id = content.get("id") or last_segment(str(links.get("self") or ""))
            members_path = relative(
                self.base_url, links.get("members") or f"{GROUPS_PATH}/{group_id}/members"
            )
            members = [
                last_segment(str(((m.get("user") or {}).get("links") or {}).get("self") or ""))
                for m in self._pages(
                    members_path, "userGroupMembers", f"reading the members of group {group_id}"
                )
                if "user" in m  # a nested group has no counterpart in the state
            ]
            out.append({"id": str(group_id), "name": content.get("name"), "members": members})
        return out

    def _pages(self, path: str, envelope: str, what: str) -> Iterable[Mapping[str, Any]]:
        """The items of a listing that says `paging.next` (user groups and their members)."""
        next_path: str | None = path
        while next_path:
            doc = self._json("GET", next_path, what) or {}
            body = doc.get(envelope) or {}
            items = body.get("items")
            if not isinstance(items, list):
                raise ApiError(f"api error: {self.base_url}{next_path}: the answer holds no list of items")
            yield from (i for i in items if isinstance(i, dict))
            nxt = (body.get("paging") or {}).get("next")
            next_path = relative(self.base_url, nxt) if isinstance(nxt, str) and nxt and items else None

    def create_user_group(self, pid: str, name: str) -> str:
        """Create a user group in the project; its id."""
        body = {"userGroup": {"content": {"name": name, "description": "", "project": _project(pid)}}}
        doc = self._json("POST", GROUPS_PATH, f"creating group {name} in project {pid}", body) or {}
        uri = doc.get("uri")
        if not isinstance(uri, str) or not uri:
            raise ApiError(f"api error: {self.base_url}{GROUPS_PATH}: the answer names no group for {name}")
        return last_segment(uri)

    def set_group_members(self, group_id: str, profile_ids: Iterable[str]) -> None:
        """Make the group's members exactly `profile_ids` (modifyMembers SET)."""
        path = f"{GROUPS_PATH}/{quote(group_id, safe='')}/modifyMembers"
        items = [PROFILE_PREFIX + p for p in profile_ids]
        body = {"modifyMembers": {"operation": "SET", "items": items}}
        self._json("POST", path, f"setting the members of group {group_id}", body, idempotent=True)

    # -- invitations ---------------------------------------------------------------------------------

    def invitations(self, pid: str) -> list[dict[str, Any]]:
        """The project's invitations, any status, as `{id, email, status, role}` (`role`: an identifier or
        None; GET /gdc/projects/{pid}/invitations, API.md §5)."""
        path = f"{_project(pid)}/invitations"
        doc = self._json("GET", path, f"listing the invitations of project {pid}") or {}
        listed = doc.get("invitations")
        if not isinstance(listed, list):
            raise ApiError(f"api error: {self.base_url}{path}: the answer holds no list of invitations")
        out: list[dict[str, Any]] = []
        for item in listed:
            invitation = (item.get("invitation") if isinstance(item, dict) else None) or {}
            content = invitation.get("content") or {}
            role = content.get("role")
            out.append(
                {
                    "id": last_segment(str((invitation.get("links") or {}).get("self") or "")),
                    "email": content.get("email"),
                    "status": content.get("status"),
                    "role": self._identifier(pid, role) if isinstance(role, str) and role else None,
                }
            )
        return out

    def invite(
        self,
        pid: str,
        email: str,
        role_identifier: str,
        firstname: str | None = None,
        lastname: str | None = None,
    ) -> str | None:
        """Invite `email` to the project with a role; the invitation's URI, None when already a member."""
        content: dict[str, Any] = {"email": email, "role": self._role_uri(pid, role_identifier)}
        if firstname:
            content["firstname"] = firstname
        if lastname:
            content["lastname"] = lastname
        body = {"invitations": [{"invitation": {"content": content}}]}
        doc = self._json("POST", f"{_project(pid)}/invitations", f"inviting {email} to project {pid}", body)
        created = (doc or {}).get("createdInvitations") or {}
        if email.lower() in (str(x).lower() for x in created.get("loginsDomainMismatch") or ()):
            raise ApiError(
                f"api error: {email} cannot be invited to project {pid}: the login is in another domain"
            )
        if email.lower() in (str(x).lower() for x in created.get("loginsAlreadyInProject") or ()):
            log.info("%s is already a member of project %s: not invited", email, pid)
            return None
        uris = created.get("uri") or []
        return str(uris[0]) if uris else None


def _failures(
    result: Mapping[str, Any], batch: Sequence[tuple[str, dict[str, str], Any]]
) -> list[dict[str, str]]:
    """The failed items of one batch, keyed as the caller gave them; unreported items fail too."""
    by_uri = {uri.lower(): key for uri, key, _ in batch}
    reported: set[str] = {str(u).lower() for u in result.get("successful") or ()}
    out: list[dict[str, str]] = []
    for failed in result.get("failed") or ():
        uri = str(failed.get("user") or "") if isinstance(failed, dict) else str(failed)
        message = str(failed.get("message") or "failed") if isinstance(failed, dict) else "failed"
        reported.add(uri.lower())
        key = by_uri.get(uri.lower()) or {"id": last_segment(uri)}
        out.append({**key, "message": message})
    for uri, key, _ in batch:
        if uri.lower() not in reported:
            out.append({**key, "message": "the server reported neither success nor failure for this user"})
    return out
