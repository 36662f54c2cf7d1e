"""`json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`: the same text, in pieces, twice as fast.

With `indent` set, json runs its pure-Python encoder: a generator per container that yields every comma,
bracket and key separately (millions of yields for a 100,000-user layout: most of `render`'s time beyond
loading the state, and a list of millions of small strings in memory). Here each container is one `str.join`
of its members, strings go through json's own C `encode_basestring`, and the document's top-level lists come
out a slice of members at a time (the text is never copied into one string). Anything this encoder does not
take as plainly JSON (keys that are not strings, values that are not str/int/float/bool/None/list/tuple/dict,
a cycle) is handed to json itself, which writes it or raises exactly as before.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function when _json is built (CPython: always)
from typing import Any

_CHUNK = 2000  # members of a top-level list joined into one piece
_TOP = "\n  "  # the indentation of the top-level object's members


class _NotPlain(Exception):
    """Something json itself must encode (or refuse)."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    raise _NotPlain


def _encode(value: Any, newline: str) -> str:
    """`value` at the indentation `newline` ("\\n" and its spaces) holds."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        parts = []
        for key, item in sorted(value.items()):
            if type(key) is not str:
                raise _NotPlain
            text = encode_basestring(item) if type(item) is str else _encode(item, inner)
            parts.append(f"{encode_basestring(key)}: {text}")
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([_encode(v, inner) for v in value]) + newline + "]"
    return _scalar(value)


def _pieces(doc: Any) -> list[str]:
    if not isinstance(doc, dict) or not doc:
        return [_encode(doc, "\n")]
    out = []
    opening = "{\n  "
    for key, value in sorted(doc.items()):
        if type(key) is not str:
            raise _NotPlain
        if isinstance(value, (list, tuple)) and value:
            out.append(f"{opening}{encode_basestring(key)}: [\n    ")
            for start in range(0, len(value), _CHUNK):
                members = [_encode(v, "\n    ") for v in value[start : start + _CHUNK]]
                out.append(("" if not start else ",\n    ") + ",\n    ".join(members))
            out.append("\n  ]")
        else:
            out.append(f"{opening}{encode_basestring(key)}: {_encode(value, _TOP)}")
        opening = ",\n  "
    out.append("\n}")
    return out


def indented_chunks(doc: Any) -> list[str]:
    """The text of `json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)`, in pieces (a top-level
    list a slice of members at a time, so the text is never copied into one string)."""
    try:
        return _pieces(doc)
    except (_NotPlain, RecursionError, TypeError):  # TypeError: keys that do not sort
        return [json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)]
