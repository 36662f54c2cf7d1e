"""The organization's document: immutable snapshots swapped atomically, and their atomic persistence."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reconciler.atomic import write_atomically
from reconciler.emulator import rules
from reconciler.gcpause import paused_gc

VIEWS = ("usersAndUserGroups", "users", "userGroups")
LAYOUT_KEYS = ("users", "userGroups")


def encode(doc: Any) -> bytes:
    """Compact JSON with sorted keys, the way the server answers."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


class Snapshot:
    """One version of the document. Never mutated once published, so readers need no lock."""

    def __init__(self, doc: dict[str, Any], version: int) -> None:
        self.doc = doc
        self.version = version
        self._bytes: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def body(self, view: str = "usersAndUserGroups") -> bytes:
        """The serialized view, encoded once per snapshot and cached."""
        cached = self._bytes.get(view)
        if cached is not None:
            return cached
        with self._lock:
            if view not in self._bytes:
                part = self.doc if view == "usersAndUserGroups" else {view: self.doc[view]}
                self._bytes[view] = encode(part)
            return self._bytes[view]


def remove_stale_temp_files(path: Path) -> None:
    """Delete temp files that a process killed mid-write left beside `path`."""
    if path.parent.is_dir():
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            stale.unlink(missing_ok=True)


class Store:
    """Holds the current snapshot; writers serialize on a lock, readers just take the reference."""

    def __init__(
        self,
        *,
        bootstrap_user: str,
        bootstrap_group: str,
        data_file: Path | None = None,
        on_publish: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.data_file = data_file
        self._on_publish = on_publish  # runs under the write lock, after the new document is visible
        self._write_lock = threading.Lock()
        # Sections: what else the --data file keeps beside the layout (organization permissions, API token
        # hashes, ...), each a JSON value replaced whole; a pruner fits one to every published document.
        self._sections: dict[str, Any] = {}
        self._pruners: dict[str, Callable[[Any, dict[str, Any]], Any]] = {}
        self._snapshot = Snapshot(self._initial(), 1)

    def _initial(self) -> dict[str, Any]:
        if self.data_file is not None:
            remove_stale_temp_files(self.data_file)
        if self.data_file is not None and self.data_file.exists():
            try:
                raw = json.loads(self.data_file.read_bytes())
            except ValueError as e:
                raise rules.InvalidDocument([f"{self.data_file}: not JSON: {e}"]) from e
            if isinstance(raw, dict):
                self._sections = {k: v for k, v in raw.items() if k not in LAYOUT_KEYS}
            return self.build(raw)
        doc = rules.bootstrap_document(
            bootstrap_user=self.bootstrap_user, bootstrap_group=self.bootstrap_group
        )
        if self.data_file is not None:
            self.data_file.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.data_file, encode(doc))
        return doc

    def build(self, raw: Any) -> dict[str, Any]:
        """Validate and normalize a whole document (raises rules.InvalidDocument)."""
        problems = rules.check_top_level(raw)
        if problems:
            raise rules.InvalidDocument(problems)
        return rules.build_document(
            raw["users"],
            raw["userGroups"],
            bootstrap_user=self.bootstrap_user,
            bootstrap_group=self.bootstrap_group,
        )

    @property
    def snapshot(self) -> Snapshot:
        """The current version (an atomic reference read)."""
        return self._snapshot

    def commit(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Snapshot:
        """Publish `change(current)`, a document the caller has already validated and normalized."""
        with self._write_lock:
            return self._publish(change(self._snapshot.doc))

    def update(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Snapshot:
        """Build the next document from the current one with `change`, persist it, then publish it."""
        with self._write_lock, paused_gc():
            return self._publish(self.build(change(self._snapshot.doc)))

    def section(self, name: str) -> Any:
        """The current value of a section of the --data file (None when never set)."""
        return self._sections.get(name)

    def add_pruner(self, name: str, prune: Callable[[Any, dict[str, Any]], Any]) -> None:
        """Fit section `name` to every document published from now on (e.g. drop a deleted user's rows)."""
        with self._write_lock:
            self._pruners[name] = prune

    def set_section(self, name: str, change: Callable[[Any, dict[str, Any]], Any]) -> Any:
        """Replace section `name` with `change(current, document)`, persisted atomically with the layout.

        `change` may raise to refuse; nothing is written then. Returns the new value.
        """
        with self._write_lock:
            value = change(self._sections.get(name), self._snapshot.doc)
            sections = {**self._sections, name: value}
            if self.data_file is not None:
                write_atomically(self.data_file, _file_bytes(self._snapshot.body(), sections))
            self._sections = sections
            return value

    def _publish(self, doc: dict[str, Any]) -> Snapshot:
        # Persist first: the file is never older than what a client has been told was accepted.
        snapshot = Snapshot(doc, self._snapshot.version + 1)
        sections = self._sections
        if self._pruners and sections:
            sections = {
                k: self._pruners[k](v, doc) if k in self._pruners and v is not None else v
                for k, v in sections.items()
            }
        if self.data_file is not None:
            write_atomically(self.data_file, _file_bytes(snapshot.body(), sections))
        self._snapshot = snapshot
        self._sections = sections
        if self._on_publish is not None:
            self._on_publish(doc)
        return snapshot


def _file_bytes(layout: bytes, sections: dict[str, Any]) -> bytes:
    """The --data file: the layout's cached bytes with the sections spliced in (no re-encoding)."""
    if not sections:
        return layout
    return layout[:-1] + b"," + encode(sections)[1:]
