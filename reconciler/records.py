"""Provisioning records from an HR or CRM export (CSV, JSON or YAML lists), read and checked before any use.

The fields are those of GoodData's provisioning library (`gooddata-pipelines`: `UserFullLoad`,
`UserIncrementalLoad`, `UserGroupFullLoad`, …) and the columns of its productivity tools' CSV scripts
(`user_mgmt.py`: `user_id, firstname, lastname, email, auth_id, user_groups, is_active`; `user_group_mgmt.py`:
`user_group_id, user_group_name, parent_user_groups, is_active`), so an existing export is read unchanged:
- a list column (`user_groups`, `parent_user_groups`) is split on the inner delimiter (`|` by default, as the
  productivity tools do); JSON and YAML give it as a list;
- `is_active`: in CSV, case-insensitive `true` is the only positive (the productivity tools' rule); in JSON
  and YAML a boolean, or a string read by the same rule. A full load needs no `is_active`, an incremental one
  does;
- an empty optional value (`auth_id: ""`) means the record does not set that field.

Every problem of every record is collected with `file:row:column` and the field before anything fails (the
formats and their locations: `reconciler.record_formats`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from reconciler.platform import brick
from reconciler.record_formats import (
    CellLocations,
    CsvOptions,
    CsvRow,
    RecordError,
    brick_rows,
    csv_header,
    decode,
    delimiter_hint,
    is_true,
    json_records,
    yaml_records,
)
from reconciler.source.model import Location
from reconciler.source.problem import Problem

__all__ = ["ID", "ID_WORDS", "CsvOptions", "Mode", "Record", "RecordError", "RecordKind", "read_records"]

RecordKind = Literal["users", "groups", "permissions"]  # permissions: reconciler.permission_records
Mode = Literal["full", "incremental"]

ID = re.compile(r"(?!\.)[.A-Za-z0-9_-]{1,255}")
ID_WORDS = "use letters, digits, '.', '_' or '-' (1 to 255 of them), no spaces, not starting with '.'"


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of record: its id, its text fields, its list field."""

    id: str
    text: tuple[str, ...]
    lists: str


SCHEMAS: Mapping[str, Schema] = {
    "users": Schema("user_id", ("firstname", "lastname", "email", "auth_id"), "user_groups"),
    "groups": Schema("user_group_id", ("user_group_name",), "parent_user_groups"),
}
_KNOWN = {k: frozenset({s.id, *s.text, s.lists, "is_active"}) for k, s in SCHEMAS.items()}


@dataclass(frozen=True)
class Record:
    """One record: its id, the fields the export gives, its list, and whether it is active."""

    id: str
    fields: Mapping[str, str | None]  # the text fields the export has; None: given and empty
    members: (
        tuple[str, ...] | None
    )  # a user's groups or a group's parents; None: the export has no such field
    is_active: bool
    location: Location
    field_locations: Mapping[str, Location] = field(default_factory=dict)


Read = tuple[dict[str, Any] | Record, Location, Mapping[str, Location]]
"""A record as read (`RawRecord`), or one already checked (a CSV row of the plainest kind, `_csv_checked`)."""


def _raw_records(path: Path, kind: RecordKind, mode: Mode, options: CsvOptions) -> Iterator[Read]:
    """Each record as a plain mapping (or checked already) with its location and each field's."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordError(f"{shown}: cannot be read: {e.strerror or e}") from e
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_records(data, shown, kind, mode, options)
    elif suffix == ".json":
        yield from json_records(data, shown)
    elif suffix in (".yaml", ".yml"):
        yield from yaml_records(data, shown)
    else:
        raise RecordError(
            f"{shown}: unknown record format {suffix or '(none)'}: use .csv, .json, .yaml or .yml"
        )


def _csv_records(
    data: bytes, shown: str, kind: RecordKind, mode: Mode, options: CsvOptions
) -> Iterator[Read]:
    text = decode(data, shown)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar=options.quotechar
    )
    header = csv_header(reader, shown)
    if kind == "users" and brick.is_brick(header):  # the users brick's columns (reconciler.platform.brick)
        yield from brick_rows(reader, header, shown, options, brick.users)
        return
    schema = SCHEMAS[kind]
    known = {schema.id, *schema.text, schema.lists, "is_active"}
    if schema.id not in header:
        hint = delimiter_hint(header, options)
        raise RecordError(
            f"{shown}:1: the header has no {schema.id} column{hint}; "
            f"expected columns: {', '.join(sorted(known))}"
        )
    unknown = [h for h in header if h not in known]
    if unknown:
        raise RecordError(
            f"{shown}:1: unknown column {', '.join(unknown)}; expected columns: {', '.join(sorted(known))}"
        )
    yield from _csv_checked(reader, header, shown, options, schema, mode)


def _csv_checked(
    reader: Any, header: Sequence[str], shown: str, options: CsvOptions, schema: Schema, mode: Mode
) -> Iterator[Read]:
    """The rows of a CSV whose header was checked; a row of the plainest kind (its width, a valid id, valid
    group ids) becomes its Record here, as `_check` would make it, without the mapping in between: most of
    100,000 rows. Any other row is read as a mapping for `_check` to word its problems."""
    slow = CsvRow(header, shown, options, (schema.lists,))
    names = slow.names
    if "is_active" not in names and mode == "incremental":  # every row lacks it: `_check` says so
        for row in reader:
            raw = slow(list(map(str.strip, row)), reader.line_num)
            if raw is not None:
                yield raw
        return
    columns = slow.columns
    width = len(names)
    id_at = names.index(schema.id)
    texts = tuple(name for name in schema.text if name in columns)
    text_of = _cells([names.index(name) for name in texts])
    list_at = names.index(schema.lists) if schema.lists in columns else -1
    active_at = names.index("is_active") if "is_active" in columns else -1
    inner = options.inner_delimiter
    valid: set[str] = set()  # group ids seen to match ID: ~2,000 groups named by 100,000 rows
    fullmatch = ID.fullmatch
    for row in reader:
        cells = list(map(str.strip, row))
        rid = cells[id_at] if len(cells) == width else ""
        if rid and fullmatch(rid):
            # split as it stands: a part with spaces around it, or empty, is no id, and such a row is
            # read the slow way
            cell = "" if list_at < 0 else cells[list_at]
            members = None if list_at < 0 else cell.split(inner) if cell else []
            for m in members or ():
                if m not in valid:
                    if not fullmatch(m):
                        break
                    valid.add(m)
            else:
                line = reader.line_num
                where = Location(shown, line, 1)
                yield (
                    Record(
                        rid,
                        _texts(texts, text_of(cells)),
                        None if members is None else tuple(dict.fromkeys(members)),
                        active_at < 0 or cells[active_at].lower() == "true",
                        where,
                        CellLocations(shown, line, columns),
                    ),
                    where,
                    {},  # a checked record's duplicate id is shown at its record.field_locations
                )
                continue
        raw = slow(cells, reader.line_num)
        if raw is not None:
            yield raw


def _cells(at: Sequence[int]) -> Any:
    """A function from a row's cells to those at `at`, as a tuple (operator.itemgetter, always a tuple)."""
    if not at:
        return lambda _cells: ()
    get = itemgetter(*at)
    return get if len(at) > 1 else lambda cells: (get(cells),)


def _texts(names: tuple[str, ...], values: tuple[str, ...]) -> dict[str, str | None]:
    """A record's text fields: an empty value is None (given, and empty: not set)."""
    if "" in values:
        return {name: value or None for name, value in zip(names, values, strict=True)}
    return dict(zip(names, values, strict=True))


def _check(
    raw: dict[str, Any], where: Location, positions: Mapping[str, Location], kind: RecordKind, mode: Mode
) -> tuple[Record | None, list[Problem]]:
    schema = SCHEMAS[kind]
    problems: list[Problem] = []

    def bad(name: str, message: str) -> None:
        problems.append(Problem(positions.get(name, where), "error", f"{name}: {message}", "record"))

    if "__width__" in raw:
        return None, [
            Problem(
                where,
                "error",
                f"has {raw['__width__']} columns, unlike the header (quote a value that holds the delimiter)",
                "record",
            )
        ]
    if "__not_a_record__" in raw:
        return None, [
            Problem(where, "error", "is not a record (a mapping of field names to values)", "record")
        ]
    known = _KNOWN[kind]
    for name in raw:
        if name not in known:
            bad(name, f"unknown field (the fields are {', '.join(sorted(known))})")
    rid = raw.get(schema.id)
    if rid is None or rid == "":
        bad(schema.id, "missing")
    elif not isinstance(rid, str) or not ID.fullmatch(rid):
        bad(schema.id, f"{rid!r} is not a valid GoodData id: {ID_WORDS}")
    fields: dict[str, str | None] = {}
    for name in schema.text:
        if name not in raw:
            continue  # a field the export does not have is not set
        value = raw[name]
        if value is None or value == "":
            fields[name] = None  # given, and empty: the field is not set for this record
        elif not isinstance(value, str):
            bad(name, f"must be text, not {type(value).__name__}")
        else:
            fields[name] = value
    members = raw.get(schema.lists)
    if isinstance(members, str):
        members = [members] if members else []
    if members is not None and (
        not isinstance(members, list) or not all(isinstance(m, str) for m in members)
    ):
        bad(schema.lists, "must be a list of group ids")
        members = []
    for m in members or ():
        if not ID.fullmatch(m):
            bad(schema.lists, f"{m!r} is not a valid GoodData id: {ID_WORDS}")
    active = raw.get("is_active")
    if active is None and mode == "incremental":
        bad("is_active", "missing: an incremental load needs it (true upserts, anything else deletes)")
    if problems or not isinstance(rid, str):
        return None, problems
    return Record(
        rid,
        fields,
        None if members is None else tuple(dict.fromkeys(members)),
        True if active is None else is_true(active),
        where,
        positions if isinstance(positions, CellLocations) else dict(positions),
    ), []


def read_records(
    paths: Sequence[Path], kind: RecordKind, mode: Mode, options: CsvOptions | None = None
) -> list[Record]:
    """Every record of every file, checked; RecordError listing every bad row when any is bad."""
    options = options or CsvOptions()
    records: list[Record] = []
    problems: list[Problem] = []
    seen: dict[str, Location] = {}
    id_field = SCHEMAS[kind].id
    for path in paths:
        for raw, where, positions in _raw_records(path, kind, mode, options):
            if type(raw) is Record:
                record: Record | None = raw
                rid: Any = raw.id
                positions = raw.field_locations
            else:
                assert isinstance(raw, dict)  # noqa: S101 - the only other kind `_raw_records` yields
                record, found = _check(raw, where, positions, kind, mode)
                problems += found
                rid = raw.get(id_field)
            if isinstance(rid, str) and rid:
                first = seen.setdefault(rid, where)
                if first is not where:
                    message = f"{id_field}: duplicate id {rid!r} (first at {first})"
                    problems.append(Problem(positions.get(id_field, where), "error", message, "record"))
                    continue
            if record is not None:
                records.append(record)
    if problems:
        problems.sort(key=lambda p: p.sort_key)
        raise RecordError(
            f"{len(problems)} bad record{'s' if len(problems) != 1 else ''}; nothing was changed", problems
        )
    return records
