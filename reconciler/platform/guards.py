"""The guards of an older-platform plan: the executing login is never disabled or removed, and
`policy.max_deletions` counts disabled and removed members (an ENABLED member that will not be). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.errors import GuardError
from reconciler.guards import DeletionLimits
from reconciler.platform import documents as docs


def cut_off(
    live: Mapping[str, Mapping[str, Any]], desired: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[str]]:
    """login → the projects where an ENABLED membership becomes DISABLED or is removed."""
    out: dict[str, list[str]] = {}
    for key, doc in desired.items():
        found = docs.project_of(key)
        if found is None or found[1] != "members":
            continue
        now = {m["login"]: m for m in docs.canonical_members(doc)["members"]}
        for m in docs.canonical_members(live.get(key) or {})["members"]:
            after = now.get(m["login"])
            if m["status"] == docs.ENABLED and (after is None or after["status"] != docs.ENABLED):
                out.setdefault(m["login"], []).append(found[0])
    return out


def check(
    live: Mapping[str, Mapping[str, Any]],
    desired: Mapping[str, Mapping[str, Any]],
    *,
    executing_login: str,
    limits: DeletionLimits,
    allow_deletions: int | None,
) -> None:
    """GuardError when the plan cuts the executing login off or disables more users than allowed."""
    gone = cut_off(live, desired)
    if executing_login in gone:
        raise GuardError(
            f"refused: the plan disables or removes the executing login {executing_login} in project(s) "
            f"{', '.join(sorted(gone[executing_login]))}; it would lock the tool out: grant it a role there"
        )
    total = len(gone)
    if allow_deletions is not None:
        if allow_deletions != total:
            raise GuardError(
                f"refused: --allow-deletions {allow_deletions} does not match the plan, which disables or "
                f"removes {total} users; review it and pass --allow-deletions {total}"
            )
        return
    enabled = {
        m["login"]
        for key, doc in live.items()
        if (found := docs.project_of(key)) is not None and found[1] == "members"
        for m in docs.canonical_members(doc)["members"]
        if m["status"] == docs.ENABLED
    }
    reasons = []
    if limits.users is not None and total > limits.users:
        reasons.append(f"{total} users (limit {limits.users})")
    if limits.percent is not None and enabled and total * 100 > limits.percent * len(enabled):
        reasons.append(
            f"{total * 100 / len(enabled):.1f}% of the {len(enabled)} enabled members "
            f"(limit {limits.percent:g}%)"
        )
    if reasons:
        raise GuardError(
            f"refused: plan disables or removes {' and '.join(reasons)}; review it and pass "
            f"--allow-deletions {total}"
        )
