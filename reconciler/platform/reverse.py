"""Import: the older platform's live documents as state files, through the same role bundles. Pure.

Each domain user becomes a user (id from its login, logins.id_for_login; `email` the login; names), each
project user group a group (id from its name; `name` when they differ), shared by name across projects;
each project a workspace whose `permissions` grant every ENABLED member its role (`{user, role}`), and the
`roles:` section holds the bundles used, so that the same files plan empty against the platform and expand
to workspace permissions on GoodData Cloud. A user DISABLED in every project it is a member of is
`status: disabled`; DISABLED memberships are otherwise left out (the plan keeps them DISABLED). Refused:
a role no bundle names, an ENABLED member without a role, two logins or group names sharing an id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.errors import StateError
from reconciler.platform.documents import (
    DISABLED,
    USERS_KEY,
    canonical_groups,
    canonical_members,
    canonical_users,
    project_of,
)
from reconciler.platform.logins import id_for_group, id_for_login
from reconciler.platform.options import PlatformOptions


def to_state(docs: Mapping[str, Mapping[str, Any]], options: PlatformOptions) -> dict[str, Any]:
    """`{"users", "groups", "workspaces", "roles"}` in the state files' shape, from the documents by key."""
    problems: list[str] = []
    members: dict[str, list[dict[str, Any]]] = {}
    groups: dict[str, list[dict[str, Any]]] = {}
    for key in sorted(docs):
        found = project_of(key)
        if found is None:
            continue
        pid, kind = found
        if kind == "members":
            members[pid] = canonical_members(docs[key])["members"]
        else:
            groups[pid] = canonical_groups(docs[key])["userGroups"]
    domain = canonical_users(docs.get(USERS_KEY) or {})["users"]
    ids = _ids({u["login"] for u in domain}, id_for_login, "logins", problems)
    group_ids = _ids({g["name"] for gs in groups.values() for g in gs}, id_for_group, "group names", problems)

    statuses: dict[str, set[str]] = {}
    workspaces = []
    used: set[str] = set()
    for pid in sorted(members):
        grants = []
        for m in members[pid]:
            login = m["login"]
            statuses.setdefault(login, set()).add(m["status"])
            if m["status"] == DISABLED or options.ignored_login(login):
                continue
            if m["role"] is None or m["role"] not in options.roles:
                what = (
                    "no role" if m["role"] is None else f"role {m['role']!r}, which no `roles` bundle names"
                )
                problems.append(
                    f"project {pid}: member {login} has {what} (declare it under the target's `roles`)"
                )
                continue
            if login not in ids:
                problems.append(f"project {pid}: member {login} is not a user of the domain")
                continue
            used.add(m["role"])
            grants.append({"user": ids[login], "role": m["role"]})
        workspaces.append({"id": options.workspace(pid), "permissions": grants})
    if problems:
        raise StateError(
            f"cannot import from the older GoodData platform ({len(problems)} problem(s)): "
            + "; ".join(problems)
        )

    in_groups: dict[str, set[str]] = {}
    for gs in groups.values():
        for g in gs:
            if options.ignored_group(g["name"]):
                continue
            for login in g["members"]:
                in_groups.setdefault(login, set()).add(group_ids[g["name"]])
    users = []
    for u in domain:
        if options.ignored_login(u["login"]):
            continue
        entry: dict[str, Any] = {"id": ids[u["login"]]}
        email = u["email"] if u["email"] and u["email"].lower() == u["login"] else u["login"]
        entry["email"] = email
        for field, name in (("firstName", "firstname"), ("lastName", "lastname")):
            if u[field] is not None:
                entry[name] = u[field]
        entry["userGroups"] = sorted(in_groups.get(u["login"], ()))
        if statuses.get(u["login"]) == {DISABLED}:
            entry["status"] = "disabled"
        users.append(entry)
    state_groups = []
    for name in sorted(group_ids, key=lambda n: group_ids[n]):
        if options.ignored_group(name):
            continue
        gid = group_ids[name]
        state_groups.append({"id": gid, "name": name} if name != gid else {"id": gid})
    out: dict[str, Any] = {
        "groups": state_groups,
        "users": sorted(users, key=lambda e: e["id"]),
        "workspaces": workspaces,
    }
    if used:
        out["roles"] = {r: list(options.roles[r]) for r in sorted(used)}
    return out


def _ids(names: set[str], make: Any, what: str, problems: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    by: dict[str, str] = {}
    for name in sorted(names):
        ident = make(name)
        if ident in by:
            problems.append(f"{what} {by[ident]!r} and {name!r} would both import as id {ident!r}")
        by[ident] = name
        out[name] = ident
    return out
