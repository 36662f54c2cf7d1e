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

Every problem of every record is collected with `file:row:column` and the field before anything fails: a CSV's
row is its line and the column its position in the header; a YAML record's row and column are where the value
stands; a JSON record's row is its position in the list (JSON parsers keep no lines).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reconciler.errors import StateError
from reconciler.platform import brick
from reconciler.source.model import Location
from reconciler.source.problem import Problem
from reconciler.yamlio import YamlSyntaxError, load_marked

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


@dataclass(frozen=True)
class CsvOptions:
    """The productivity tools' CSV options: `-d/--delimiter`, `-u/--ug_delimiter`, `-q/--quotechar`."""

    delimiter: str = ","
    inner_delimiter: str = "|"
    quotechar: str = '"'


class RecordError(StateError):
    """The records could not be read, or some are invalid; `problems` lists every one."""


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _raw_records(
    path: Path, kind: RecordKind, options: CsvOptions
) -> Iterator[tuple[dict[str, Any], Location, Mapping[str, Location]]]:
    """Each record as a plain mapping with its location and each field's."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordError(f"{shown}: cannot be read: {e.strerror or e}") from e
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_records(data, shown, kind, options)
    elif suffix == ".json":
        yield from _json_records(data, shown)
    elif suffix in (".yaml", ".yml"):
        yield from _yaml_records(data, shown)
    else:
        raise RecordError(
            f"{shown}: unknown record format {suffix or '(none)'}: use .csv, .json, .yaml or .yml"
        )


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise RecordError(f"{shown}:{line}: not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded") from e


def _csv_records(
    data: bytes, shown: str, kind: RecordKind, options: CsvOptions
) -> Iterator[tuple[dict[str, Any], Location, Mapping[str, Location]]]:
    text = _decode(data, shown)
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
    yield from csv_rows(reader, header, shown, options, lists=(schema.lists,))


def brick_rows(
    reader: Any, header: Sequence[str], shown: str, options: CsvOptions, translate: Any
) -> Iterator[tuple[dict[str, Any], Location, dict[str, Location]]]:
    """A users brick CSV's rows as records of the tools' spelling (`translate`: brick.users or
    brick.permissions); RecordError with every bad row."""
    unknown = brick.unknown_columns(header)
    if unknown:
        raise RecordError(
            f"{shown}:1: unknown column {', '.join(unknown)}; the users brick's columns are "
            f"{', '.join(brick.COLUMNS)}"
        )
    rows, problems = translate(csv_rows(reader, [h.lower() for h in header], shown, options, lists=()))
    if problems:
        raise RecordError(f"{len(problems)} bad record(s); nothing was changed", problems)
    yield from rows


def csv_header(reader: Any, shown: str) -> list[str]:
    """The column names of a CSV (its first line); RecordError when it has none."""
    header = next(reader, None)
    if header is None:
        raise RecordError(f"{shown}: empty: the first line must name the columns")
    return [h.strip() for h in header]


def delimiter_hint(header: Sequence[str], options: CsvOptions) -> str:
    """` (… is the delimiter ';'? …)` when a header that lacks its key column reads as one column."""
    for other in (",", ";", "\t", "|"):
        if other != options.delimiter and len(header) == 1 and other in header[0]:
            return f" (the header reads as one column; is the delimiter {other!r}? pass --delimiter)"
    return ""


def csv_rows(
    reader: Any, header: Sequence[str], shown: str, options: CsvOptions, *, lists: Sequence[str]
) -> Iterator[tuple[dict[str, Any], Location, Mapping[str, Location]]]:
    """The data rows of a CSV whose `header` was read: each as a record with its location and each field's;
    `lists` columns split on the inner delimiter, `is_active` by the productivity tools' rule."""
    names = tuple(header)
    columns = {name: n for n, name in enumerate(names, 1)}
    split = [name for name in names if name in lists]
    active = "is_active" in columns
    inner = options.inner_delimiter
    for row in reader:
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        where = Location(shown, line, 1)
        if len(cells) != len(names):
            yield {"__width__": len(cells)}, where, {}
            continue
        record: dict[str, Any] = dict(zip(names, cells, strict=True))
        for name in split:
            record[name] = [v.strip() for v in record[name].split(inner) if v.strip()]
        if active:
            record["is_active"] = _true(record["is_active"])
        yield record, where, _CellLocations(shown, line, columns)


class _CellLocations(Mapping[str, Location]):
    """Where each field of a CSV row is (its line, its column's position), made when asked: 100,000 rows
    have 700,000 cells, and only a bad one is ever shown."""

    __slots__ = ("_shown", "_line", "_columns")

    def __init__(self, shown: str, line: int, columns: Mapping[str, int]) -> None:
        self._shown = shown
        self._line = line
        self._columns = columns

    def __getitem__(self, name: str) -> Location:
        return Location(self._shown, self._line, self._columns[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def _json_records(
    data: bytes, shown: str
) -> Iterator[tuple[dict[str, Any], Location, Mapping[str, Location]]]:
    try:
        doc = json.loads(_decode(data, shown))
    except json.JSONDecodeError as e:
        raise RecordError(f"{shown}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e
    if not isinstance(doc, list):
        raise RecordError(f"{shown}: must be a JSON list of records")
    for n, item in enumerate(doc, 1):
        where = Location(shown, n, 0)
        yield (item if isinstance(item, dict) else {"__not_a_record__": item}), where, {}


def _yaml_records(
    data: bytes, shown: str
) -> Iterator[tuple[dict[str, Any], Location, Mapping[str, Location]]]:
    try:
        doc = load_marked(data)
    except YamlSyntaxError as e:
        raise RecordError(f"{shown}:{e.line}:{e.column}: {e}") from e
    items = doc.data
    if not isinstance(items, list):
        raise RecordError(f"{shown}: must be a YAML list of records")
    for item, (line, column) in zip(items, doc.item_positions(items), strict=True):
        where = Location(shown, line, column)
        if not isinstance(item, dict):
            yield {"__not_a_record__": item}, where, {}
            continue
        positions = {k: Location(shown, *value) for k, (_key, value) in doc.key_positions(item).items()}
        yield item, where, positions


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
        True if active is None else _true(active),
        where,
        positions if isinstance(positions, _CellLocations) else dict(positions),
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
        for raw, where, positions in _raw_records(path, kind, options):
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
