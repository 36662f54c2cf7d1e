"""Who gains and who loses access between two models, and why; privilege escalations flagged.

Only principals the change can touch are computed (users whose groups or grants changed, members — through
nested groups — of groups whose grants or parents changed, holders of hierarchy grants over a part of the
tree that moved), so a small change in a 100,000-user organization stays fast. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.access.by_group import ByGroup
from reconciler.access.delta import AccessChange, AccessDelta, Direction
from reconciler.access.effective import WORKSPACE_IMPLIES, Reason, implied, permission_key
from reconciler.access.model import EVERY_WORKSPACE, ORGANIZATION, USER, AccessModel, Holder
from reconciler.access.parts import Compared, Held, News, Part, Parts
from reconciler.access.workspace_sets import Universe, WorkspaceSet
from reconciler.gcpause import paused_gc

_SCOPE_RANK = {"membership": 0, "organization": 1, "every-workspace": 2, "workspaces": 3}
# permission → the permissions that include it (so it is not shown beside them)
_INCLUDED_IN = {
    p: tuple(q for q in WORKSPACE_IMPLIES if q != p and p in implied(q))
    for p in set().union(*(implied(q) for q in WORKSPACE_IMPLIES))
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
    user id. Joining `bootstrap_group` (directly or through nested groups) is an escalation.

    Each user's access is compared as parts (reconciler.access.parts): only the parts that differ between
    the models are looked at, and users with the same groups (chains) and own grants share one answer."""
    with paused_gc(
        freeze=True
    ):  # ~a million acyclic objects: the collector would rescan the heap for nothing
        return _access_changes(before, after, bootstrap_group)


def _access_changes(
    before: AccessModel, after: AccessModel, bootstrap_group: str | None
) -> list[AccessChange]:
    universe = Universe(_workspace_ids(before) | _workspace_ids(after))
    was_parts, now_parts = Parts(before, universe), Parts(after, universe)
    compared = Compared()

    def both(
        old: Held, new: Held, gained: list[tuple[Part, News]], lost: list[tuple[Part, News]]
    ) -> tuple[list[AccessDelta], list[AccessDelta]]:
        return _deltas(old, new, gained, "gain", universe), _deltas(new, old, lost, "loss", universe)

    by_group = ByGroup(was_parts, now_parts, compared, both, _delta_order)
    shared: dict[Any, tuple[AccessDelta, ...]] = {}
    out: list[AccessChange] = []
    for user in affected_users(before, after):
        # what decides a user's deltas: their groups and their own grants in each model
        key = (
            before.users.get(user, ()),
            after.users.get(user, ()),
            before.grants.get((USER, user), ()),
            after.grants.get((USER, user), ()),
        )
        deltas = shared.get(key)
        if deltas is None:
            deltas = by_group.merged(key, bootstrap_group)
        if deltas is None:
            old, new = was_parts.of(user), now_parts.of(user)
            gains, losses = both(old, new, compared.news(new, old), compared.news(old, new))
            deltas = (*_membership(old.paths, new.paths, bootstrap_group), *gains, *losses)
        shared[key] = deltas
        if deltas:
            out.append(AccessChange(user, USER, deltas))
    out.sort(key=lambda c: (not c.escalation, c.principal))
    return out


def _workspace_ids(model: AccessModel) -> set[str]:
    """Every workspace a grant of `model` can reach: the tree's and the ones grants name."""
    ids = set(model.workspaces)
    for raws in model.grants.values():
        ids.update(r.scope for r in raws if r.scope != ORGANIZATION)
    return ids


def _membership(
    old: Mapping[str, tuple[str, ...]], new: Mapping[str, tuple[str, ...]], group: str | None
) -> list[AccessDelta]:
    if group is None or (group in old) == (group in new):
        return []
    if group in new:
        return [AccessDelta("gain", "membership", (), (Reason(new[group]),), group=group, escalation=True)]
    return [AccessDelta("loss", "membership", (), (Reason(old[group]),), group=group)]


def _strongest(perms: Iterable[str], *, organization: bool = False) -> list[str]:
    """The permissions of `perms` not included in another one of them."""
    ps = set(perms)
    return sorted(
        (p for p in ps if not any(q != p and p in implied(q, organization=organization) for q in ps)),
        key=permission_key,
    )


def _scoped_reasons(parts: Mapping[str | None, Part], scope: str, permission: str) -> tuple[Reason, ...]:
    return tuple(
        sorted(
            s.reason
            for part in parts.values()
            for s in part.scoped
            if s.scope == scope and s.permission == permission
        )
    )


def _deltas(
    was: Held, now: Held, fresh: list[tuple[Part, News]], direction: Direction, universe: Universe
) -> list[AccessDelta]:
    """What `now` holds that `was` does not, as deltas (a gain when `now` is the after, a loss otherwise);
    `fresh` are the parts of `now` with what each gives on workspaces that its counterpart in `was` did not:
    only they can give what `was` did not hold."""
    every_was, org_was, every_now, org_now = was.every, was.org, now.every, now.org
    if not fresh and every_now <= every_was and org_now <= org_was:
        return []
    gain = direction == "gain"
    out: list[AccessDelta] = []
    for p in _strongest(org_now - org_was, organization=True) if org_now else ():
        reasons = _scoped_reasons(now.parts, ORGANIZATION, p)
        kept = (
            () if gain else tuple(sorted(implied(p, organization=True) & org_was - {p}, key=permission_key))
        )
        out.append(
            AccessDelta(
                direction, "organization", (p,), reasons, kept=kept, escalation=gain and p == "MANAGE"
            )
        )
    for p in _strongest(every_now - every_was) if every_now else ():
        reasons = _scoped_reasons(now.parts, EVERY_WORKSPACE, p)
        out.append(
            AccessDelta(direction, "every-workspace", (p,), reasons, escalation=gain and p == "MANAGE")
        )
    perms: dict[str, None] = {}
    for _, news in fresh:
        perms.update(dict.fromkeys(news))
    changed: dict[str, int] = {}  # workspaces as bits (reconciler.access.workspace_sets)
    was_parts = was.parts.values()
    for p in perms:
        if p in every_now or p in every_was:
            continue  # covered by (or already held through) organization MANAGE
        new = 0
        for _, news in fresh:
            new |= news.get(p, 0)
        for part in was_parts:
            if new and p in part.on:
                new &= ~part.on[p]
        if new:
            changed[p] = new
    parts = [part for part, _ in fresh]
    lines: dict[tuple[tuple[Reason, ...], tuple[str, ...], int], list[str]] = {}
    for p, workspaces in changed.items():
        strongest = workspaces
        for q in _INCLUDED_IN.get(p, ()):
            strongest &= ~changed.get(q, 0)
        if not strongest:
            continue
        for reasons, reached in _reasons(parts, p, strongest).items():
            for kept, block in [((), reached)] if gain else _split_kept(p, was, reached):
                lines.setdefault((reasons, kept, block), []).append(p)
    for (reasons, kept, wss), ps in lines.items():
        ps.sort(key=permission_key)
        escalation = gain and "MANAGE" in ps
        where = WorkspaceSet(wss, universe)
        out.append(AccessDelta(direction, "workspaces", tuple(ps), reasons, where, kept, "", escalation))
    out.sort(key=_delta_order)
    return out


def _delta_order(d: AccessDelta) -> tuple[Any, ...]:
    return (_SCOPE_RANK[d.scope], permission_key(d.permissions[0]), d.where, d.reasons)


def _reasons(fresh: list[Part], permission: str, workspaces: int) -> dict[tuple[Reason, ...], int]:
    """The reasons `permission` is held → the workspaces of `workspaces` it is held on for them (these are the
    strongest changed ones, so every reason is a grant of `permission` itself, never an implication, and
    one of the `fresh` parts)."""
    sources = [found for part in fresh for found in part.granted.get(permission, ())]
    if len(sources) == 1:
        return {(sources[0][0],): workspaces & sources[0][1]}
    blocks: list[tuple[frozenset[Reason], int]] = [(frozenset(), workspaces)]
    for reason, reached in sources:
        split: list[tuple[frozenset[Reason], int]] = []
        for reasons, block in blocks:
            if inside := block & reached:
                split.append((reasons | {reason}, inside))
            if outside := block & ~reached:
                split.append((reasons, outside))
        blocks = split
    out: dict[tuple[Reason, ...], int] = {}
    for reasons, block in blocks:
        if reasons:
            key = tuple(sorted(reasons))
            out[key] = out.get(key, 0) | block
    return out


def _split_kept(permission: str, was: Held, workspaces: int) -> list[tuple[tuple[str, ...], int]]:
    """`workspaces` split by which permissions implied by `permission` `was` still holds there."""
    parts: list[tuple[tuple[str, ...], int]] = [((), workspaces)]
    for q in sorted(implied(permission) - {permission}, key=permission_key):
        if q in was.every:
            parts = [((*kept, q), part) for kept, part in parts]
            continue
        held = 0
        for p in was.parts.values():
            held |= p.on.get(q, 0)
        split: list[tuple[tuple[str, ...], int]] = []
        for kept, part in parts:
            if inside := part & held:
                split.append(((*kept, q), inside))
            if outside := part & ~held:
                split.append((kept, outside))
        parts = split
    return parts
