"""ruamel.yaml's part of editing the state files: reading an entry (or a whole file) with its comments and
quoting, applying field edits, and emitting it in the file's indentation.

ruamel.yaml's round-trip mode is the one library that parses YAML with comments and positions and emits a
mapping back with its comments and quoting; only this module imports it. `reconciler.yamledit` asks it for
an entry that is not of the plainest shape (`reconciler.yamlplain` writes those), and for what the
positions cannot place: a flow-style section, an alias to an anchor elsewhere, a missing or empty section,
an unknown id (the parse of the whole file, which also words the errors).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from reconciler.yamlsplice import (
    EMPTY,
    REMOVE,
    EntryEdit,
    Layout,
    SectionEdit,
    SectionIndex,
    YamlEditError,
    is_content,
    layout,
    report,
    splice,
)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long line the person wrote on one
    # `field: null` (a managed field removed), as the state files spell it, not an empty `field:`
    y.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def plain_value(value: Any, *, flow_lists: bool, flow_items: bool = False) -> Any:
    """New values as ruamel.yaml containers: lists of scalars in flow style (`[a, b]`) when asked, and the
    mappings in a list (settings, permissions) one per line (`- {id: locale, …}`) when asked."""
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = plain_value(v, flow_lists=flow_lists, flow_items=flow_items)
        return out
    if isinstance(value, list | tuple):
        seq = CommentedSeq(plain_value(v, flow_lists=flow_lists, flow_items=flow_items) for v in value)
        if flow_lists and all(not isinstance(v, Mapping | list | tuple) for v in value):
            seq.fa.set_flow_style()
        for item in seq if flow_items else ():
            if isinstance(item, CommentedMap):
                item.fa.set_flow_style()
        return seq
    return value


def emit(entries: Sequence[Any], layout: Layout) -> list[str]:
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


def apply_fields(entry: CommentedMap, edit: EntryEdit) -> None:
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
        entry[name] = plain_value(value, flow_lists=flow or old is None, flow_items=items or old is None)


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
            out.append(plain_value([v], flow_lists=True, flow_items=flow_items)[0])
            continue
        used.add(match)
        item = old[match]
        if item != v and isinstance(item, CommentedMap) and isinstance(v, Mapping):
            for k in [k for k in item if k not in v]:
                del item[k]
            for k, val in v.items():
                if item.get(k) != val:
                    item[k] = plain_value(val, flow_lists=True)
        out.append(item)
        comment = old.ca.items.get(match)
        if comment is not None:
            out.ca.items[len(out) - 1] = comment
    return out


def read_entry(lines: list[str], where: Layout, n: int, section: str, key_col: int, entry_id: str) -> Any:
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


def edited_in_full(
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
        new = emit([plain_value(e, flow_lists=True, flow_items=True) for e in change.append], EMPTY)
        report(chunks, {}, new)
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
            apply_fields(item, change.edits[entry_id])
            replacements[n] = emit([item], at)
    appended = emit([plain_value(e, flow_lists=True, flow_items=True) for e in change.append], at)
    out = splice(lines, at, replacements, appended if change.append else [])
    if len(seq) == len(change.delete) and not change.append:  # every entry went: an empty list, not null
        head, sep, rest = out[key_line].partition(f"{section}:")
        out[key_line] = f"{head}{sep} []{rest}"
    report(chunks, replacements, appended if change.append else [])
    return "".join(out)
