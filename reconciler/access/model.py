"""Who is in which group and who holds which grant where: the input of effective access.

Built from GoodData's own document shapes (the users-and-groups layout, each workspace's declarative
permissions, the organization's permissions), so the live organization and a rendered desired state feed it
the same way. Pure: no HTTP, no files. Group parents and the workspace tree are walked with a visited set,
so a cycle (which the server refuses, but a bad document may hold) never hangs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

ORGANIZATION = "@organization"  # the scope of organization permissions ('@' is not allowed in an id)
EVERY_WORKSPACE = "*"  # the scope of what organization MANAGE implies ('*' is not allowed in an id)
USER = "user"
GROUP = "userGroup"

Holder = tuple[str, str]  # (assignee type, id): ("user", "jane.doe") or ("userGroup", "analysts")


@dataclass(frozen=True, order=True)
class RawGrant:
    """One entry of a permissions document: `permission` on `scope`; `hierarchy` for hierarchyPermissions."""

    scope: str  # a workspace id or ORGANIZATION
    permission: str
    hierarchy: bool = False


@dataclass(frozen=True)
class AccessModel:
    """Users' groups, groups' parents, the workspace tree and every grant, by holder.

    `users` and `groups` map an id to its direct groups / parents (sorted, deduplicated); `workspaces` maps a
    workspace id to its parent (None for a root); `grants` maps (assignee type, id) to its raw grants, sorted.
    """

    users: Mapping[str, tuple[str, ...]]
    groups: Mapping[str, tuple[str, ...]]
    workspaces: Mapping[str, str | None]
    grants: Mapping[Holder, tuple[RawGrant, ...]]
    workspace_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_documents(
        cls,
        users_and_groups: Mapping[str, Any],
        workspaces: Mapping[str, str | None] | None = None,
        workspace_permissions: Mapping[str, Mapping[str, Any]] | None = None,
        organization_permissions: Sequence[Mapping[str, Any]] = (),
        *,
        workspace_names: Mapping[str, str] | None = None,
        cascade: bool = False,
    ) -> AccessModel:
        """The model of GoodData's documents: `{"users", "userGroups"}`, workspace id → parent id, workspace
        id → `{"permissions", "hierarchyPermissions"}`, and the organization's `[{name, assignee}]`.

        A workspace that has permissions but is missing from `workspaces` is taken as a root; missing lists
        (older servers return no `permissions`) are empty. With `cascade`, grants naming a user or group the
        users-and-groups document lacks are dropped: what the server does to them when it deletes a principal
        (API.md §5), so a plan's "after" shows the cascade.
        """
        users = {
            str(u["id"]): _ids(u.get("userGroups") or ())
            for u in users_and_groups.get("users") or ()
            if "id" in u
        }
        groups = {
            str(g["id"]): _ids(g.get("parents") or ())
            for g in users_and_groups.get("userGroups") or ()
            if "id" in g
        }
        tree: dict[str, str | None] = dict(workspaces or {})
        grants: dict[Holder, set[RawGrant]] = {}
        for ws, doc in (workspace_permissions or {}).items():
            tree.setdefault(ws, None)
            for key, hierarchy in (("permissions", False), ("hierarchyPermissions", True)):
                for entry in doc.get(key) or ():
                    _add(grants, entry, ws, hierarchy)
        for entry in organization_permissions:
            _add(grants, entry, ORGANIZATION, False)
        if cascade:
            known = {USER: users, GROUP: groups}
            grants = {h: gs for h, gs in grants.items() if h[1] in known.get(h[0], ())}
        return cls(
            users=users,
            groups=groups,
            workspaces=tree,
            grants={h: tuple(sorted(gs)) for h, gs in grants.items()},
            workspace_names=dict(workspace_names or {}),
        )

    # --- groups ---------------------------------------------------------------------------------------

    def group_paths(self, start: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Every group reachable from the groups `start` through parents, with the shortest chain to it
        (`start` group first); ties go to the first found, starting groups and parents in id order."""
        paths: dict[str, tuple[str, ...]] = {}
        queue: deque[str] = deque()
        for g in sorted(set(start)):
            paths[g] = (g,)
            queue.append(g)
        while queue:
            g = queue.popleft()
            for parent in self.groups.get(g, ()):
                if parent not in paths:
                    paths[parent] = (*paths[g], parent)
                    queue.append(parent)
        return paths

    @cached_property
    def group_children(self) -> dict[str, tuple[str, ...]]:
        """Group id → the groups that name it as a parent."""
        out: dict[str, list[str]] = {}
        for g, parents in self.groups.items():
            for p in parents:
                out.setdefault(p, []).append(g)
        return {p: tuple(sorted(cs)) for p, cs in out.items()}

    @cached_property
    def group_members(self) -> dict[str, tuple[str, ...]]:
        """Group id → the users directly in it."""
        out: dict[str, list[str]] = {}
        for u, gs in self.users.items():
            for g in gs:
                out.setdefault(g, []).append(u)
        return {g: tuple(sorted(us)) for g, us in out.items()}

    def groups_within(self, groups: Iterable[str]) -> set[str]:
        """`groups` and every group nested in them (whose parents lead to one of them)."""
        seen = set(groups)
        queue = deque(seen)
        while queue:
            for child in self.group_children.get(queue.popleft(), ()):
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
        return seen

    def members_of(self, groups: Iterable[str]) -> set[str]:
        """Users in any of `groups`, directly or through nested groups."""
        members = self.group_members
        return {u for g in self.groups_within(groups) for u in members.get(g, ())}

    # --- workspaces -----------------------------------------------------------------------------------

    @cached_property
    def workspace_children(self) -> dict[str, tuple[str, ...]]:
        """Workspace id → its direct children."""
        out: dict[str, list[str]] = {}
        for ws, parent in self.workspaces.items():
            if parent is not None:
                out.setdefault(parent, []).append(ws)
        return {p: tuple(sorted(cs)) for p, cs in out.items()}

    @cached_property
    def _subtrees(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """Scratch space for values derived from this (immutable) model, e.g. effective access's sources per
        group and chain, which every member with that chain shares."""
        return {}

    def subtree(self, workspace: str) -> frozenset[str]:
        """`workspace` and every workspace below it (children, transitively)."""
        cached = self._subtrees.get(workspace)
        if cached is None:
            seen = {workspace}
            queue = deque([workspace])
            while queue:
                for child in self.workspace_children.get(queue.popleft(), ()):
                    if child not in seen:
                        seen.add(child)
                        queue.append(child)
            cached = self._subtrees[workspace] = frozenset(seen)
        return cached

    def ancestors(self, workspace: str) -> list[str]:
        """`workspace` and its parents up to the root, nearest first."""
        out = [workspace]
        seen = {workspace}
        parent = self.workspaces.get(workspace)
        while parent is not None and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.workspaces.get(parent)
        return out

    def workspace_label(self, workspace: str) -> str:
        """`sales` or `sales (Sales)` when the model knows its name."""
        name = self.workspace_names.get(workspace)
        return f"{workspace} ({name})" if name and name != workspace else workspace


def workspaces_from_entities(
    data: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, str | None], dict[str, str]]:
    """(workspace id → parent id, workspace id → name) from the `data` items of GoodData's JSON:API
    workspace listing (`GET /api/v1/entities/workspaces?include=workspaces`, every page's items together)."""
    tree: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for item in data:
        if not isinstance(item, Mapping) or "id" not in item:
            continue
        ws = str(item["id"])
        parent = ((item.get("relationships") or {}).get("parent") or {}).get("data") or {}
        tree[ws] = str(parent["id"]) if isinstance(parent, Mapping) and "id" in parent else None
        name = (item.get("attributes") or {}).get("name")
        if isinstance(name, str):
            names[ws] = name
    return tree, names


def _ids(refs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(r["id"]) for r in refs if isinstance(r, Mapping) and "id" in r}))


def _add(grants: dict[Holder, set[RawGrant]], entry: Mapping[str, Any], scope: str, hierarchy: bool) -> None:
    assignee = entry.get("assignee") or {}
    if "id" not in assignee or "name" not in entry:
        return
    holder = (str(assignee.get("type") or USER), str(assignee["id"]))
    grants.setdefault(holder, set()).add(RawGrant(scope, str(entry["name"]), hierarchy))
