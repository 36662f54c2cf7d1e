"""What the older platform cannot express, found in the state before anything is read or written. Pure.

Every problem at once, each at its file:line (reconciler.source.problem.Problem), raised as one StateError:
- a user without an `email` (the login), or two users whose logins are the same (ambiguous login);
- a group with `parents` (project user groups do not nest);
- a user whose effective permissions on a project match no role (naming the user, the project and the
  closest roles);
- two role bundles that mean the same access (one permission set, two roles).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from reconciler.errors import StateError
from reconciler.platform.access import ProjectAccess, current, grant_location
from reconciler.platform.logins import login_of
from reconciler.platform.options import PlatformOptions
from reconciler.platform.roles import closest, closure, describe, same_meaning, select
from reconciler.source.model import DesiredState, Location
from reconciler.source.problem import Problem


def problems(state: DesiredState, options: PlatformOptions, access: ProjectAccess) -> list[Problem]:
    """Every problem of `state` for an older-platform target, by file and line."""
    state = current(state)
    out: list[Problem] = []
    seen: dict[str, tuple[str, Location]] = {}
    for uid, entry in state.users.items():
        if any(fnmatchcase(uid, g) for g in options.ignore_users):
            continue
        login = login_of(entry)
        if login is None:
            msg = (
                f"user {uid!r} has no email: on the older GoodData platform the login is the user's email "
                "(ids cannot be e-mail addresses), so every user needs one"
            )
            out.append(Problem(entry.location, "error", msg, "platform-no-login"))
            continue
        if login in seen:
            first, where = seen[login]
            msg = (
                f"user {uid!r} and user {first!r} (at {where}) have the same login {login!r} on the older "
                "GoodData platform (logins are compared lower-cased): the login is ambiguous"
            )
            out.append(Problem(entry.location, "error", msg, "platform-ambiguous-login"))
            continue
        seen[login] = (uid, entry.location)
    for gid, entry in state.groups.items():
        parents = entry.fields.get("parents")
        if (
            isinstance(parents, list)
            and parents
            and not any(fnmatchcase(gid, g) for g in options.ignore_groups)
        ):
            where = entry.field_locations.get("parents", entry.location)
            msg = (
                f"group {gid!r} has parents {', '.join(map(str, parents))}: the older GoodData platform's "
                "project user groups have no parents (they do not nest); remove `parents` for this target"
            )
            out.append(Problem(where, "error", msg, "platform-group-parents"))
    for uid in state.users:
        if any(fnmatchcase(uid, g) for g in options.ignore_users):
            continue
        for workspace in sorted(access.permissions.get(uid, {})):
            held = access.on(uid, workspace)
            if select(held, options.roles) is not None:
                continue
            near = "; ".join(
                f"{r} {describe(closure(options.roles[r]))}" for r in closest(held, options.roles)
            )
            msg = (
                f"user {uid!r} holds {describe(held)} on project {options.project(workspace)!r} "
                f"(workspace {workspace!r}), which matches no role of the older GoodData platform "
                f"(a member has exactly one role); closest: {near}"
            )
            out.append(Problem(grant_location(state, uid, workspace), "error", msg, "platform-no-role"))
    for a, b in same_meaning(options.roles):
        msg = f"roles {a!r} and {b!r} mean the same permissions {describe(closure(options.roles[a]))}"
        out.append(Problem(Location("roles"), "error", msg, "platform-ambiguous-role"))
    return sorted(out, key=lambda p: p.sort_key)


def check(state: DesiredState, options: PlatformOptions, access: ProjectAccess) -> None:
    """Raise StateError with every problem, when there is any."""
    found = problems(state, options, access)
    if found:
        raise StateError(
            f"invalid state for the older GoodData platform: {len(found)} problem(s)\n"
            + "\n".join(str(p) for p in found),
            found,
        )
