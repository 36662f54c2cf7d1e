"""The desired older-platform documents from the state, with the live fields the state does not own carried
over (documents.py names the documents; docs/gooddata-platform.md states each rule). Pure.

- Domain users (`platform.users`): every declared user by login (logins.py) with its names; a live user the
  state does not declare stays (the domain is never pruned). A new user's `email` is its login as written;
  an existing user's contact e-mail is carried over. A user with `invite: true` that the domain lacks is not
  created: its invitation creates the account.
- Project members (`projects/<pid>.users`), for each workspace whose permissions the state manages: a user
  whose effective permissions there select a role (roles.py) is an ENABLED member with that role; a member
  the state grants nothing any more (or does not declare, under `policy.prune`) is DISABLED, keeping its
  role, or removed with `hard_removal`; a user with `status: disabled` is DISABLED where it is a member; a
  user with `invite: true` who is not a member is invited with its role instead of added. The executing
  login, users matched by `policy.ignore.users` and (without prune) undeclared members are carried over.
- Project user groups (`projects/<pid>.userGroups`): a declared group (by its `name`, else its id) exists in
  a project where it holds a grant or already exists; its members there are its declared members who are
  members of the project (any status): one group has the same members in every project it is in. A live
  group the state does not declare is emptied under prune (groups cannot be deleted); users whose
  `userGroups` the state does not own keep their memberships.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from reconciler.layout import disabled
from reconciler.platform.access import ProjectAccess, current, managed_workspaces, project_access
from reconciler.platform.checks import check
from reconciler.platform.documents import (
    DISABLED,
    ENABLED,
    USERS_KEY,
    canonical_groups,
    canonical_members,
    canonical_users,
    groups_key,
    members_key,
)
from reconciler.platform.logins import login_of
from reconciler.platform.options import PlatformOptions
from reconciler.platform.roles import select
from reconciler.source.model import DesiredState, Entry

EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True)
class Declared:
    """The declared users by login (ignored ones left out), and their entries' ids."""

    users: Mapping[str, Entry]
    in_group: Mapping[str, frozenset[str]]  # group id -> logins of the users whose `userGroups` name it
    owning: frozenset[str]  # logins of the users that own `userGroups`
    on: Mapping[str, tuple[str, ...]]  # workspace -> logins of the users holding permissions there

    @classmethod
    def of(cls, state: DesiredState, options: PlatformOptions, access: ProjectAccess) -> Declared:
        users: dict[str, Entry] = {}
        for uid, entry in state.users.items():
            login = login_of(entry)
            if login is not None and not any(fnmatchcase(uid, g) for g in options.ignore_users):
                users.setdefault(login, entry)
        in_group: dict[str, set[str]] = {}
        on: dict[str, list[str]] = {}
        for login, entry in users.items():
            if entry.owns("userGroups"):
                for gid in entry.fields.get("userGroups") or ():
                    in_group.setdefault(gid, set()).add(login)
            for w in access.permissions.get(entry.id, {}):
                on.setdefault(w, []).append(login)
        owning = frozenset(login for login, e in users.items() if e.owns("userGroups"))
        return cls(
            users,
            {g: frozenset(ls) for g, ls in in_group.items()},
            owning,
            {w: tuple(ls) for w, ls in on.items()},
        )


@dataclass(frozen=True)
class PlatformDesired:
    """The desired documents by key, the invitations to send (`{project, login, email, role, firstname?,
    lastname?}`), and notes for the plan."""

    documents: dict[str, dict[str, Any]]
    invitations: tuple[dict[str, str], ...]
    notes: tuple[str, ...]


def keys(state: DesiredState, options: PlatformOptions) -> list[str]:
    """Every document the state involves: the domain's users, then each managed project's two documents."""
    out = [USERS_KEY]
    for w in sorted(managed_workspaces(state)):
        pid = options.project(w)
        out += [members_key(pid), groups_key(pid)]
    return out


def render(
    state: DesiredState,
    live: Mapping[str, Mapping[str, Any]],
    options: PlatformOptions,
    access: ProjectAccess,
) -> PlatformDesired:
    """The desired form of every document in `keys(state, options)`; `live` holds them by key (a missing
    one is empty: nothing live)."""
    state = current(state)
    declared = Declared.of(state, options, access)
    live_users = {u["login"]: u for u in canonical_users(live.get(USERS_KEY, EMPTY))["users"]}
    documents: dict[str, dict[str, Any]] = {USERS_KEY: _users(declared, live_users)}
    invitations: list[dict[str, str]] = []
    notes: list[str] = []
    for uid, entry in state.users.items():
        if disabled(entry) and login_of(entry) in declared.users:
            notes.append(f"user {uid} is disabled: DISABLED in every managed project where it is a member")
    for w in sorted(access.managed):
        pid = options.project(w)
        members_live = canonical_members(live.get(members_key(pid), EMPTY))["members"]
        members, invited = _members(state, w, pid, declared, members_live, options, access)
        documents[members_key(pid)] = members
        invitations += invited
        groups_live = canonical_groups(live.get(groups_key(pid), EMPTY))["userGroups"]
        documents[groups_key(pid)] = _groups(state, w, declared, members, groups_live, options)
    return PlatformDesired(documents, tuple(invitations), tuple(notes))


def _users(declared: Declared, live: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    out = dict(live)
    for login, entry in declared.users.items():
        if login not in live and entry.fields.get("invite") is True:
            continue  # the invitation creates the account
        user = dict(live.get(login) or {"login": login, "email": entry.fields["email"].strip()})
        for name, field in (("firstname", "firstName"), ("lastname", "lastName")):
            if entry.owns(name):
                user[field] = entry.fields[name]
        out[login] = user
    return canonical_users({"users": list(out.values())})


def _members(
    state: DesiredState,
    workspace: str,
    pid: str,
    declared: Declared,
    live: list[dict[str, Any]],
    options: PlatformOptions,
    access: ProjectAccess,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    by_login = {m["login"]: m for m in live}
    out: dict[str, dict[str, Any]] = {}
    for login, m in by_login.items():
        if login in declared.users:
            continue
        if login == options.executing_login or options.ignored_login(login) or not options.prune:
            out[login] = m
        elif not options.hard_removal:
            out[login] = {**m, "status": DISABLED}
    invited: list[dict[str, str]] = []
    # Only who holds permissions here or is a member matters (a user with neither is not touched).
    for login in dict.fromkeys(
        [*declared.on.get(workspace, ()), *(x for x in by_login if x in declared.users)]
    ):
        entry = declared.users[login]
        held = access.on(entry.id, workspace)
        role = select(held, options.roles) if held else None
        was = by_login.get(login)
        if disabled(entry) or role is None:
            if was is not None and not (role is None and options.hard_removal and not disabled(entry)):
                out[login] = {"login": login, "role": role or was["role"], "status": DISABLED}
            continue
        if was is None and entry.fields.get("invite") is True:
            invited.append(_invitation(pid, login, role, entry))
            continue
        out[login] = {"login": login, "role": role, "status": ENABLED}
    return canonical_members({"members": list(out.values())}), invited


def _invitation(pid: str, login: str, role: str, entry: Entry) -> dict[str, str]:
    out = {"project": pid, "login": login, "email": str(entry.fields["email"]).strip(), "role": role}
    for name in ("firstname", "lastname"):
        if isinstance(entry.fields.get(name), str):
            out[name] = entry.fields[name]
    return out


def group_name(entry: Entry) -> str:
    """A declared group's name on the older platform: its `name`, else its id."""
    name = entry.fields.get("name")
    return name if isinstance(name, str) and name else entry.id


def _groups(
    state: DesiredState,
    workspace: str,
    declared: Declared,
    members: Mapping[str, Any],
    live: list[dict[str, Any]],
    options: PlatformOptions,
) -> dict[str, Any]:
    in_project = {m["login"] for m in members["members"]}
    live_by = {g["name"]: set(g["members"]) for g in live}
    # Undeclared members keep their groups only without prune (the executing login and ignored users always).
    unmanaged = set() if options.prune else {login for login in in_project if login not in declared.users}
    carried = {login for login in in_project if login in declared.users and login not in declared.owning}
    carried |= unmanaged
    ws = state.workspaces[workspace]
    granted = {g.assignee for g in (*(ws.permissions or ()), *(ws.hierarchy_permissions or ()))}
    out: dict[str, set[str]] = {}
    for gid, entry in state.groups.items():
        if any(fnmatchcase(gid, g) for g in options.ignore_groups):
            continue
        name = group_name(entry)
        wanted = set(declared.in_group.get(gid, ())) & in_project
        kept = {login for login in live_by.get(name, ()) if login in carried and login in in_project}
        if name in live_by or gid in granted:
            out[name] = wanted | kept | _protected(live_by.get(name, ()), options)
    for name, logins in live_by.items():
        if name in out:
            continue
        if options.ignored_group(name) or not options.prune:
            out[name] = set(logins)
        else:
            out[name] = {login for login in logins if login in carried} | _protected(logins, options)
    return canonical_groups({"userGroups": [{"name": n, "members": sorted(m)} for n, m in out.items()]})


def _protected(logins: Any, options: PlatformOptions) -> set[str]:
    return {x for x in logins if x == options.executing_login or options.ignored_login(x)}


def desired(
    state: DesiredState, live: Mapping[str, Mapping[str, Any]], options: PlatformOptions
) -> PlatformDesired:
    """Check the state for this target (StateError with every problem) and render its documents."""
    access = project_access(state)
    check(state, options, access)
    return render(state, live, options, access)
