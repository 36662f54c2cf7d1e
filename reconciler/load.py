"""`reconciler load`: provisioning records (an HR export) become edits of the state files, for review.

Full load: the records are the complete set of that kind; a declared entry they omit is deleted. Incremental
load: `is_active: true` creates or updates, anything else deletes; every other entry is untouched. Either way:
- an entry the records change is edited where it is declared (only the fields the export has);
- a new entry goes to `--into`, or else to the state file that declares the most entries of its kind;
- the bootstrap user and group and what `policy.ignore` matches are never edited or deleted (a warning says
  so);
- a group that a user record names and the state does not declare is created (with a warning naming it) or,
  with `create_missing_groups=False`, refused with every row that names it.
Nothing here writes: `plan_load` returns the new text of each file; the CLI writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from reconciler.config import Config
from reconciler.editcheck import edited_state_ok
from reconciler.records import Mode, Record, RecordError, RecordKind
from reconciler.source import Read
from reconciler.source.expiry_rules import with_expiries
from reconciler.source.model import DesiredState, Entry, Location
from reconciler.source.problem import Problem
from reconciler.stateedit import FileEdits, default_file
from reconciler.yamledit import REMOVE, EntryEdit

# record field -> state field, per kind; the list field last
FIELDS: Mapping[str, Mapping[str, str]] = {
    "users": {  # in the order the state files write them
        "email": "email",
        "firstname": "firstname",
        "lastname": "lastname",
        "auth_id": "authId",
        "user_groups": "userGroups",
    },
    "groups": {"user_group_name": "name", "parent_user_groups": "parents"},
}
LIST_FIELD = {"users": "user_groups", "groups": "parent_user_groups"}


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    """What to load and how (`reconciler load --kind … --mode … --into … --no-create-groups`)."""

    kind: RecordKind
    mode: Mode
    into: Path | None = None
    create_missing_groups: bool = True


@dataclass(frozen=True)
class LoadResult:
    """The new text of every state file the load changes, and what it does, by id."""

    files: Mapping[Path, str]
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    groups_created: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    checked: bool = False  # the state with these texts passed every check (reconciler.editcheck)

    @property
    def has_changes(self) -> bool:
        """True when some file changes."""
        return bool(self.files)

    def summary(self) -> str:
        """One line: what the load does to the state files."""
        parts = [
            f"{len(self.created)} to add",
            f"{len(self.updated)} to change",
            f"{len(self.deleted)} to remove",
        ]
        n = len(self.groups_created)
        if n:
            parts.append(f"{n} missing group{'' if n == 1 else 's'} to add")
        return ", ".join(parts)


def state_fields(record: Record, kind: RecordKind) -> dict[str, Any]:
    """The state fields a record sets (REMOVE for a field given empty), in the state files' order."""
    out: dict[str, Any] = {}
    for name, state_name in FIELDS[kind].items():
        if name == LIST_FIELD[kind]:
            if record.members is not None:
                out[state_name] = list(record.members)
        elif name in record.fields:
            value = record.fields[name]
            out[state_name] = REMOVE if value is None else value
    return out


def _matches(value: str, globs: Sequence[str]) -> bool:
    return any(fnmatchcase(value, g) for g in globs)


def _entry_edit(entry: Entry, wanted: Mapping[str, Any]) -> EntryEdit | None:
    """Only the fields that differ; a list with the same members in another order is the same list."""
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        if value is REMOVE:
            if name in entry.fields:
                changes[name] = REMOVE
            continue
        old = entry.fields.get(name, REMOVE)
        same = old == value or (
            isinstance(old, list) and isinstance(value, list) and sorted(map(str, old)) == sorted(value)
        )
        if not same:
            changes[name] = with_expiries(value, entry.expires) if name == "userGroups" else value
    return EntryEdit(changes) if changes else None


class _Same:
    """True when a record changes nothing in its entry: what `_entry_edit` finds for it is None."""

    def __init__(self, kind: RecordKind) -> None:
        self.texts = [(name, to) for name, to in FIELDS[kind].items() if name != LIST_FIELD[kind]]
        self.list_field = FIELDS[kind][LIST_FIELD[kind]]

    def __call__(self, fields: Mapping[str, Any], record: Record) -> bool:
        given = record.fields
        for name, to in self.texts:
            if name in given:
                value = given[name]
                if (to in fields) if value is None else (fields.get(to, REMOVE) != value):
                    return False
        if record.members is None:
            return True
        old, new = fields.get(self.list_field, REMOVE), list(record.members)
        return bool(old == new or (isinstance(old, list) and sorted(map(str, old)) == sorted(new)))


def plan_load(
    config: Config,
    state: DesiredState,
    records: Sequence[Record],
    options: LoadOptions,
    read: Read | None = None,
) -> LoadResult:
    """The edits that make the state say what the records say; RecordError for what cannot be done.

    With `read`, the state files as `reconciler.editcheck.read_for_edit` read them (the rules across files
    not run yet), the edited state is checked in memory: `checked` says it passed.
    """
    kind = options.kind
    section = kind
    entries: Mapping[str, Entry] = state.users if kind == "users" else state.groups
    protected = config.bootstrap.user if kind == "users" else config.bootstrap.group
    ignore = config.policy.ignore_users if kind == "users" else config.policy.ignore_groups
    edits = FileEdits(state)
    created: list[str] = []
    updated: list[str] = []
    deleted: list[str] = []
    warnings: list[str] = []
    new_entries: list[dict[str, Any]] = []

    def untouchable(rid: str, where: Location) -> bool:
        if rid != protected and not ignore:
            return False
        if rid == protected:
            warnings.append(f"{where}: {rid} is the bootstrap {kind[:-1]}: the load leaves it as it is")
            return True
        if _matches(rid, ignore):
            warnings.append(f"{where}: {rid} matches policy.ignore: the load leaves it as it is")
            return True
        return False

    same = _Same(kind)
    seen = set()
    for record in records:
        seen.add(record.id)
        if untouchable(record.id, record.location):
            continue
        entry = entries.get(record.id)
        if not record.is_active:
            if entry is not None:
                edits.section(config.root / entry.location.path, section)[1].add(record.id)
                deleted.append(record.id)
            continue
        if entry is None:
            wanted = state_fields(record, kind)
            new = {"id": record.id, **{k: v for k, v in wanted.items() if v is not REMOVE and v != []}}
            new_entries.append(new)
            created.append(record.id)
            continue
        if same(entry.fields, record):
            continue  # most records of an export: checked without building the edit
        change = _entry_edit(entry, state_fields(record, kind))
        if change is not None:
            edits.section(config.root / entry.location.path, section)[0][record.id] = change
            updated.append(record.id)
    if options.mode == "full":
        for rid, entry in entries.items():
            if rid not in seen and not untouchable(rid, entry.location):
                edits.section(config.root / entry.location.path, section)[1].add(rid)
                deleted.append(rid)
    if new_entries:
        into = options.into if options.into is not None else default_file(config, entries, section)
        edits.section(into, section)[2].extend(new_entries)
    groups_created = _missing_groups(config, state, records, options, edits, warnings)
    _check_dangling(state, records, options, set(deleted))
    texts = edits.texts(config)
    return LoadResult(
        files=texts,
        created=tuple(created),
        updated=tuple(updated),
        deleted=tuple(deleted),
        groups_created=groups_created,
        warnings=tuple(warnings),
        checked=read is not None and edited_state_ok(config, read, edits),
    )


def _missing_groups(
    config: Config,
    state: DesiredState,
    records: Sequence[Record],
    options: LoadOptions,
    edits: FileEdits,
    warnings: list[str],
) -> tuple[str, ...]:
    """Groups a user record names that the state does not declare: add them, or refuse every row."""
    if options.kind != "users":
        return ()
    known = set(state.groups) | {config.bootstrap.group}
    first_named: dict[str, Record] = {}
    problems: list[Problem] = []
    for record in records:
        for gid in record.members or () if record.is_active else ():
            if gid in known or _matches(gid, config.policy.ignore_groups):
                continue
            if not options.create_missing_groups:
                problems.append(_unknown_group(record, gid))
            first_named.setdefault(gid, record)
    if problems:
        problems.sort(key=lambda p: p.sort_key)
        raise RecordError(
            f"{len(problems)} bad records: unknown groups (--no-create-groups); nothing was changed", problems
        )
    groups_file = default_file(config, state.groups, "groups")
    for gid, record in first_named.items():
        warnings.append(
            f"{record.location}: group {gid!r} is not declared: the load adds it ({record.id} names it)"
        )
        edits.section(groups_file, "groups")[2].append({"id": gid})
    return tuple(first_named)


def _unknown_group(record: Record, gid: str) -> Problem:
    where = record.field_locations.get("user_groups", record.location)
    return Problem(where, "error", f"user_groups: group {gid!r} is not declared in the state", "record")


def _check_dangling(
    state: DesiredState, records: Sequence[Record], options: LoadOptions, deleted: set[str]
) -> None:
    """A group load must not delete a group that a declared user or group still names."""
    if options.kind != "groups" or not deleted:
        return
    loaded = {r.id: r for r in records if r.is_active}
    problems: list[Problem] = []
    for user in state.users.values():
        for gid in user.fields.get("userGroups") or ():
            if gid in deleted:
                where = user.field_locations.get("userGroups", user.location)
                problems.append(
                    Problem(where, "error", f"userGroups: names {gid!r}, which the load deletes", "record")
                )
    for group in state.groups.values():
        parents = loaded[group.id].members if group.id in loaded else group.fields.get("parents")
        for gid in parents or ():
            if gid in deleted and group.id not in deleted:
                where = group.field_locations.get("parents", group.location)
                problems.append(
                    Problem(where, "error", f"parents: names {gid!r}, which the load deletes", "record")
                )
    if problems:
        problems.sort(key=lambda p: p.sort_key)
        raise RecordError(f"{len(problems)} entries would name deleted groups; nothing was changed", problems)
