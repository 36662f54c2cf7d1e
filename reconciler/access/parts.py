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
from reconciler.access.model import EVERY_WORKSPACE, GROUP, ORGANIZATION, USER, AccessModel
from reconciler.access.workspace_sets import Universe

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Part:
    """What one holder's grants give a principal.

    `sources` are the grants as given to the holder itself (reasons without a chain): two parts of the same
    holder and chain are equal when their sources are. Workspaces are sets of bits of the universe
    (reconciler.access.workspace_sets). `on`: permission (implied ones included) → workspaces; `every` /
    `org`: permissions on every workspace (through organization MANAGE) and on the organization, implied
    ones included; `granted`: permission as granted → (reason, workspaces) on workspaces, one entry per
    reason; `scoped`: the organization and every-workspace sources, for their reasons.
    """

    sources: tuple[Source, ...]
    on: Mapping[str, int]
    every: frozenset[str]
    org: frozenset[str]
    granted: Mapping[str, tuple[tuple[Reason, int], ...]]
    scoped: tuple[Source, ...]


def _part(sources: tuple[Source, ...], universe: Universe) -> Part:
    on: dict[str, int] = {}
    every: set[str] = set()
    org: set[str] = set()
    granted: dict[str, dict[Reason, int]] = {}
    scoped: list[Source] = []
    mask = universe.mask
    for s in sources:
        if s.scope == ORGANIZATION:
            org |= implied(s.permission, organization=True)
            scoped.append(s)
        elif s.scope == EVERY_WORKSPACE:
            every |= implied(s.permission)
            scoped.append(s)
        else:
            bits = mask(s.workspaces)
            for p in implied(s.permission):
                on[p] = on.get(p, 0) | bits
            by = granted.setdefault(s.permission, {})
            by[s.reason] = by.get(s.reason, 0) | bits
    return Part(
        sources,
        on,
        frozenset(every),
        frozenset(org),
        {p: tuple(by.items()) for p, by in granted.items()},
        tuple(scoped),
    )


def _via(template: Part, path: tuple[str, ...]) -> Part:
    """`template` (a group's part, reasons without a chain) for a member reaching the group through `path`:
    only the reasons' chains differ, the workspaces are the same (and so are `sources`, which compare a
    part with its counterpart of the same chain)."""
    if not path:
        return template

    def again(r: Reason) -> Reason:
        return Reason(path, r.hierarchy_of, r.organization, r.implied_by)

    return Part(
        template.sources,
        template.on,
        template.every,
        template.org,
        {p: tuple((again(r), ws) for r, ws in by) for p, by in template.granted.items()},
        tuple(Source(s.scope, s.permission, again(s.reason), s.workspaces) for s in template.scoped),
    )


class Parts:
    """The parts of one model, computed once per group and chain (and per user for their own grants);
    workspaces as bits of `universe`, which must hold every workspace the model's grants reach."""

    def __init__(self, model: AccessModel, universe: Universe) -> None:
        self.model = model
        self.universe = universe
        self._groups: dict[tuple[str, tuple[str, ...]], Part] = {}
        self._templates: dict[str, Part] = {}  # each group's part as granted to the group itself
        self._by_groups: dict[tuple[str, ...], Held] = {}

    def group(self, group: str, path: tuple[str, ...]) -> Part:
        """What `group`'s own grants give a member who reaches it through `path`."""
        key = (group, path)
        part = self._groups.get(key)
        if part is None:
            template = self._templates.get(group)
            if template is None:
                raws = self.model.grants.get((GROUP, group), ())
                template = self._templates[group] = _part(
                    tuple(s for raw in raws for s in sources_of(self.model, raw, ())), self.universe
                )
            part = self._groups[key] = _via(template, path)
        return part

    def of(self, user: str) -> Held:
        """A user's parts in this model."""
        model = self.model
        held = self._groups_held(model.users.get(user, ()))
        raws = model.grants.get((USER, user), ())
        if not raws:
            return held
        own = _part(tuple(s for raw in raws for s in sources_of(model, raw, ())), self.universe)
        every, org = held.every | own.every, held.org | own.org
        return Held({None: (), **held.chains}, {None: own, **held.parts}, held.paths, every, org)

    def groups_held(self, start: tuple[str, ...]) -> Held:
        """The parts of a member of exactly the groups `start` (sorted), with no grants of their own."""
        return self._groups_held(start)

    def _groups_held(self, start: tuple[str, ...]) -> Held:
        """The parts of a member of exactly the groups `start`; one group's are kept, and a user's
        groups whose ancestors do not overlap are the union of each one's (the chains a search from all of
        them finds are then each one's own)."""
        found = self._by_groups.get(start)
        if found is not None:
            return found
        if len(start) > 1:
            each = [self._groups_held((g,)) for g in start]
            paths: dict[str, tuple[str, ...]] = {}
            for h in each:
                paths.update(h.paths)
            if len(paths) == sum(len(h.paths) for h in each):
                chains: dict[str | None, tuple[str, ...]] = {}
                parts: dict[str | None, Part] = {}
                for h in each:
                    chains.update(h.chains)
                    parts.update(h.parts)
                every = frozenset().union(*(h.every for h in each))
                # not kept: users with the very same groups share their deltas already
                return Held(chains, parts, paths, every, frozenset().union(*(h.org for h in each)))
        model = self.model
        paths = model.group_paths(start)
        parts = {}
        chains = {}
        grants = model.grants
        every = org = _EMPTY
        for group, path in paths.items():
            if (GROUP, group) in grants:
                part = parts[group] = self.group(group, path)
                chains[group] = path
                if part.scoped:
                    every, org = every | part.every, org | part.org
        found = Held(chains, parts, paths, every, org)
        if len(start) == 1:
            self._by_groups[start] = found
        return found


@dataclass(frozen=True, slots=True)
class Held:
    """One user's access in one model: their parts by holder (None: their own grants) with the chain to
    each, the groups they are in (with the chain to each), and the permissions they hold on every workspace
    and on the organization."""

    chains: Mapping[str | None, tuple[str, ...]]
    parts: Mapping[str | None, Part]
    paths: Mapping[str, tuple[str, ...]]
    every: frozenset[str]
    org: frozenset[str]


News = Mapping[str, int]  # permission → workspaces (bits) a part gives that its counterpart did not


class Compared:
    """What each part gives that the same holder's part (same chain) in the other model did not; computed
    once per pair of group parts."""

    def __init__(self) -> None:
        self._news: dict[tuple[int, int], News] = {}
        self._keep: list[Part] = []  # the parts whose ids key the memo stay alive

    def news(self, held: Held, other: Held) -> list[tuple[Part, News]]:
        """The parts of `held` that give something on workspaces their counterpart in `other` did not, with
        what."""
        out: list[tuple[Part, News]] = []
        others, chains, other_chains = other.parts, held.chains, other.chains
        for holder, part in held.parts.items():
            twin = others.get(holder)
            if twin is None or chains[holder] != other_chains[holder]:
                news: News = part.on
            elif twin is part:
                continue
            elif holder is not None:
                memo = (id(part), id(twin))
                found = self._news.get(memo)
                if found is None:
                    found = self._news[memo] = _news(part, twin)
                    self._keep += (part, twin)
                news = found
            else:
                news = _news(part, twin)
            if news:
                out.append((part, news))
        return out


def _news(part: Part, twin: Part) -> News:
    if part.sources == twin.sources:
        return {}
    out = {}
    for p, ws in part.on.items():
        if fresh := ws & ~twin.on.get(p, 0):
            out[p] = fresh
    return out
