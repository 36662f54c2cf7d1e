"""Small hand-made organizations for the effective-access tests, in GoodData's own document shapes."""

from __future__ import annotations

import copy
from typing import Any

from reconciler.access.model import AccessModel


def group(id: str) -> dict[str, str]:
    return {"id": id, "type": "userGroup"}


def grant(name: str, assignee: str, kind: str = "userGroup") -> dict[str, Any]:
    return {"name": name, "assignee": {"id": assignee, "type": kind}}


# sales → sales-emea → sales-emea-de, sales → sales-us; hr is a second root
WORKSPACES: dict[str, str | None] = {
    "sales": None,
    "sales-emea": "sales",
    "sales-emea-de": "sales-emea",
    "sales-us": "sales",
    "hr": None,
}


def documents() -> dict[str, Any]:
    """The organization `acme`: analysts nested in leads, a cycle between loop-a and loop-b, ops nested in
    the bootstrap group adminGroup, which holds organization MANAGE."""
    return {
        "users_and_groups": {
            "users": [
                {"id": "admin", "userGroups": [group("adminGroup")], "permissions": [], "settings": []},
                {"id": "jane.doe", "userGroups": [group("analysts")]},
                {"id": "bob", "userGroups": [group("leads")]},
                {"id": "carol"},
                {"id": "eve", "userGroups": [group("loop-a")]},
            ],
            "userGroups": [
                {"id": "adminGroup"},
                {"id": "analysts", "name": "Analysts", "parents": [group("leads")]},
                {"id": "leads"},
                {"id": "loop-a", "parents": [group("loop-b")]},
                {"id": "loop-b", "parents": [group("loop-a")]},
                {"id": "ops", "parents": [group("adminGroup")]},
            ],
        },
        "workspaces": dict(WORKSPACES),
        "workspace_permissions": {
            "sales": {
                "permissions": [
                    grant("ANALYZE", "analysts"),
                    grant("EXPORT", "analysts"),
                    grant("VIEW", "jane.doe", "user"),
                ],
                "hierarchyPermissions": [],
            },
            "hr": {"permissions": [grant("VIEW", "carol", "user"), grant("VIEW", "loop-b")]},
        },
        "organization_permissions": [grant("MANAGE", "adminGroup")],
    }


def model(docs: dict[str, Any] | None = None) -> AccessModel:
    d = documents() if docs is None else docs
    return AccessModel.from_documents(
        d["users_and_groups"],
        d["workspaces"],
        d["workspace_permissions"],
        d["organization_permissions"],
        workspace_names={"sales": "Sales"},
    )


def changed(edit: Any) -> tuple[AccessModel, AccessModel]:
    """The acme model before and after `edit(docs)` changes a deep copy of its documents."""
    after = copy.deepcopy(documents())
    edit(after)
    return model(), model(after)
