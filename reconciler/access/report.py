"""Renderers: access changes as plan lines (text, markdown, JSON-able dicts), and access listings (who can
see a workspace, what a user can do, the whole organization) as text, json, csv or markdown.

Pure: each renderer returns a string or a list (the CLI writes it); CSV through the csv module, with a header
row, one row per principal × scope × permission × reason, so it opens in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from reconciler.access.changes import AccessChange, AccessDelta
from reconciler.access.effective import AccessEntry, Reason
from reconciler.access.model import EVERY_WORKSPACE, ORGANIZATION

ESCALATION = "⚠ privilege escalation: "
FORMATS = ("text", "json", "csv", "markdown")
CSV_HEADER = ("principal", "scope", "workspace", "permission", "reason", "via", "hierarchy_of", "implied_by")
MAX_WORKSPACES = 20  # per plan line; the JSON form always lists every workspace


# --- access changes ---------------------------------------------------------------------------------------


def reasons_text(reasons: Iterable[Reason]) -> str:
    """Several reasons, `; `-separated."""
    return "; ".join(r.text for r in reasons)


def _workspaces(workspaces: Sequence[str], limit: int | None) -> str:
    if limit is None or len(workspaces) <= limit:
        return ", ".join(workspaces)
    return f"{', '.join(workspaces[:limit])} (+{len(workspaces) - limit:,} more)"


def delta_text(principal: str, delta: AccessDelta, *, max_workspaces: int | None = MAX_WORKSPACES) -> str:
    """`jane.doe gains MANAGE on sales, sales-emea (via analysts → leads, hierarchy of sales)`."""
    why = f"({reasons_text(delta.reasons)})"
    if delta.scope == "membership":
        verb = "joins" if delta.direction == "gain" else "leaves"
        line = f"{principal} {verb} the bootstrap group {delta.group} {why}"
    else:
        verb = "gains" if delta.direction == "gain" else "loses"
        where = {"organization": "the organization", "every-workspace": "every workspace"}.get(delta.scope)
        if where is None:
            where = _workspaces(delta.workspaces, max_workspaces)
        line = f"{principal} {verb} {', '.join(delta.permissions)} on {where} {why}"
        if delta.kept:
            line += f"; still holds {', '.join(delta.kept)} there"
    return (ESCALATION if delta.escalation else "") + line


def change_lines(
    changes: Iterable[AccessChange], *, max_workspaces: int | None = MAX_WORKSPACES
) -> list[str]:
    """One line per gain or loss, in the changes' order (escalations first); escalations marked."""
    return [delta_text(c.principal, d, max_workspaces=max_workspaces) for c in changes for d in c.deltas]


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
    for c in changes:
        for d in c.deltas:
            text = delta_text(c.principal, d, max_workspaces=max_workspaces)
            (escalations if d.escalation else others).append(f"- {_md(text)}")
    out: list[str] = []
    if escalations:
        out += [f"### ⚠ Privilege escalations ({len(escalations):,})", "", *escalations, ""]
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


def _merged(entries: Iterable[AccessEntry]) -> list[tuple[str, str, str, list[Reason]]]:
    """(principal, scope, permission, reasons) with the reasons of one permission together, in entry order."""
    out: dict[tuple[str, str, str], list[Reason]] = {}
    for e in entries:
        out.setdefault((e.principal, e.scope, e.permission), []).append(e.reason)
    return [(p, s, perm, rs) for (p, s, perm), rs in out.items()]


def render_access(entries: Iterable[AccessEntry], fmt: str, *, empty: str = "No access.") -> str:
    """An access listing (who can see W, what U can do, everyone) in `fmt`, one of FORMATS."""
    if fmt == "csv":
        return access_csv(entries)
    rows = _merged(entries)
    if fmt == "json":
        return json.dumps({"access": [_row_dict(*row) for row in rows]}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _access_markdown(rows, empty)
    if fmt == "text":
        return _access_text(rows, empty)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def _row_dict(principal: str, scope: str, permission: str, reasons: list[Reason]) -> dict[str, Any]:
    kind, ws = _scope(scope)
    return {
        "principal": principal,
        "scope": kind,
        "workspace": ws or None,
        "permission": permission,
        "reasons": [r.to_dict() for r in reasons],
    }


def access_csv(entries: Iterable[AccessEntry]) -> str:
    """CSV with a header row (CSV_HEADER); one row per principal × scope × permission × reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        kind, ws = _scope(e.scope)
        r = e.reason
        writer.writerow(
            (e.principal, kind, ws, e.permission, r.text, " → ".join(r.via), r.hierarchy_of, r.implied_by)
        )
    return buffer.getvalue()


def _access_text(rows: list[tuple[str, str, str, list[Reason]]], empty: str) -> str:
    if not rows:
        return empty + "\n"
    width = max(len(perm) for _, _, perm, _ in rows)
    lines: list[str] = []
    last: tuple[str, str] = ("", "")
    for principal, scope, perm, reasons in rows:
        if principal != last[0]:
            lines.append(principal)
            last = (principal, "")
        if scope != last[1]:
            lines.append(f"  {_scope_text(scope)}")
            last = (principal, scope)
        lines.append(f"    {perm.ljust(width)}  {reasons_text(reasons)}")
    return "\n".join(lines) + "\n"


def _access_markdown(rows: list[tuple[str, str, str, list[Reason]]], empty: str) -> str:
    if not rows:
        return empty + "\n"
    lines = ["| Principal | Where | Permission | Why |", "|---|---|---|---|"]
    for principal, scope, perm, reasons in rows:
        lines.append(
            f"| {_md(principal)} | {_md(_scope_text(scope))} | {perm} | {_md(reasons_text(reasons))} |"
        )
    return "\n".join(lines) + "\n"
