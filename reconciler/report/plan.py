"""Plan reporters: text for a terminal, Markdown for a PR comment or job summary, JSON for machines.

Every format names the target and its host and orders by consequence: destroys and security warnings first,
then updates, creates last (reconciler.report.review; the Markdown budget in reconciler.report.markdown).
The JSON form (`--format json`, `--out plan.json`) is `Plan.to_dict()` with sorted keys, and keeps every
warning:

    {
      "format_version": 2,                 # bumped on any incompatible change (apply --plan reads 1 and 2)
      "target": "prod",                    # the target the plan was computed against
      "host": "https://acme.cloud.gooddata.com",   # its host ("" for the embedded local target)
      "embedded": false,                   # true for the local target's embedded emulator
      "fingerprint": "<sha256 hex>",       # sha256 of live_digest and desired_digest; apply --plan checks it
      "live_digest": "<sha256 hex>",       # of the canonical live document the plan was computed against
      "desired_digest": "<sha256 hex>",    # of `desired`
      "summary": "Plan: 1 to add, 2 to change, 0 to destroy.",
      "counts": {"add": 1, "change": 2, "destroy": 0},
      "deletions": {"users": 0, "groups": 0},
      "live_counts": {"users": 120, "groups": 14},
      "changes": [                         # by consequence: user deletes, group deletes, updates (groups,
        {                                  # then users), group creates (parents first), user creates
          "op": "create" | "update" | "delete",
          "kind": "user" | "group",
          "id": "jane.doe",
          "fields": [                      # for a delete: what the object was (old values, `removed`)
            {"field": "email", "old": "a@x", "new": "b@x", "added": [], "removed": []},
            {"field": "userGroups", "old": null, "new": null, "added": ["analysts"], "removed": ["sales"]},
            {"field": "settings[locale].content.value", "old": "en-US", "new": "de-DE", ...}
          ]
        }
      ],
      "warnings": [                        # security first, then info
        {"kind": "no-auth-id", "severity": "info", "subject": "user", "id": "jane.doe",
         "message": "user jane.doe has no authId: it cannot log in"}, ...
      ],
      "desired": {"userGroups": [...], "users": [...]},  # the canonical document apply will PUT
      "revoked_grants": 3,                 # only when the state declares permissions (issue 12):
      "documents": {                       # the other documents read, as apply will PUT them; the digests
        "workspaces/sales.permissions": {"permissions": [...], "hierarchyPermissions": [...]},
        "organization.permissions": {"permissions": [...]}  # (and the fingerprint) cover them too
      }
    }

A permissions change is `{"op": "update", "kind": "workspace" (id: the workspace) | "organization" (id:
"organization"), "fields": [{"field": "permissions[group:analysts]" | "hierarchyPermissions[user:jane]",
"added": ["EXPORT"], "removed": ["VIEW"], ...}]}`: per assignee, the permission names granted and revoked.

`field` is a field name, or a path into a nested value (`settings[<id>]…`, `<unknown field>.a[0]`); for
memberships (`userGroups`, `parents`) and `permissions` (labels like `SEE user:jane.doe`) the change is in
`added`/`removed`, otherwise in `old` -> `new` (null = the field is absent on that side).

Warning kinds, severity `security`: `bootstrap-join`, `bootstrap-leave`, `bootstrap-member-deleted` (the
bootstrap group's members), `manage-grant` (organization MANAGE), `workspace-cascade` (a delete takes the
object's workspace permissions with it), `kept` (an undeclared group kept because something uses it), `note`
(anything else, and every warning of a format_version 1 plan); severity `info`: `no-auth-id`, `ignored`
(declared but matched by policy.ignore), `expired` (a membership or grant past its `expires`: the plan
removes it), `expiring` (a membership or grant whose `expires` is within policy.expiry.warn_days).
"""

from __future__ import annotations

import json

from reconciler.access.report import changes_text
from reconciler.plan_model import Change, Plan
from reconciler.report.markdown import MarkdownPlanReporter
from reconciler.report.review import PlanReporter, Review, change_lines, collapse

__all__ = ["REPORTERS", "JsonPlanReporter", "MarkdownPlanReporter", "PlanReporter", "TextPlanReporter"]

_COLOR = {"create": "\033[32m", "update": "\033[33m", "delete": "\033[31m"}
_BOLD, _RED, _YELLOW, _RESET = "\033[1m", "\033[31m", "\033[33m", "\033[0m"


class TextPlanReporter(PlanReporter):
    """Terraform-like text: target, destroys, security then other warnings, updates, creates, summary."""

    name = "text"

    def _paint(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def report(self, plan: Plan) -> None:
        """Write the plan for a terminal (ANSI colors only when color=True)."""
        write = self.stream.write
        review = Review.of(plan)
        write(f"Target: {plan.where}\n\n")
        self._changes(review.destroys)
        if review.security:
            write(self._paint("Security warnings:", _RED) + "\n")
            write("".join(f"  ! {w.message}\n" for w in review.security) + "\n")
        if plan.access:
            write(changes_text(plan.access) + "\n")
        if review.info:
            write(self._paint("Warnings:", _YELLOW) + "\n")
            write("".join(f"  ! {line}\n" for line in collapse(review.info, "plan --format json")) + "\n")
        self._changes(review.updates)
        self._changes(review.creates)
        write(self._paint(plan.summary, _BOLD) + "\n")

    def _changes(self, changes: tuple[Change, ...]) -> None:
        if not changes:
            return
        out: list[str] = []
        for change in changes:
            head, *fields = change_lines(change)
            out += [self._paint(head, _COLOR[change.op]), *fields]
        self.stream.write("\n".join(out) + "\n\n")


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
