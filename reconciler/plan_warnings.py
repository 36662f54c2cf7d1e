"""The warnings that ride along with a plan (SPEC §5): consequences a reviewer must not miss.

Each is a PlanWarning with a kind and a severity: `security` (bootstrap group membership, organization MANAGE,
workspace permissions cascaded away, undeclared principals kept) or `info` (no authId, policy.ignore, an
expired membership or grant the plan removes, one expiring within policy.expiry.warn_days).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.plan_model import Change, PlanContext, PlanWarning, Severity, by_consequence

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


def _grant(kind: str, who: str, gid: str, manage: _Manage) -> PlanWarning | None:
    source = manage.source(gid)
    if source is None:
        return None
    via = f"group {gid}" if source == gid else f"group {gid} (a descendant of {source})"
    members = "and all its members gain" if kind == "group" else "gains"
    message = f"{kind} {who} {members} organization MANAGE through {via}"
    return PlanWarning("manage-grant", "security", message, kind, who)


# The notes render writes (reconciler.layout), by a phrase each holds; an unknown note counts as security.
_NOTE_KINDS: tuple[tuple[str, str, Severity], ...] = (
    ("is not declared but is kept", "kept", "security"),
    ("matches policy.ignore", "ignored", "info"),
    ("the membership expired on", "expired", "info"),
    ("the membership expires", "expiring", "info"),
    ("the grant expired on", "expired", "info"),
    ("the grant expires", "expiring", "info"),
    ("is disabled:", "disabled", "security"),
    ("will be e-mailed an invitation", "invitation", "info"),
)


def note_warning(note: str) -> PlanWarning:
    """A note from render as a warning: `group legacy is not declared but is kept: …` is kind `kept`."""
    kind, severity = next(((k, s) for phrase, k, s in _NOTE_KINDS if phrase in note), ("note", "security"))
    subject, _, rest = note.partition(" ")
    if subject not in ("user", "group"):
        return PlanWarning(kind, severity, note)
    return PlanWarning(kind, severity, note, subject, rest.partition(" ")[0])


def plan_warnings(
    changes: tuple[Change, ...], live: Mapping[str, Any], desired: Mapping[str, Any], context: PlanContext
) -> tuple[PlanWarning, ...]:
    """Warnings for `changes` between the canonical `live` and `desired` documents, then context.notes.

    Security warnings first; within a severity, destroys' warnings, then updates', then creates'.
    """
    users = {u["id"]: u for u in desired["users"]}
    live_users = {u["id"]: u for u in live["users"]}
    live_groups = {g["id"]: g for g in live["userGroups"]}
    manage = _Manage(desired, context)
    boot = context.bootstrap_group
    out: list[PlanWarning] = []
    for change in by_consequence(changes):
        kind, who = change.kind, change.id
        if kind not in _MEMBERSHIP:
            continue  # permissions documents: their consequences are the effective-access report's
        if change.op == "delete":
            workspaces = context.workspace_assignees.get((_ASSIGNEE[kind], who), ())
            if workspaces:
                message = (
                    f"deleting {kind} {who} also removes its permissions in workspace(s) "
                    f"{', '.join(sorted(workspaces))} (the server cascades them away; re-creating it "
                    "does not bring them back)"
                )
                out.append(PlanWarning("workspace-cascade", "security", message, kind, who))
            old = live_users.get(who) if kind == "user" else live_groups.get(who)
            refs = {r["id"] for r in (old or {}).get(_MEMBERSHIP[kind]) or ()}
            if boot in refs:
                message = f"{kind} {who}, a member of the bootstrap group {boot}, is deleted"
                out.append(PlanWarning("bootstrap-member-deleted", "security", message, kind, who))
            continue
        if kind == "user" and who != context.bootstrap_user:
            user = users[who]
            if "authId" not in user and user.get("systemAccount") is not True:
                message = f"user {who} has no authId: it cannot log in"
                out.append(PlanWarning("no-auth-id", "info", message, "user", who))
        for fc in change.fields:
            if fc.field != _MEMBERSHIP[kind]:
                continue
            if boot in fc.added:
                message = f"{kind} {who} joins the bootstrap group {boot}"
                out.append(PlanWarning("bootstrap-join", "security", message, kind, who))
            if boot in fc.removed:
                message = f"{kind} {who} leaves the bootstrap group {boot}"
                out.append(PlanWarning("bootstrap-leave", "security", message, kind, who))
            for gid in fc.added:
                grant = _grant(kind, who, gid, manage)
                if grant:
                    out.append(grant)
    out.extend(note_warning(n) for n in context.notes)
    return tuple(w for w in out if w.severity == "security") + tuple(
        w for w in out if w.severity != "security"
    )
