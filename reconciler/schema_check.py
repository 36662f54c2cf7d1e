"""JSON Schema violations of a YAML document, each placed at the line and column it concerns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.pattern_words import describe
from reconciler.schema import SchemaViolation, iter_violations, load_schema, shorten
from reconciler.schema_shortcut import certainly_valid
from reconciler.yamlio import MarkedDocument


@dataclass(frozen=True)
class Finding:
    """One schema problem: its instance path, 1-based position and message (`users[3].id: …`)."""

    path: tuple[str | int, ...]
    line: int
    column: int
    message: str


def pointer(path: Sequence[str | int]) -> str:
    """`("users", 3, "id")` as `users[3].id`."""
    return SchemaViolation(tuple(path), "", "").pointer


Remap = Callable[[tuple[str | int, ...]], tuple[str | int, ...]]


def schema_findings(
    schema_name: str, doc: MarkedDocument, instance: Any = None, remap: Remap | None = None
) -> list[Finding]:
    """Every violation of schema `schema_name` by `doc.data`; each unknown key is reported at the key.

    `instance` (a part of `doc.data` to check instead) and `remap` (its paths → paths in `doc.data`) let a
    caller skip entries already known to be valid.
    """
    schema = load_schema(schema_name)
    data = doc.data if instance is None else instance
    if certainly_valid(schema, data):
        return []  # the common case: jsonschema is not even imported
    out: list[Finding] = []
    for v in iter_violations(schema_name, data):
        path = remap(v.path) if remap is not None else v.path
        if v.validator == "additionalProperties":
            out.extend(_unknown_keys(schema, doc, path))
            continue
        line, column = doc.locate(path)
        out.append(Finding(path, line, column, f"{pointer(path) or '(top level)'}: {_message(v, data)}"))
    return out


def _message(v: SchemaViolation, data: Any) -> str:
    """The violation's message; a `pattern` the schemas use is explained in words, not as the regex."""
    if v.validator == "pattern" and isinstance(v.expected, str):
        value = v.value if v.value is not None else _at(data, v.path)
        words = describe(v.expected, value) if isinstance(value, str) else None
        if words is not None:
            what, why = words
            return f"{shorten(repr(value))} is not {what}: {why}"
    return v.message


def _unknown_keys(schema: dict[str, Any], doc: MarkedDocument, path: tuple[str | int, ...]) -> list[Finding]:
    mapping = _at(doc.data, path)
    sub = _subschema(schema, schema, path)
    allowed = set(sub.get("properties", {})) if sub is not None else set()
    if not isinstance(mapping, dict):
        return []
    positions = doc.key_positions(mapping)
    where = pointer(path)
    found = []
    for key in mapping:
        if key not in allowed:
            line, column = positions[key][0]
            expected = ", ".join(sorted(allowed))
            prefix = f"{where}: " if where else ""
            found.append(
                Finding(
                    (*path, key),
                    line,
                    column,
                    f"{prefix}unknown key {shorten(repr(key), 80)} (expected one of: {expected})",
                )
            )
    return found


def _at(data: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        data = data[part]
    return data


def _resolve(root: dict[str, Any], sub: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in sub and sub["$ref"].startswith("#/"):
        target: Any = root
        for part in sub["$ref"][2:].split("/"):
            target = target[part]
        sub = target
    return sub


def _subschema(root: dict[str, Any], sub: dict[str, Any], path: Sequence[str | int]) -> dict[str, Any] | None:
    sub = _resolve(root, sub)
    for part in path:
        if isinstance(part, int):
            nxt = sub.get("items")
        else:
            nxt = sub.get("properties", {}).get(part, sub.get("additionalProperties"))
        if not isinstance(nxt, dict):
            return None
        sub = _resolve(root, nxt)
    return sub
