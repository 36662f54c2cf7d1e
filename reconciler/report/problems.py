"""Reporters for `reconciler validate`: text, json and GitHub workflow annotations.

Each reporter is a class writing to an injected stream; `REPORTERS` maps the `--format` names to them.

The json shape (stable, documented in the README)::

    {"valid": bool, "strict": bool, "errors": int, "warnings": int, "files": int, "users": int, "groups": int,
     "problems": [{"file": str, "line": int, "column": int, "severity": "error"|"warning",
                   "rule": str, "message": str}]}

`line`/`column` are 1-based; 0 when a problem concerns a whole file or directory.
"""

from __future__ import annotations

import json
from typing import ClassVar, TextIO

from reconciler.source import Problem, Validation


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ProblemReporter:
    """Base: writes one validation result to `stream`."""

    name: ClassVar[str] = ""

    def __init__(self, stream: TextIO, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet  # text only: the errors and the summary line, no warnings (unless strict)

    def report(self, result: Validation, *, strict: bool = False) -> None:
        """Write `result`."""
        raise NotImplementedError


class TextReporter(ProblemReporter):
    """`path:line:col: severity: message` per problem, then a count line."""

    name = "text"

    def report(self, result: Validation, *, strict: bool = False) -> None:
        """Write the problems and the summary line."""
        for problem in result.problems:
            if not (self.quiet and problem.severity == "warning" and not strict):
                self.stream.write(f"{problem}\n")
        files = _plural(len(result.state.files), "file")
        if result.ok(strict=strict):
            counts = (
                f"{_plural(len(result.state.users), 'user')}, {_plural(len(result.state.groups), 'group')}"
            )
            suffix = f" ({_plural(result.warnings, 'warning')})" if result.warnings else ""
            self.stream.write(f"ok: {counts} in {files}{suffix}\n")
        else:
            self.stream.write(
                f"{_plural(result.errors, 'error')}, {_plural(result.warnings, 'warning')} in {files}\n"
            )


class JsonReporter(ProblemReporter):
    """The documented json shape (see the module docstring)."""

    name = "json"

    def report(self, result: Validation, *, strict: bool = False) -> None:
        """Write one JSON object."""
        body = {
            "valid": result.ok(strict=strict),
            "strict": strict,
            "errors": result.errors,
            "warnings": result.warnings,
            "files": len(result.state.files),
            "users": len(result.state.users),
            "groups": len(result.state.groups),
            "problems": [_as_json(p) for p in result.problems],
        }
        self.stream.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def _as_json(p: Problem) -> dict[str, object]:
    return {
        "file": p.location.path,
        "line": p.location.line,
        "column": p.location.column,
        "severity": p.severity,
        "rule": p.rule,
        "message": p.message,
    }


def escape_data(value: str) -> str:
    """GitHub workflow-command escaping of a message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """GitHub workflow-command escaping of a property value (file=…, title=…)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(ProblemReporter):
    """`::error file=…,line=…,col=…::message` workflow commands, shown as annotations on the PR diff."""

    name = "github"

    def report(self, result: Validation, *, strict: bool = False) -> None:
        """Write one workflow command per problem (warnings as errors with `strict`)."""
        for p in result.problems:
            level = "error" if p.severity == "error" or strict else "warning"
            props = [f"file={escape_property(p.location.path)}"]
            if p.location.line:
                props += [f"line={p.location.line}", f"col={p.location.column}"]
            props.append(f"title={escape_property(f'reconciler validate ({p.rule})')}")
            self.stream.write(f"::{level} {','.join(props)}::{escape_data(p.message)}\n")


REPORTERS: dict[str, type[ProblemReporter]] = {
    r.name: r for r in (TextReporter, JsonReporter, GithubReporter)
}
