"""Each declared user's effective workspace permissions on each project, and the role they select. Pure.

The permissions come from the access issue's model (reconciler.access): grants to the user and to its
groups (nested through parents), `hierarchyPermissions` (projects have no hierarchy on the older platform:
they reach the project itself), and organization MANAGE (MANAGE on every project). A disabled user's grants
count too: they pick the role its `DISABLED` membership keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.access.effective import effective_access
from reconciler.access.model import AccessModel
from reconciler.expiry import as_of
from reconciler.resources.grants import from_grants
from reconciler.source.model import DesiredState, Grant, Location


@dataclass(frozen=True)
class ProjectAccess:
    """user id → workspace id → the permissions it holds there (implied ones included), for every
    workspace whose permissions the state manages."""

    permissions: Mapping[str, Mapping[str, frozenset[str]]]
    managed: frozenset[str]

    def on(self, user: str, workspace: str) -> frozenset[str]:
        return self.permissions.get(user, {}).get(workspace, frozenset())


def current(state: DesiredState) -> DesiredState:
    """The state as of its day (memberships past `expires` left out)."""
    return as_of(state, state.as_of) if state.as_of is not None else state


def managed_workspaces(state: DesiredState) -> frozenset[str]:
    """Workspaces that manage one of their permission lists (an entry listing neither keeps the project's
    members as they are)."""
    return frozenset(
        w
        for w, e in state.workspaces.items()
        if e.permissions is not None or e.hierarchy_permissions is not None
    )


def project_access(state: DesiredState) -> ProjectAccess:
    """Every declared user's permissions on every managed workspace."""
    state = current(state)
    managed = managed_workspaces(state)
    users_doc: dict[str, Any] = {
        "users": [
            {"id": uid, "userGroups": [{"id": g} for g in _groups(e.fields.get("userGroups"))]}
            for uid, e in state.users.items()
        ],
        "userGroups": [
            {"id": gid, "parents": [{"id": p} for p in _groups(e.fields.get("parents"))]}
            for gid, e in state.groups.items()
        ],
    }
    documents = {
        w: {
            "permissions": from_grants(e.permissions or ()),
            "hierarchyPermissions": from_grants(e.hierarchy_permissions or ()),
        }
        for w, e in state.workspaces.items()
        if w in managed
    }
    org = state.organization.permissions if state.organization is not None else None
    model = AccessModel.from_documents(
        users_doc, {w: None for w in documents}, documents, from_grants(org or ())
    )
    out: dict[str, dict[str, frozenset[str]]] = {}
    for uid in state.users:
        on, every, _ = effective_access(model, uid).held
        per: dict[str, set[str]] = {w: set(every) for w in managed} if every else {}
        for permission, workspaces in on.items():
            for w in workspaces & managed:
                per.setdefault(w, set()).add(permission)
        if per:
            out[uid] = {w: frozenset(p) for w, p in per.items() if p}
    return ProjectAccess(out, managed)


def grant_location(state: DesiredState, user: str, workspace: str) -> Location:
    """Where the first grant reaching `user` on `workspace` is written (the workspace's entry otherwise)."""
    entry = state.workspaces[workspace]
    groups = set(_groups(state.users[user].fields.get("userGroups"))) if user in state.users else set()
    grants: tuple[Grant, ...] = (*(entry.permissions or ()), *(entry.hierarchy_permissions or ()))
    for g in grants:
        if (g.assignee_type == "user" and g.assignee == user) or (
            g.assignee_type == "userGroup" and g.assignee in groups
        ):
            return g.location
    return entry.location


def _groups(value: Any) -> list[str]:
    return [g for g in value if isinstance(g, str)] if isinstance(value, list) else []
