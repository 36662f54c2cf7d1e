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
    grants: int | None = 50  # revoked workspace and organization permissions (name x assignee)


def check_guards(
    plan: Plan,
    *,
    limits: DeletionLimits,
    allow_deletions: int | None,
    protected_users: frozenset[str],
    protected_groups: frozenset[str],
) -> None:
    """Raise GuardError when the plan deletes a protected principal, takes organization MANAGE from the
    bootstrap group or the token's owner (locking the tool and the admins out), or deletes or revokes more
    than the limits allow."""
    _refuse_lockout(plan, protected_users, protected_groups)
    for c in plan.changes:
        if c.op != "delete":
            continue
        if (c.kind == "user" and c.id in protected_users) or (c.kind == "group" and c.id in protected_groups):
            raise GuardError(
                f"refused: plan deletes protected {c.kind} {c.id} (the bootstrap user and group and the "
                "token's owner are never deleted); declare it in the state or leave it out with prune"
            )
    gone = plan.deletions
    revoked = plan.revoked_grants
    total = gone["users"] + gone["groups"] + revoked
    what = f"{gone['users']} users and {gone['groups']} groups"
    if revoked:
        what = f"{gone['users']} users, {gone['groups']} groups and revokes {revoked} grants"
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
    if limits.grants is not None and revoked > limits.grants:
        reasons.append(f"{revoked} revoked grants (limit {limits.grants})")
    live_total = plan.live_counts.get("users", 0) + plan.live_counts.get("groups", 0)
    principals = gone["users"] + gone["groups"]
    if limits.percent is not None and live_total and principals * 100 > limits.percent * live_total:
        share = principals * 100 / live_total
        reasons.append(f"{share:.1f}% of the {live_total} users and groups (limit {limits.percent:g}%)")
    if reasons:
        raise GuardError(
            f"refused: plan deletes {' and '.join(reasons)}; review it and pass --allow-deletions {total}"
        )


def _refuse_lockout(plan: Plan, protected_users: frozenset[str], protected_groups: frozenset[str]) -> None:
    # protected_users holds the bootstrap user and the token's owner; the issue names the token's owner and
    # the bootstrap group: taking MANAGE from either locks the tool and the admins out.
    for c in plan.changes:
        if c.kind != "organization":
            continue
        for f in c.fields:
            if "MANAGE" not in f.removed:
                continue
            who = f.field.partition("[")[2].rstrip("]")  # permissions[group:adminGroup]
            kind, _, ident = who.partition(":")
            if (kind == "group" and ident in protected_groups) or (
                kind == "user" and ident in protected_users
            ):
                raise GuardError(
                    f"refused: plan removes organization MANAGE from {kind} {ident} (the bootstrap group and "
                    "the token's owner keep it, or the tool and the admins are locked out); grant it in "
                    "organization.permissions"
                )
