"""Workspace permission records from an export (CSV, JSON or YAML), read and checked before any use.

Two spellings are read, each record in either:
- the productivity tools' `permission_mgmt.py` columns `user_id, ug_id, ws_id, ws_permissions, is_active`:
  exactly one of `user_id` / `ug_id`; `ws_permissions` one permission, or several split on the inner
  delimiter (`|` by default, as for the users' groups);
- the provisioning library's `PermissionFullLoad` / `PermissionIncrementalLoad` fields
  `permission, workspace_id, entity_id, entity_type` (`user` or `userGroup`) [+ `is_active`].
`is_active` follows the users' rule (case-insensitive `true` is the only positive; needed by an incremental
load). Every problem of every record is collected with `file:row:column` and the field, as for users:
ids follow GoodData's id rule and permission names are the API's workspace permissions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.permission_names import WORKSPACE_PERMISSIONS
from reconciler.platform import brick
from reconciler.record_formats import (
    CsvOptions,
    RecordError,
    brick_rows,
    csv_header,
    csv_rows,
    decode,
    delimiter_hint,
    is_true,
    json_records,
    yaml_records,
)
from reconciler.records import ID, ID_WORDS, Mode
from reconciler.source.model import AssigneeType, Location
from reconciler.source.problem import Problem

TOOLS = ("user_id", "ug_id", "ws_id", "ws_permissions", "is_active")
PIPELINES = ("permission", "workspace_id", "entity_id", "entity_type", "is_active")
ENTITY_TYPES: Mapping[str, AssigneeType] = {"user": "user", "userGroup": "userGroup"}

Raw = tuple[dict[str, Any], Location, Mapping[str, Location]]


@dataclass(frozen=True)
class PermissionRecord:
    """One record: permissions of one assignee on one workspace, added (active) or taken away."""

    workspace: str
    assignee_type: AssigneeType
    assignee: str
    names: tuple[str, ...]
    is_active: bool
    location: Location
    field_locations: Mapping[str, Location] = field(default_factory=dict)

    @property
    def assignee_key(self) -> tuple[AssigneeType, str]:
        """(assignee type, id)."""
        return (self.assignee_type, self.assignee)


def _csv(data: bytes, shown: str, options: CsvOptions) -> Iterator[Raw]:
    text = decode(data, shown)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar=options.quotechar
    )
    header = csv_header(reader, shown)
    if brick.is_brick(header):  # the users brick's columns: each row's role on its project
        yield from brick_rows(reader, header, shown, options, brick.permissions)
        return
    spelling = TOOLS if "ws_id" in header else PIPELINES if "workspace_id" in header else None
    if spelling is None:
        hint = delimiter_hint(header, options)
        raise RecordError(
            f"{shown}:1: the header has no ws_id (or workspace_id) column{hint}; "
            f"expected columns: {', '.join(TOOLS)} (or {', '.join(PIPELINES)})"
        )
    unknown = [h for h in header if h not in spelling]
    if unknown:
        raise RecordError(
            f"{shown}:1: unknown column {', '.join(unknown)}; expected columns: {', '.join(spelling)}"
        )
    yield from csv_rows(reader, header, shown, options, lists=("ws_permissions",))


def _raw(path: Path, options: CsvOptions) -> Iterator[Raw]:
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordError(f"{shown}: cannot be read: {e.strerror or e}") from e
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv(data, shown, options)
    elif suffix == ".json":
        yield from json_records(data, shown)
    elif suffix in (".yaml", ".yml"):
        yield from yaml_records(data, shown)
    else:
        raise RecordError(
            f"{shown}: unknown record format {suffix or '(none)'}: use .csv, .json, .yaml or .yml"
        )


def check_record(
    raw: dict[str, Any], where: Location, positions: Mapping[str, Location], mode: Mode
) -> tuple[PermissionRecord | None, list[Problem]]:
    """One raw record as a PermissionRecord, or every problem it has."""
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(positions.get(name, where), "error", f"{name}: {message}", "record"))

    if "__width__" in raw:
        msg = f"has {raw['__width__']} columns, unlike the header (quote a value that holds the delimiter)"
        return None, [Problem(where, "error", msg, "record")]
    if "__not_a_record__" in raw:
        return None, [
            Problem(where, "error", "is not a record (a mapping of field names to values)", "record")
        ]
    tools = any(k in raw for k in ("ws_id", "ug_id", "user_id", "ws_permissions"))
    spelling = TOOLS if tools else PIPELINES
    for name in raw:
        if name not in spelling:
            bad(name, f"unknown field (the fields are {', '.join(spelling)})")

    def ident(name: str) -> str | None:
        value = raw.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not ID.fullmatch(value):
            bad(name, f"{value!r} is not a valid GoodData id: {ID_WORDS}")
            return None
        return value

    kind: AssigneeType | None = None
    if tools:
        workspace_field, names_field = "ws_id", "ws_permissions"
        user, group = ident("user_id"), ident("ug_id")
        given = [n for n in ("user_id", "ug_id") if raw.get(n) not in (None, "")]
        if len(given) != 1:
            which = "both user_id and ug_id" if given else "neither user_id nor ug_id"
            problems.append(
                Problem(
                    where, "error", f"user_id/ug_id: the record gives {which}: give exactly one", "record"
                )
            )
        kind, assignee = ("user", user) if "user_id" in given else ("userGroup", group)
        names = raw.get(names_field)
    else:
        workspace_field, names_field = "workspace_id", "permission"
        assignee = ident("entity_id")
        if "entity_id" not in raw or raw.get("entity_id") == "":
            bad("entity_id", "missing")
        etype = raw.get("entity_type")
        if not isinstance(etype, str) or etype not in ENTITY_TYPES:
            bad("entity_type", f"{etype!r} is not user or userGroup")
        else:
            kind = ENTITY_TYPES[etype]
        names = raw.get(names_field)
    workspace = ident(workspace_field)
    if raw.get(workspace_field) in (None, ""):
        bad(workspace_field, "missing")
    if isinstance(names, str):
        names = [names] if names else []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        bad(names_field, "must be a permission name or a list of them")
        names = []
    if not names:
        bad(names_field, "missing: name a workspace permission")
    for n in names:
        if n not in WORKSPACE_PERMISSIONS:
            bad(
                names_field,
                f"{n!r} is not a workspace permission (one of {', '.join(WORKSPACE_PERMISSIONS)})",
            )
    active = raw.get("is_active")
    if active is None and mode == "incremental":
        bad(
            "is_active",
            "missing: an incremental load needs it (true adds the permission, anything else removes it)",
        )
    if problems or workspace is None or assignee is None or kind is None:
        return None, problems
    return (
        PermissionRecord(
            workspace,
            kind,
            assignee,
            tuple(dict.fromkeys(names)),
            True if active is None else is_true(active),
            where,
            dict(positions),
        ),
        [],
    )


def read_permission_records(
    paths: Sequence[Path], mode: Mode, options: CsvOptions | None = None
) -> list[PermissionRecord]:
    """Every record of every file, checked; RecordError listing every bad row when any is bad."""
    options = options or CsvOptions()
    records: list[PermissionRecord] = []
    problems: list[Problem] = []
    for path in paths:
        for raw, where, positions in _raw(path, options):
            record, found = check_record(raw, where, positions, mode)
            problems += found
            if record is not None:
                records.append(record)
    if problems:
        problems.sort(key=lambda p: p.sort_key)
        raise RecordError(
            f"{len(problems)} bad record{'s' if len(problems) != 1 else ''}; nothing was changed", problems
        )
    return records
