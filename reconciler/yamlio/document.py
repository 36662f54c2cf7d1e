"""A loaded YAML document: plain data, the issues found while loading, and packed positions.

Positions are kept compactly because a large state holds millions of them and a message needs a handful: each
dict or list of the data has one record in a flat `array('i')` of the document — its own (line, column), the
number of children, then (key line, key column, value line, value column) per key in the mapping's order or
(line, column) per item — found through `id(container)`. Tuples are made only when a position is asked for.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Pos = tuple[int, int]  # 1-based (line, column)


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while loading that did not stop the load (duplicate key, non-string key, tag)."""

    line: int
    column: int
    message: str
    rule: str


class Packed:
    """The positions of one container's record, usable after the document itself is gone."""

    __slots__ = ("_rec", "_at")

    def __init__(self, rec: array[int], at: int) -> None:
        self._rec = rec
        self._at = at

    @property
    def start(self) -> Pos:
        """Where the container starts."""
        return self._rec[self._at], self._rec[self._at + 1]

    def __len__(self) -> int:
        return self._rec[self._at + 2]

    def key(self, index: int) -> Pos:
        """The position of a mapping's `index`-th key."""
        at = self._at + 3 + 4 * index
        return self._rec[at], self._rec[at + 1]

    def value(self, index: int) -> Pos:
        """The position of a mapping's `index`-th value."""
        at = self._at + 5 + 4 * index
        return self._rec[at], self._rec[at + 1]

    def item(self, index: int) -> Pos:
        """The position of a list's `index`-th item."""
        at = self._at + 3 + 2 * index
        return self._rec[at], self._rec[at + 1]


@dataclass
class MarkedDocument:
    """Plain data from one YAML document plus the positions of its containers, keys, values and items."""

    data: Any
    issues: list[YamlIssue] = field(default_factory=list)
    rec: array[int] = field(default_factory=lambda: array("i"), repr=False)  # the records (module doc)
    at: dict[int, int] = field(default_factory=dict, repr=False)  # id(container) -> its record's offset

    def packed(self, container: Any) -> Packed:
        """The positions of a dict or list of `data`, as a small object that does not hold the document."""
        return Packed(self.rec, self.at[id(container)])

    def start(self, container: Any) -> Pos:
        """Where a dict or list of `data` starts."""
        at = self.at[id(container)]
        return self.rec[at], self.rec[at + 1]

    def key_positions(self, mapping: dict[str, Any]) -> dict[str, tuple[Pos, Pos]]:
        """For every key of `mapping`: (position of the key, position of its value)."""
        rec, at = self.rec, self.at[id(mapping)] + 3
        out: dict[str, tuple[Pos, Pos]] = {}
        for i, key in enumerate(mapping):
            j = at + 4 * i
            out[key] = ((rec[j], rec[j + 1]), (rec[j + 2], rec[j + 3]))
        return out

    def item_positions(self, sequence: list[Any]) -> list[Pos]:
        """The position of every item of `sequence`."""
        rec, at = self.rec, self.at[id(sequence)] + 3
        return [(rec[j], rec[j + 1]) for j in range(at, at + 2 * len(sequence), 2)]

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Pos:
        """Position of the value at `path` (its key's with `key=True`), or of the deepest part that exists."""
        node = self.data
        pos: Pos = self.start(node) if id(node) in self.at else (1, 1)
        for depth, part in enumerate(path, 1):
            if id(node) not in self.at:
                break
            marks = self.packed(node)
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                index = list(node).index(part)
                if key and depth == len(path):
                    return marks.key(index)
                pos = marks.value(index)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pos = marks.item(part)
                node = node[part]
            else:
                break
        return pos
