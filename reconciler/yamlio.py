"""The one module that imports yaml: reading and writing YAML for the rest of the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:
    _SafeLoader: type[Any] = yaml.CSafeLoader
    _SafeDumper: type[Any] = yaml.CSafeDumper
except AttributeError:  # PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader
    _SafeDumper = yaml.SafeDumper


class YamlSyntaxError(ValueError):
    """A file is not well-formed YAML; `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


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


def dump(data: Any) -> str:
    """Serialize plain data as block-style YAML, keys in the given order."""
    text: str = yaml.dump(data, Dumper=_SafeDumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return text
