"""The state's permissions: `workspaces:`, `organization:` and `roles:` read into the model and checked.

Every problem at once, each at its file:line: unknown permission names (a warning: the API's enum grows),
assignees that are not declared, not the bootstrap user or group and not matched by `policy.ignore`, duplicate
workspaces, roles and assignees, and role names that are not declared. Whether a workspace exists needs the
server: the plan checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from reconciler.permission_names import ORGANIZATION_PERMISSIONS, WORKSPACE_PERMISSIONS
from reconciler.source.expiry_rules import grant_day
from reconciler.source.model import Grant, Location, OrganizationEntry, WorkspaceEntry
from reconciler.source.problem import Problem
from reconciler.yamlio import MarkedDocument

if TYPE_CHECKING:
    from reconciler.config import Config, ExpiryPolicy
    from reconciler.source.files import StateFile

LISTS = ("permissions", "hierarchyPermissions")


@dataclass
class Access:
    """What the state files declare about permissions, and the problems found."""

    workspaces: dict[str, WorkspaceEntry] = field(default_factory=dict)
    organization: OrganizationEntry | None = None
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Known:
    users: frozenset[str]
    groups: frozenset[str]
    ignore_users: tuple[str, ...]
    ignore_groups: tuple[str, ...]
    expiry: ExpiryPolicy  # the grants' `expires` rules, judged by `today` (None: no day is known)
    today: date | None
    bootstrap_group: str = ""

    def has(self, kind: str, ident: str) -> bool:
        names, globs = (
            (self.groups, self.ignore_groups) if kind == "group" else (self.users, self.ignore_users)
        )
        return ident in names or any(fnmatchcase(ident, g) for g in globs)


def collect_access(
    files: list[StateFile], users: set[str], groups: set[str], config: Config, today: date | None = None
) -> Access:
    """The permissions sections of every state file, checked against the declared users and groups
    (`today` dates the warnings on grants' `expires`)."""
    known = _Known(
        frozenset(users | {config.bootstrap.user}),
        frozenset(groups | {config.bootstrap.group}),
        config.policy.ignore_users,
        config.policy.ignore_groups,
        config.policy.expiry,
        today,
        config.bootstrap.group,
    )
    out = Access()
    role_places: dict[str, Location] = {}
    for f in files:  # roles first: a grant in any file may name a role of any file
        if f.doc is not None and isinstance(f.doc.data.get("roles"), dict):
            _roles(f.rel, f.doc, f.doc.data["roles"], out, role_places)
    org_place: Location | None = None
    for f in files:
        doc = f.doc
        if doc is None:
            continue
        items = doc.data.get("workspaces")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                _workspace(f.rel, doc, item, known, out)
        org = doc.data.get("organization")
        if isinstance(org, dict):
            where = Location(f.rel, *doc.start(org))
            if org_place is not None:
                msg = f"organization is declared twice: first at {org_place}"
                out.problems.append(Problem(where, "error", msg, "duplicate-organization"))
                continue
            org_place = where
            grants = _grants(
                f.rel, doc, org, "permissions", "organization", known, out, ORGANIZATION_PERMISSIONS
            )
            out.organization = OrganizationEntry(grants, where)
    return out


def _roles(
    rel: str, doc: MarkedDocument, roles: dict[str, Any], out: Access, places: dict[str, Location]
) -> None:
    positions = doc.key_positions(roles)
    for name, names in roles.items():
        where = Location(rel, *positions[name][0])
        if name in places:
            msg = f"role {name!r} is declared twice: first at {places[name]}"
            out.problems.append(Problem(where, "error", msg, "duplicate-role"))
            continue
        places[name] = where
        values = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
        for n in values:
            if n not in WORKSPACE_PERMISSIONS:
                msg = f"role {name!r}: {n!r} is not a workspace permission this version knows"
                out.problems.append(Problem(where, "warning", msg, "unknown-permission"))
        out.roles[name] = values


def _workspace(rel: str, doc: MarkedDocument, item: dict[str, Any], known: _Known, out: Access) -> None:
    wid = item["id"]
    where = Location(rel, *doc.start(item))
    if wid in out.workspaces:
        msg = f"duplicate workspace id {wid!r}: first declared at {out.workspaces[wid].location}"
        out.problems.append(Problem(where, "error", msg, "duplicate-workspace"))
        return
    what = f"workspace {wid!r}"
    perms = _grants(rel, doc, item, "permissions", what, known, out, WORKSPACE_PERMISSIONS)
    hier = _grants(rel, doc, item, "hierarchyPermissions", what, known, out, WORKSPACE_PERMISSIONS)
    out.workspaces[wid] = WorkspaceEntry(wid, perms, hier, where)


def _grants(
    rel: str,
    doc: MarkedDocument,
    owner: dict[str, Any],
    key: str,
    what: str,
    known: _Known,
    out: Access,
    enum: tuple[str, ...],
) -> tuple[Grant, ...] | None:
    value = owner.get(key)
    if key not in owner:
        return None
    if not isinstance(value, list):
        return ()  # null, or a shape the schema check has reported: clears the list
    grants: list[Grant] = []
    seen: dict[tuple[str, str], Location] = {}
    positions = doc.item_positions(value)
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            continue
        where = Location(rel, *positions[index])
        if ("group" in entry) == ("user" in entry):
            both = "both group and user" if "group" in entry else "neither group nor user"
            msg = f"{what}: {key}: an entry names {both}: give exactly one assignee"
            out.problems.append(Problem(where, "error", msg, "grant-assignee"))
            continue
        kind = "group" if "group" in entry else "user"
        ident = entry.get(kind)
        if not isinstance(ident, str):
            continue  # the schema check has reported it
        label = f"{what}: {key}: {kind} {ident!r}"
        if "grant" not in entry and "role" not in entry:
            msg = f"{label} is granted nothing: give grant: [NAME, ...] or role: NAME"
            out.problems.append(Problem(where, "error", msg, "grant-empty"))
        if not known.has(kind, ident):
            msg = (
                f"{label} is unknown (not declared, not the bootstrap {kind}, not matched by "
                f"policy.ignore.{kind}s)"
            )
            out.problems.append(Problem(where, "error", msg, f"unknown-{kind}"))
        if (kind, ident) in seen:
            msg = f"{label} is listed twice: first at {seen[kind, ident]}; put its permissions in one entry"
            out.problems.append(Problem(where, "error", msg, "duplicate-grant"))
            continue
        seen[kind, ident] = where
        names = _names(entry, label, where, out, enum)
        expires = grant_day(entry, label, rel, doc, known.expiry, known.today, out.problems)
        if (
            expires is not None
            and what == "organization"
            and ident == known.bootstrap_group
            and kind == "group"
        ):
            msg = f"{label} is the bootstrap group's: its organization permissions cannot expire"
            out.problems.append(Problem(where, "error", msg, "bootstrap-grant"))
        grants.append(Grant("userGroup" if kind == "group" else "user", ident, names, where, expires))
    return tuple(grants)


def _names(
    entry: dict[str, Any], label: str, where: Location, out: Access, enum: tuple[str, ...]
) -> tuple[str, ...]:
    names: list[str] = []
    listed = entry.get("grant")
    for n in listed if isinstance(listed, list) else ():
        if not isinstance(n, str):
            continue
        if n in names:
            out.problems.append(
                Problem(where, "error", f"{label}: {n} is granted twice", "duplicate-permission")
            )
            continue
        if n not in enum:
            msg = f"{label}: {n!r} is not a permission this version knows (one of {', '.join(enum)})"
            out.problems.append(Problem(where, "warning", msg, "unknown-permission"))
        names.append(n)
    role = entry.get("role")
    if isinstance(role, str):
        bundle = out.roles.get(role)
        if bundle is None:
            known = ", ".join(sorted(out.roles)) or "none declared"
            out.problems.append(
                Problem(where, "error", f"{label}: unknown role {role!r} ({known})", "unknown-role")
            )
        else:
            names += [n for n in bundle if n not in names]
    return tuple(names)
