"""The history of the memberships in git (issue 15 §2): every change, and the state at any date.

`walk` replays the mainline's commits of the state files, oldest first. After each commit it knows every
user's groups and every group's parents, as the state declared them (first declaration wins, as the
loader's), and records each difference as a `Change` naming its commit. What gave a membership is the
change that last added it: it has stayed since.

Relations are `member` (a user in a group), `parent` (a group in its parent group) and `declared` (the
principal itself appearing or going). Grants (issue 12's workspace and organization permissions) become
one more relation, read from the same walk: `Version` gains the entries' grants, and `_emit` their
differences.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reconciler.gitlog import BlobReader, Commit, FileChange, HistoryError, is_shallow, mainline, toplevel
from reconciler.grant_versions import GrantKey, Grants, GrantValue, grants_in
from reconciler.memberships import EMPTY, Version, VersionParser

if TYPE_CHECKING:
    from reconciler.config import Config

Kind = Literal["user", "group"]
Relation = Literal["declared", "member", "parent", "grant"]
Op = Literal["added", "removed", "changed"]
_SUFFIXES = (".yaml", ".yml")
_ORDER: tuple[Kind, ...] = ("group", "user")


@dataclass(frozen=True)
class Change:
    """One difference one commit made: `kind` `principal` was `op` (to/from `target`, a group id)."""

    commit: Commit
    kind: Kind
    principal: str
    relation: Relation
    target: str  # the group (member, parent); "" for declared
    op: Op
    path: str  # the state file of the change, from the top of the repository
    grant: GrantValue | None = None  # a grant change: the grant after it (None: removed)
    previous: GrantValue | None = None  # a grant change: the grant before it (None: added)

    def involves(self, principal: str) -> bool:
        """True when the change is to `principal` or to its members (for a group)."""
        if self.relation == "grant":  # target is the grant's scope, not a group
            return self.principal == principal
        return self.principal == principal or self.target == principal


@dataclass
class Timeline:
    """The replayed history: every change, the state after the last commit read, and what gave each tie."""

    changes: list[Change] = field(default_factory=list)
    users: dict[str, frozenset[str]] = field(default_factory=dict)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    # (kind, principal, target) → the change that last added it; target "" for the principal itself
    given_by: dict[tuple[str, str, str], Change] = field(default_factory=dict)
    commits: int = 0  # mainline commits read
    last: Commit | None = None  # the last of them
    warnings: list[str] = field(default_factory=list)

    def known(self, principal: str) -> bool:
        """True when `principal` was ever a user or group, or a group named by one."""
        return any(c.involves(principal) for c in self.changes)


def walk(config: Config, *, until: datetime | None = None) -> Timeline:
    """Replay the mainline history of the state files up to the last commit dated `until` or before."""
    top = toplevel(config.root)
    state = _inside(top, config.state_dir)
    if state is None:
        raise HistoryError(
            f"history error: the state directory {config.state_dir} is outside the repository {top}"
        )
    backups = _inside(top, config.backups_dir)
    excluded = {f"{state}/backups" if state else "backups", *([backups] if backups else [])}
    commits = list(mainline(top, [state or "."], sorted(excluded)))
    if until is not None:
        kept = [i for i, (commit, _) in enumerate(commits) if commit.date <= until]
        commits = commits[: kept[-1] + 1] if kept else []
    timeline = Timeline()
    if is_shallow(top):
        timeline.warnings.append(
            "this is a shallow clone: history starts at its oldest commit, which is then credited with "
            "everything before it (fetch the whole history: `git fetch --unshallow`, or `fetch-depth: 0`)"
        )
    with BlobReader(top) as reader:
        _Replay(timeline, reader).run(commits)
    return timeline


def _inside(top: Path, path: Path) -> str | None:
    """`path` relative to `top` as git spells it ("" for the top itself); None when outside of it."""
    rel = os.path.relpath(path.resolve(), top.resolve())
    if rel == os.curdir:
        return ""
    if rel.startswith(os.pardir):
        return None
    return Path(rel).as_posix()


class _Replay:
    """The state after each commit, per file and merged, and the changes between."""

    def __init__(self, timeline: Timeline, reader: BlobReader) -> None:
        self.t = timeline
        self.reader = reader
        self.parser = VersionParser()
        self.files: dict[str, Version] = {}
        self.declared_in: dict[Kind, dict[str, list[str]]] = {"user": {}, "group": {}}
        self.grant_files: dict[str, Grants] = {}  # path → its grants (files declaring some only)
        self.grant_blobs: dict[str, Grants] = {}  # blob → its grants (bounded)
        self.grants: Grants = {}  # merged: the first file (in path order) declaring a key wins

    def run(self, commits: list[tuple[Commit, list[FileChange]]]) -> None:
        for commit, changes in commits:
            self.t.commits += 1
            self.t.last = commit
            self._commit(commit, [c for c in changes if c.path.endswith(_SUFFIXES)])

    def _commit(self, commit: Commit, changes: list[FileChange]) -> None:
        touched: dict[Kind, dict[str, str]] = {"user": {}, "group": {}}  # id → the file of its change
        grants_touched: dict[GrantKey, str] = {}
        for change in changes:
            old = self.files.get(change.path, EMPTY)
            read: list[bytes] = []
            if change.blob is None:
                new = EMPTY
                self.files.pop(change.path, None)
            else:

                def reading(blob: str, read: list[bytes] = read) -> bytes:
                    read.append(self.reader.read(blob))
                    return read[-1]

                parsed = self.parser.parse_blob(change.blob, reading)
                if parsed is None:
                    self.t.warnings.append(
                        f"{change.path} at {commit.short} is not valid YAML: read as its previous version"
                    )
                    continue
                new = self.files[change.path] = parsed
            self._file_grants(change, read, grants_touched)
            pairs: tuple[tuple[Kind, dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]], ...] = (
                ("user", old.users, new.users),
                ("group", old.groups, new.groups),
            )
            for kind, before, after in pairs:
                index = self.declared_in[kind]
                for principal in before.keys() - after.keys():
                    index[principal].remove(change.path)
                for principal in after.keys() - before.keys():
                    bisect.insort(index.setdefault(principal, []), change.path)
                for principal, _ in after.items() ^ before.items():  # added, gone or changed
                    touched[kind].setdefault(principal, change.path)
        for kind in _ORDER:  # a new group before its members
            ids = touched[kind]
            merged = self.t.users if kind == "user" else self.t.groups
            for principal in sorted(ids):
                now = self._merged(kind, principal)
                was = merged.get(principal)
                if now is None:
                    merged.pop(principal, None)
                else:
                    merged[principal] = now
                if was != now:
                    self._emit(commit, kind, principal, was, now, ids[principal])
        if grants_touched:
            self._emit_grants(commit, grants_touched)

    def _file_grants(self, change: FileChange, read: list[bytes], touched: dict[GrantKey, str]) -> None:
        """Update the file's grants; a blob not read for memberships (cached) is read only if unseen."""
        old = self.grant_files.get(change.path, {})
        if change.blob is None:
            new: Grants = {}
        elif change.blob in self.grant_blobs:
            new = self.grant_blobs[change.blob]
        else:
            new = grants_in(read[0] if read else self.reader.read(change.blob))
            if len(self.grant_blobs) > 256:
                self.grant_blobs.clear()
            self.grant_blobs[change.blob] = new
        if new:
            self.grant_files[change.path] = new
        else:
            self.grant_files.pop(change.path, None)
        for key, _ in old.items() ^ new.items():
            touched.setdefault(key, change.path)

    def _emit_grants(self, commit: Commit, touched: dict[GrantKey, str]) -> None:
        for key in sorted(touched):
            was = self.grants.get(key)
            now = next((g[key] for _, g in sorted(self.grant_files.items()) if key in g), None)
            if now is None:
                self.grants.pop(key, None)
            else:
                self.grants[key] = now
            if was == now:
                continue
            op: Op = "added" if was is None else "removed" if now is None else "changed"
            kind: Kind = "user" if key[0] == "user" else "group"
            self.t.changes.append(Change(commit, kind, key[1], "grant", key[2], op, touched[key], now, was))

    def _merged(self, kind: Kind, principal: str) -> frozenset[str] | None:
        """The principal's groups from the first file (in path order) declaring it; None when none does."""
        paths = self.declared_in[kind].get(principal)
        if not paths:
            return None
        version = self.files[paths[0]]
        return frozenset((version.users if kind == "user" else version.groups)[principal])

    def _emit(
        self,
        commit: Commit,
        kind: Kind,
        principal: str,
        before: frozenset[str] | None,
        after: frozenset[str] | None,
        path: str,
    ) -> None:
        relation: Relation = "member" if kind == "user" else "parent"
        out: list[Change] = []
        if before is None:
            out.append(Change(commit, kind, principal, "declared", "", "added", path))
        for group in sorted((after or frozenset()) - (before or frozenset())):
            out.append(Change(commit, kind, principal, relation, group, "added", path))
        for group in sorted((before or frozenset()) - (after or frozenset())):
            out.append(Change(commit, kind, principal, relation, group, "removed", path))
        if after is None:
            out.append(Change(commit, kind, principal, "declared", "", "removed", path))
        for change in out:
            key = (kind, principal, change.target)
            if change.op == "added":
                self.t.given_by[key] = change
            else:
                self.t.given_by.pop(key, None)
        self.t.changes.extend(out)


def changes_of(timeline: Timeline, principal: str, *, since: datetime | None = None) -> Iterator[Change]:
    """The changes involving `principal` (its own, and for a group its members'), oldest first."""
    for change in timeline.changes:
        if change.involves(principal) and (since is None or change.commit.date >= since):
            yield change


__all__ = ["Change", "HistoryError", "Timeline", "changes_of", "parse_date", "walk"]


def parse_date(text: str, *, end_of_day: bool = False) -> datetime:
    """`YYYY-MM-DD` (the day's start, or with `end_of_day` its last instant) or an ISO date-time; UTC unless
    it says otherwise. ValueError when it is neither."""
    value = datetime.fromisoformat(text.strip())
    if len(text.strip()) == 10 and end_of_day:
        value = value.replace(hour=23, minute=59, second=59, microsecond=999999)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
