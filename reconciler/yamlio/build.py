"""From libyaml's events to plain data and packed positions: one pass, an explicit stack, bounded.

Building from events (not from `yaml.compose` nodes) keeps the hot path to a single Python walk, lets the
nesting depth and alias expansion be bounded *while* parsing (libyaml's composer recurses in C and crashes on
deep nesting), and sees duplicate keys that the stock constructor silently overwrites. Mapping keys and list
items that are strings are interned: a large state repeats the same few keys and group ids 100,000 times.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import yaml

from reconciler.yamlio.document import MarkedDocument, YamlIssue

MAX_DEPTH = 64  # state files nest ~6 deep; bounded so hostile nesting ends fast and never crashes
MIN_ALIAS_BUDGET = 100_000  # nodes aliases may add: this many, or the file's length if larger

_STR = "tag:yaml.org,2002:str"
_CORE = "tag:yaml.org,2002:"
# YAML 1.1 booleans, as PyYAML resolves them: yes/Yes/YES, true/…, on/… and their negatives
_BOOLS = {
    word: value
    for words, value in (("yes true on", True), ("no false off", False))
    for base in words.split()
    for word in (base, base.capitalize(), base.upper())
}
_intern = sys.intern


class YamlSyntaxError(ValueError):
    """A file is not well-formed YAML; `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0, rule: str = "yaml-syntax") -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.rule = rule


class _Frame:
    __slots__ = (
        "container",
        "children",
        "line",
        "column",
        "anchor",
        "size",
        "key",
        "key_line",
        "key_column",
        "merges",
    )

    def __init__(self, container: Any, line: int, column: int, anchor: str | None) -> None:
        self.container = container
        self.children: list[int] = []  # the record's tail (reconciler.yamlio.document), flushed at the end
        self.line = line
        self.column = column
        self.anchor = anchor
        self.size = 1  # nodes in this container once every alias inside it is expanded
        self.key: Any = _NOKEY
        self.key_line = line
        self.key_column = column
        self.merges: list[tuple[Any, int, int]] = []


_NOKEY = object()
_MERGE = object()


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class Builder:
    """Turns a parser's events into a MarkedDocument."""

    def __init__(self, text: str, resolvers: dict[Any, Any]) -> None:
        self.doc = MarkedDocument(None)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.resolvers = resolvers
        self.constructor = yaml.constructor.SafeConstructor()
        self.budget = max(MIN_ALIAS_BUDGET, len(text))
        self.expanded = 0

    def issue(self, line: int, column: int, message: str, rule: str) -> None:
        self.doc.issues.append(YamlIssue(line, column, message, rule))

    def scalar(self, ev: Any, line: int, column: int) -> Any:
        value: str = ev.value
        tag = ev.tag
        if tag is None or tag == "!":
            if not ev.implicit[0] or tag == "!":
                return value
            for rtag, regexp in self.resolvers.get(value[:1], ()):
                if regexp.match(value):
                    tag = rtag
                    break
            else:
                return value
        if tag == _STR:
            return value
        kind = tag[len(_CORE) :] if tag.startswith(_CORE) else None
        if kind == "null":
            return None
        if kind == "bool" and value in _BOOLS:
            return _BOOLS[value]
        if kind in ("int", "float", "bool"):
            try:
                node = yaml.ScalarNode(tag, value)
                return getattr(self.constructor, f"construct_yaml_{kind}")(node)
            except Exception:  # noqa: BLE001 - PyYAML's constructors raise KeyError, ValueError, …
                self.issue(line, column, f"{value!r} is not a valid !!{kind}", "yaml-tag")
                return value
        if kind in ("timestamp", "binary", "value"):
            return value  # JSON has no dates or bytes: keep the text as written
        if kind == "merge":
            return _MERGE
        self.issue(line, column, f"unsupported tag {_shown_tag(tag)}", "yaml-tag")
        return value

    def build(self, events: Iterator[Any]) -> MarkedDocument:
        stack: list[_Frame] = []
        documents = 0
        rec, at = self.doc.rec, self.doc.at
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        starts = {yaml.MappingStartEvent: True, yaml.SequenceStartEvent: False}
        ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        resolvers = self.resolvers
        for ev in events:
            cls = type(ev)
            if cls is scalar_event:
                mark = ev.start_mark
                line, column = mark.line + 1, mark.column + 1
                value: Any = ev.value
                if ev.tag is not None or (ev.implicit[0] and value[:1] in resolvers):
                    value = self.scalar(ev, line, column)  # the fast path above: a plain string
                size = 1
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, 1)
            elif cls in starts:
                mark = ev.start_mark
                if len(stack) >= MAX_DEPTH:
                    raise YamlSyntaxError(
                        f"nesting deeper than {MAX_DEPTH} levels",
                        mark.line + 1,
                        mark.column + 1,
                        "yaml-depth",
                    )
                is_map = starts[cls]
                tag = ev.tag
                if tag is not None and tag not in ("!", _CORE + ("map" if is_map else "seq")):
                    self.issue(
                        mark.line + 1, mark.column + 1, f"unsupported tag {_shown_tag(tag)}", "yaml-tag"
                    )
                container: Any = {} if is_map else []
                stack.append(_Frame(container, mark.line + 1, mark.column + 1, ev.anchor))
                continue
            elif cls in ends:
                frame = stack.pop()
                if frame.merges:
                    self.merge(frame)
                value = frame.container
                line, column = frame.line, frame.column
                children = frame.children
                at[id(value)] = len(rec)
                rec.append(line)
                rec.append(column)
                rec.append(len(children) // (4 if type(value) is dict else 2))
                rec.extend(children)
                size = frame.size
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, size)
            elif cls is alias_event:
                mark = ev.start_mark
                line, column = mark.line + 1, mark.column + 1
                value, size = self.alias(ev.anchor, stack, line, column)
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = ev.start_mark
                    raise YamlSyntaxError(
                        "a state file holds one YAML document, found a second", mark.line + 1, mark.column + 1
                    )
                continue
            else:
                continue
            if not stack:
                self.doc.data = value
                continue
            frame = stack[-1]
            frame.size += size
            container = frame.container
            children = frame.children
            if type(container) is list:
                container.append(_intern(value) if type(value) is str else value)
                children.append(line)
                children.append(column)
                continue
            key = frame.key
            if key is _NOKEY:
                frame.key = _intern(value) if type(value) is str else value
                frame.key_line = line
                frame.key_column = column
                continue
            frame.key = _NOKEY
            if type(key) is str and key not in container:  # the common case, inline
                container[key] = value
                children.append(frame.key_line)
                children.append(frame.key_column)
                children.append(line)
                children.append(column)
            else:
                self.attach(frame, key, value, line, column)
        return self.doc

    def alias(self, anchor: str, stack: list[_Frame], line: int, column: int) -> tuple[Any, int]:
        if any(f.anchor == anchor for f in stack):
            raise YamlSyntaxError(
                f"alias *{anchor} is used inside its own anchor (recursive data)", line, column, "yaml-alias"
            )
        if anchor not in self.anchors:
            raise YamlSyntaxError(
                f"alias *{anchor} names no anchor defined before it", line, column, "yaml-alias"
            )
        value, size = self.anchors[anchor]
        self.expanded += size
        if self.expanded > self.budget:
            raise YamlSyntaxError(
                f"aliases expand to more than {self.budget} nodes", line, column, "yaml-alias"
            )
        return value, size

    def attach(self, frame: _Frame, key: Any, value: Any, line: int, column: int) -> None:
        """A mapping's value whose key is not a new string: a merge, a non-string or a duplicate key."""
        container = frame.container
        key_line, key_column = frame.key_line, frame.key_column
        if key is _MERGE:
            frame.merges.append((value, line, column))
        elif type(key) is not str:
            shown = "a mapping" if isinstance(key, dict) else "a list" if isinstance(key, list) else repr(key)
            self.issue(key_line, key_column, f"mapping keys must be strings, found {shown}", "yaml-key")
        elif key in container:
            first = frame.children[4 * list(container).index(key)]
            self.issue(
                key_line, key_column, f"duplicate key {key!r} (first at line {first})", "yaml-duplicate-key"
            )
        else:
            container[key] = value
            frame.children += (key_line, key_column, line, column)

    def merge(self, frame: _Frame) -> None:
        """`<<: *defaults`: explicit keys win; earlier merged mappings win over later ones."""
        for value, line, column in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    self.issue(
                        line, column, "a merge key (<<) takes a mapping or a list of mappings", "yaml-merge"
                    )
                    continue
                marks = self.doc.packed(source) if id(source) in self.doc.at else None
                for index, (k, v) in enumerate(source.items()):
                    if k not in frame.container:
                        frame.container[k] = v
                        where = (*marks.key(index), *marks.value(index)) if marks else (line, column) * 2
                        frame.children += where
