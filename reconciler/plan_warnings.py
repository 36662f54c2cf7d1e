"""The warnings that ride along with a plan (SPEC §5): consequences a reviewer must not miss."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reconciler.plan import Change, PlanContext

_MEMBERSHIP = {"user": "userGroups", "group": "parents"}
_ASSIGNEE = {"user": "user", "group": "userGroup"}


class _Manage:
    """Which groups grant organization MANAGE in the desired document (directly or through a parent)."""

    def __init__(self, desired: Mapping[str, Any], context: PlanContext) -> None:
        # Without the organization's permissions, assume GoodData's default: the bootstrap group holds MANAGE.
        self.roots = context.manage_groups or (
            frozenset() if context.manage_users else frozenset({context.bootstrap_group})
        )
        self.parents = {g["id"]: [r["id"] for r in g.get("parents") or ()] for g in desired["userGroups"]}
        self.memo: dict[str, str | None] = {}

    def source(self, gid: str) -> str | None:
        """The MANAGE-holding group that `gid` is or descends from, or None."""
        if gid in self.memo:
            return self.memo[gid]
        self.memo[gid] = None  # a cycle (rejected by the server anyway) ends here
        found = gid if gid in self.roots else None
        for parent in self.parents.get(gid, ()):
            if found is not None:
                break
            found = self.source(parent)
        self.memo[gid] = found
        return found


def _grant(kind: str, who: str, gid: str, manage: _Manage) -> str | None:
    source = manage.source(gid)
    if source is None:
        return None
    via = f"group {gid}" if source == gid else f"group {gid} (a descendant of {source})"
    members = "and all its members gain" if kind == "group" else "gains"
    return f"{kind} {who} {members} organization MANAGE through {via}"


def plan_warnings(
    changes: tuple[Change, ...], live: Mapping[str, Any], desired: Mapping[str, Any], context: PlanContext
) -> tuple[str, ...]:
    """Warnings for `changes` between the canonical `live` and `desired` documents, then context.notes."""
    users = {u["id"]: u for u in desired["users"]}
    live_users = {u["id"]: u for u in live["users"]}
    live_groups = {g["id"]: g for g in live["userGroups"]}
    manage = _Manage(desired, context)
    boot = context.bootstrap_group
    out: list[str] = []
    for change in changes:
        kind, who = change.kind, change.id
        if change.op == "delete":
            workspaces = context.workspace_assignees.get((_ASSIGNEE[kind], who), ())
            if workspaces:
                out.append(
                    f"deleting {kind} {who} also removes its permissions in workspace(s) "
                    f"{', '.join(sorted(workspaces))} (the server cascades them away; re-creating it "
                    "does not bring them back)"
                )
            old = live_users.get(who) if kind == "user" else live_groups.get(who)
            refs = {r["id"] for r in (old or {}).get(_MEMBERSHIP[kind]) or ()}
            if boot in refs:
                out.append(f"{kind} {who}, a member of the bootstrap group {boot}, is deleted")
            continue
        if kind == "user" and who != context.bootstrap_user:
            user = users[who]
            if "authId" not in user and user.get("systemAccount") is not True:
                out.append(f"user {who} has no authId: it cannot log in")
        for fc in change.fields:
            if fc.field != _MEMBERSHIP[kind]:
                continue
            if boot in fc.added:
                out.append(f"{kind} {who} joins the bootstrap group {boot}")
            if boot in fc.removed:
                out.append(f"{kind} {who} leaves the bootstrap group {boot}")
            for gid in fc.added:
                grant = _grant(kind, who, gid, manage)
                if grant:
                    out.append(grant)
    out.extend(context.notes)
    return tuple(out)
