"""Import of the permissions documents: the state's `workspaces:` and `organization:` sections. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.layout import RenderOptions
from reconciler.resources.base import ORGANIZATION_KEY, workspace_of
from reconciler.resources.grants import ignored_assignee, to_grants
from reconciler.source.access import LISTS


def permissions_state(docs: Mapping[str, Mapping[str, Any]], options: RenderOptions) -> dict[str, Any]:
    """Workspaces that have any permissions (both lists written, so import then plan is empty) and the
    organization's permissions; grants of `policy.ignore`d users and groups are left out (carried over)."""

    def grants(perms: Any) -> list[dict[str, Any]]:
        kept = [
            p for p in perms or () if not ignored_assignee(p, options.ignore_users, options.ignore_groups)
        ]
        return to_grants(kept)

    workspaces = []
    for key in sorted(docs):
        wid = workspace_of(key)
        if wid is None:
            continue
        lists = {name: grants(docs[key].get(name)) for name in LISTS}
        if any(lists.values()):
            workspaces.append({"id": wid, **lists})
    out: dict[str, Any] = {"workspaces": workspaces} if workspaces else {}
    org = docs.get(ORGANIZATION_KEY)
    if org is not None:
        out["organization"] = {"permissions": grants(org.get("permissions"))}
    return out
