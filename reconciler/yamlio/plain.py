"""A fast reader for state files of the plainest shape, the same data and positions as the event loader.

Almost every state file (all that `reconciler import` writes, most that people write) is block mappings and
block lists of plain text: `key: text`, `key: []`, `key:` over `- text` items, `- key: text` entries. For
such a file, one pass over its lines builds what reconciler/yamlio/build.py builds from libyaml's events at
a fraction of the cost (no event or mark objects). Blank lines and whole-line comments are skipped.
Anything else — a trailing comment, a quote, a flow collection, a number, a boolean or null, a tag, an
anchor, a duplicate key, a tab, a character outside plain ASCII and Latin letters, an unexpected
indentation — makes `read` return None, and the event loader reads the file (with every issue and message
as before). tests/test_yamlio_plain.py holds the two to the same output.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from reconciler.yamlio.document import MarkedDocument

_C = r"A-Za-z0-9_.@+|/()\u00c0-\u024f-"  # what plain text may hold: no indicator (`#:,[]{}'"!&*%>?`)
_TEXT = rf"[A-Za-z_\u00c0-\u024f][{_C}]*(?: [{_C}]+)*"  # no leading digit, sign or dot; single spaces
_KEY_LINE = re.compile(rf"( *)(- )?([A-Za-z_][A-Za-z0-9_]*):(?: ({_TEXT}|\[\]))?\Z")
_ITEM_LINE = re.compile(rf"( *)- ({_TEXT})\Z")
# words YAML 1.1 reads as booleans or null, in any case (a superset: such a file is read by libyaml)
_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n"})
_intern = sys.intern
MAX_DEPTH = 8  # a state file nests ~6 deep: anything deeper is read (and bounded) by the event loader


class _NotPlain(Exception):
    """The file is not of the plainest shape."""


def read(text: str) -> MarkedDocument | None:
    """The document of `text` when every line is of the plainest shape; None when libyaml must read it."""
    reader = _Reader(text)
    try:
        return reader.document()
    except _NotPlain:
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.i = 0
        self.doc = MarkedDocument(None)

    def document(self) -> MarkedDocument:
        self._skip_blank()
        if self.i >= len(self.lines):
            raise _NotPlain  # empty: the event loader says what an empty file is
        self.doc.data = self._mapping(0, dashed=False, depth=1)
        self._skip_blank()
        if self.i < len(self.lines):
            raise _NotPlain
        return self.doc

    def _skip_blank(self) -> None:
        lines, i = self.lines, self.i
        while i < len(lines) and (not lines[i] or lines[i].lstrip(" ").startswith("#")):
            i += 1  # blank lines and whole-line comments
        self.i = i

    def _record(self, container: Any, line: int, column: int, count: int, children: list[int]) -> None:
        rec = self.doc.rec
        self.doc.at[id(container)] = len(rec)
        rec.append(line)
        rec.append(column)
        rec.append(count)
        rec.extend(children)

    def _mapping(self, indent: int, *, dashed: bool, depth: int) -> dict[str, Any]:
        """A block mapping whose keys start at `indent`; `dashed`: its first line is a list's `- key: …`."""
        if depth > MAX_DEPTH:
            raise _NotPlain
        lines = self.lines
        out: dict[str, Any] = {}
        children: list[int] = []
        start = self.i + 1
        first = True
        while True:
            self._skip_blank()
            if self.i >= len(lines):
                break
            line = lines[self.i]
            m = _KEY_LINE.match(line)
            if m is None or m.group(2) is not None and not (first and dashed):
                if not first and len(line) - len(line.lstrip(" ")) < indent:
                    break  # a shallower line ends the mapping
                raise _NotPlain  # (a mapping ends only after a key: every pass reads a line or stops)
            spaces = len(m.group(1)) + (2 if m.group(2) is not None else 0)
            if spaces != indent or (first and dashed and m.group(2) is None):
                if spaces < indent and not first:
                    break
                raise _NotPlain
            first = False
            key = m.group(3)
            if key in out or key.lower() in _WORDS:
                raise _NotPlain
            key = _intern(key)
            row = self.i + 1
            text = m.group(4)
            self.i += 1
            if text is None:
                value: Any = self._nested(indent, depth + 1)
                at = self.doc.at[id(value)]
                vline, vcolumn = self.doc.rec[at], self.doc.rec[at + 1]
            elif text == "[]":
                value = []
                vline, vcolumn = row, m.start(4) + 1
                self._record(value, vline, vcolumn, 0, [])
            else:
                if text.lower() in _WORDS:
                    raise _NotPlain
                value = text
                vline, vcolumn = row, m.start(4) + 1
            out[key] = value
            children += (row, indent + 1, vline, vcolumn)
        self._record(out, start, indent + 1, len(out), children)
        return out

    def _nested(self, indent: int, depth: int) -> list[Any]:
        """The block list under a `key:` at `indent`: its `- ` at the key's indent or two deeper."""
        self._skip_blank()
        if self.i >= len(self.lines):
            raise _NotPlain  # `key:` and nothing: null
        line = self.lines[self.i]
        for dash in (indent, indent + 2):
            if line.startswith("- ", dash) and not line[:dash].strip(" "):
                return self._sequence(dash, depth)
        raise _NotPlain

    def _sequence(self, dash: int, depth: int) -> list[Any]:
        lines = self.lines
        out: list[Any] = []
        children: list[int] = []
        start = self.i + 1
        while True:
            self._skip_blank()
            if self.i >= len(lines):
                break
            line = lines[self.i]
            spaces = len(line) - len(line.lstrip(" "))
            if spaces < dash or (spaces == dash and not line.startswith("- ", dash)):
                break
            if spaces > dash:
                raise _NotPlain
            m = _ITEM_LINE.match(line)
            if m is not None:
                text = m.group(2)
                if text.lower() in _WORDS:
                    raise _NotPlain
                out.append(_intern(text))
                children += (self.i + 1, dash + 3)
                self.i += 1
            else:
                row = self.i + 1
                out.append(self._mapping(dash + 2, dashed=True, depth=depth + 1))
                children += (row, dash + 3)
        self._record(out, start, dash + 1, len(out), children)
        return out
