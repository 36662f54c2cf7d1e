"""Renderers: access changes as plan lines (text, markdown, JSON-able dicts), and access listings (who can
see a workspace, what a user can do, the whole organization) as text, json, csv or markdown.

Pure: each renderer returns a string or a list, or writes to a stream it is given (a whole organization's
listing is streamed); CSV through the csv module, with a header row, one row per principal × scope ×
permission × reason, so it opens in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from reconciler.access.delta import AccessChange, AccessDelta
from reconciler.access.effective import AccessEntry, Reason
from reconciler.access.model import EVERY_WORKSPACE, ORGANIZATION
from reconciler.access.workspace_sets import WorkspaceSet

ESCALATION = "⚠ privilege escalation: "
FORMATS = ("text", "json", "csv", "markdown")
ESCALATIONS_HEADING = "### ⚠ Privilege escalations"
CSV_HEADER = ("principal", "scope", "workspace", "permission", "reason", "via", "hierarchy_of", "implied_by")
MAX_WORKSPACES = 20  # per plan line; the JSON form always lists every workspace


# --- access changes ---------------------------------------------------------------------------------------


def reasons_text(reasons: Iterable[Reason]) -> str:
    """Several reasons, `; `-separated."""
    return "; ".join(r.text for r in reasons)


def _workspaces(workspaces: WorkspaceSet, limit: int | None) -> str:
    if limit is None or len(workspaces) <= limit:
        return ", ".join(workspaces.ids())
    return f"{', '.join(workspaces.first(limit))} (+{len(workspaces) - limit:,} more)"


def delta_text(principal: str, delta: AccessDelta, *, max_workspaces: int | None = MAX_WORKSPACES) -> str:
    """`jane.doe gains MANAGE on sales, sales-emea (via analysts → leads, hierarchy of sales)`."""
    return _line(principal, delta, _after_principal(delta, max_workspaces))


def _line(principal: str, delta: AccessDelta, rest: str) -> str:
    return f"{ESCALATION if delta.escalation else ''}{principal} {rest}"


def _after_principal(delta: AccessDelta, max_workspaces: int | None) -> str:
    why = f"({reasons_text(delta.reasons)})"
    if delta.scope == "membership":
        verb = "joins" if delta.direction == "gain" else "leaves"
        return f"{verb} the bootstrap group {delta.group} {why}"
    verb = "gains" if delta.direction == "gain" else "loses"
    where = {"organization": "the organization", "every-workspace": "every workspace"}.get(delta.scope)
    if where is None:
        where = _workspaces(delta.where, max_workspaces)
    line = f"{verb} {', '.join(delta.permissions)} on {where} {why}"
    if delta.kept:
        line += f"; still holds {', '.join(delta.kept)} there"
    return line


def change_lines(
    changes: Iterable[AccessChange], *, max_workspaces: int | None = MAX_WORKSPACES
) -> list[str]:
    """One line per gain or loss, in the changes' order (escalations first); escalations marked. Users with
    the same groups share their deltas, so each delta's text after the principal is written once."""
    texts: dict[int, str] = {}
    out: list[str] = []
    for c in changes:
        for d in c.deltas:
            rest = texts.get(id(d))
            if rest is None:
                rest = texts[id(d)] = _after_principal(d, max_workspaces)
            out.append(_line(c.principal, d, rest))
    return out


def changes_text(changes: Sequence[AccessChange], *, max_workspaces: int | None = MAX_WORKSPACES) -> str:
    """The plan's "Access changes" section as text ("" when nothing changes)."""
    if not changes:
        return ""
    lines = change_lines(changes, max_workspaces=max_workspaces)
    return "\n".join([f"Access changes ({_count(changes)}):", *(f"  {line}" for line in lines)]) + "\n"


def changes_markdown(
    changes: Sequence[AccessChange], *, limit: int | None = None, max_workspaces: int | None = MAX_WORKSPACES
) -> list[str]:
    """Markdown lines: every privilege escalation first (never cut), then the other access changes, at most
    `limit` lines of them, with a note of how many were left out."""
    if not changes:
        return []
    escalations: list[str] = []
    others: list[str] = []
    escalated = (d.escalation for c in changes for d in c.deltas)
    for text, escalation in zip(change_lines(changes, max_workspaces=max_workspaces), escalated, strict=True):
        (escalations if escalation else others).append(f"- {_md(text)}")
    out: list[str] = []
    if escalations:
        out += [f"{ESCALATIONS_HEADING} ({len(escalations):,})", "", *escalations, ""]
    out += [f"### Access changes ({_count(changes)})", ""]
    shown = others if limit is None else others[:limit]
    out += shown
    if len(shown) < len(others):
        out.append(f"- … and {len(others) - len(shown):,} more access changes (see the JSON plan)")
    if not others:
        out.append("- (only the escalations above)")
    return [*out, ""]


def changes_json(changes: Iterable[AccessChange]) -> list[dict[str, Any]]:
    """The JSON-able form: one dict per principal, with its deltas and the escalation flag."""
    return [c.to_dict() for c in changes]


def _count(changes: Sequence[AccessChange]) -> str:
    escalations = sum(1 for c in changes if c.escalation)
    people = f"{len(changes):,} principal{'s' if len(changes) != 1 else ''}"
    return f"{people}, {escalations:,} with a privilege escalation" if escalations else people


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


# --- access listings --------------------------------------------------------------------------------------

_WIDTH = len("EXPORT_TABULAR")  # the permission column of the text listing (longer names push the reason)


def _scope(scope: str) -> tuple[str, str]:
    """(scope kind, workspace id or "")."""
    if scope == ORGANIZATION:
        return "organization", ""
    if scope == EVERY_WORKSPACE:
        return "every-workspace", ""
    return "workspace", scope


def _scope_text(scope: str) -> str:
    kind, ws = _scope(scope)
    return ws or {"organization": "the organization", "every-workspace": "every workspace"}[kind]


Row = tuple[str, str, str, list[Reason]]


def _merged(entries: Iterable[AccessEntry]) -> Iterator[Row]:
    """(principal, scope, permission, reasons): consecutive entries of one permission together (the listings
    of `effective` are ordered so that they are consecutive). Streams: a whole organization is large."""
    key: tuple[str, str, str] | None = None
    reasons: list[Reason] = []
    for e in entries:
        if (e.principal, e.scope, e.permission) != key:
            if key is not None:
                yield (*key, reasons)
            key, reasons = (e.principal, e.scope, e.permission), []
        reasons.append(e.reason)
    if key is not None:
        yield (*key, reasons)


def write_access(
    entries: Iterable[AccessEntry], fmt: str, stream: TextIO, *, empty: str = "No access."
) -> int:
    """Write an access listing (who can see W, what U can do, everyone) to `stream` in `fmt` (one of
    FORMATS), streaming; returns the number of rows (CSV: entries; others: permissions with their reasons)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "csv":
        return _write_csv(entries, stream)
    n = 0
    last = ("", "")
    for principal, scope, perm, reasons in _merged(entries):
        if fmt == "json":
            stream.write('{\n  "access": [\n    ' if n == 0 else ",\n    ")
            stream.write(json.dumps(_row_dict(principal, scope, perm, reasons), ensure_ascii=False))
        elif fmt == "markdown":
            if n == 0:
                stream.write("| Principal | Where | Permission | Why |\n|---|---|---|---|\n")
            where, why = _md(_scope_text(scope)), _md(reasons_text(reasons))
            stream.write(f"| {_md(principal)} | {where} | {perm} | {why} |\n")
        else:
            if principal != last[0]:
                stream.write(f"{principal}\n")
                last = (principal, "")
            if scope != last[1]:
                stream.write(f"  {_scope_text(scope)}\n")
                last = (principal, scope)
            stream.write(f"    {perm.ljust(_WIDTH)}  {reasons_text(reasons)}\n")
        n += 1
    if fmt == "json":
        stream.write("\n  ]\n}\n" if n else '{\n  "access": []\n}\n')
    elif n == 0:
        stream.write(empty + "\n")
    return n


def render_access(entries: Iterable[AccessEntry], fmt: str, *, empty: str = "No access.") -> str:
    """An access listing as one string (write_access into a buffer)."""
    buffer = io.StringIO()
    write_access(entries, fmt, buffer, empty=empty)
    return buffer.getvalue()


def _row_dict(principal: str, scope: str, permission: str, reasons: list[Reason]) -> dict[str, Any]:
    kind, ws = _scope(scope)
    return {
        "principal": principal,
        "scope": kind,
        "workspace": ws or None,
        "permission": permission,
        "reasons": [r.to_dict() for r in reasons],
    }


def _write_csv(entries: Iterable[AccessEntry], stream: TextIO) -> int:
    """CSV with a header row (CSV_HEADER); one row per principal × scope × permission × reason."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    n = 0
    for e in entries:
        kind, ws = _scope(e.scope)
        r = e.reason
        writer.writerow(
            (e.principal, kind, ws, e.permission, r.text, " → ".join(r.via), r.hierarchy_of, r.implied_by)
        )
        n += 1
    return n
