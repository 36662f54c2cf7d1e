"""The keyed diff of two layout documents as a Plan of ordered Changes, its warnings, fingerprint and guards.

Pure: no HTTP, no files. Entities are matched by id and compared as canonical dicts (C-level equality);
only the changed pairs go to `reconciler.diff` for field-level detail, so a 100,000-user plan stays linear.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.diff import FieldChange, created_fields, field_changes
from reconciler.errors import StateError
from reconciler.gcpause import paused_gc
from reconciler.guards import DeletionLimits, check_guards
from reconciler.layout import canonical, digest
from reconciler.plan_warnings import plan_warnings

# DeletionLimits and check_guards live in reconciler.guards, plan_warnings in reconciler.plan_warnings.
__all__ = [
    "Change",
    "DeletionLimits",
    "FieldChange",
    "Plan",
    "PlanContext",
    "check_guards",
    "make_plan",
    "verify",
]

FORMAT_VERSION = 1
Op = Literal["create", "update", "delete"]
Kind = Literal["user", "group"]


@dataclass(frozen=True)
class Change:
    """One object to create, update or delete; `fields` holds the field-level detail."""

    op: Op
    kind: Kind
    id: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PlanContext:
    """What the plan needs besides the two documents, to warn about consequences."""

    bootstrap_user: str = "admin"
    bootstrap_group: str = "adminGroup"
    manage_groups: frozenset[str] = frozenset()  # holders of organization MANAGE (org permissions)
    manage_users: frozenset[str] = frozenset()
    # (assignee type, id) -> workspace ids where it holds permissions
    workspace_assignees: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # extra warnings, e.g. from render


@dataclass(frozen=True)
class Plan:
    """Ordered changes from the live document to the desired one, with warnings and a fingerprint."""

    target: str
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]
    live_digest: str
    desired_digest: str
    fingerprint: str
    desired: dict[str, Any]
    live_counts: dict[str, int]

    @property
    def has_changes(self) -> bool:
        """True when applying the plan would change anything."""
        return bool(self.changes)

    @property
    def counts(self) -> dict[str, int]:
        """Objects to add, change and destroy."""
        out = {"add": 0, "change": 0, "destroy": 0}
        names = {"create": "add", "update": "change", "delete": "destroy"}
        for c in self.changes:
            out[names[c.op]] += 1
        return out

    @property
    def deletions(self) -> dict[str, int]:
        """Users and groups the plan deletes."""
        out = {"users": 0, "groups": 0}
        for c in self.changes:
            if c.op == "delete":
                out["users" if c.kind == "user" else "groups"] += 1
        return out

    @property
    def summary(self) -> str:
        """The last line of every report."""
        if not self.changes:
            return "No changes. The organization matches the state."
        n = self.counts
        return f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy."

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see reconciler.report.plan for the documented shape)."""
        return {
            "format_version": FORMAT_VERSION,
            "target": self.target,
            "fingerprint": self.fingerprint,
            "live_digest": self.live_digest,
            "desired_digest": self.desired_digest,
            "summary": self.summary,
            "counts": self.counts,
            "deletions": self.deletions,
            "live_counts": dict(self.live_counts),
            "changes": [_change_dict(c) for c in self.changes],
            "warnings": list(self.warnings),
            "desired": self.desired,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        """Read a saved plan back; StateError when it is not one this version wrote or it was edited."""
        try:
            if not isinstance(data, Mapping):
                raise ValueError("not a JSON object")
            version = data.get("format_version")
            if version != FORMAT_VERSION:
                raise ValueError(f"format_version {version!r} is not {FORMAT_VERSION}")
            desired = canonical(_mapping(data["desired"], "desired"))
            plan = cls(
                target=_str(data["target"], "target"),
                changes=tuple(_change_from(c) for c in _list(data["changes"], "changes")),
                warnings=tuple(_str(w, "warnings[]") for w in _list(data["warnings"], "warnings")),
                live_digest=_str(data["live_digest"], "live_digest"),
                desired_digest=_str(data["desired_digest"], "desired_digest"),
                fingerprint=_str(data["fingerprint"], "fingerprint"),
                desired=desired,
                live_counts={k: int(v) for k, v in _mapping(data["live_counts"], "live_counts").items()},
            )
        except KeyError as e:
            raise StateError(f"invalid plan: missing key {e.args[0]!r}") from e
        except (TypeError, ValueError, AttributeError) as e:
            raise StateError(f"invalid plan: {e}") from e
        if digest(desired) != plan.desired_digest:
            raise StateError("invalid plan: the desired document does not match desired_digest (edited?)")
        if fingerprint(plan.live_digest, plan.desired_digest) != plan.fingerprint:
            raise StateError("invalid plan: the fingerprint does not match the digests (edited?)")
        return plan


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} is not an object")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    return value


def _change_dict(c: Change) -> dict[str, Any]:
    fields = [
        {"field": f.field, "old": f.old, "new": f.new, "added": list(f.added), "removed": list(f.removed)}
        for f in c.fields
    ]
    return {"op": c.op, "kind": c.kind, "id": c.id, "fields": fields}


def _change_from(data: Any) -> Change:
    data = _mapping(data, "changes[]")
    if data["op"] not in ("create", "update", "delete") or data["kind"] not in ("user", "group"):
        raise ValueError(f"unknown change {data['op']!r} of {data['kind']!r}")
    fields = tuple(
        FieldChange(
            _str(f["field"], "field"),
            old=f.get("old"),
            new=f.get("new"),
            added=tuple(f.get("added") or ()),
            removed=tuple(f.get("removed") or ()),
        )
        for f in _list(data.get("fields", []), "fields")
    )
    return Change(data["op"], data["kind"], _str(data["id"], "id"), fields)


def fingerprint(live_digest: str, desired_digest: str) -> str:
    """The plan's identity: a hash of the live and desired documents' digests."""
    return hashlib.sha256(f"{live_digest}\n{desired_digest}".encode()).hexdigest()


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


def diff_documents(live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
    """Ordered changes that turn canonical `live` into canonical `desired`."""
    lg = {g["id"]: g for g in live["userGroups"]}
    dg = {g["id"]: g for g in desired["userGroups"]}
    lu = {u["id"]: u for u in live["users"]}
    du = {u["id"]: u for u in desired["users"]}
    out: list[Change] = []
    for gid in _topological(dg.keys() - lg.keys(), _parents(dg)):
        out.append(Change("create", "group", gid, created_fields(dg[gid], "parents")))
    for uid in sorted(du.keys() - lu.keys()):
        out.append(Change("create", "user", uid, created_fields(du[uid], "userGroups")))
    for gid in sorted(dg.keys() & lg.keys()):
        if dg[gid] != lg[gid]:
            out.append(Change("update", "group", gid, field_changes(lg[gid], dg[gid], "parents")))
    for uid in sorted(du.keys() & lu.keys()):
        if du[uid] != lu[uid]:
            out.append(Change("update", "user", uid, field_changes(lu[uid], du[uid], "userGroups")))
    for uid in sorted(lu.keys() - du.keys()):
        out.append(Change("delete", "user", uid))
    for gid in reversed(_topological(lg.keys() - dg.keys(), _parents(lg))):
        out.append(Change("delete", "group", gid))
    return tuple(out)


def make_plan(
    live: Mapping[str, Any], desired: Mapping[str, Any], *, target: str, context: PlanContext
) -> Plan:
    """Compare the live and desired documents (canonicalized first) and plan the changes."""
    with paused_gc(freeze=True):
        live_c, desired_c = canonical(live), canonical(desired)
        changes = diff_documents(live_c, desired_c)
        live_digest = digest(live_c, is_canonical=True)
        desired_digest = digest(desired_c, is_canonical=True)
        return Plan(
            target=target,
            changes=changes,
            warnings=plan_warnings(changes, live_c, desired_c, context),
            live_digest=live_digest,
            desired_digest=desired_digest,
            fingerprint=fingerprint(live_digest, desired_digest),
            desired=desired_c,
            live_counts={"users": len(live_c["users"]), "groups": len(live_c["userGroups"])},
        )


def verify(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> tuple[Change, ...]:
    """What differs after an apply: the changes that would turn `actual` into `expected` (empty = ok)."""
    with paused_gc(freeze=True):
        return diff_documents(canonical(actual), canonical(expected))
