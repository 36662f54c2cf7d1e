"""The JSON Schemas shipped with the package, and the one module that imports jsonschema.

In a wheel the schemas live in `reconciler/schemas/`; in a source checkout (editable install) they are the
repository's top-level `schemas/`. jsonschema is imported on the first validation, not with this module: a
plainly valid document never needs it (`schema_shortcut`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGED = Path(__file__).resolve().parent / "schemas"
_CHECKOUT = Path(__file__).resolve().parent.parent / "schemas"


def schemas_dir() -> Path:
    """The directory that holds the shipped schema files."""
    return _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def schema_path(name: str) -> Path:
    """Path of the schema file `name` (e.g. "layout.schema.json")."""
    return schemas_dir() / name


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema `name`."""
    with schema_path(name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@dataclass(frozen=True)
class SchemaViolation:
    """One JSON Schema error: where in the instance (`path`) and what is wrong."""

    path: tuple[str | int, ...]
    message: str
    validator: str
    expected: Any = None  # the schema keyword's value, e.g. the regular expression of a `pattern`
    value: Any = None  # the value that failed (for `propertyNames`, the key; it is not at `path`)

    @property
    def pointer(self) -> str:
        """The path as `users[3].id`."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out


def iter_violations(name: str, instance: Any) -> Iterator[SchemaViolation]:
    """Every violation of schema `name` by `instance`, in a stable order (by path, then message)."""
    errors = sorted(
        _validator(name).iter_errors(instance),
        key=lambda e: (
            [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in e.absolute_path],
            e.message,
        ),
    )
    for error in errors:
        yield SchemaViolation(
            tuple(error.absolute_path),
            shorten(error.message),
            str(error.validator),
            error.validator_value,
            error.instance if isinstance(error.instance, str) else None,
        )


def shorten(text: str, limit: int = 600) -> str:
    """`text` cut in the middle when longer than `limit`: a 10 MB value is never echoed back whole."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}…({len(text) - len(head) - len(tail)} characters left out)…{tail}"


def check_schema(name: str) -> None:
    """Raise if the schema file `name` is not itself a valid schema of its draft."""
    import jsonschema

    schema = load_schema(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
