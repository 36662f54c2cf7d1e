"""Entries of the plainest shape edited as text, byte for byte what ruamel.yaml would write for them.

Most state entries (every one `reconciler import` writes, and most people write) are a `- ` line and one
`key: value` line per field, or a list of ids under a key, flow (`[a, b]`) or block, with plain scalars, no
comments, no quotes and the indentation ruamel.yaml emits for the section. For such an entry, reading it with
ruamel.yaml and emitting it again costs ~3 ms; this module reads the lines itself, applies the edit and
writes the lines the way ruamel.yaml does (`tests/test_yamlplain.py` holds the two to the same bytes on
generated entries). Anything else — a comment, a quote, a null, a value that would need quoting or that YAML
resolves to something other than text, another indentation — is not plain: the caller asks ruamel.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.yamlsplice import REMOVE, Layout

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# text that is plain in a block mapping and in a flow list and that YAML 1.1 and 1.2 both read as text:
# no indicator anywhere (`#:,[]{}'"!&*%>?` …), no leading digit, sign or dot (numbers, dates), single spaces
_TEXT = re.compile(r"[A-Za-z_][A-Za-z0-9_.@+|/()-]*(?: [A-Za-z0-9_.@+|/()-]+)*")
_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
MAX_TEXT = 200  # far below the emitter's line width (reconciler.yamledit sets 4096): never folded

Field = tuple[str, Any]  # (style, value): ("text", str) | ("flow", [str, …]) | ("block", [str, …])


def plain_text(value: Any) -> bool:
    """True for a str that is written as it is, unquoted, in both a mapping value and a flow list."""
    return (
        type(value) is str
        and len(value) <= MAX_TEXT
        and _TEXT.fullmatch(value) is not None
        and value.lower() not in _WORDS
    )


def _plain_list(value: Any) -> bool:
    return type(value) is list and bool(value) and all(plain_text(v) for v in value)


def read(lines: Sequence[str], start: int, end: int, at: Layout) -> dict[str, Field] | None:
    """The fields of the entry on lines [start, end), in order; None when it is not of the plain shape."""
    if at.content_col != at.dash_col + 2:
        return None
    dash = " " * at.dash_col + "- "
    indent = " " * at.content_col
    item = " " * (at.content_col + at.dash_col) + "- "
    fields: dict[str, Field] = {}
    block: list[str] | None = None
    for n in range(start, end):
        line = lines[n]
        if not line.endswith("\n"):
            return None
        if n == start:
            if not line.startswith(dash):
                return None
            body = line[len(dash) : -1]
        elif block is not None and line.startswith(item):
            value = line[len(item) : -1]
            if not plain_text(value):
                return None
            block.append(value)
            continue
        elif line.startswith(indent) and line[len(indent) : len(indent) + 1] not in ("", " ", "-"):
            body = line[len(indent) : -1]
        else:
            return None
        if block is not None and not block:
            return None
        block = None
        key, colon, rest = body.partition(":")
        if not colon or _KEY.fullmatch(key) is None or key in fields or key.lower() in _WORDS:
            return None
        if not rest:
            block = []
            fields[key] = ("block", block)
        elif rest.startswith(" [") and rest.endswith("]"):
            values = rest[2:-1].split(", ")
            if not _plain_list(values):
                return None
            fields[key] = ("flow", values)
        elif rest.startswith(" ") and plain_text(rest[1:]):
            fields[key] = ("text", rest[1:])
        else:
            return None
    if block is not None and not block:
        return None
    return fields


def edited(fields: Mapping[str, Field], edit: Mapping[str, Any]) -> dict[str, Field] | None:
    """The fields after the edit, as `reconciler.yamledit` applies it; None when a new value is not plain
    (a list of mappings, a null, a number, an empty list, text that needs quotes)."""
    out = dict(fields)
    for name, value in edit.items():
        if value is REMOVE:
            out.pop(name, None)
        elif plain_text(value):
            out[name] = ("text", value)
        elif _plain_list(value):
            old = out.get(name)
            style = "flow" if old is None or old[0] == "flow" else "block"
            out[name] = (style, list(value))
        else:
            return None
    return out or None


def new(entry: Mapping[str, Any], at: Layout) -> dict[str, Field] | None:
    """A new entry's fields (lists in flow style, as new entries are written); None when not plain, or when
    the section is not indented as this module writes (`- ` then the keys)."""
    if not entry or at.content_col != at.dash_col + 2:
        return None
    return edited({}, entry)


def write(fields: Mapping[str, Field], at: Layout) -> list[str]:
    """The entry's lines in the section's indentation."""
    indent = " " * at.content_col
    item = " " * (at.content_col + at.dash_col) + "- "
    out: list[str] = []
    for key, (style, value) in fields.items():
        if style == "text":
            out.append(f"{indent}{key}: {value}\n")
        elif style == "flow":
            out.append(f"{indent}{key}: [{', '.join(value)}]\n")
        else:
            out.append(f"{indent}{key}:\n")
            out.extend(f"{item}{v}\n" for v in value)
    out[0] = " " * at.dash_col + "- " + out[0][at.content_col :]
    return out
