"""The formats an export comes in (CSV, JSON, YAML lists), read into plain records with their locations.

`reconciler.records` (users, groups) and `reconciler.permission_records` check what these yield; this
module only reads: each record as a mapping of field names to values, where it is (`file:row:column`) and
where each of its fields is. A CSV's row is its line and the column its position in the header; a YAML
record's row and column are where the value stands; a JSON record's row is its position in the list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import StateError
from reconciler.platform import brick
from reconciler.source.model import Location
from reconciler.yamlio import YamlSyntaxError, load_marked

RawRecord = tuple[dict[str, Any], Location, Mapping[str, Location]]
"""A record as read: its fields, where it is, where each field is."""


@dataclass(frozen=True)
class CsvOptions:
    """The productivity tools' CSV options: `-d/--delimiter`, `-u/--ug_delimiter`, `-q/--quotechar`."""

    delimiter: str = ","
    inner_delimiter: str = "|"
    quotechar: str = '"'


class RecordError(StateError):
    """The records could not be read, or some are invalid; `problems` lists every one."""


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise RecordError(f"{shown}:{line}: not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded") from e


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
) -> Iterator[RawRecord]:
    """The data rows of a CSV whose `header` was read: each as a record with its location and each field's;
    `lists` columns split on the inner delimiter, `is_active` by the productivity tools' rule."""
    row_record = CsvRow(header, shown, options, lists)
    for row in reader:
        raw = row_record(list(map(str.strip, row)), reader.line_num)
        if raw is not None:
            yield raw


class CsvRow:
    """One CSV data row (its cells stripped) as a record with its location and each field's; None for a
    blank row."""

    def __init__(self, header: Sequence[str], shown: str, options: CsvOptions, lists: Sequence[str]) -> None:
        self.names = tuple(header)
        self.shown = shown
        self.columns = {name: n for n, name in enumerate(self.names, 1)}
        self.split = [name for name in self.names if name in lists]
        self.active = "is_active" in self.columns
        self.inner = options.inner_delimiter

    def __call__(self, cells: list[str], line: int) -> RawRecord | None:
        if not any(cells):
            return None
        where = Location(self.shown, line, 1)
        if len(cells) != len(self.names):
            return {"__width__": len(cells)}, where, {}
        record: dict[str, Any] = dict(zip(self.names, cells, strict=True))
        for name in self.split:
            record[name] = split_list(record[name], self.inner)
        if self.active:
            record["is_active"] = is_true(record["is_active"])
        return record, where, CellLocations(self.shown, line, self.columns)


def split_list(cell: str, inner: str) -> list[str]:
    """A list column's values: split on the inner delimiter, stripped, the empty ones dropped."""
    return [v for v in (part.strip() for part in cell.split(inner)) if v]


class CellLocations(Mapping[str, Location]):
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


def json_records(data: bytes, shown: str) -> Iterator[RawRecord]:
    try:
        doc = json.loads(decode(data, shown))
    except json.JSONDecodeError as e:
        raise RecordError(f"{shown}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e
    if not isinstance(doc, list):
        raise RecordError(f"{shown}: must be a JSON list of records")
    for n, item in enumerate(doc, 1):
        where = Location(shown, n, 0)
        yield (item if isinstance(item, dict) else {"__not_a_record__": item}), where, {}


def yaml_records(data: bytes, shown: str) -> Iterator[RawRecord]:
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
