"""The user-management actions: one user's or group's workspace and data source permissions.

`GET/POST /api/v1/actions/userManagement/users/{id}/permissions` and `.../userGroups/{id}/permissions`,
`POST /api/v1/actions/userManagement/assignPermissions` and `.../revokePermissions`. They read and write the
very permissions `/api/v1/layout/workspaces/{id}/permissions` serves (one store, two views) and the data
sources' permissions.

What a write does (the recordings show the first two; the rest is inferred and documented):
- manage (POST .../permissions) and assign: for each listed workspace (data source), the assignee's
  permissions and hierarchyPermissions there become exactly the listed ones; unlisted ones are untouched;
- revoke: the listed permissions are removed from each assignee; others stay;
- only direct assignments are listed (not those a user holds through its groups).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.emulator import data_source_permissions, workspaces
from reconciler.emulator.data_source_permissions import DataSources
from reconciler.emulator.entities import EntityError
from reconciler.emulator.reply import NOT_FOUND_DETAIL
from reconciler.emulator.workspaces import Workspaces

Assignee = tuple[str, str]  # (type, id)


def _mine(entries: list[dict[str, Any]], who: Assignee) -> list[str]:
    return [p["name"] for p in entries if (p["assignee"]["type"], p["assignee"]["id"]) == who]


def view(
    spaces: Workspaces, sources: DataSources, who: Assignee, name_of: Callable[[str], str]
) -> dict[str, Any]:
    """GET .../permissions: the workspaces and data sources where `who` holds a direct permission."""
    out_ws = []
    for wid in spaces.ids():
        doc = spaces.get(wid) or {}
        perms = _mine(doc.get("permissions", []), who)
        hierarchy = _mine(doc.get("hierarchyPermissions", []), who)
        if perms or hierarchy:
            out_ws.append(
                {"hierarchyPermissions": hierarchy, "id": wid, "name": name_of(wid), "permissions": perms}
            )
    out_ds = []
    for sid in sources.ids():
        source = sources.get(sid) or {"name": sid, "permissions": []}
        perms = _mine(source["permissions"], who)
        if perms:
            out_ds.append({"id": sid, "name": source["name"], "permissions": perms})
    return {"dataSources": out_ds, "workspaces": out_ws}


def _names(where: str, value: Any, allowed: frozenset[str] | tuple[str, ...]) -> list[str]:
    if not isinstance(value, list):
        return [f"{where}: expected an array of permission names"]
    return [f"{where}: {n!r} is not one of {sorted(allowed)}" for n in value if n not in allowed]


def check_assignments(body: Any, *, required: bool) -> list[str]:
    """Problems of `{workspaces: [...], dataSources: [...]}` (both `required` for a manage body)."""
    if not isinstance(body, dict):
        return ["the body must be an object with workspaces and dataSources"]
    problems = []
    for key in ("workspaces", "dataSources"):
        if key not in body:
            if required:
                problems.append(f"'{key}' is required")
            continue
        entries = body[key]
        if not isinstance(entries, list):
            problems.append(f"{key}: expected an array")
            continue
        for i, e in enumerate(entries):
            at = f"{key}[{i}]"
            if not isinstance(e, dict) or not isinstance(e.get("id"), str):
                problems.append(f"{at}: expected an object with a string 'id'")
                continue
            if key == "workspaces":
                problems += _names(f"{at}.permissions", e.get("permissions"), workspaces.PERMISSION_NAMES)
                problems += _names(
                    f"{at}.hierarchyPermissions", e.get("hierarchyPermissions"), workspaces.PERMISSION_NAMES
                )
            else:
                problems += _names(f"{at}.permissions", e.get("permissions"), data_source_permissions.NAMES)
    return problems


def check_assignees(body: Any, alive: Callable[[str, str], bool]) -> list[Assignee]:
    """The `assignees` of an assign/revoke body (raises EntityError 400 when missing or unknown)."""
    raw = body.get("assignees") if isinstance(body, dict) else None
    if not isinstance(raw, list) or not raw:
        raise EntityError(400, "'assignees' must be a non-empty array of {id, type: user|userGroup}")
    out = []
    for i, a in enumerate(raw):
        if (
            not isinstance(a, dict)
            or a.get("type") not in ("user", "userGroup")
            or not isinstance(a.get("id"), str)
        ):
            raise EntityError(400, f"assignees[{i}] must be {{id, type: user|userGroup}}")
        if not alive(a["type"], a["id"]):
            raise EntityError(400, f"assignees[{i}]: {a['type']} {a['id']!r} does not exist")
        out.append((a["type"], a["id"]))
    return out


def _entry(name: str, who: Assignee) -> dict[str, Any]:
    return {"assignee": {"id": who[1], "type": who[0]}, "name": name}


def _rewrite(
    entries: list[dict[str, Any]], who: Assignee, names: list[str], revoke: bool
) -> list[dict[str, Any]]:
    theirs = set(_mine(entries, who))
    others = [p for p in entries if (p["assignee"]["type"], p["assignee"]["id"]) != who]
    kept = sorted(theirs - set(names)) if revoke else sorted(set(names))
    return others + [_entry(n, who) for n in kept]


def write(
    spaces: Workspaces, sources: DataSources, assignees: list[Assignee], body: dict[str, Any], *, revoke: bool
) -> None:
    """Apply manage/assign (revoke=False) or revoke to every assignee; run it under the store's write lock
    (`Store.save`) so that it is one step. Raises EntityError 404 for an unknown workspace or data source
    (nothing changes then)."""
    ws_entries = body.get("workspaces", [])
    ds_entries = body.get("dataSources", [])
    docs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for e in ws_entries:
        doc = docs.get(e["id"]) or spaces.get(e["id"])
        if doc is None:
            raise EntityError(404, f"workspace {e['id']!r}: {NOT_FOUND_DETAIL}")
        docs[e["id"]] = doc
    known = set(sources.ids())
    for e in ds_entries:
        if e["id"] not in known:
            raise EntityError(404, f"data source {e['id']!r}: {NOT_FOUND_DETAIL}")
    for e in ws_entries:
        doc = docs[e["id"]]
        for who in assignees:
            doc["permissions"] = _rewrite(doc["permissions"], who, e["permissions"], revoke)
            doc["hierarchyPermissions"] = _rewrite(
                doc["hierarchyPermissions"], who, e["hierarchyPermissions"], revoke
            )
    for wid, doc in docs.items():
        spaces.put_permissions(wid, doc)

    def change(current: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for e in ds_entries:
            entries = out.get(e["id"], current[e["id"]])
            for who in assignees:
                entries = _rewrite(entries, who, e["permissions"], revoke)
            out[e["id"]] = entries
        return out

    if ds_entries:
        sources.update(change)
