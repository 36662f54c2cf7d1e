"""Reporters for `reconciler history` (text, json) and `reconciler review` (csv, markdown, json).

Each reporter is a class writing to an injected stream; `HISTORY_REPORTERS` and `REVIEW_REPORTERS` map the
`--format` names to them. A commit is always shown the same way: its id, its date (when it landed on the
mainline), its author and the pull request its subject names.

The json shapes (stable)::

    history: {"principal": str, "since": str|null, "changes": [{"date", "commit", "pr", "author", "email",
              "subject", "kind": "user"|"group", "id", "relation": "declared"|"member"|"parent"|"grant",
              "group": str|null, "change": "added"|"removed"|"changed", "file",
              grant changes also: "on": str, "grant"/"previous": {"grant": [str], "expires"}|null}]}
    review:  {"as_of": {"commit", "date", …}|null, "users": int,
              "memberships": [{"user", "group": str|null, "since": str|null, "commit", "pr", "author",
                               "email", "subject", "implies": [str], "access": [str]}]}
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, TextIO

from reconciler.access_review import Review, Row
from reconciler.gitlog import Commit
from reconciler.history import Change

CSV_COLUMNS = ("user", "group", "since", "commit", "pr", "author", "email", "subject", "implies", "access")


def commit_fields(commit: Commit | None) -> dict[str, Any]:
    """The commit as the reports show it (every value None when there is no commit)."""
    if commit is None:
        return dict.fromkeys(("date", "commit", "pr", "author", "email", "subject"))
    return {
        "date": _iso(commit.date),
        "commit": commit.sha,
        "pr": commit.pr,
        "author": commit.author,
        "email": commit.email,
        "subject": commit.subject,
    }


def _iso(date: datetime) -> str:
    return date.isoformat()


def _pr(commit: Commit) -> str:
    return f"PR #{commit.pr}" if commit.pr is not None else "direct"


class HistoryReporter:
    """Base: writes the changes of one principal to `stream`."""

    name: ClassVar[str] = ""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def report(self, principal: str, changes: Sequence[Change], *, since: datetime | None = None) -> None:
        """Write the changes, oldest first."""
        raise NotImplementedError


class TextHistoryReporter(HistoryReporter):
    """One line per change: date, commit, PR, author, what changed, and the file."""

    name = "text"

    def report(self, principal: str, changes: Sequence[Change], *, since: datetime | None = None) -> None:
        """Write one line per change, then a count."""
        for c in changes:
            date = c.commit.date.strftime("%Y-%m-%d %H:%M %z")
            self.stream.write(
                f"{date}  {c.commit.short}  {_pr(c.commit):<9} {c.commit.author} <{c.commit.email}>  "
                f"{_what(c)}  ({c.path})\n"
            )
        after = f" since {since.date().isoformat()}" if since is not None else ""
        self.stream.write(f"{len(changes)} change{'' if len(changes) == 1 else 's'} to {principal}{after}\n")


def _grant(value: tuple[tuple[str, ...], str | None] | None) -> str:
    if value is None:
        return "nothing"
    names, expires = value
    return f"[{', '.join(names)}]" + (f" expires {expires}" if expires is not None else "")


def _what(c: Change) -> str:
    if c.relation == "grant":
        if c.op == "changed":
            return f"~ {c.kind} {c.principal} grant on {c.target}: {_grant(c.previous)} -> {_grant(c.grant)}"
        sign = "+" if c.op == "added" else "-"
        return f"{sign} {c.kind} {c.principal} grant {_grant(c.grant or c.previous)} on {c.target}"
    sign = "+" if c.op == "added" else "-"
    if c.relation == "declared":
        return f"{sign} {c.kind} {c.principal} {'declared' if c.op == 'added' else 'removed'}"
    link = "member of" if c.relation == "member" else "subgroup of"
    return f"{sign} {c.kind} {c.principal} {link} {c.target}"


class JsonHistoryReporter(HistoryReporter):
    """The changes as one JSON document (the shape in this module's docstring)."""

    name = "json"

    def report(self, principal: str, changes: Sequence[Change], *, since: datetime | None = None) -> None:
        """Write the JSON document."""
        doc = {
            "principal": principal,
            "since": _iso(since) if since is not None else None,
            "changes": [
                {
                    **commit_fields(c.commit),
                    "kind": c.kind,
                    "id": c.principal,
                    "relation": c.relation,
                    "group": (c.target or None) if c.relation != "grant" else None,
                    "change": c.op,
                    "file": c.path,
                    **_grant_fields(c),
                }
                for c in changes
            ],
        }
        self.stream.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def _grant_fields(c: Change) -> dict[str, Any]:
    if c.relation != "grant":
        return {}

    def one(value: tuple[tuple[str, ...], str | None] | None) -> dict[str, Any] | None:
        return None if value is None else {"grant": list(value[0]), "expires": value[1]}

    return {"on": c.target, "grant": one(c.grant), "previous": one(c.previous)}


def _row(row: Row) -> dict[str, Any]:
    fields = commit_fields(row.commit)
    return {
        "user": row.user,
        "group": row.group or None,
        "since": fields.pop("date"),
        **fields,
        "implies": list(row.implies),
        "access": list(row.access),
    }


class ReviewReporter:
    """Base: writes one access review to `stream`."""

    name: ClassVar[str] = ""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def report(self, result: Review) -> None:
        """Write the review."""
        raise NotImplementedError


class CsvReviewReporter(ReviewReporter):
    """A header row, then one row per membership: ready for a spreadsheet (lists joined with "; ")."""

    name = "csv"

    def report(self, result: Review) -> None:
        """Write the CSV."""
        writer = csv.DictWriter(self.stream, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in result.rows:
            values = _row(row)
            values["implies"] = "; ".join(values["implies"])
            values["access"] = "; ".join(values["access"])
            writer.writerow({k: "" if v is None else v for k, v in values.items()})


class MarkdownReviewReporter(ReviewReporter):
    """A Markdown table, one row per membership, under a line saying which state it reviews."""

    name = "markdown"

    def report(self, result: Review) -> None:
        """Write the heading line and the table."""
        as_of = result.as_of
        when = f"after {as_of.short} ({_iso(as_of.date)})" if as_of is not None else "with no history"
        self.stream.write(f"## Access review: {result.users} users, state {when}\n\n")
        access = any(row.access for row in result.rows)  # the column, once the state declares grants
        self.stream.write(
            "| User | Group | Since | Commit | PR | Author | Implies |" + (" Access |" if access else "")
        )
        self.stream.write("\n|---|---|---|---|---|---|---|" + ("---|" if access else "") + "\n")
        for row in result.rows:
            c = row.commit
            cells: tuple[str, ...] = (
                row.user,
                row.group or ("(the user itself)" if row.access else "(no group)"),
                c.date.date().isoformat() if c else "",
                f"`{c.short}`" if c else "",
                f"#{c.pr}" if c and c.pr is not None else "",
                c.author if c else "",
                ", ".join(row.implies),
            )
            if access:
                cells += (", ".join(row.access),)
            self.stream.write("| " + " | ".join(_cell(v) for v in cells) + " |\n")


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


class JsonReviewReporter(ReviewReporter):
    """The review as one JSON document (the shape in this module's docstring)."""

    name = "json"

    def report(self, result: Review) -> None:
        """Write the JSON document."""
        as_of = commit_fields(result.as_of) if result.as_of is not None else None
        doc = {"as_of": as_of, "users": result.users, "memberships": [_row(r) for r in result.rows]}
        self.stream.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


HISTORY_REPORTERS: dict[str, type[HistoryReporter]] = {
    r.name: r for r in (TextHistoryReporter, JsonHistoryReporter)
}
REVIEW_REPORTERS: dict[str, type[ReviewReporter]] = {
    r.name: r for r in (CsvReviewReporter, MarkdownReviewReporter, JsonReviewReporter)
}
