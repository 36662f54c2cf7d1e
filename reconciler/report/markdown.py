"""The Markdown plan for a PR comment and a job summary, kept under GitHub's comment limit at any plan size.

Destroys (saying who) and security warnings come first and open, never cut while they fit at all; the other
warnings follow, collapsed per kind; then updates and creates in collapsible blocks, cut to what is left of
the budget, each cut saying what it left out and where the full plan is.
"""

from __future__ import annotations

import re
from typing import TextIO

from reconciler.access.report import ESCALATIONS_HEADING, changes_markdown
from reconciler.plan_model import Change, Plan
from reconciler.report.review import PlanReporter, Review, change_lines, collapse, counts_by_kind

COMMENT_LIMIT = 65_536  # GitHub refuses a longer comment body
# What the plan itself may use: gitops.py adds a marker line and a footer, ghapi.py caps bodies at 60,000.
MARKDOWN_BUDGET = 56_000
FULL_PLAN = "every change is in plan.json (the workflow run's `plan.json` artifact; locally `--format json`)"
_RESERVE = 1_500  # section headings, cut notes and fences the loops below do not count
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _fence(lines: list[str]) -> str:
    # A name or email may hold backticks: the fence must be longer than any run inside the block.
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fill(lines: list[str], budget: int) -> list[str]:
    """The leading lines that fit in `budget` characters (order kept: stop at the first that does not)."""
    out: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > budget:
            break
        out.append(line)
    return out


def _diff_block(lines: list[str]) -> list[str]:
    fence = _fence(lines)
    return [fence + "diff", *lines, fence, ""]


def _change_block(change: Change) -> list[str]:
    head, *fields = change_lines(change)
    # Indent field lines of creates with "+" so GitHub's diff highlighting colours the whole block.
    prefix = "+" if change.op == "create" else " "
    return [head] + [prefix + line[1:] for line in fields]


def _access(plan: Plan, left: int, *, escalations_only: bool = False) -> list[str]:
    """Who gains and loses what: every privilege escalation (never cut while they fit at all), then as many of
    the other access changes as the budget holds (none with `escalations_only`)."""
    if not plan.access:
        return []
    lines = changes_markdown(plan.access, limit=0 if escalations_only else None)
    if _size(lines) <= left:
        return lines
    fits, low, high = changes_markdown(plan.access, limit=0), 0, len(lines)
    while low < high:  # the most other access lines that still fit
        mid = (low + high + 1) // 2
        candidate = changes_markdown(plan.access, limit=mid)
        if _size(candidate) <= left:
            low, fits = mid, candidate
        else:
            high = mid - 1
    if _size(fits) <= left:
        return fits
    shown = _fill(fits, max(left - 300, 0))
    return [*shown, f"- ⛔ **More privilege escalations than a PR comment holds: {FULL_PLAN}.**", ""]


def _split_escalations(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the privilege escalations section, the other access changes): escalations go at the very top."""
    if not lines or not lines[0].startswith(ESCALATIONS_HEADING):
        return [], lines
    end = lines.index("", 2) + 1  # the heading, a blank line, the items, a blank line
    return lines[:end], lines[end:]


class MarkdownPlanReporter(PlanReporter):
    """GitHub-flavoured Markdown: target, counts, destroys and security warnings, collapsible details."""

    name = "markdown"

    def __init__(self, stream: TextIO, *, color: bool = False, budget: int = MARKDOWN_BUDGET) -> None:
        super().__init__(stream, color=color)
        self.budget = budget

    def report(self, plan: Plan) -> None:
        """Write the plan as Markdown of at most `budget` characters (plus a few for an oversized line)."""
        self.stream.write("\n".join(self.lines(plan)) + "\n")

    def lines(self, plan: Plan) -> list[str]:
        """The Markdown, line by line."""
        review = Review.of(plan)
        head = [f"### Reconciler plan for `{plan.target}`", "", f"Target: {_md(plan.where)}", ""]
        if plan.changes:
            by_kind = counts_by_kind(plan)
            head += ["| | Users | Groups |", "|---|---:|---:|"]
            for op, label in (("create", "add"), ("update", "change"), ("delete", "destroy")):
                head.append(f"| {label} | {by_kind[op]['user']} | {by_kind[op]['group']} |")
            head.append("")
            permissions = by_kind["update"]["workspace"] + by_kind["update"]["organization"]
            if permissions:
                head += [
                    f"Permissions: {permissions} documents change, {plan.revoked_grants} grants revoked.",
                    "",
                ]
        tail = [f"Fingerprint: `{plan.fingerprint}`", "", f"**{plan.summary}**"]
        left = self.budget - _size(head) - _size(tail) - _RESERVE
        # Privilege escalations first: at the top, never cut; then destroys and security warnings; then the
        # other access changes, the other warnings, updates and creates, in what is left of the budget.
        escalations, _ = _split_escalations(_access(plan, left, escalations_only=True))
        left -= _size(escalations)
        alert, must = self._must(review, left)
        left -= _size(must)
        _, access = _split_escalations(_access(plan, left + _size(escalations)))
        left -= _size(access)
        body = self._warnings(review, left)
        left -= _size(body)
        for title, changes in (("Updates", review.updates), ("Creates", review.creates)):
            block = self._details(title, changes, left)
            body += block
            left -= _size(block)
        return head + alert + escalations + must + access + body + tail

    def _must(self, review: Review, left: int) -> tuple[list[str], list[str]]:
        """(alert, lines): every destroy and security warning, in the first form of these that fits:
        destroys saying who; bare ids; security warnings of a kind as one line naming every id. Past
        that (thousands of them), a loud cut."""
        security = [f"- 🔒 {_md(w.message)}" for w in review.security]
        bare = [line for c in review.destroys for line in change_lines(c, identify=False)]
        if _size(bare) + _size(security) > left:
            security = [f"- 🔒 {_md(line)}" for line in collapse(review.security, "", every_id=True)]
        for identify in (True, False):
            destroys = [line for c in review.destroys for line in change_lines(c, identify=identify)]
            if _size(destroys) + _size(security) <= left:
                return [], self._must_lines(review, destroys, security)
        # Too many to list in one comment: list what fits, at least half the room each, and say so.
        destroys = _fill(destroys, max(left - _size(security), left // 2))
        security = _fill(security, left - _size(destroys))
        alert = [
            f"⛔ **This plan is too large for a PR comment: only {len(destroys)} of {len(review.destroys)} "
            f"destroys and the first {len(security)} security warning lines are listed below. "
            f"Review the full plan before approving: {FULL_PLAN}.**",
            "",
        ]
        return alert, self._must_lines(review, destroys, security)

    @staticmethod
    def _must_lines(review: Review, destroys: list[str], security: list[str]) -> list[str]:
        out: list[str] = []
        if review.destroys:
            out += [f"**Destroys ({len(review.destroys)})**", "", *_diff_block(destroys)]
        if review.security:
            out += [f"**Security warnings ({len(review.security)})**", "", *security, ""]
        return out

    @staticmethod
    def _warnings(review: Review, left: int) -> list[str]:
        if not review.info:
            return []
        lines = [f"- ⚠️ {_md(line)}" for line in collapse(review.info, "plan.json")]
        shown = _fill(lines, left)
        if len(shown) < len(lines):
            shown.append(f"- … {len(lines) - len(shown)} more warning lines not shown (plan.json lists all)")
        return ["**Warnings**", "", *shown, ""]

    @staticmethod
    def _details(title: str, changes: tuple[Change, ...], left: int) -> list[str]:
        if not changes:
            return []
        body: list[str] = []
        used = shown = 0
        for change in changes:
            block = _change_block(change)
            used += _size(block)
            if used > left:
                break
            body += block
            shown += 1
        objects = f"{len(changes)} object{'s' if len(changes) != 1 else ''}"
        summary = f"{title} ({objects})"
        if shown < len(changes):
            more = len(changes) - shown
            body.append(
                f"… {more} more {title.lower()} not shown here (cut to fit GitHub's comment limit): "
                + FULL_PLAN
            )
            summary = f"{title} ({objects}, {shown} shown)"
        return ["<details><summary>" + summary + "</summary>", "", *_diff_block(body), "</details>", ""]
