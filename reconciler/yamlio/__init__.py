"""The one module (with build.py and emit.py) that imports yaml: reading and writing YAML for the package.

`load_marked` is the state-file loader: libyaml's C parser produces the events, and one Python pass
(reconciler/yamlio/build.py) turns them into plain data while recording the line/column of every mapping key,
value and list item, packed (reconciler/yamlio/document.py) since only a message ever needs one.

Writing is `dump` (reconciler/yamlio/emit.py): the bytes of `yaml.dump`, through libyaml's emitter fed with
events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from reconciler.yamlio.build import MAX_DEPTH as MAX_DEPTH
from reconciler.yamlio.build import MIN_ALIAS_BUDGET as MIN_ALIAS_BUDGET
from reconciler.yamlio.build import Builder, YamlSyntaxError
from reconciler.yamlio.document import MarkedDocument as MarkedDocument
from reconciler.yamlio.document import Packed as Packed
from reconciler.yamlio.document import Pos as Pos
from reconciler.yamlio.document import YamlIssue as YamlIssue
from reconciler.yamlio.emit import dump as dump  # the writing half, re-exported
from reconciler.yamlio.plain import read as read_plain

__all__ = [
    "MAX_DEPTH",
    "MIN_ALIAS_BUDGET",
    "MarkedDocument",
    "Packed",
    "Pos",
    "YamlIssue",
    "YamlSyntaxError",
    "dump",
    "load_marked",
    "load_plain",
]

try:
    _SafeLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader


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
    plain = read_plain(text)  # the plainest files (nearly all) without libyaml's events
    if plain is not None:
        return plain
    builder = Builder(text, _SafeLoader.yaml_implicit_resolvers)
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
