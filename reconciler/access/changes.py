"""Who gains and who loses access between two models, and why; privilege escalations flagged.

Only principals the change can touch are computed (users whose groups or grants changed, members — through
nested groups — of groups whose grants or parents changed, holders of hierarchy grants over a part of the
tree that moved), so a small change in a 100,000-user organization stays fast. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.access.effective import (
    WORKSPACE_IMPLIES,
    EffectiveAccess,
    Reason,
    effective_access,
    implied,
    permission_key,
)
from reconciler.access.model import EVERY_WORKSPACE, ORGANIZATION, USER, AccessModel, Holder

Direction = Literal["gain", "loss"]
Scope = Literal["membership", "organization", "every-workspace", "workspaces"]
_SCOPE_RANK = {"membership": 0, "organization": 1, "every-workspace": 2, "workspaces": 3}
# permission → the permissions that include it (so it is not shown beside them)
_INCLUDED_IN = {
    p: tuple(q for q in WORKSPACE_IMPLIES if q != p and p in implied(q))
    for p in set().union(*(implied(q) for q in WORKSPACE_IMPLIES))
}


@dataclass(frozen=True)
class AccessDelta:
    """One line of what a principal gains or loses: `permissions` on `scope` (`workspaces`) for `reasons`.

    Permissions are the strongest ones changed: a gain of MANAGE includes whatever MANAGE implies that was not
    held before; for a loss, `kept` names what the lost permissions imply that the principal still holds.
    For `membership`, `group` is the group joined or left (the bootstrap group).
    """

    direction: Direction
    scope: Scope
    permissions: tuple[str, ...]
    reasons: tuple[Reason, ...]
    workspaces: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    group: str = ""
    escalation: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "direction": self.direction,
            "scope": self.scope,
            "permissions": list(self.permissions),
            "workspaces": list(self.workspaces),
            "kept": list(self.kept),
            "group": self.group or None,
            "reasons": [r.to_dict() for r in self.reasons],
            "escalation": self.escalation,
        }


@dataclass(frozen=True)
class AccessChange:
    """How one principal's effective access changes; `deltas` gains first, then losses."""

    principal: str
    kind: str  # USER
    deltas: tuple[AccessDelta, ...]

    @property
    def escalation(self) -> bool:
        """True when the change grants organization MANAGE, workspace MANAGE or bootstrap group membership."""
        return any(d.escalation for d in self.deltas)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "principal": self.principal,
            "kind": self.kind,
            "escalation": self.escalation,
            "deltas": [d.to_dict() for d in self.deltas],
        }


def affected_users(before: AccessModel, after: AccessModel) -> set[str]:
    """Users whose effective access may differ between the two models (a superset, never a subset)."""
    users = {u for u in before.users.keys() | after.users.keys() if before.users.get(u) != after.users.get(u)}
    groups = {
        g for g in before.groups.keys() | after.groups.keys() if before.groups.get(g) != after.groups.get(g)
    }
    holders: set[Holder] = {
        h for h in before.grants.keys() | after.grants.keys() if before.grants.get(h) != after.grants.get(h)
    }
    moved = _moved_subtrees(before, after)
    if moved:
        for model in (before, after):
            for holder, raws in model.grants.items():
                if any(r.hierarchy and r.scope in moved for r in raws):
                    holders.add(holder)
    for kind, holder_id in holders:
        (users if kind == USER else groups).add(holder_id)
    for model in (before, after):
        users |= model.members_of(groups)
    return users


def _moved_subtrees(before: AccessModel, after: AccessModel) -> set[str]:
    """Workspaces whose set of descendants differs: the moved, added or removed ones and their ancestors."""
    moved = {
        w
        for w in before.workspaces.keys() | after.workspaces.keys()
        if before.workspaces.get(w, "") != after.workspaces.get(w, "")
    }
    out: set[str] = set()
    for w in moved:
        for model in (before, after):
            if w in model.workspaces:
                out.update(model.ancestors(w))
            parent = model.workspaces.get(w)
            if parent is not None:
                out.update(model.ancestors(parent))
    return out


def access_changes(
    before: AccessModel, after: AccessModel, *, bootstrap_group: str | None = None
) -> list[AccessChange]:
    """Per user whose effective access changes, what they gain and lose and why; escalations first, then by
    user id. Joining `bootstrap_group` (directly or through nested groups) is an escalation."""
    out: list[AccessChange] = []
    for user in affected_users(before, after):
        old = effective_access(before, user)
        new = effective_access(after, user)
        deltas = (
            _membership(old, new, bootstrap_group) + _deltas(old, new, "gain") + _deltas(new, old, "loss")
        )
        if deltas:
            out.append(AccessChange(user, USER, tuple(deltas)))
    out.sort(key=lambda c: (not c.escalation, c.principal))
    return out


def _membership(old: EffectiveAccess, new: EffectiveAccess, group: str | None) -> list[AccessDelta]:
    if group is None or (group in old.memberships) == (group in new.memberships):
        return []
    if group in new.memberships:
        return [
            AccessDelta(
                "gain", "membership", (), (Reason(new.memberships[group]),), group=group, escalation=True
            )
        ]
    return [AccessDelta("loss", "membership", (), (Reason(old.memberships[group]),), group=group)]


def _strongest(perms: Iterable[str], *, organization: bool = False) -> list[str]:
    """The permissions of `perms` not included in another one of them."""
    ps = set(perms)
    return sorted(
        (p for p in ps if not any(q != p and p in implied(q, organization=organization) for q in ps)),
        key=permission_key,
    )


def _deltas(was: EffectiveAccess, now: EffectiveAccess, direction: Direction) -> list[AccessDelta]:
    """What `now` holds that `was` does not, as deltas (a gain when `now` is the after, a loss otherwise)."""
    on_was, every_was, org_was = was.held
    on_now, every_now, org_now = now.held
    gain = direction == "gain"
    out: list[AccessDelta] = []
    for p in _strongest(org_now - org_was, organization=True):
        reasons = tuple(
            sorted(s.reason for s in now.sources if s.scope == ORGANIZATION and s.permission == p)
        )
        kept = (
            () if gain else tuple(sorted(implied(p, organization=True) & org_was - {p}, key=permission_key))
        )
        out.append(
            AccessDelta(
                direction, "organization", (p,), reasons, kept=kept, escalation=gain and p == "MANAGE"
            )
        )
    for p in _strongest(every_now - every_was):
        reasons = tuple(
            sorted(s.reason for s in now.sources if s.scope == EVERY_WORKSPACE and s.permission == p)
        )
        out.append(
            AccessDelta(direction, "every-workspace", (p,), reasons, escalation=gain and p == "MANAGE")
        )
    changed: dict[str, set[str]] = {}
    for p, workspaces in on_now.items():
        if p in every_now or p in every_was:
            continue  # covered by (or already held through) organization MANAGE
        new = workspaces - on_was.get(p, set())
        if new:
            changed[p] = new
    lines: dict[tuple[tuple[Reason, ...], tuple[str, ...], frozenset[str]], list[str]] = {}
    for p, workspaces in changed.items():
        strongest = set(workspaces)
        for q in _INCLUDED_IN.get(p, ()):
            strongest -= changed.get(q, set())
        if not strongest:
            continue
        for reasons, reached in _reasons(now, p, strongest).items():
            for kept, part in [((), reached)] if gain else _split_kept(p, was, reached):
                lines.setdefault((reasons, kept, frozenset(part)), []).append(p)
    for (reasons, kept, wss), perms in lines.items():
        perms.sort(key=permission_key)
        escalation = gain and "MANAGE" in perms
        out.append(
            AccessDelta(
                direction, "workspaces", tuple(perms), reasons, tuple(sorted(wss)), kept, "", escalation
            )
        )
    out.sort(key=lambda d: (_SCOPE_RANK[d.scope], permission_key(d.permissions[0]), d.workspaces, d.reasons))
    return out


def _reasons(
    access: EffectiveAccess, permission: str, workspaces: set[str]
) -> dict[tuple[Reason, ...], set[str]]:
    """The reasons `permission` is held → the workspaces of `workspaces` it is held on for them (these are the
    strongest changed ones, so every reason is a grant of `permission` itself, never an implication)."""
    sources = [
        s
        for s in access.sources
        if s.permission == permission and s.scope not in (ORGANIZATION, EVERY_WORKSPACE)
    ]
    if len(sources) == 1:
        return {(sources[0].reason,): workspaces & sources[0].workspaces}
    found: dict[str, list[int]] = {}
    for i, s in enumerate(sources):
        for ws in workspaces & s.workspaces:
            found.setdefault(ws, []).append(i)
    by_sources: dict[tuple[int, ...], set[str]] = {}
    for ws, found_at in found.items():
        by_sources.setdefault(tuple(found_at), set()).add(ws)
    out: dict[tuple[Reason, ...], set[str]] = {}
    for indexes, wss in by_sources.items():
        out.setdefault(tuple(sorted({sources[i].reason for i in indexes})), set()).update(wss)
    return out


def _split_kept(
    permission: str, access: EffectiveAccess, workspaces: set[str]
) -> list[tuple[tuple[str, ...], set[str]]]:
    """`workspaces` split by which permissions implied by `permission` `access` still holds there."""
    on, every, _ = access.held
    parts: list[tuple[tuple[str, ...], set[str]]] = [((), workspaces)]
    for q in sorted(implied(permission) - {permission}, key=permission_key):
        if q in every:
            parts = [((*kept, q), part) for kept, part in parts]
            continue
        held = on.get(q, set())
        split: list[tuple[tuple[str, ...], set[str]]] = []
        for kept, part in parts:
            if inside := part & held:
                split.append(((*kept, q), inside))
            if outside := part - held:
                split.append((kept, outside))
        parts = split
    return parts
