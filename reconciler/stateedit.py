"""Edits of the state files gathered per file and section, shared by `load` and `adopt`.

Both turn a difference (an HR export, the live organization) into `SectionEdit`s of the files where each
entry is declared; new entries go to one file. This module gathers them and produces each file's new text
(reading the files, writing nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.config import Config
from reconciler.source.model import DesiredState, Entry
from reconciler.yamledit import EntryEdit, SectionEdit, edit_section

Section = tuple[dict[str, EntryEdit], set[str], list[dict[str, Any]]]
"""One section's edits: (entry edits by id, ids to delete, entries to append)."""


def default_file(config: Config, entries: Mapping[str, Entry], section: str) -> Path:
    """Where new entries of a kind go: the file declaring the most of them, else `<state>/<section>.yaml`."""
    counts: dict[str, int] = {}
    for e in entries.values():
        counts[e.location.path] = counts.get(e.location.path, 0) + 1
    if counts:
        best = max(sorted(counts), key=lambda p: counts[p])
        return config.root / best
    return config.state_dir / f"{section}.yaml"


class FileEdits:
    """Section edits gathered per file; `state`, the state the files were read into, says where each of its
    entries is (so the files need not be parsed again to be edited)."""

    def __init__(self, state: DesiredState | None = None) -> None:
        self.by_file: dict[Path, dict[str, Section]] = {}
        self.state = state
        # (file, section) -> the new text of each entry edited or added there, once `texts` has run
        self.chunks: dict[tuple[Path, str], list[str]] = {}

    def section(self, path: Path, section: str) -> Section:
        """The (mutable) edits of one section of one file."""
        return self.by_file.setdefault(path, {}).setdefault(section, ({}, set(), []))

    def texts(self, config: Config) -> dict[Path, str]:
        """The new text of every file that changes."""
        out: dict[Path, str] = {}
        located = _located(self.state) if self.state is not None else {}
        for path, sections in self.by_file.items():
            before = path.read_text(encoding="utf-8") if path.exists() else ""
            text = before
            rel = config.relative(path)
            for n, (section, (edits, delete, append)) in enumerate(sections.items()):
                change = SectionEdit(edits=edits, delete=frozenset(delete), append=append)
                # the positions are the file's as read: after another section's edit, found again
                items = located.get((rel, section), ()) if n == 0 else ()
                chunks = self.chunks.setdefault((path, section), [])
                text = edit_section(text, section, change, where=rel, items=items, chunks=chunks)
            if text != before:
                out[path] = text
        return out


def _located(state: DesiredState) -> dict[tuple[str, str], list[tuple[str, int, int]]]:
    """Every declared user and group by (file, section): id, 0-based line and column, in file order (a
    position out of order makes the splice ask the fast loader)."""
    out: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for section, entries in (("users", state.users), ("groups", state.groups)):
        for e in entries.values():
            where = e.location
            out.setdefault((where.path, section), []).append((e.id, where.line - 1, where.column - 1))
    return out  # in file order: the state keeps each file's entries in the order it read them
