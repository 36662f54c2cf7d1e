"""What a restore puts back on the older platform: the backup's documents, less what the platform cannot
undo or the policy keeps. Pure.

Domain users the backup did not hold stay (the domain is never pruned); members added since the backup are
DISABLED like any removal (removed only with `remove_members`); groups created since are emptied (groups
cannot be deleted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.platform import documents as docs


def restored(
    live: Mapping[str, Mapping[str, Any]], backup: Mapping[str, Mapping[str, Any]], *, hard_removal: bool
) -> dict[str, dict[str, Any]]:
    """The desired documents of a restore of `backup` onto `live` (both by key)."""
    out: dict[str, dict[str, Any]] = {}
    for key, doc in backup.items():
        found = docs.project_of(key)
        if key == docs.USERS_KEY:
            users = {u["login"]: u for u in docs.canonical_users(live[key])["users"]}
            users.update({u["login"]: u for u in docs.canonical_users(doc)["users"]})
            out[key] = {"users": list(users.values())}
        elif found is not None and found[1] == "groups":
            groups = docs.canonical_groups(doc)["userGroups"]
            names = {g["name"] for g in groups}
            since = [
                g["name"] for g in docs.canonical_groups(live[key])["userGroups"] if g["name"] not in names
            ]
            out[key] = {"userGroups": [*groups, *({"name": n, "members": []} for n in since)]}
        elif found is not None and not hard_removal:
            members = docs.canonical_members(doc)["members"]
            kept = {m["login"] for m in members}
            since = [m for m in docs.canonical_members(live[key])["members"] if m["login"] not in kept]
            out[key] = {"members": [*members, *({**m, "status": docs.DISABLED} for m in since)]}
        else:
            out[key] = dict(doc)
    return out
