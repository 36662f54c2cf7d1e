"""The order an apply writes documents in, and what a failure midway says was written. Pure.

Users and groups first, so new assignees exist; then workspace permissions; then organization permissions.
A permissions document that drops grants of a principal the plan deletes (and names no principal the plan
creates) goes before the users and groups, so those grants are revoked as the state says, not cascaded away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.plan_model import Plan
from reconciler.resources.base import Resource
from reconciler.resources.grants import assignee_label

Step = Resource | None  # None: the users-and-groups layout


def _principals(plan: Plan, op: str) -> set[str]:
    kinds = {"user": "user", "group": "userGroup"}
    return {assignee_label(kinds[c.kind], c.id) for c in plan.changes if c.op == op and c.kind in kinds}


def write_order(
    plan: Plan, resources: Sequence[Resource], live: Mapping[str, Mapping[str, Any]]
) -> list[Step]:
    """The documents to write, in order (only those that change)."""
    deleted, created = _principals(plan, "delete"), _principals(plan, "create")
    before: list[Step] = []
    after: list[Step] = []
    for r in sorted(resources, key=lambda r: (r.rank, r.key)):
        changes = r.diff(r.canonical(live[r.key]), r.canonical(plan.documents[r.key]))
        if not changes:
            continue
        fields = [f for c in changes for f in c.fields]
        who = {f.field.partition("[")[2].rstrip("]") for f in fields}
        dropped = {w for f in fields if f.removed for w in [f.field.partition("[")[2].rstrip("]")]}
        gains = {w for f in fields if f.added for w in [f.field.partition("[")[2].rstrip("]")]}
        (before if dropped & deleted and not (gains | who) & created else after).append(r)
    users = [None] if any(c.kind in ("user", "group") for c in plan.changes) else []
    return before + users + after


def label_of(step: Step) -> str:
    """How messages name a document."""
    return "the users and groups" if step is None else step.label


def progress_note(steps: Sequence[Step], written: Sequence[str], backup: str) -> str:
    """What a failure midway leaves: which documents were written, which not, and where the backup is."""
    rest = [label_of(s) for s in steps[len(written) :]]
    done = "; ".join(written) if written else "nothing"
    return (
        f"written before the failure: {done}; not written: {'; '.join(rest)}; the backup of every document "
        f"is {backup} (`reconciler restore` puts them all back)"
    )
