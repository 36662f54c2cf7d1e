"""Where a section's entries are in a state file's text, and splicing new lines in place of some of them.

`reconciler.yamledit` edits one entry at a time; this module owns the text around the entries: which lines
each entry spans, where the section ends, and the splice. The positions come from a parser that already
read the file (the state model's, or `reconciler.yamlio.load_marked`), so an edit needs no round-trip parse
of the whole file: a 100,000-user state has ~17 MB of YAML, and ruamel.yaml's pure-Python parser takes ~2 s
per megabyte, while the fast loader has read it already.

An entry's lines run from its `- ` line to its last line of content: comment and blank lines after it belong
to what follows (they usually introduce the next entry), so deleting an entry keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import StateError
from reconciler.yamlio import YamlSyntaxError, load_marked

REMOVE = object()
"""A value in an entry edit that removes the field from the entry (`reconciler.yamledit.REMOVE`)."""


@dataclass(frozen=True)
class EntryEdit:
    """New values for some fields of one entry (`REMOVE` drops the field); other fields are kept."""

    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionEdit:
    """What changes in one section (`users` or `groups`) of one file."""

    edits: Mapping[str, EntryEdit] = field(default_factory=dict)  # by entry id
    delete: Set[str] = frozenset()
    append: Sequence[Mapping[str, Any]] = ()  # new entries, written at the end of the section


class YamlEditError(StateError):
    """A state file could not be read for editing."""


@dataclass(frozen=True)
class SectionIndex:
    """A section's key and items as a parser found them; lines and columns 0-based.

    `items` holds each item's id (`""` for an item without one) and where its node starts (after `- `).
    """

    key_line: int
    key_col: int
    items: tuple[tuple[str, int, int], ...]


def is_content(line: str) -> bool:
    """True for a line that is neither blank nor only a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def index_of(text: str, section: str) -> SectionIndex | None:
    """The section's index by the fast loader; None when it cannot tell (unreadable, not a block list)."""
    try:
        doc = load_marked(text.encode("utf-8"))
    except YamlSyntaxError:
        return None
    data = doc.data
    if type(data) is not dict or type(data.get(section)) is not list:
        return None
    (key_line, key_col), _value = doc.key_positions(data)[section]
    seq = data[section]
    items = tuple(
        (str(item.get("id")) if type(item) is dict else "", line - 1, col - 1)
        for item, (line, col) in zip(seq, doc.item_positions(seq), strict=True)
    )
    return SectionIndex(key_line - 1, key_col - 1, items)


def index_from_entries(
    lines: Sequence[str], section: str, starts: Sequence[tuple[str, int, int]]
) -> SectionIndex | None:
    """The index of a section whose items a valid state located (id, 0-based line and column of each,
    in file order): the section key is the content line before the first item, and must read `section:`."""
    if not starts:
        return None
    first = starts[0][1]
    n = first
    while n >= 0 and not lines[n].lstrip().startswith("-"):
        n -= 1
    n -= 1
    while n >= 0 and not is_content(lines[n]):
        n -= 1
    if n < 0:
        return None
    line = lines[n]
    col = len(line) - len(line.lstrip())
    if not line[col:].startswith(f"{section}:"):
        return None
    return SectionIndex(n, col, tuple(starts))


@dataclass(frozen=True)
class Layout:
    """Where a section's entries are: 0-based [start, end) line ranges, and the indentation in use."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    section_end: int  # the line after the section's last content line
    dash_col: int
    content_col: int


EMPTY = Layout((), (), 0, 2, 4)  # a new section: two-space indentation, as the examples are written


def layout(lines: Sequence[str], index: SectionIndex, *, strict: bool = True) -> Layout | None:
    """Each item's line range; None (when `strict`) when the items are not a block list the lines agree
    with."""
    starts: list[int] = []
    for _id, at, _col in index.items:
        if not 0 <= at < len(lines):
            return None  # positions that are not this text's
        while at > 0 and not lines[at].lstrip().startswith("-"):
            at -= 1  # a `-` on a line of its own, the entry's keys below it
        if strict and starts and at <= starts[-1]:
            return None  # a flow list, or positions that are not this text's
        starts.append(at)
    # the section ends before the next line of content at the section key's indentation or less (after
    # the last item's first line: only the last item can run into what follows the section)
    first = (starts[-1] + 1) if starts else index.key_line + 1
    stop = len(lines)
    for n in range(first, len(lines)):
        line = lines[n]
        if (
            is_content(line)
            and len(line) - len(line.lstrip()) <= index.key_col
            and not line.lstrip().startswith("-")
        ):
            stop = n
            break
    bounds = [*starts[1:], stop] if starts else []
    ends = []
    for start, bound in zip(starts, bounds, strict=True):
        end = bound
        while end > start + 1 and not is_content(lines[end - 1]):
            end -= 1
        ends.append(end)
    section_end = ends[-1] if ends else index.key_line + 1
    if starts:
        dash_line = lines[starts[0]]
        dash_col = len(dash_line) - len(dash_line.lstrip())
        content_col = index.items[0][2]
    else:
        dash_col, content_col = index.key_col + 2, index.key_col + 4
    return Layout(tuple(starts), tuple(ends), section_end, dash_col, content_col)


def splice(
    lines: Sequence[str], where: Layout, replacements: Mapping[int, Sequence[str]], appended: Sequence[str]
) -> list[str]:
    """The lines with item n's lines replaced by `replacements[n]` and `appended` after the last item."""
    out: list[str] = []
    cursor = 0
    for n in sorted(replacements):
        out += lines[cursor : where.starts[n]]
        out += replacements[n]
        cursor = where.ends[n]
    if appended:
        out += lines[cursor : where.section_end]
        out += appended
        cursor = where.section_end
    out += lines[cursor:]
    return out


def report(chunks: list[str] | None, replacements: Mapping[int, list[str]], appended: list[str]) -> None:
    """Add the new text of each entry replaced or appended to `chunks` (when given)."""
    if chunks is not None:
        chunks.extend("".join(r) for r in replacements.values() if r)
        if appended:
            chunks.append("".join(appended))
