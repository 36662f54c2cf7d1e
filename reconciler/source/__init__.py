"""The desired state: state files → plain data with positions → schema and semantic checks → the model."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from reconciler.errors import StateError
from reconciler.gcpause import paused_gc
from reconciler.progress import NULL, Progress, Stage, plural
from reconciler.source.access import collect_access
from reconciler.source.declared import Declared
from reconciler.source.expiry_rules import split
from reconciler.source.files import StateFile, read_state_file, state_files
from reconciler.source.model import DesiredState, Entry, Kind, Location
from reconciler.source.problem import Problem, Severity
from reconciler.source.rules import check_all
from reconciler.yamlio import Packed

if TYPE_CHECKING:
    from reconciler.config import Config

__all__ = [
    "DesiredState",
    "Entry",
    "Location",
    "Problem",
    "Severity",
    "Validation",
    "load_state",
    "validate_state",
]


@dataclass(frozen=True)
class Validation:
    """The state as far as it could be read, and every problem found."""

    state: DesiredState
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        """Number of error problems."""
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        """Number of warning problems."""
        return sum(1 for p in self.problems if p.severity == "warning")

    def ok(self, *, strict: bool = False) -> bool:
        """No errors (and with `strict`, no warnings)."""
        return not self.errors and not (strict and self.warnings)

    def only(self, files: Collection[str]) -> Validation:
        """The same state with only the problems in `files` (shown paths) and those of no state file.

        The whole state was checked (the cross-file rules need it); this is what `validate FILE…` shows.
        Problems located outside every state file (the state directory, reconciler.yaml) are kept.
        """
        named, read = set(files), set(self.state.files)
        kept = tuple(p for p in self.problems if p.location.path in named or p.location.path not in read)
        return Validation(self.state, kept)


def validate_state(
    config: Config, *, strict: bool = False, progress: Progress = NULL, today: date | None = None
) -> Validation:
    """Read every state file and check it; bad input becomes problems, never an exception.

    `today` is the day the state is for: it dates the `expires` warnings and becomes `DesiredState.as_of`.
    """
    with paused_gc(freeze=True), progress.stage("loading the state files", unit="files") as stage:
        result = _validate(config, stage, today)
        users, groups = plural(len(result.state.users), "user"), plural(len(result.state.groups), "group")
        stage.done(f"loaded {plural(len(result.state.files), 'state file')} ({users}, {groups})")
        return result


def _validate(config: Config, stage: Stage, today: date | None) -> Validation:
    return check_declared(config, read_declared(config, stage), today)


@dataclass(frozen=True)
class Read:
    """The state files as read (parsed, each checked on its own) and their users and groups, before the
    rules that span files; what `check_declared` checks (`reconciler.editcheck` swaps edited entries)."""

    files: list[StateFile]
    users: list[Declared]
    groups: list[Declared]
    problems: list[Problem]


def read_declared(config: Config, stage: Stage | None = None) -> Read:
    """Read and parse every state file and collect its users and groups; problems are collected."""
    problems: list[Problem] = []
    files: list[StateFile] = []
    if not config.state_dir.is_dir():
        problems.append(
            Problem(
                Location(config.relative(config.state_dir)),
                "error",
                config.state_dir_missing(),
                "state-dir",
            )
        )
    else:
        paths = state_files(config)
        if stage is not None:
            stage.set_total(len(paths))
        for path in paths:
            files.append(read_state_file(path, config.relative(path)))
            if stage is not None:
                stage.advance()
        if not files:
            problems.append(
                Problem(
                    Location(config.relative(config.state_dir)),
                    "warning",
                    "no state files (*.yaml, *.yml): nothing is declared",
                    "no-state",
                )
            )
    users: list[Declared] = []
    groups: list[Declared] = []
    for f in files:
        problems.extend(f.problems)
        if f.doc is not None:
            collect_entries(f, "groups", "group", groups)
            collect_entries(f, "users", "user", users)
    return Read(files, users, groups, problems)


def check_declared(config: Config, read: Read, today: date | None, *, rules: bool = True) -> Validation:
    """The rules across files over what was read, and the state it declares (without `rules`, only the
    state and the problems found while reading)."""
    problems = list(read.problems)
    if rules:
        problems.extend(check_all(read.users, read.groups, config, today))
    first_users, first_groups = _first(read.users), _first(read.groups)
    access = collect_access(read.files, set(first_users), set(first_groups), config, today)
    problems.extend(access.problems)
    problems.sort(key=lambda p: p.sort_key)
    state = DesiredState(
        users=first_users,
        groups=first_groups,
        files=tuple(f.rel for f in read.files),
        as_of=today,
        workspaces=access.workspaces,
        organization=access.organization,
        roles=access.roles,
    )
    return Validation(state, tuple(problems))


def load_state(
    config: Config, *, strict: bool = False, progress: Progress = NULL, today: date | None = None
) -> DesiredState:
    """The validated desired state as of `today`; StateError (with every problem) when it is not valid."""
    result = validate_state(config, strict=strict, progress=progress, today=today)
    if not result.ok(strict=strict):
        counts = f"{result.errors} error{'s' if result.errors != 1 else ''}"
        if result.warnings:
            counts += f", {result.warnings} warning{'s' if result.warnings != 1 else ''}"
        raise StateError(f"invalid state: {counts} (run `reconciler validate` for details)", result.problems)
    return result.state


_NO_EXPIRES: Mapping[str, date] = MappingProxyType({})  # shared: most entries expire nothing


class _FieldLocations(Mapping[str, Location]):
    """Where each field's key is written, made into a Location only when asked (problems are rare).

    It holds the entry's packed positions and its `fields` (the item's keys in order, without `id`, which is
    the item's `id_at`-th key), not the loaded document: that is freed once the state is built.
    """

    __slots__ = ("_rel", "_marks", "_fields", "_id_at")

    def __init__(self, rel: str, marks: Packed, fields: Mapping[str, object], id_at: int) -> None:
        self._rel = rel
        self._marks = marks
        self._fields = fields
        self._id_at = id_at

    def __getitem__(self, name: str) -> Location:
        if name not in self._fields:
            raise KeyError(name)
        index = list(self._fields).index(name)
        line, column = self._marks.key(index + (index >= self._id_at))
        return Location(self._rel, line, column)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def collect_entries(f: StateFile, section: str, kind: Kind, out: list[Declared]) -> None:
    """Append the users or groups (`section`) of a file read to `out`."""
    assert f.doc is not None
    items = f.doc.data.get(section)
    if not isinstance(items, list):
        return
    doc = f.doc
    rel = f.rel
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue  # the schema check has reported it
        marks = doc.packed(item)
        line, column = marks.start
        # 100,000 users have ~600,000 fields: their Locations are built lazily, and `fields` in one pass
        fields = {k: v for k, v in item.items() if k != "id"}
        id_at = 0 if next(iter(item)) == "id" else list(item).index("id")
        expires: Mapping[str, date] = _NO_EXPIRES
        if kind == "user" and "userGroups" in fields:  # `{id, expires}` items: ids here, days in `expires`
            fields["userGroups"], found = split(fields["userGroups"])
            expires = found or expires
        entry = Entry(
            kind=kind,
            id=item["id"],
            fields=fields,
            location=Location(rel, line, column),
            field_locations=_FieldLocations(rel, marks, fields, id_at),
            expires=expires,
        )
        out.append(Declared(entry, item, doc))


def _first(declared: list[Declared]) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for d in declared:
        out.setdefault(d.entry.id, d.entry)
    return out
