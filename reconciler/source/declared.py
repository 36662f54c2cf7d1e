"""A declared user or group as the rules see it: the entry, its raw mapping and its document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.source.model import Entry, Location
from reconciler.yamlio import MarkedDocument


def ref_id(ref: Any) -> Any:
    """The group id of one `userGroups` item: the item itself, or the `id` of `{id, expires}`."""
    return ref.get("id") if isinstance(ref, dict) else ref


@dataclass(frozen=True, slots=True)
class Declared:
    """An entry with what the rules need to place problems: its raw mapping and document."""

    entry: Entry
    item: dict[str, Any]
    doc: MarkedDocument

    def at(self, pos: tuple[int, int]) -> Location:
        return Location(self.entry.location.path, pos[0], pos[1])

    def field_at(self, name: str) -> Location:
        return self.entry.field_locations.get(name, self.entry.location)

    def refs(self, name: str) -> Iterator[tuple[int, str, tuple[int, int]]]:
        """(index, id, position) of every id of list field `name` (`at` makes it a Location).

        An id is a string item, or the `id` of an `{id, expires}` item.
        """
        value = self.item.get(name)
        if not isinstance(value, list):
            return
        marks = self.doc.packed(value)
        for index, item in enumerate(value):
            ref = ref_id(item)
            if isinstance(ref, str):
                yield index, ref, marks.item(index)
