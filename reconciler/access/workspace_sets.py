"""Sets of workspaces as bits of an int, for comparing two access models fast.

A plan's access changes union and subtract the same few thousand workspace ids for every affected user; as
ints (one bit per workspace, bits in id order) those are a few machine words each, and the sorted list a
report prints is the bits read from the lowest up: nothing is sorted, and a text line that shows 20
workspaces and a count reads 20 bits and counts the rest. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Universe:
    """Workspace ids ↔ bits: the i-th id in sorted order is bit i."""

    __slots__ = ("_bit", "_masks", "ids")

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids: tuple[str, ...] = tuple(sorted(set(ids)))
        self._bit = {w: 1 << i for i, w in enumerate(self.ids)}
        self._masks: dict[frozenset[str], int] = {}

    def mask(self, workspaces: frozenset[str]) -> int:
        """The bits of `workspaces` (every one must be in the universe); remembered per set."""
        found = self._masks.get(workspaces)
        if found is None:
            bit = self._bit
            found = self._masks[workspaces] = sum(bit[w] for w in workspaces)
        return found


class WorkspaceSet:
    """Some workspaces of a universe; iterates and compares as the tuple of their ids in sorted order."""

    __slots__ = ("_ids", "mask", "universe")

    def __init__(self, mask: int, universe: Universe | None) -> None:
        self.mask = mask
        self.universe = universe
        self._ids: tuple[str, ...] | None = None if mask else ()

    def __len__(self) -> int:
        return self.mask.bit_count()

    def __bool__(self) -> bool:
        return bool(self.mask)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def ids(self) -> tuple[str, ...]:
        """Every workspace id, sorted (computed once)."""
        if self._ids is None:
            self._ids = self.first(len(self))
        return self._ids

    def first(self, n: int) -> tuple[str, ...]:
        """The `n` smallest ids (all when there are fewer)."""
        if self._ids is not None:
            return self._ids[:n]
        assert self.universe is not None
        every, out = self.universe.ids, list[str]()
        bits = bin(self.mask)[:1:-1]  # bit 0 first
        i = bits.find("1")
        while i >= 0 and len(out) < n:
            out.append(every[i])
            i = bits.find("1", i + 1)
        return tuple(out)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WorkspaceSet):
            if other.universe is self.universe:
                return other.mask == self.mask
            return other.ids() == self.ids()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ids())

    def __lt__(self, other: WorkspaceSet) -> bool:
        """Whether the sorted ids of `self` come before those of `other` (tuple order)."""
        if other.universe is not self.universe:
            return self.ids() < other.ids()
        a, b = self.mask, other.mask
        x = a ^ b
        if not x:
            return False
        d = (x & -x).bit_length() - 1  # below d both hold the same ids; at d exactly one holds id d
        if a >> d & 1:
            return b >> d != 0  # b's next id comes after id d: self is first (unless b ends there)
        return a >> d == 0  # self ends where b goes on: self is a prefix of b

    def __repr__(self) -> str:
        return f"WorkspaceSet({self.ids()!r})"


NO_WORKSPACES = WorkspaceSet(0, None)
