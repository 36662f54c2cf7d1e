"""The layout document in the form the server returns it (API.md §4).

Keys sorted, lists sorted by id, memberships kept as sets, `permissions`/`settings` always present, unset
(null) fields and empty memberships omitted. Unknown fields on users and groups (a newer server's) are kept.
"""

from __future__ import annotations

from typing import Any


def _refs(refs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    # The server keeps memberships as a set: one entry per id, ordered by id.
    return [{"id": i, "type": "userGroup"} for i in sorted({r["id"] for r in refs or ()})]


def _permissions(perms: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    seen = {(p["assignee"]["id"], p["assignee"]["type"], p["name"]) for p in perms or ()}
    return [{"assignee": {"id": a, "type": t}, "name": n} for a, t, n in sorted(seen)]


def _settings(settings: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for s in settings or ():
        out.append({k: s[k] for k in ("content", "id", "type") if s.get(k) is not None})
    out.sort(key=lambda s: s["id"])
    return out


def normalize_user(user: dict[str, Any]) -> dict[str, Any]:
    """The user as the server returns it: sorted keys and lists, nulls and empty memberships omitted."""
    out = {k: v for k, v in user.items() if v is not None}
    groups = _refs(out.get("userGroups"))
    if groups:
        out["userGroups"] = groups
    else:
        out.pop("userGroups", None)
    out["settings"] = _settings(out.get("settings"))
    out["permissions"] = _permissions(out.get("permissions"))
    return dict(sorted(out.items()))


def normalize_group(group: dict[str, Any]) -> dict[str, Any]:
    """The group as the server returns it: sorted keys and lists, nulls and empty parents omitted."""
    out = {k: v for k, v in group.items() if v is not None}
    parents = _refs(out.get("parents"))
    if parents:
        out["parents"] = parents
    else:
        out.pop("parents", None)
    out["permissions"] = _permissions(out.get("permissions"))
    return dict(sorted(out.items()))
