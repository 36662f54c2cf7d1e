"""Minimal edits of the state YAML people wrote: change, remove and add entries, keep every other byte.

A load (an HR export turned into a pull request) or an adopt (drift written back) must touch only the entries
that change: comments, key order, quoting, blank lines and the formatting of every other entry stay as they
were, so the pull request shows exactly the change. ruamel.yaml's round-trip mode is the one library that
parses YAML with comments and positions and emits a mapping back with its comments and quoting; it owns that
part here (only this module imports it). The untouched bytes are never re-emitted, nor read by ruamel.yaml:
the positions of the section's entries come from the fast loader (or from the state model, which it built),
`reconciler.yamlsplice` turns them into each entry's lines, ruamel.yaml reads only the lines of an entry that
changes (behind its section key, in the file's own columns, so its comments and quoting are as a whole-file
parse reads them) and emits it on its own in the file's indentation, and the new text is spliced in place of
the old lines. Whatever that cannot place (a flow-style section, an alias to an anchor elsewhere, a missing
or empty section, an unknown id) goes through ruamel.yaml's parse of the whole file, which also words the
errors.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from reconciler import yamlplain
from reconciler.errors import StateError
from reconciler.yamlsplice import (
    EMPTY,
    Layout,
    SectionIndex,
    index_from_entries,
    index_of,
    is_content,
    layout,
    splice,
)
from reconciler.yamlsplice import REMOVE as REMOVE  # the edits' value that removes a field


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


def _emit(entries: Sequence[Any], layout: Layout) -> list[str]:
    """The entries as a block sequence in the section's indentation, without trailing comments."""
    y = _yaml()
    offset = layout.dash_col
    y.indent(mapping=2, sequence=layout.content_col - layout.dash_col + offset, offset=offset)
    out = io.StringIO()
    y.dump(CommentedSeq(entries), out)
    emitted = out.getvalue().splitlines(keepends=True)
    while emitted and not is_content(emitted[-1]):
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


def edit_section(
    text: str,
    section: str,
    change: SectionEdit,
    *,
    where: str = "<text>",
    items: Sequence[tuple[str, int, int]] = (),
    chunks: list[str] | None = None,
) -> str:
    """`text` with the section's entries edited, deleted and appended; every other line as it was.

    `items` are the section's items as a parser that read this text found them, in file order: each one's
    id and the 0-based line and column where it starts (the state model knows them). Without them, or when
    the text does not agree with them, the fast loader finds them. `chunks`, when given, receives the new
    text of every entry edited or added (`reconciler.editcheck` reads just those to check the result).
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    index = index_from_entries(lines, section, items)
    for found in (index, None):
        if found is None:  # none given, or the text disagrees with the one given: the fast loader's
            found = index_of(text, section)
        out = None if found is None else _spliced(lines, section, change, found, chunks)
        if out is not None:
            return out
        if index is None:
            break
    return _edited_in_full(text, lines, section, change, where, chunks)


def _spliced(
    lines: list[str], section: str, change: SectionEdit, index: SectionIndex, chunks: list[str] | None
) -> str | None:
    """The edit with only the changed entries read by ruamel.yaml; None when the index cannot place it."""
    if not index.items:
        return None
    where = layout(lines, index)
    if where is None:
        return None
    ids = [i for i, _line, _col in index.items]
    if not {*change.edits, *change.delete} <= set(ids):
        return None
    replacements: dict[int, list[str]] = {}
    for n, entry_id in enumerate(ids):
        if entry_id in change.delete:
            replacements[n] = []
        elif entry_id in change.edits:
            edit = change.edits[entry_id].fields
            old = yamlplain.read(lines, where.starts[n], where.ends[n], where)
            fields = (
                None if old is None or old.get("id") != ("text", entry_id) else yamlplain.edited(old, edit)
            )
            if fields is not None:  # the plain shape: written as ruamel.yaml would, without it
                replacements[n] = yamlplain.write(fields, where)
                continue
            item = _entry(lines, where, n, section, index.key_col, entry_id)
            if item is None:
                return None
            _apply_fields(item, change.edits[entry_id])
            replacements[n] = _emit([item], where)
    appended: list[str] = []
    for e in change.append:
        plain = yamlplain.new(e, where)
        appended += (
            yamlplain.write(plain, where)
            if plain is not None
            else _emit([_plain(e, flow_lists=True, flow_items=True)], where)
        )
    out = splice(lines, where, replacements, appended)
    if len(ids) == len(change.delete) and not change.append:  # every entry went: an empty list, not null
        head, sep, rest = out[index.key_line].partition(f"{section}:")
        out[index.key_line] = f"{head}{sep} []{rest}"
    _report(chunks, replacements, appended)
    return "".join(out)


def _report(chunks: list[str] | None, replacements: Mapping[int, list[str]], appended: list[str]) -> None:
    if chunks is not None:
        chunks.extend("".join(r) for r in replacements.values() if r)
        if appended:
            chunks.append("".join(appended))


def _entry(lines: list[str], where: Layout, n: int, section: str, key_col: int, entry_id: str) -> Any:
    """Entry n as ruamel.yaml reads it: its own lines behind the section key, in their own columns (so an
    inline comment keeps its column as in a whole-file parse); None when they do not read as that entry."""
    snippet = " " * key_col + f"{section}:\n" + "".join(lines[where.starts[n] : where.ends[n]])
    try:
        doc = _yaml().load(snippet)
    except YAMLError:
        return None  # e.g. an alias of an anchor written outside the entry
    seq = doc.get(section) if isinstance(doc, CommentedMap) else None
    if not isinstance(seq, CommentedSeq) or len(seq) != 1 or not isinstance(seq[0], CommentedMap):
        return None
    return seq[0] if str(seq[0].get("id")) == entry_id else None


def edit_section_whole(text: str, section: str, change: SectionEdit, *, where: str = "<text>") -> str:
    """The same edit by ruamel.yaml's parse of the whole file: the reference `edit_section` is held to (one
    difference: an entry given a new field no longer repeats the comments that follow it)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return _edited_in_full(text, lines, section, change, where, None)


def _edited_in_full(
    text: str, lines: list[str], section: str, change: SectionEdit, where: str, chunks: list[str] | None
) -> str:
    """The edit by ruamel.yaml's parse of the whole file: what the index cannot place, and the errors."""
    y = _yaml()
    try:
        doc = y.load(text) if text.strip() else None
    except YAMLError as e:
        raise YamlEditError(f"{where}: cannot be edited: {e}") from e
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
        new = _emit([_plain(e, flow_lists=True, flow_items=True) for e in change.append], EMPTY)
        _report(chunks, {}, new)
        return "".join([*lines, f"{section}:\n", *new])
    if not isinstance(seq, CommentedSeq):
        raise YamlEditError(f"{where}: `{section}` is not a list")
    key_line, key_col = doc.lc.key(section)
    if not seq and change.append:  # `users: []`: the new entries go below a bare key
        head, sep, rest = lines[key_line].partition(f"{section}:")
        lines[key_line] = f"{head}{sep}{rest.replace('[]', '', 1).rstrip()}\n"
    ids = [str(item.get("id")) if isinstance(item, CommentedMap) else "" for item in seq]
    index = SectionIndex(key_line, key_col, tuple((i, *seq.lc.item(n)) for n, i in enumerate(ids)))
    at = layout(lines, index, strict=False)
    assert at is not None  # noqa: S101 - only a strict layout refuses
    unknown = sorted(i for i in {*change.edits, *change.delete} if i not in ids)
    if unknown:
        raise YamlEditError(f"{where}: no {section} entry with id {', '.join(unknown)}")
    replacements: dict[int, list[str]] = {}
    for n, (item, entry_id) in enumerate(zip(seq, ids, strict=True)):
        if entry_id in change.delete:
            replacements[n] = []
        elif entry_id in change.edits:
            _apply_fields(item, change.edits[entry_id])
            replacements[n] = _emit([item], at)
    appended = _emit([_plain(e, flow_lists=True, flow_items=True) for e in change.append], at)
    out = splice(lines, at, replacements, appended if change.append else [])
    if len(seq) == len(change.delete) and not change.append:  # every entry went: an empty list, not null
        head, sep, rest = out[key_line].partition(f"{section}:")
        out[key_line] = f"{head}{sep} []{rest}"
    _report(chunks, replacements, appended if change.append else [])
    return "".join(out)
