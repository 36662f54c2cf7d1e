"""Safety guards on a plan (SPEC §5): protected principals and bounds on mass deletion."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.errors import GuardError
from reconciler.plan_model import Plan


@dataclass(frozen=True, kw_only=True)
class DeletionLimits:
    """policy.max_deletions: past any bound, a plan needs --allow-deletions N (None = no bound)."""

    users: int | None = 10
    groups: int | None = 5
    percent: float | None = 25.0


def check_guards(
    plan: Plan,
    *,
    limits: DeletionLimits,
    allow_deletions: int | None,
    protected_users: frozenset[str],
    protected_groups: frozenset[str],
) -> None:
    """Raise GuardError when the plan deletes a protected principal or more than the limits allow."""
    for c in plan.changes:
        if c.op != "delete":
            continue
        if (c.kind == "user" and c.id in protected_users) or (c.kind == "group" and c.id in protected_groups):
            raise GuardError(
                f"refused: plan deletes protected {c.kind} {c.id} (the bootstrap user and group and the "
                "token's owner are never deleted); declare it in the state or leave it out with prune"
            )
    gone = plan.deletions
    total = gone["users"] + gone["groups"]
    what = f"{gone['users']} users and {gone['groups']} groups"
    if allow_deletions is not None:
        if allow_deletions != total:
            raise GuardError(
                f"refused: --allow-deletions {allow_deletions} does not match the plan, which deletes "
                f"{total} ({what}); review it and pass --allow-deletions {total}"
            )
        return
    reasons: list[str] = []
    if limits.users is not None and gone["users"] > limits.users:
        reasons.append(f"{gone['users']} users (limit {limits.users})")
    if limits.groups is not None and gone["groups"] > limits.groups:
        reasons.append(f"{gone['groups']} groups (limit {limits.groups})")
    live_total = plan.live_counts.get("users", 0) + plan.live_counts.get("groups", 0)
    if limits.percent is not None and live_total and total * 100 > limits.percent * live_total:
        share = total * 100 / live_total
        reasons.append(f"{share:.1f}% of the {live_total} users and groups (limit {limits.percent:g}%)")
    if reasons:
        raise GuardError(
            f"refused: plan deletes {' and '.join(reasons)}; review it and pass --allow-deletions {total}"
        )
