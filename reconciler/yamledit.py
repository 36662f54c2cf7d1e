"""Minimal edits of the state YAML people wrote: change, remove and add entries, keep every other byte.

A load (an HR export turned into a pull request) or an adopt (drift written back) must touch only the entries
that change: comments, key order, quoting, blank lines and the formatting of every other entry stay as they
were, so the pull request shows exactly the change. ruamel.yaml's round-trip mode is the one library that
parses YAML with comments and positions and emits a mapping back with its comments and quoting; it owns that
part here (only this module imports it). The untouched bytes are never re-emitted at all: ruamel.yaml locates
each entry's lines, an edited entry is emitted on its own in the file's own indentation, and the new text is
spliced in place of the old lines.

An entry's lines run from its `- ` line to its last line of content: comment and blank lines after it belong
to what follows (they usually introduce the next entry), so deleting an entry keeps them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from reconciler.errors import StateError

REMOVE = object()
"""A value in `EntryEdit.fields` that removes the field from the entry."""


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


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long line the person wrote on one
    # `field: null` (a managed field removed), as the state files spell it, not an empty `field:`
    y.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


@dataclass(frozen=True)
class _Layout:
    """Where a section's entries are: 0-based [start, end) line ranges, and the indentation in use."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    section_end: int  # the line after the section's last content line
    dash_col: int
    content_col: int


def _layout(lines: list[str], seq: CommentedSeq, key_col: int) -> _Layout:
    starts: list[int] = []
    for i in range(len(seq)):
        line, col = seq.lc.item(i)
        while line > 0 and not lines[line].lstrip().startswith("-"):
            line -= 1  # a `-` on a line of its own, the entry's keys below it
        starts.append(line)
    # the section ends before the next line of content at the section key's indentation or less
    first = (starts[0] + 1) if starts else seq.lc.line + 1
    stop = len(lines)
    for n in range(first, len(lines)):
        line = lines[n]
        if (
            _is_content(line)
            and len(line) - len(line.lstrip()) <= key_col
            and not line.lstrip().startswith("-")
        ):
            stop = n
            break
    bounds = [*starts[1:], stop] if starts else []
    ends = []
    for start, bound in zip(starts, bounds, strict=True):
        end = bound
        while end > start + 1 and not _is_content(lines[end - 1]):
            end -= 1
        ends.append(end)
    section_end = ends[-1] if ends else seq.lc.line + 1
    if starts:
        dash_line = lines[starts[0]]
        dash_col = len(dash_line) - len(dash_line.lstrip())
        content_col = seq.lc.item(0)[1]
    else:
        dash_col, content_col = key_col + 2, key_col + 4
    return _Layout(tuple(starts), tuple(ends), section_end, dash_col, content_col)


def _plain(value: Any, *, flow_lists: bool, flow_items: bool = False) -> Any:
    """New values as ruamel.yaml containers: lists of scalars in flow style (`[a, b]`) when asked, and the
    mappings in a list (settings, permissions) one per line (`- {id: locale, …}`) when asked."""
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _plain(v, flow_lists=flow_lists, flow_items=flow_items)
        return out
    if isinstance(value, list | tuple):
        seq = CommentedSeq(_plain(v, flow_lists=flow_lists, flow_items=flow_items) for v in value)
        if flow_lists and all(not isinstance(v, Mapping | list | tuple) for v in value):
            seq.fa.set_flow_style()
        for item in seq if flow_items else ():
            if isinstance(item, CommentedMap):
                item.fa.set_flow_style()
        return seq
    return value


def _emit(entries: Sequence[Any], layout: _Layout) -> list[str]:
    """The entries as a block sequence in the section's indentation, without trailing comments."""
    y = _yaml()
    offset = layout.dash_col
    y.indent(mapping=2, sequence=layout.content_col - layout.dash_col + offset, offset=offset)
    out = io.StringIO()
    y.dump(CommentedSeq(entries), out)
    emitted = out.getvalue().splitlines(keepends=True)
    while emitted and not _is_content(emitted[-1]):
        emitted.pop()
    return emitted


def _apply_fields(entry: CommentedMap, edit: EntryEdit) -> None:
    for name, value in edit.fields.items():
        if value is REMOVE:
            entry.pop(name, None)
            continue
        old = entry.get(name)
        flow = isinstance(old, CommentedSeq) and bool(old.fa.flow_style())
        items = isinstance(old, CommentedSeq) and any(
            isinstance(i, CommentedMap) and i.fa.flow_style() for i in old
        )
        if (  # a list of mappings (permissions): the items that stay keep their comments
            isinstance(old, CommentedSeq)
            and isinstance(value, list)
            and old
            and all(isinstance(v, Mapping) for v in [*old, *value])
        ):
            entry[name] = _merge_items(old, value, flow_items=items)
            continue
        entry[name] = _plain(value, flow_lists=flow or old is None, flow_items=items or old is None)


def _key_of(item: Any) -> Any:
    """A mapping item's first key and value (`group: sales`): what names it in a list of such items."""
    if isinstance(item, Mapping) and item:
        k = next(iter(item))
        return (k, item[k]) if not isinstance(item[k], Mapping | list) else None
    return None


def _merge_items(old: CommentedSeq, value: list[Any], *, flow_items: bool) -> CommentedSeq:
    """The new list, reusing the old items (with their comments): an equal item as it is, a mapping named
    by the same first key and value edited in place; other items new."""
    out = CommentedSeq()
    if old.fa.flow_style():
        out.fa.set_flow_style()
    used: set[int] = set()
    for v in value:
        match = next((i for i, o in enumerate(old) if i not in used and o == v), None)
        if match is None and _key_of(v) is not None:
            match = next((i for i, o in enumerate(old) if i not in used and _key_of(o) == _key_of(v)), None)
        if match is None:
            out.append(_plain([v], flow_lists=True, flow_items=flow_items)[0])
            continue
        used.add(match)
        item = old[match]
        if item != v and isinstance(item, CommentedMap) and isinstance(v, Mapping):
            for k in [k for k in item if k not in v]:
                del item[k]
            for k, val in v.items():
                if item.get(k) != val:
                    item[k] = _plain(val, flow_lists=True)
        out.append(item)
        comment = old.ca.items.get(match)
        if comment is not None:
            out.ca.items[len(out) - 1] = comment
    return out


def edit_section(text: str, section: str, change: SectionEdit, *, where: str = "<text>") -> str:
    """`text` with the section's entries edited, deleted and appended; every other line as it was."""
    y = _yaml()
    try:
        doc = y.load(text) if text.strip() else None
    except YAMLError as e:
        raise YamlEditError(f"{where}: cannot be edited: {e}") from e
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, CommentedMap):
        raise YamlEditError(f"{where}: cannot be edited: the document is not a mapping")
    seq = doc.get(section)
    if seq is None:
        if change.edits or change.delete:
            missing = sorted({*change.edits, *change.delete})
            raise YamlEditError(f"{where}: has no {section} section to edit {', '.join(missing)}")
        if not change.append:
            return text
        if section in doc:  # `users:` with nothing under it
            del doc[section]
            lines = [ln for ln in lines if not ln.startswith(f"{section}:")]
        new = _emit(
            [_plain(e, flow_lists=True, flow_items=True) for e in change.append], _Layout((), (), 0, 2, 4)
        )
        return "".join([*lines, f"{section}:\n", *new])
    if not isinstance(seq, CommentedSeq):
        raise YamlEditError(f"{where}: `{section}` is not a list")
    key_line, key_col = doc.lc.key(section)
    if not seq and change.append:  # `users: []`: the new entries go below a bare key
        head, sep, rest = lines[key_line].partition(f"{section}:")
        lines[key_line] = f"{head}{sep}{rest.replace('[]', '', 1).rstrip()}\n"
    layout = _layout(lines, seq, key_col)
    ids = [str(item.get("id")) if isinstance(item, CommentedMap) else "" for item in seq]
    unknown = sorted(i for i in {*change.edits, *change.delete} if i not in ids)
    if unknown:
        raise YamlEditError(f"{where}: no {section} entry with id {', '.join(unknown)}")
    replacements: dict[int, list[str]] = {}
    for n, (item, entry_id) in enumerate(zip(seq, ids, strict=True)):
        if entry_id in change.delete:
            replacements[n] = []
        elif entry_id in change.edits:
            _apply_fields(item, change.edits[entry_id])
            replacements[n] = _emit([item], layout)
    out: list[str] = []
    cursor = 0
    for n in sorted(replacements):
        out += lines[cursor : layout.starts[n]]
        out += replacements[n]
        cursor = layout.ends[n]
    if change.append:
        out += lines[cursor : layout.section_end]
        out += _emit([_plain(e, flow_lists=True, flow_items=True) for e in change.append], layout)
        cursor = layout.section_end
    out += lines[cursor:]
    if len(seq) == len(change.delete) and not change.append:  # every entry went: an empty list, not null
        head, sep, rest = out[key_line].partition(f"{section}:")
        out[key_line] = f"{head}{sep} []{rest}"
    return "".join(out)
