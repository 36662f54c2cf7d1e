"""Plan reporters: text for a terminal, Markdown for a PR comment or job summary, JSON for machines.

The JSON form (`--format json`, `--out plan.json`) is `Plan.to_dict()` with sorted keys:

    {
      "format_version": 1,                 # bumped on any incompatible change
      "target": "prod",                    # the target the plan was computed against
      "fingerprint": "<sha256 hex>",       # sha256 of live_digest and desired_digest; apply --plan checks it
      "live_digest": "<sha256 hex>",       # of the canonical live document the plan was computed against
      "desired_digest": "<sha256 hex>",    # of `desired`
      "summary": "Plan: 1 to add, 2 to change, 0 to destroy.",
      "counts": {"add": 1, "change": 2, "destroy": 0},
      "deletions": {"users": 0, "groups": 0},
      "live_counts": {"users": 120, "groups": 14},
      "changes": [                         # in apply order: group creates (parents first), user creates,
        {                                  # updates (groups, then users), user deletes, group deletes
          "op": "create" | "update" | "delete",
          "kind": "user" | "group",
          "id": "jane.doe",
          "fields": [                      # empty for deletes
            {"field": "email", "old": "a@x", "new": "b@x", "added": [], "removed": []},
            {"field": "userGroups", "old": null, "new": null, "added": ["analysts"], "removed": ["sales"]},
            {"field": "settings[locale].content.value", "old": "en-US", "new": "de-DE", ...}
          ]
        }
      ],
      "warnings": ["user jane.doe has no authId: it cannot log in", ...],
      "desired": {"userGroups": [...], "users": [...]}   # the canonical document apply will PUT
    }

`field` is a field name, or a path into a nested value (`settings[<id>]…`, `<unknown field>.a[0]`); for
memberships (`userGroups`, `parents`) and `permissions` (labels like `SEE user:jane.doe`) the change is in
`added`/`removed`, otherwise in `old` -> `new` (null = the field is absent on that side).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, TextIO

from reconciler.plan import Change, FieldChange, Plan

MARKDOWN_MAX_CHANGES = 300  # a PR comment is capped at 65,536 characters; the rest is in plan.json
MARKDOWN_MAX_WARNINGS = 50
_VERB = {"create": "create", "update": "update", "delete": "destroy"}
_SIGN = {"create": "+", "update": "~", "delete": "-"}
_COLOR = {"create": "\033[32m", "update": "\033[33m", "delete": "\033[31m"}
_BOLD, _YELLOW, _RESET = "\033[1m", "\033[33m", "\033[0m"


def _value(value: Any) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _label(label: str) -> str:
    return json.dumps(label, ensure_ascii=False) if " " in label else label


def field_line(change: Change, fc: FieldChange) -> str:
    """One changed field: `email: "a@x" -> "b@x"`, `userGroups: +analysts -sales`."""
    if fc.added or fc.removed:
        items = [f"+{_label(a)}" for a in fc.added] + [f"-{_label(r)}" for r in fc.removed]
        return f"{fc.field}: {' '.join(items)}"
    if change.op == "create":
        return f"{fc.field}: {_value(fc.new)}"
    return f"{fc.field}: {_value(fc.old)} -> {_value(fc.new)}"


def change_lines(change: Change) -> list[str]:
    """The header line of a change and its indented field lines."""
    head = f"{_SIGN[change.op]} {_VERB[change.op]} {change.kind} {change.id}"
    return [head] + [f"    {field_line(change, fc)}" for fc in change.fields]


def counts_by_kind(plan: Plan) -> dict[str, dict[str, int]]:
    """{"create"|"update"|"delete": {"user": n, "group": n}}."""
    out = {op: {"user": 0, "group": 0} for op in ("create", "update", "delete")}
    for c in plan.changes:
        out[c.op][c.kind] += 1
    return out


class PlanReporter:
    """Writes a plan to a stream; subclasses choose the format."""

    name: ClassVar[str] = "text"

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def report(self, plan: Plan) -> None:
        """Write the whole plan."""
        raise NotImplementedError


class TextPlanReporter(PlanReporter):
    """Terraform-like text: one block per object, then warnings and the summary line."""

    name = "text"

    def _paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def report(self, plan: Plan) -> None:
        """Write the plan for a terminal (ANSI colors only when color=True)."""
        write = self.stream.write
        for change in plan.changes:
            head, *fields = change_lines(change)
            write(self._paint(head, _COLOR[change.op]) + "\n")
            for line in fields:
                write(line + "\n")
        if plan.changes:
            write("\n")
        if plan.warnings:
            write(self._paint("Warnings:", _YELLOW) + "\n")
            for warning in plan.warnings:
                write(f"  ! {warning}\n")
            write("\n")
        write(self._paint(plan.summary, _BOLD) + "\n")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _fence(lines: list[str]) -> str:
    # A name or email may hold backticks: the fence must be longer than any run inside the block.
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


class MarkdownPlanReporter(PlanReporter):
    """GitHub-flavoured Markdown for a PR comment and a job summary: counts table, collapsible details."""

    name = "markdown"

    def report(self, plan: Plan) -> None:
        """Write the plan as Markdown (details capped at MARKDOWN_MAX_CHANGES objects)."""
        out: list[str] = [f"### Reconciler plan for `{plan.target}`", ""]
        if plan.changes:
            by_kind = counts_by_kind(plan)
            out += ["| | Users | Groups |", "|---|---:|---:|"]
            for op, label in (("create", "add"), ("update", "change"), ("delete", "destroy")):
                out.append(f"| {label} | {by_kind[op]['user']} | {by_kind[op]['group']} |")
            out.append("")
        if plan.warnings:
            out += ["**Warnings**", ""]
            out += [f"- ⚠️ {_md(w)}" for w in plan.warnings[:MARKDOWN_MAX_WARNINGS]]
            if len(plan.warnings) > MARKDOWN_MAX_WARNINGS:
                more = len(plan.warnings) - MARKDOWN_MAX_WARNINGS
                out.append(f"- … and {more} more warnings (the full plan is in plan.json)")
            out.append("")
        if plan.changes:
            out += self._details(plan)
        out += [f"Fingerprint: `{plan.fingerprint}`", "", f"**{plan.summary}**"]
        self.stream.write("\n".join(out) + "\n")

    def _details(self, plan: Plan) -> list[str]:
        body: list[str] = []
        for change in plan.changes[:MARKDOWN_MAX_CHANGES]:
            head, *fields = change_lines(change)
            body.append(head)
            # Indent field lines of creates with "+" so GitHub's diff highlighting colours the whole block.
            prefix = "+" if change.op == "create" else " "
            body += [prefix + line[1:] for line in fields]
        if len(plan.changes) > MARKDOWN_MAX_CHANGES:
            more = len(plan.changes) - MARKDOWN_MAX_CHANGES
            body.append(
                f"… and {more} more changes (the full plan is in plan.json: --format json --out FILE)"
            )
        fence = _fence(body)
        summary = f"Changes ({len(plan.changes)} objects)"
        return [
            "<details><summary>" + summary + "</summary>",
            "",
            fence + "diff",
            *body,
            fence,
            "",
            "</details>",
            "",
        ]


class JsonPlanReporter(PlanReporter):
    """The stable JSON form documented in this module's docstring."""

    name = "json"

    def report(self, plan: Plan) -> None:
        """Write `plan.to_dict()` as indented JSON with sorted keys."""
        self.stream.write(json.dumps(plan.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


REPORTERS: dict[str, type[PlanReporter]] = {
    "text": TextPlanReporter,
    "markdown": MarkdownPlanReporter,
    "json": JsonPlanReporter,
}
