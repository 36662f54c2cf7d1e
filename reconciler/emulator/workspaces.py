"""Workspaces: id, name, parent, and who holds which permission on them.

The HTTP side is workspace_api.py. Like the real server, deleting a user or group deletes the workspace
permissions that name it (API.md §5): `prune` runs on every published document. With a `--data` file the
workspaces are saved in it under "workspaces" (`dump`/`load`), in the same atomic write as the organization.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from reconciler.emulator.user_rules import ID_RE, MAX_LEN

PERMISSION_NAMES = frozenset(
    {
        "MANAGE",
        "ANALYZE",
        "EXPORT",
        "EXPORT_TABULAR",
        "EXPORT_PDF",
        "CREATE_AUTOMATION",
        "USE_AI_ASSISTANT",
        "WRITE_KNOWLEDGE_DOCUMENTS",
        "READ_KNOWLEDGE_DOCUMENTS",
        "CREATE_FILTER_VIEW",
        "VIEW",
    }
)
KEYS = ("hierarchyPermissions", "permissions")


class WorkspaceError(Exception):
    """A change the server refuses: `status` and a problem `detail`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def check(doc: Any) -> list[str]:
    """Problems of a workspace permissions document (empty when valid)."""
    if not isinstance(doc, dict):
        return ["the body must be an object with permissions and hierarchyPermissions"]
    problems = []
    for key in KEYS:
        entries = doc.get(key, [])
        if not isinstance(entries, list):
            problems.append(f"{key} must be an array")
            continue
        for i, p in enumerate(entries):
            assignee = p.get("assignee") if isinstance(p, dict) else None
            if not isinstance(p, dict) or p.get("name") not in PERMISSION_NAMES:
                problems.append(f"{key}[{i}].name must be one of {', '.join(sorted(PERMISSION_NAMES))}")
            elif not (
                isinstance(assignee, dict)
                and isinstance(assignee.get("id"), str)
                and assignee.get("type") in ("user", "userGroup")
            ):
                problems.append(f"{key}[{i}].assignee must be {{id, type: user|userGroup}}")
    return problems


def check_fields(workspace_id: Any, name: Any, parent: Any) -> list[str]:
    """Problems of a workspace's own fields (empty when valid)."""
    problems = []
    if not isinstance(workspace_id, str) or ID_RE.fullmatch(workspace_id) is None:
        problems.append(f"workspace id {workspace_id!r} is not a valid id")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_LEN):
        problems.append(f"workspace {workspace_id!r}: name must be a string of at most {MAX_LEN} characters")
    if parent is not None and (not isinstance(parent, str) or ID_RE.fullmatch(parent) is None):
        problems.append(f"workspace {workspace_id!r}: parent {parent!r} is not a valid id")
    return problems


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = {
        (p["assignee"]["id"], p["assignee"]["type"], p["name"]): {
            "assignee": {"id": p["assignee"]["id"], "type": p["assignee"]["type"]},
            "name": p["name"],
        }
        for p in entries
    }
    return [out[key] for key in sorted(out)]


class Workspaces:
    """The workspaces of the organization, safe to use from several request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: dict[str, dict[str, Any]] = {}  # id -> {name, parent, permissions, hierarchyPermissions}

    # -- the workspaces themselves ---------------------------------------------------------------------

    def entity(self, workspace_id: str) -> dict[str, Any] | None:
        """`{id, name?, parent?}` of a workspace, or None."""
        with self._lock:
            w = self._all.get(workspace_id)
            return None if w is None else _entity(workspace_id, w)

    def entities(self) -> list[dict[str, Any]]:
        """Every workspace as `{id, name?, parent?}`, ordered by id."""
        with self._lock:
            return [_entity(i, self._all[i]) for i in sorted(self._all)]

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._all)

    def save(self, workspace_id: str, name: str | None, parent: str | None, *, create: bool) -> None:
        """Create (`create`) or replace a workspace's name and parent; raises WorkspaceError."""
        problems = check_fields(workspace_id, name, parent)
        if problems:
            raise WorkspaceError(400, "; ".join(problems))
        with self._lock:
            exists = workspace_id in self._all
            if create and exists:
                raise WorkspaceError(409, f"workspace '{workspace_id}' already exists")
            if not create and not exists:
                raise WorkspaceError(404, "")
            if parent is not None:
                self._refuse_bad_parent(workspace_id, parent)
            w = self._all.setdefault(workspace_id, {key: [] for key in KEYS})
            w["name"], w["parent"] = name, parent

    def _refuse_bad_parent(self, workspace_id: str, parent: str) -> None:
        if parent not in self._all:
            raise WorkspaceError(
                400, f"workspace '{workspace_id}': parent workspace '{parent}' does not exist"
            )
        current: str | None = parent
        while current is not None:
            if current == workspace_id:
                raise WorkspaceError(400, f"workspace '{workspace_id}': cycle in parents")
            current = self._all[current].get("parent")

    def delete(self, workspace_id: str) -> None:
        """Delete a workspace and its permissions; refuses a parent of other workspaces (WorkspaceError)."""
        with self._lock:
            if workspace_id not in self._all:
                raise WorkspaceError(404, "")
            children = sorted(i for i, w in self._all.items() if w.get("parent") == workspace_id)
            if children:
                raise WorkspaceError(
                    400,
                    f"workspace '{workspace_id}' is the parent of {', '.join(children)}: delete them first",
                )
            del self._all[workspace_id]

    # -- their permissions -----------------------------------------------------------------------------

    def put(self, workspace_id: str, doc: Mapping[str, Any]) -> None:
        """Create the workspace if needed, replace its permissions (test setup; `doc` must pass `check`)."""
        with self._lock:
            w = self._all.setdefault(workspace_id, {"name": None, "parent": None})
            for key in KEYS:
                w[key] = _sorted(list(doc.get(key, [])))

    def put_permissions(self, workspace_id: str, doc: Mapping[str, Any]) -> bool:
        """Replace an existing workspace's permissions; False when there is no such workspace."""
        with self._lock:
            w = self._all.get(workspace_id)
            if w is None:
                return False
            for key in KEYS:
                w[key] = _sorted(list(doc.get(key, [])))
            return True

    def get(self, workspace_id: str) -> dict[str, list[dict[str, Any]]] | None:
        """The permissions document of a workspace, or None."""
        with self._lock:
            w = self._all.get(workspace_id)
            return None if w is None else {key: [dict(p) for p in w[key]] for key in KEYS}

    def prune(self, layout: Mapping[str, Any]) -> None:
        """Drop the permissions of users and groups that no longer exist in `layout`."""
        with self._lock:
            if not self._all:
                return
            alive = {("user", u["id"]) for u in layout.get("users", [])}
            alive |= {("userGroup", g["id"]) for g in layout.get("userGroups", [])}
            for w in self._all.values():
                for key in KEYS:
                    w[key] = [p for p in w[key] if (p["assignee"]["type"], p["assignee"]["id"]) in alive]

    # -- persistence -----------------------------------------------------------------------------------

    def dump(self) -> list[dict[str, Any]]:
        """Every workspace with its permissions, for the data file."""
        with self._lock:
            out = []
            for i in sorted(self._all):
                w = self._all[i]
                out.append({**_entity(i, w), **{key: [dict(p) for p in w[key]] for key in KEYS}})
            return out

    def load(self, raw: Any) -> list[str]:
        """Replace every workspace with those of a data file's "workspaces"; the problems (nothing loaded)."""
        if not isinstance(raw, list) or not all(isinstance(w, dict) for w in raw):
            return ["workspaces: expected an array of objects"]
        problems = []
        for w in raw:
            problems += check_fields(w.get("id"), w.get("name"), w.get("parent"))
            problems += [f"workspace {w.get('id')!r}: {p}" for p in check(w)]
        ids = [w.get("id") for w in raw]
        problems += [
            f"workspace {i!r}: unknown parent {w['parent']!r}"
            for i, w in zip(ids, raw, strict=True)
            if w.get("parent") is not None and w["parent"] not in ids
        ]
        if problems:
            return problems
        with self._lock:
            self._all = {
                w["id"]: {"name": w.get("name"), "parent": w.get("parent")}
                | {key: _sorted(list(w.get(key, []))) for key in KEYS}
                for w in raw
            }
        return []


def _entity(workspace_id: str, w: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": workspace_id}
    if w.get("name") is not None:
        out["name"] = w["name"]
    if w.get("parent") is not None:
        out["parent"] = w["parent"]
    return out
