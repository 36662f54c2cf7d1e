"""A user in several groups whose changes do not touch each other gains and loses what each group alone gives.

In an organization of 100,000 users most users are in a different combination of groups, so answers shared
per combination (reconciler.access.changes) are still computed tens of thousands of times. But when the
workspaces one group's grants change are workspaces none of the user's other groups holds anything on (in
either model), and the groups' chains do not meet, every line of the user's deltas comes from one group and
reads the same as for a member of that group alone (its reasons start with that group, its workspaces are
that group's): the user's deltas are the groups' own, merged in the order `_deltas` sorts them. Each group's
are computed once, shared by every member, and so is the text a report writes for them. Users this does not
hold for (organization grants, own grants, changed memberships, chains that meet, the bootstrap group,
overlapping workspaces) are computed whole, as before. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from reconciler.access.parts import Compared, Held, News, Parts

T = TypeVar("T")
# (old, new, what the new parts give that the old did not, the other way round) -> (gains, losses)
Compute = Callable[[Held, Held, list[tuple[Any, News]], list[tuple[Any, News]]], tuple[list[T], list[T]]]


@dataclass(frozen=True, slots=True)
class Alone(Generic[T]):
    """What a member of exactly one group gains and loses, and where the group reaches."""

    gains: tuple[T, ...]
    losses: tuple[T, ...]
    touched: int  # workspaces (bits) where the group's parts give something new, either way
    holds: int  # workspaces (bits) where the group's parts give anything, in either model
    paths: tuple[Mapping[str, tuple[str, ...]], Mapping[str, tuple[str, ...]]]  # groups reached, old and new
    plain: bool  # no organization grants (nor what organization MANAGE implies) in either model


class ByGroup(Generic[T]):
    """Each group's deltas as if it were a member's only group (computed once), merged per user when the
    user's groups do not touch each other."""

    def __init__(self, was: Parts, now: Parts, compared: Compared, compute: Compute[T], order: Any) -> None:
        self._was, self._now, self._compared = was, now, compared
        self._compute, self._order = compute, order
        self._alone: dict[str, Alone[T]] = {}

    def alone(self, group: str) -> Alone[T]:
        found = self._alone.get(group)
        if found is None:
            old, new = self._was.groups_held((group,)), self._now.groups_held((group,))
            gain_news, loss_news = self._compared.news(new, old), self._compared.news(old, new)
            gains, losses = self._compute(old, new, gain_news, loss_news)
            touched = holds = 0
            for _, news in (*gain_news, *loss_news):
                for ws in news.values():
                    touched |= ws
            for held in (old, new):
                for part in held.parts.values():
                    for ws in part.on.values():
                        holds |= ws
            plain = not (old.every or old.org or new.every or new.org)
            found = Alone(tuple(gains), tuple(losses), touched, holds, (old.paths, new.paths), plain)
            self._alone[group] = found
        return found

    def merged(self, key: tuple[Any, Any, Any, Any], bootstrap_group: str | None) -> tuple[T, ...] | None:
        """The deltas of a user with `key` (groups before and after, own grants before and after) merged
        from their groups' own, or None when the groups may touch each other (then compute them whole)."""
        groups, after, own_before, own_after = key
        if not groups or groups != after or own_before or own_after:
            return None
        each = [self.alone(g) for g in groups]
        reached: set[str] = set()  # the groups' chains (in either model) must not meet
        for a in each:
            old, new = a.paths
            if not a.plain or bootstrap_group in old or bootstrap_group in new:
                return None
            if not (reached.isdisjoint(old) and reached.isdisjoint(new)):
                return None
            reached.update(old)
            reached.update(new)
        if len(each) > 1:
            for i, a in enumerate(each):
                others = 0
                for j, b in enumerate(each):
                    if j != i:
                        others |= b.holds
                if a.touched & others:
                    return None
        gains = sorted((d for a in each for d in a.gains), key=self._order)
        losses = sorted((d for a in each for d in a.losses), key=self._order)
        return (*gains, *losses)
