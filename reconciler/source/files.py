"""Finding the state files and reading each into plain data with positions (SPEC §3)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.schema_check import Remap, pointer, schema_findings
from reconciler.source.fastcheck import plainly_valid
from reconciler.source.model import Location
from reconciler.source.problem import Problem
from reconciler.yamlio import MarkedDocument, YamlSyntaxError, load_marked

if TYPE_CHECKING:
    from reconciler.config import Config

STATE_SCHEMA = "state-file.schema.json"
SUFFIXES = (".yaml", ".yml")
_SECTIONS = {"users": "user", "groups": "group"}


@dataclass
class StateFile:
    """One state file as read: its shown path, the document (None when unreadable) and its problems."""

    rel: str
    doc: MarkedDocument | None
    problems: list[Problem] = field(default_factory=list)


def state_files(config: Config) -> list[Path]:
    """Every *.yaml / *.yml under the state directory except the backups, sorted."""
    skip = {config.backups_dir.resolve(), (config.state_dir / "backups").resolve()}
    found: list[Path] = []
    seen: set[Path] = set()  # resolved directories: a symlink loop must not loop forever
    stack = [config.state_dir]
    while stack:
        directory = stack.pop()
        real = directory.resolve()
        if real in seen or real in skip:
            continue
        seen.add(real)
        try:
            children = list(directory.iterdir())
        except OSError:
            continue
        for child in children:
            if child.is_dir():
                stack.append(child)
            elif child.suffix in SUFFIXES and child.is_file():
                found.append(child)
    return sorted(found, key=lambda p: p.relative_to(config.state_dir).as_posix())


def read_state_file(path: Path, rel: str) -> StateFile:
    """Load one file, check its shape and schema; every problem is collected, none raised."""
    result = StateFile(rel, None)
    try:
        raw = path.read_bytes()
    except OSError as e:
        result.problems.append(Problem(Location(rel), "error", f"cannot read: {e.strerror or e}", "io"))
        return result
    try:
        doc = load_marked(raw)
    except YamlSyntaxError as e:
        result.problems.append(Problem(Location(rel, e.line, e.column), "error", str(e), e.rule))
        return result
    return checked_file(rel, doc)


def checked_file(rel: str, doc: MarkedDocument) -> StateFile:
    """A parsed file (or part of one) with its shape and schema checked."""
    result = StateFile(rel, None)
    for issue in doc.issues:
        result.problems.append(
            Problem(Location(rel, issue.line, issue.column), "error", issue.message, issue.rule)
        )
    if doc.data is None:
        return result  # an empty file (or only comments) declares nothing
    if not isinstance(doc.data, dict):
        line, column = doc.start(doc.data) if isinstance(doc.data, list) else (1, 1)
        result.problems.append(
            Problem(
                Location(rel, line, column),
                "error",
                f"a state file is a mapping with optional 'users' and 'groups' lists, "
                f"found {_kind(doc.data)}",
                "top-level",
            )
        )
        return result
    result.doc = doc
    instance, remap = _needing_schema(doc.data)
    for f in schema_findings(STATE_SCHEMA, doc, instance, remap):
        result.problems.append(Problem(Location(rel, f.line, f.column), "error", f.message, "schema"))
    for section in _SECTIONS:
        entries = instance.get(section)
        for index, item in enumerate(entries if isinstance(entries, list) else ()):
            for where in _ids_with_line_breaks(item):
                full = remap((section, index, *where))
                line, column = doc.locate(full)
                message = f"{pointer(full)}: an id cannot end with a line break"
                result.problems.append(Problem(Location(rel, line, column), "error", message, "schema"))
    return result


def _ids_with_line_breaks(item: Any) -> Iterator[tuple[str | int, ...]]:
    """Paths of ids ending in a newline: Python's `$` (unlike the ECMA regex of the schema) accepts them."""
    if not isinstance(item, dict):
        return
    if _broken(item.get("id")):
        yield ("id",)
    for key in ("userGroups", "parents", "settings", "permissions"):
        values = item.get(key)
        for i, value in enumerate(values if isinstance(values, list) else ()):
            if key in ("userGroups", "parents") and _broken(value):
                yield (key, i)
            elif key in ("userGroups", "settings") and isinstance(value, dict) and _broken(value.get("id")):
                yield (key, i, "id")
            elif key == "permissions" and isinstance(value, dict) and _broken(_assignee_id(value)):
                yield (key, i, "assignee", "id")


def _assignee_id(permission: dict[str, Any]) -> Any:
    assignee = permission.get("assignee")
    return assignee.get("id") if isinstance(assignee, dict) else None


def _broken(value: Any) -> bool:
    return isinstance(value, str) and value.endswith("\n")


def _needing_schema(data: dict[str, Any]) -> tuple[dict[str, Any], Remap]:
    """`data` without the entries that are plainly valid, and how to map its paths back (the hot path)."""
    reduced: dict[str, Any] = {}
    kept: dict[str, list[int]] = {}
    for key, value in data.items():
        kind = _SECTIONS.get(key)
        if kind is not None and type(value) is list:
            kept[key] = [i for i, item in enumerate(value) if not plainly_valid(item, kind)]
            reduced[key] = [value[i] for i in kept[key]]
        else:
            reduced[key] = value

    def remap(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
        if len(path) >= 2 and path[0] in kept and isinstance(path[1], int):
            return (path[0], kept[str(path[0])][path[1]], *path[2:])
        return path

    return reduced, remap


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__
