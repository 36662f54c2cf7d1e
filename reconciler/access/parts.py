"""A principal's access as *parts*, one per holder of grants that reaches them, for comparing two models fast.

A user's effective access is the union of what their own grants give and what every group they are in
(through nested groups, with the chain to it) gives. Each part is computed once per model and group and
shared by every member with that chain, and two models' parts are compared once per group and chain, so a
plan only looks closely at what changed: a user whose parts are the same before and after gains and loses
nothing, and what a changed part gives can only be new where no other part held it. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.access.effective import Reason, Source, implied, sources_of
from reconciler.access.model import EVERY_WORKSPACE, GROUP, ORGANIZATION, USER, AccessModel, RawGrant

PartKey = tuple[str, str, tuple[str, ...]]  # (USER or GROUP, holder id, chain of groups to it)
_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Part:
    """What one holder's grants give a principal.

    `on`: permission (implied ones included) → workspaces; `every` / `org`: permissions on every workspace
    (through organization MANAGE) and on the organization, implied ones included; `granted`: permission as
    granted → (reason, workspaces) on workspaces, one entry per reason; `scoped`: the organization and
    every-workspace sources, for their reasons.
    """

    sources: tuple[Source, ...]
    on: Mapping[str, frozenset[str]]
    every: frozenset[str]
    org: frozenset[str]
    granted: Mapping[str, tuple[tuple[Reason, frozenset[str]], ...]]
    scoped: tuple[Source, ...]


def _part(sources: tuple[Source, ...]) -> Part:
    on: dict[str, set[str]] = {}
    every: set[str] = set()
    org: set[str] = set()
    granted: dict[str, dict[Reason, set[str]]] = {}
    scoped: list[Source] = []
    for s in sources:
        if s.scope == ORGANIZATION:
            org |= implied(s.permission, organization=True)
            scoped.append(s)
        elif s.scope == EVERY_WORKSPACE:
            every |= implied(s.permission)
            scoped.append(s)
        else:
            for p in implied(s.permission):
                on.setdefault(p, set()).update(s.workspaces)
            granted.setdefault(s.permission, {}).setdefault(s.reason, set()).update(s.workspaces)
    return Part(
        sources,
        {p: frozenset(ws) for p, ws in on.items()},
        frozenset(every),
        frozenset(org),
        {p: tuple((r, frozenset(ws)) for r, ws in by.items()) for p, by in granted.items()},
        tuple(scoped),
    )


class Parts:
    """The parts of one model, computed once per group and chain (and per user for their own grants)."""

    def __init__(self, model: AccessModel) -> None:
        self.model = model
        self._groups: dict[tuple[str, tuple[str, ...]], Part] = {}

    def group(self, group: str, path: tuple[str, ...]) -> Part:
        """What `group`'s own grants give a member who reaches it through `path`."""
        key = (group, path)
        found = self._groups.get(key)
        if found is None:
            raws = self.model.grants.get((GROUP, group), ())
            found = self._groups[key] = _part(
                tuple(s for raw in raws for s in sources_of(self.model, raw, path))
            )
        return found

    def user(self, raws: tuple[RawGrant, ...]) -> Part:
        """What a user's own grants `raws` give them."""
        return _part(tuple(s for raw in raws for s in sources_of(self.model, raw, ())))

    def of(self, user: str) -> tuple[dict[PartKey, Part], dict[str, tuple[str, ...]]]:
        """A user's parts by key, and the groups they are in with the chain to each."""
        model = self.model
        paths = model.group_paths(model.users.get(user, ()))
        parts: dict[PartKey, Part] = {}
        raws = model.grants.get((USER, user), ())
        if raws:
            parts[(USER, user, ())] = self.user(raws)
        for group, path in paths.items():
            if (GROUP, group) in model.grants:
                parts[(GROUP, group, path)] = self.group(group, path)
        return parts, paths


class Compared:
    """Which parts differ between two models, compared once per key."""

    def __init__(self) -> None:
        self._same: dict[PartKey, bool] = {}

    def changed(self, parts: Mapping[PartKey, Part], other: Mapping[PartKey, Part]) -> list[Part]:
        """The parts of `parts` with no equal part under the same key in `other`."""
        out = []
        for key, part in parts.items():
            twin = other.get(key)
            if twin is None:
                out.append(part)
                continue
            if twin is part:
                continue
            same = self._same.get(key) if key[0] == GROUP else None
            if same is None:
                same = twin.sources == part.sources
                if key[0] == GROUP:
                    self._same[key] = same
            if not same:
                out.append(part)
        return out


def union_every(parts: Mapping[PartKey, Part]) -> frozenset[str]:
    """Permissions held on every workspace through any of `parts`."""
    out = _EMPTY
    for p in parts.values():
        if p.every:
            out = out | p.every
    return out


def union_org(parts: Mapping[PartKey, Part]) -> frozenset[str]:
    """Organization permissions held through any of `parts`."""
    out = _EMPTY
    for p in parts.values():
        if p.org:
            out = out | p.org
    return out
