"""Data sources and who may USE or MANAGE them: only as much as the user-management view needs.

The emulator serves no data source content; a test seeds data sources with
`Emulator.set_data_source_permissions` and `/api/v1/actions/userManagement/...` reads and writes their
permissions. Deleting a user or group drops
its data source permissions (API.md §5). In memory only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

NAMES = ("MANAGE", "USE")


def check(permissions: Any) -> list[str]:
    """Problems of a list of `{name: MANAGE|USE, assignee: {id, type}}` (empty when valid)."""
    if not isinstance(permissions, list):
        return ["permissions must be an array"]
    problems = []
    for i, p in enumerate(permissions):
        assignee = p.get("assignee") if isinstance(p, dict) else None
        if not isinstance(p, dict) or p.get("name") not in NAMES:
            problems.append(f"permissions[{i}].name must be one of {', '.join(NAMES)}")
        elif not (
            isinstance(assignee, dict)
            and isinstance(assignee.get("id"), str)
            and assignee.get("type") in ("user", "userGroup")
        ):
            problems.append(f"permissions[{i}].assignee must be {{id, type: user|userGroup}}")
    return problems


def _sorted(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique = {
        (p["assignee"]["id"], p["assignee"]["type"], p["name"]): {
            "assignee": {"id": p["assignee"]["id"], "type": p["assignee"]["type"]},
            "name": p["name"],
        }
        for p in entries
    }
    return [unique[k] for k in sorted(unique)]


class DataSources:
    """Data source ids, names and permissions, safe to use from several request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, dict[str, Any]] = {}

    def put(self, data_source_id: str, name: str | None, permissions: list[dict[str, Any]]) -> None:
        """Create or replace a data source (permissions must pass `check`)."""
        with self._lock:
            self._sources[data_source_id] = {
                "name": name or data_source_id,
                "permissions": _sorted(permissions),
            }

    def get(self, data_source_id: str) -> dict[str, Any] | None:
        with self._lock:
            source = self._sources.get(data_source_id)
            return (
                None
                if source is None
                else {"name": source["name"], "permissions": list(source["permissions"])}
            )

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._sources)

    def update(
        self, change: Callable[[dict[str, list[dict[str, Any]]]], dict[str, list[dict[str, Any]]]]
    ) -> None:
        """Replace permissions of several data sources at once: `change(current)` returns the new lists."""
        with self._lock:
            current = {k: list(v["permissions"]) for k, v in self._sources.items()}
            for source_id, permissions in change(current).items():
                self._sources[source_id]["permissions"] = _sorted(permissions)

    def prune(self, layout: Mapping[str, Any]) -> None:
        """Drop the permissions of users and groups that no longer exist in `layout`."""
        with self._lock:
            if not self._sources:
                return
            alive = {("user", u["id"]) for u in layout.get("users", [])}
            alive |= {("userGroup", g["id"]) for g in layout.get("userGroups", [])}
            for source in self._sources.values():
                source["permissions"] = [
                    p for p in source["permissions"] if (p["assignee"]["type"], p["assignee"]["id"]) in alive
                ]
