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
from reconciler.resources.users_groups import UsersGroups

USERS_GROUPS = UsersGroups()


def _principals(plan: Plan, op: str) -> set[str]:
    kinds = {"user": "user", "group": "userGroup"}
    return {assignee_label(kinds[c.kind], c.id) for c in plan.changes if c.op == op and c.kind in kinds}


def write_order(
    plan: Plan, resources: Sequence[Resource], live: Mapping[str, Mapping[str, Any]]
) -> list[Resource]:
    """The documents to write, in order (only those that change); the users and groups as USERS_GROUPS."""
    deleted, created = _principals(plan, "delete"), _principals(plan, "create")
    before: list[Resource] = []
    after: list[Resource] = []
    for r in sorted(resources, key=lambda r: (r.rank, r.key)):
        changes = r.diff(r.canonical(live[r.key]), r.canonical(plan.documents[r.key]))
        if not changes:
            continue
        fields = [(f.field.partition("[")[2].rstrip("]"), f) for c in changes for f in c.fields]
        touched = {who for who, _ in fields}  # `permissions[group:analysts]` -> group:analysts
        dropped = {who for who, f in fields if f.removed}
        (before if dropped & deleted and not touched & created else after).append(r)
    users: list[Resource] = [USERS_GROUPS] if any(c.kind in ("user", "group") for c in plan.changes) else []
    return before + users + after


def progress_note(steps: Sequence[Resource], written: Sequence[str], backup: str) -> str:
    """What a failure midway leaves: which documents were written, which not, and where the backup is."""
    rest = [s.label for s in steps if s.label not in written]
    done = "; ".join(written) if written else "nothing"
    return (
        f"written before the failure: {done}; not written: {'; '.join(rest)}; the backup of every document "
        f"is {backup} (`reconciler restore` puts them all back)"
    )
