"""Workspaces and their permissions: enough of GoodData's workspace API to see who holds what.

`GET /api/v1/entities/workspaces` (JSON:API list) and `GET/PUT /api/v1/layout/workspaces/{id}/permissions`
(`{"permissions": [...], "hierarchyPermissions": [...]}`). Like the real server, deleting a user or group
deletes the workspace permissions that name it (API.md §5): `prune` runs on every published document.
Workspaces live in memory only (the `--data` file holds the users-and-groups layout).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

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
LIST_PATH = "/api/v1/entities/workspaces"
_PERMISSIONS_PATH = re.compile(r"^/api/v1/layout/workspaces/((?!\.)[.A-Za-z0-9_-]{1,255})/permissions$")
KEYS = ("hierarchyPermissions", "permissions")


def permissions_path(path: str) -> str | None:
    """The workspace id of a `/api/v1/layout/workspaces/{id}/permissions` path, else None."""
    m = _PERMISSIONS_PATH.match(path)
    return m.group(1) if m else None


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


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [
        {"assignee": {"id": p["assignee"]["id"], "type": p["assignee"]["type"]}, "name": p["name"]}
        for p in entries
    ]
    return sorted(out, key=lambda p: (p["assignee"]["id"], p["assignee"]["type"], p["name"]))


class Workspaces:
    """Workspace ids and their permission documents, safe to use from several request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._docs: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def put(self, workspace_id: str, doc: Mapping[str, Any]) -> None:
        """Create the workspace if needed and replace its permissions (the document must pass `check`)."""
        clean = {key: _sorted(list(doc.get(key, []))) for key in KEYS}
        with self._lock:
            self._docs[workspace_id] = clean

    def get(self, workspace_id: str) -> dict[str, list[dict[str, Any]]] | None:
        with self._lock:
            doc = self._docs.get(workspace_id)
            return None if doc is None else {k: [dict(p) for p in v] for k, v in doc.items()}

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._docs)

    def prune(self, layout: Mapping[str, Any]) -> None:
        """Drop the permissions of users and groups that no longer exist in `layout`."""
        with self._lock:
            if not self._docs:
                return
            alive = {("user", u["id"]) for u in layout.get("users", [])}
            alive |= {("userGroup", g["id"]) for g in layout.get("userGroups", [])}
            for doc in self._docs.values():
                for key in KEYS:
                    doc[key] = [p for p in doc[key] if (p["assignee"]["type"], p["assignee"]["id"]) in alive]


def list_page(ids: list[str], query: Mapping[str, list[str]], base: str) -> dict[str, Any]:
    """A JSON:API page of workspaces (`page`, `size` query parameters)."""
    try:
        page = max(0, int(query.get("page", ["0"])[0]))
        size = min(1000, max(1, int(query.get("size", ["20"])[0])))
    except ValueError:
        page, size = 0, 20
    chunk = ids[page * size : (page + 1) * size]
    data = [
        {
            "attributes": {"name": wid},
            "id": wid,
            "links": {"self": f"{base}{LIST_PATH}/{wid}"},
            "type": "workspace",
        }
        for wid in chunk
    ]
    links = {"self": f"{base}{LIST_PATH}?page={page}&size={size}"}
    if (page + 1) * size < len(ids):
        links["next"] = f"{base}{LIST_PATH}?page={page + 1}&size={size}"
    total_pages = (len(ids) + size - 1) // size
    meta = {"page": {"number": page, "size": size, "totalElements": len(ids), "totalPages": total_pages}}
    return {"data": data, "links": links, "meta": meta}
