"""The plan as a reviewer reads it, shared by the text and Markdown reporters.

Order by consequence: destroys (each saying who it is) and security warnings first, never cut; then the
other warnings, repeated ones of a kind collapsed into one line; then updates; creates last.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, TextIO

from reconciler.diff import FieldChange
from reconciler.plan_model import Change, Plan, PlanWarning

COLLAPSE_OVER = 3  # more warnings of one kind than this become one line with a count
SHOWN_IDS = 3  # ids a collapsed line names before "…"
_VERB = {"create": "create", "update": "update", "delete": "destroy"}
_SIGN = {"create": "+", "update": "~", "delete": "-"}
# One line for many warnings of a kind: "{n} users have no authId and cannot log in". Security warnings
# collapse only when a plan has more of them than a comment can hold, and then name every id.
_COLLAPSED = {
    "no-auth-id": "{n} users have no authId and cannot log in",
    "ignored": "{n} declared {things} match policy.ignore and are left untouched",
    "workspace-cascade": "{n} deleted {things} lose their workspace permissions (the server cascades them)",
    "bootstrap-member-deleted": "{n} deleted {things} are members of the bootstrap group",
    "bootstrap-join": "{n} {things} join the bootstrap group",
    "bootstrap-leave": "{n} {things} leave the bootstrap group",
    "manage-grant": "{n} {things} gain organization MANAGE",
    "kept": "{n} undeclared {things} are kept because something still uses them",
}


def _value(value: Any) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _label(label: str) -> str:
    return json.dumps(label, ensure_ascii=False) if " " in label else label


def _plain(value: Any) -> str:
    # A name or email as typed, unless it holds a line break or other control character (then quoted).
    text = value if isinstance(value, str) else _value(value)
    return text if text.isprintable() else json.dumps(text, ensure_ascii=False)


def field_line(change: Change, fc: FieldChange) -> str:
    """One changed field: `email: "a@x" -> "b@x"`, `userGroups: +analysts -sales`."""
    if fc.added or fc.removed:
        items = [f"+{_label(a)}" for a in fc.added] + [f"-{_label(r)}" for r in fc.removed]
        return f"{fc.field}: {' '.join(items)}"
    if change.op == "create":
        return f"{fc.field}: {_value(fc.new)}"
    return f"{fc.field}: {_value(fc.old)} -> {_value(fc.new)}"


def who(change: Change) -> str:
    """Who a deleted object was: `bob@acme.com, Bob Old; groups: adminGroup, sales` ("" when unknown)."""
    was = {f.field: f for f in change.fields}
    names = ("firstname", "lastname") if change.kind == "user" else ("name",)
    parts = [_plain(was["email"].old)] if "email" in was else []
    name = " ".join(_plain(was[n].old) for n in names if n in was)
    parts += [name] if name else []
    membership, label = ("userGroups", "groups") if change.kind == "user" else ("parents", "parents")
    refs = was[membership].removed if membership in was else ()
    described = ", ".join(parts)
    if refs:
        described += ("; " if described else "") + f"{label}: {', '.join(refs)}"
    return described


def change_lines(change: Change, *, identify: bool = True) -> list[str]:
    """The header line of a change and its indented field lines; a destroy is one line saying who."""
    head = f"{_SIGN[change.op]} {_VERB[change.op]} {change.kind} {change.id}"
    if change.op == "delete":
        described = who(change) if identify else ""
        return [f"{head} ({described})" if described else head]
    return [head] + [f"    {field_line(change, fc)}" for fc in change.fields]


def counts_by_kind(plan: Plan) -> dict[str, dict[str, int]]:
    """{"create"|"update"|"delete": {"user": n, "group": n}}."""
    out = {
        op: {"user": 0, "group": 0, "workspace": 0, "organization": 0}
        for op in ("create", "update", "delete")
    }
    for c in plan.changes:
        out[c.op][c.kind] += 1
    return out


def collapse(warnings: Iterable[PlanWarning], where: str, *, every_id: bool = False) -> list[str]:
    """Warnings as lines; more than COLLAPSE_OVER of one kind become one line naming the first ids.

    `400 users have no authId and cannot log in: n400, n401, n402 … (plan.json lists all)`, with
    `where` = "plan.json"; with `every_id`, the line names every id instead.
    """
    by_kind: dict[str, list[PlanWarning]] = {}
    for w in warnings:
        by_kind.setdefault(w.kind, []).append(w)
    out: list[str] = []
    for kind, group in by_kind.items():
        if len(group) <= COLLAPSE_OVER or kind not in _COLLAPSED or not all(w.id for w in group):
            out += [w.message for w in group]
            continue
        subjects = {w.subject for w in group}
        things = f"{subjects.pop()}s" if len(subjects) == 1 and "" not in subjects else "users and groups"
        head = _COLLAPSED[kind].format(n=len(group), things=things)
        if every_id:
            out.append(f"{head}: {', '.join(w.id for w in group)}")
        else:
            ids = ", ".join(w.id for w in group[:SHOWN_IDS])
            out.append(f"{head}: {ids} … ({where} lists all)")
    return out


@dataclass(frozen=True)
class Review:
    """A plan split the way a reviewer reads it (each part in apply order)."""

    destroys: tuple[Change, ...]
    updates: tuple[Change, ...]
    creates: tuple[Change, ...]
    security: tuple[PlanWarning, ...]
    info: tuple[PlanWarning, ...]

    @classmethod
    def of(cls, plan: Plan) -> Review:
        """Split `plan` into destroys, updates, creates and its security and other warnings."""
        ops: dict[str, list[Change]] = {"create": [], "update": [], "delete": []}
        for c in plan.changes:
            ops[c.op].append(c)
        return cls(
            destroys=tuple(ops["delete"]),
            updates=tuple(ops["update"]),
            creates=tuple(ops["create"]),
            security=tuple(w for w in plan.warnings if w.severity == "security"),
            info=tuple(w for w in plan.warnings if w.severity != "security"),
        )


class PlanReporter:
    """Writes a plan to a stream; subclasses choose the format."""

    name: ClassVar[str] = "text"

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def report(self, plan: Plan) -> None:
        """Write the whole plan."""
        raise NotImplementedError
