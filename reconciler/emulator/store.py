"""The organization's document: immutable snapshots swapped atomically, and their atomic persistence."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from reconciler.atomic import write_atomically
from reconciler.emulator import rules
from reconciler.gcpause import paused_gc

VIEWS = ("usersAndUserGroups", "users", "userGroups")


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


class Section(Protocol):
    """More of the organization saved in the data file beside the layout (workspaces, ...)."""

    def dump(self) -> Any:
        """What the data file holds under the section's name; empty (falsy) leaves the name out."""

    def load(self, raw: Any) -> list[str]:
        """Take the data file's value; the problems that keep it from loading."""


class Store:
    """Holds the current snapshot; writers serialize on a lock, readers just take the reference."""

    def __init__(
        self,
        *,
        bootstrap_user: str,
        bootstrap_group: str,
        data_file: Path | None = None,
        on_publish: Callable[[dict[str, Any]], None] | None = None,
        sections: Mapping[str, Section] | None = None,
    ) -> None:
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.data_file = data_file
        self._on_publish = on_publish  # runs under the write lock, before the new document is saved
        self._sections = dict(sections or {})
        self._write_lock = threading.Lock()
        self._snapshot = Snapshot(self._initial(), 1)

    def _initial(self) -> dict[str, Any]:
        if self.data_file is not None:
            remove_stale_temp_files(self.data_file)
        if self.data_file is not None and self.data_file.exists():
            try:
                raw = json.loads(self.data_file.read_bytes())
            except ValueError as e:
                raise rules.InvalidDocument([f"{self.data_file}: not JSON: {e}"]) from e
            doc = self.build(raw)
            for name, section in self._sections.items():
                problems = section.load(raw.get(name, []))
                if problems:
                    raise rules.InvalidDocument([f"{self.data_file}: {p}" for p in problems])
            return doc
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

    def save(self, change: Callable[[], None]) -> None:
        """Run `change` (of a section, e.g. the workspaces) under the write lock, then persist everything."""
        with self._write_lock:
            change()
            self._persist(self._snapshot)

    def _publish(self, doc: dict[str, Any]) -> Snapshot:
        # Persist first: the file is never older than what a client has been told was accepted.
        snapshot = Snapshot(doc, self._snapshot.version + 1)
        if self._on_publish is not None:
            self._on_publish(doc)
        self._persist(snapshot)
        self._snapshot = snapshot
        return snapshot

    def _persist(self, snapshot: Snapshot) -> None:
        if self.data_file is None:
            return
        body = snapshot.body()
        extra = {name: dumped for name, section in self._sections.items() if (dumped := section.dump())}
        if extra:  # the layout's bytes as cached, the sections spliced in: no re-encoding of 100,000 users
            body = body[:-1] + b"," + encode(extra)[1:]
        write_atomically(self.data_file, body)
