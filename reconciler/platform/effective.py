"""Effective access of the older platform's documents, for a plan's access lines. Pure.

Each ENABLED member holds its role's bundle on its project (a role no bundle names gives nothing here);
group membership carries no permission on this platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.access.model import AccessModel
from reconciler.platform import documents as docs
from reconciler.platform.options import PlatformOptions


def model(documents: Mapping[str, Mapping[str, Any]], options: PlatformOptions) -> AccessModel:
    """Effective access of the older platform's documents: each ENABLED member holds its role's bundle on
    its project (a role no bundle names gives nothing here); group membership carries no permission."""
    logins: set[str] = set()
    workspaces: dict[str, dict[str, Any]] = {}
    for key, doc in documents.items():
        found = docs.project_of(key)
        if found is None or found[1] != "members":
            continue
        grants = []
        for m in doc.get("members", ()):
            logins.add(m["login"])
            if m["status"] == docs.ENABLED and m["role"] in options.roles:
                grants += [
                    {"name": p, "assignee": {"id": m["login"], "type": "user"}}
                    for p in options.roles[m["role"]]
                ]
        workspaces[options.workspace(found[0])] = {"permissions": grants}
    users = {"users": [{"id": login} for login in sorted(logins)], "userGroups": []}
    return AccessModel.from_documents(users, {w: None for w in workspaces}, workspaces)
