"""The keyed diff of two layout documents as a Plan of ordered Changes, with its warnings and fingerprint.

Pure: no HTTP, no files. Entities are matched by id and compared as canonical dicts (C-level equality);
only the changed pairs go to `reconciler.diff` for field-level detail, so a 100,000-user plan stays linear.
The value types live in `reconciler.plan_model`, the guards in `reconciler.guards`, the warnings in
`reconciler.plan_warnings`; this module re-exports them for callers.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from reconciler.diff import FieldChange, created_fields, field_changes
from reconciler.gcpause import paused_gc
from reconciler.guards import DeletionLimits, check_guards
from reconciler.layout import canonical, digest
from reconciler.plan_documents import combined_digest
from reconciler.plan_model import (
    Change,
    Plan,
    PlanContext,
    PlanWarning,
    fingerprint,
    in_apply_order,
)
from reconciler.plan_warnings import plan_warnings

__all__ = [
    "Change",
    "DocumentPlan",
    "DeletionLimits",
    "FieldChange",
    "Plan",
    "PlanContext",
    "PlanWarning",
    "check_guards",
    "fingerprint",
    "make_plan",
    "verify",
]


@dataclass(frozen=True)
class DocumentPlan:
    """One permissions document in a plan: canonical live and desired forms, and the changes between them."""

    live: Mapping[str, Any]
    desired: Mapping[str, Any]
    changes: tuple[Change, ...]


def _topological(ids: Iterable[str], parents: Mapping[str, Iterable[str]]) -> list[str]:
    # Kahn's algorithm over `ids` only, parents before children, ties by id; cycles (the server rejects
    # them anyway) are appended in id order rather than lost.
    todo = set(ids)
    waiting = {i: {p for p in parents.get(i, ()) if p in todo and p != i} for i in todo}
    children: dict[str, list[str]] = {}
    for child, ps in waiting.items():
        for p in ps:
            children.setdefault(p, []).append(child)
    ready = [i for i, ps in waiting.items() if not ps]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        i = heapq.heappop(ready)
        out.append(i)
        for child in children.get(i, ()):
            waiting[child].discard(i)
            if not waiting[child]:
                heapq.heappush(ready, child)
    if len(out) < len(todo):
        seen = set(out)
        out += sorted(todo - seen)
    return out


def _parents(groups: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    return {gid: [r["id"] for r in g.get("parents") or ()] for gid, g in groups.items()}


def _was(entity: Mapping[str, Any], membership: str) -> tuple[FieldChange, ...]:
    # What a deleted entity was: its fields as changes to nothing (memberships as removed).
    return tuple(FieldChange(f.field, old=f.new, removed=f.added) for f in created_fields(entity, membership))


def diff_documents(
    live: Mapping[str, Any], desired: Mapping[str, Any], *, describe_deletes: bool = True
) -> tuple[Change, ...]:
    """Ordered changes that turn canonical `live` into canonical `desired` (deletes say what was there)."""
    lg = {g["id"]: g for g in live["userGroups"]}
    dg = {g["id"]: g for g in desired["userGroups"]}
    lu = {u["id"]: u for u in live["users"]}
    du = {u["id"]: u for u in desired["users"]}
    out: list[Change] = []
    for gid in _topological(dg.keys() - lg.keys(), _parents(dg)):
        out.append(Change("create", "group", gid, created_fields(dg[gid], "parents")))
    for uid in sorted(du.keys() - lu.keys()):
        out.append(Change("create", "user", uid, created_fields(du[uid], "userGroups")))
    # compared in the documents' order (memory order), and only the few that differ are sorted
    for gid in sorted([gid for gid, g in dg.items() if gid in lg and g != lg[gid]]):
        out.append(Change("update", "group", gid, field_changes(lg[gid], dg[gid], "parents")))
    for uid in sorted([uid for uid, u in du.items() if uid in lu and u != lu[uid]]):
        out.append(Change("update", "user", uid, field_changes(lu[uid], du[uid], "userGroups")))
    for uid in sorted(lu.keys() - du.keys()):
        out.append(Change("delete", "user", uid, _was(lu[uid], "userGroups") if describe_deletes else ()))
    for gid in reversed(_topological(lg.keys() - dg.keys(), _parents(lg))):
        out.append(Change("delete", "group", gid, _was(lg[gid], "parents") if describe_deletes else ()))
    return tuple(out)


def make_plan(
    live: Mapping[str, Any],
    desired: Mapping[str, Any],
    *,
    target: str,
    context: PlanContext,
    host: str = "",
    embedded: bool = False,
    documents: Mapping[str, DocumentPlan] = MappingProxyType({}),
) -> Plan:
    """Compare the live and desired documents (canonicalized first) and plan the changes.

    `documents` are the other documents read (permissions, by key) with their live and desired forms and
    changes; the digests and the fingerprint cover them all. `host` and `embedded` only name where the plan
    was made (every report shows them).
    """
    with paused_gc(freeze=True):
        live_c, desired_c = canonical(live), canonical(desired)
        changes = diff_documents(live_c, desired_c)
        extra = tuple(c for k in sorted(documents) for c in documents[k].changes)
        live_digest = combined_digest(
            digest(live_c, is_canonical=True), {k: d.live for k, d in documents.items()}
        )
        desired_digest = combined_digest(
            digest(desired_c, is_canonical=True), {k: d.desired for k, d in documents.items()}
        )
        if extra:
            changes = in_apply_order(changes + extra)
        return Plan(
            target=target,
            changes=changes,
            warnings=plan_warnings(changes, live_c, desired_c, context),
            live_digest=live_digest,
            desired_digest=desired_digest,
            fingerprint=fingerprint(live_digest, desired_digest),
            desired=desired_c,
            live_counts={"users": len(live_c["users"]), "groups": len(live_c["userGroups"])},
            host=host,
            embedded=embedded,
            documents={k: dict(documents[k].desired) for k in sorted(documents)},
        )


def verify(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> tuple[Change, ...]:
    """What differs after an apply: the changes that would turn `actual` into `expected` (empty = ok)."""
    with paused_gc(freeze=True):
        return diff_documents(canonical(actual), canonical(expected), describe_deletes=False)
