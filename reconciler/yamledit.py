"""Minimal edits of the state YAML people wrote: change, remove and add entries, keep every other byte.

A load (an HR export turned into a pull request) or an adopt (drift written back) must touch only the entries
that change: comments, key order, quoting, blank lines and the formatting of every other entry stay as they
were, so the pull request shows exactly the change. ruamel.yaml's round-trip mode (`reconciler.yamlround`,
imported only when an entry needs it) reads and emits an entry with its comments and quoting. The untouched
bytes are never re-emitted, nor read by ruamel.yaml: the positions of the section's entries come from the
fast loader (or from the state model, which it built),
`reconciler.yamlsplice` turns them into each entry's lines, ruamel.yaml reads only the lines of an entry that
changes (behind its section key, in the file's own columns, so its comments and quoting are as a whole-file
parse reads them) and emits it on its own in the file's indentation, and the new text is spliced in place of
the old lines. Whatever that cannot place (a flow-style section, an alias to an anchor elsewhere, a missing
or empty section, an unknown id) goes through ruamel.yaml's parse of the whole file, which also words the
errors.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler import yamlplain
from reconciler.yamlsplice import REMOVE as REMOVE  # the edits' value that removes a field
from reconciler.yamlsplice import EntryEdit as EntryEdit
from reconciler.yamlsplice import SectionEdit as SectionEdit
from reconciler.yamlsplice import SectionIndex, index_from_entries, index_of, layout, report, splice
from reconciler.yamlsplice import YamlEditError as YamlEditError

__all__ = ["REMOVE", "EntryEdit", "SectionEdit", "YamlEditError", "edit_section", "edit_section_whole"]


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
    from reconciler.yamlround import edited_in_full  # ruamel.yaml: only for what the splice cannot place

    return edited_in_full(text, lines, section, change, where, chunks)


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
            from reconciler.yamlround import apply_fields, emit, read_entry  # not of the plain shape

            item = read_entry(lines, where, n, section, index.key_col, entry_id)
            if item is None:
                return None
            apply_fields(item, change.edits[entry_id])
            replacements[n] = emit([item], where)
    appended: list[str] = []
    for e in change.append:
        plain = yamlplain.new(e, where)
        if plain is not None:
            appended += yamlplain.write(plain, where)
            continue
        from reconciler.yamlround import emit, plain_value

        appended += emit([plain_value(e, flow_lists=True, flow_items=True)], where)
    out = splice(lines, where, replacements, appended)
    if len(ids) == len(change.delete) and not change.append:  # every entry went: an empty list, not null
        head, sep, rest = out[index.key_line].partition(f"{section}:")
        out[index.key_line] = f"{head}{sep} []{rest}"
    report(chunks, replacements, appended)
    return "".join(out)


def edit_section_whole(text: str, section: str, change: SectionEdit, *, where: str = "<text>") -> str:
    """The same edit by ruamel.yaml's parse of the whole file: the reference `edit_section` is held to (one
    difference: an entry given a new field no longer repeats the comments that follow it)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    from reconciler.yamlround import edited_in_full

    return edited_in_full(text, lines, section, change, where, None)
