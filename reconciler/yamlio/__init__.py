"""The one module (with its emit.py) that imports yaml: reading and writing YAML for the rest of the package.

`load_marked` is the state-file loader: libyaml's C parser produces the events, and one Python pass turns
them into plain data while recording the line/column of every mapping key, value and list item. Building
from events (not from `yaml.compose` nodes) keeps the hot path to a single Python walk, lets the nesting
depth and alias expansion be bounded *while* parsing (libyaml's composer recurses in C and crashes on deep
nesting), and sees duplicate keys that the stock constructor silently overwrites.

Writing is `dump` (reconciler/yamlio/emit.py): the bytes of `yaml.dump`, through libyaml's emitter fed with
events.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.yamlio.emit import dump as dump  # the writing half, re-exported

try:
    _SafeLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader

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


class YamlSyntaxError(ValueError):
    """A file is not well-formed YAML; `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0, rule: str = "yaml-syntax") -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.rule = rule


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while loading that did not stop the load (duplicate key, non-string key, tag)."""

    line: int
    column: int
    message: str
    rule: str


Pos = tuple[int, int]  # 1-based (line, column)


@dataclass
class MarkedDocument:
    """Plain data from one YAML document plus the positions of its containers, keys, values and items."""

    data: Any
    issues: list[YamlIssue] = field(default_factory=list)
    # id(container) -> (start, {key: (key_pos, value_pos)}) for dicts, (start, [item_pos, ...]) for lists
    _marks: dict[int, tuple[Pos, Any]] = field(default_factory=dict, repr=False)

    def start(self, container: Any) -> Pos:
        """Where a dict or list of `data` starts."""
        return self._marks[id(container)][0]

    def key_positions(self, mapping: dict[str, Any]) -> dict[str, tuple[Pos, Pos]]:
        """For every key of `mapping`: (position of the key, position of its value)."""
        child: dict[str, tuple[Pos, Pos]] = self._marks[id(mapping)][1]
        return child

    def item_positions(self, sequence: list[Any]) -> list[Pos]:
        """The position of every item of `sequence`."""
        child: list[Pos] = self._marks[id(sequence)][1]
        return child

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Pos:
        """Position of the value at `path` (its key's with `key=True`), or of the deepest part that exists."""
        node = self.data
        pos: Pos = self._marks[id(node)][0] if id(node) in self._marks else (1, 1)
        for depth, part in enumerate(path, 1):
            entry = self._marks.get(id(node))
            if entry is None:
                break
            try:
                if isinstance(node, dict) and isinstance(part, str) and part in node:
                    key_pos: Pos
                    key_pos, pos = entry[1][part]
                    if key and depth == len(path):
                        return key_pos
                    node = node[part]
                elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                    pos = entry[1][part]
                    node = node[part]
                else:
                    break
            except (KeyError, IndexError):
                break
        return pos


class _Frame:
    __slots__ = ("container", "children", "start", "anchor", "size", "key", "key_pos", "merges")

    def __init__(self, container: Any, children: Any, start: Pos, anchor: str | None) -> None:
        self.container = container
        self.children = children
        self.start = start
        self.anchor = anchor
        self.size = 1  # nodes in this container once every alias inside it is expanded
        self.key: Any = _NOKEY
        self.key_pos: Pos = start
        self.merges: list[tuple[Any, Pos]] = []


_NOKEY = object()
_MERGE = object()


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _pos(mark: Any) -> Pos:
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a parser's events into plain data and marks (one pass, explicit stack, bounded)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.doc = MarkedDocument(None)
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.resolvers = _SafeLoader.yaml_implicit_resolvers
        self.constructor = yaml.constructor.SafeConstructor()
        self.budget = max(MIN_ALIAS_BUDGET, len(text))
        self.expanded = 0

    def issue(self, pos: Pos, message: str, rule: str) -> None:
        self.doc.issues.append(YamlIssue(pos[0], pos[1], message, rule))

    def scalar(self, ev: Any) -> Any:
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
                self.issue(_pos(ev.start_mark), f"{value!r} is not a valid !!{kind}", "yaml-tag")
                return value
        if kind in ("timestamp", "binary", "value"):
            return value  # JSON has no dates or bytes: keep the text as written
        if kind == "merge":
            return _MERGE
        self.issue(_pos(ev.start_mark), f"unsupported tag {_shown_tag(tag)}", "yaml-tag")
        return value

    def build(self, events: Iterator[Any]) -> MarkedDocument:
        stack: list[_Frame] = []
        documents = 0
        for ev in events:
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                value: Any = self.scalar(ev)
                start = _pos(ev.start_mark)
                size = 1
                if ev.anchor is not None:
                    self.anchors[ev.anchor] = (value, 1)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise YamlSyntaxError(
                        f"nesting deeper than {MAX_DEPTH} levels", *_pos(ev.start_mark), rule="yaml-depth"
                    )
                is_map = cls is yaml.MappingStartEvent
                tag = ev.tag
                if tag is not None and tag not in ("!", _CORE + ("map" if is_map else "seq")):
                    self.issue(_pos(ev.start_mark), f"unsupported tag {_shown_tag(tag)}", "yaml-tag")
                container: Any = {} if is_map else []
                children: Any = {} if is_map else []
                stack.append(_Frame(container, children, _pos(ev.start_mark), ev.anchor))
                continue
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame.container
                start = frame.start
                if frame.merges:
                    self.merge(frame)
                self.doc._marks[id(value)] = (start, frame.children)
                size = frame.size
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, size)
            elif cls is yaml.AliasEvent:
                start = _pos(ev.start_mark)
                if any(f.anchor == ev.anchor for f in stack):
                    raise YamlSyntaxError(
                        f"alias *{ev.anchor} is used inside its own anchor (recursive data)",
                        *start,
                        rule="yaml-alias",
                    )
                if ev.anchor not in self.anchors:
                    raise YamlSyntaxError(
                        f"alias *{ev.anchor} names no anchor defined before it", *start, rule="yaml-alias"
                    )
                value, size = self.anchors[ev.anchor]
                self.expanded += size
                if self.expanded > self.budget:
                    raise YamlSyntaxError(
                        f"aliases expand to more than {self.budget} nodes", *start, rule="yaml-alias"
                    )
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlSyntaxError(
                        "a state file holds one YAML document, found a second",
                        *_pos(ev.start_mark),
                        rule="yaml-syntax",
                    )
                continue
            else:
                continue
            self.attach(stack, value, start, size)
        return self.doc

    def attach(self, stack: list[_Frame], value: Any, start: Pos, size: int) -> None:
        if not stack:
            self.doc.data = value
            return
        frame = stack[-1]
        frame.size += size
        container = frame.container
        if type(container) is list:
            container.append(value)
            frame.children.append(start)
            return
        if frame.key is _NOKEY:
            frame.key = value
            frame.key_pos = start
            return
        key, frame.key = frame.key, _NOKEY
        if key is _MERGE:
            frame.merges.append((value, start))
        elif type(key) is not str:
            shown = "a mapping" if isinstance(key, dict) else "a list" if isinstance(key, list) else repr(key)
            self.issue(frame.key_pos, f"mapping keys must be strings, found {shown}", "yaml-key")
        elif key in container:
            first = frame.children[key][0]
            self.issue(
                frame.key_pos, f"duplicate key {key!r} (first at line {first[0]})", "yaml-duplicate-key"
            )
        else:
            container[key] = value
            frame.children[key] = (frame.key_pos, start)

    def merge(self, frame: _Frame) -> None:
        """`<<: *defaults`: explicit keys win; earlier merged mappings win over later ones."""
        for value, pos in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    self.issue(pos, "a merge key (<<) takes a mapping or a list of mappings", "yaml-merge")
                    continue
                marks = self.doc._marks.get(id(source), ((0, 0), {}))[1]
                for k, v in source.items():
                    if k not in frame.container:
                        frame.container[k] = v
                        frame.children[k] = marks.get(k, (pos, pos))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark is harmless
    elif data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise YamlSyntaxError(
            "not UTF-8: the file starts with a UTF-16/32 byte order mark", 1, 1, rule="yaml-encoding"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = len(data[data.rfind(b"\n", 0, e.start) + 1 : e.start].decode("utf-8", "replace")) + 1
        raise YamlSyntaxError(
            f"not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded", line, column, rule="yaml-encoding"
        ) from e


def _position_of(text: str, index: int) -> Pos:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _syntax_error(text: str, e: yaml.YAMLError) -> YamlSyntaxError:
    mark = getattr(e, "problem_mark", None)
    if isinstance(e, yaml.reader.ReaderError):
        # the C reader counts the position in characters of the text it was given
        line, column = _position_of(text, min(e.position, len(text)))
        code = ord(e.character) if isinstance(e.character, str) else int(e.character)
        return YamlSyntaxError(f"character U+{code:04X} is not allowed in YAML", line, column)
    if mark is None:
        return YamlSyntaxError(str(e))
    line, column = mark.line + 1, mark.column + 1
    if getattr(e, "problem", None) == "exceeded maximum nesting depth":
        # libyaml (PyYAML >= 6.0.3) has its own nesting bound, which can stop a flow collection first
        return YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", line, column, rule="yaml-depth")
    lines = text.split("\n", line)
    current = lines[line - 1] if line - 1 < len(lines) else ""
    indent = current[: len(current) - len(current.lstrip(" \t"))]
    if "\t" in indent and column <= len(indent) + 1:
        return YamlSyntaxError(
            "tab character used for indentation (YAML allows only spaces)",
            line,
            indent.index("\t") + 1,
            rule="yaml-tab",
        )
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    message = f"{problem} ({context})" if context else str(problem)
    return YamlSyntaxError(message.replace("\t", "\\t"), line, column)


def load_marked(data: bytes) -> MarkedDocument:
    """Parse one YAML document into plain data with positions; YamlSyntaxError when unreadable."""
    text = _decode(data)
    builder = _Builder(text)
    loader = _SafeLoader(text)
    try:
        # iter(get_event, None) pulls libyaml's events without yaml.parse's generator and check_event calls
        return builder.build(iter(loader.get_event, None))
    except yaml.YAMLError as e:
        raise _syntax_error(text, e) from e
    except RecursionError as e:  # only the pure-Python parser recurses; the bound above normally hits first
        raise YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", rule="yaml-depth") from e
    finally:
        loader.dispose()


def load_plain(path: Path) -> Any:
    """Parse a small YAML file (config, profiles) into plain data with the safe loader."""
    try:
        with path.open("rb") as fh:
            return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise YamlSyntaxError(str(e.problem or e), line, col) from e
    except yaml.YAMLError as e:
        raise YamlSyntaxError(str(e)) from e
