"""The project role catalogue (API.md §4): twelve roles, the same numbers in every project.

Numbers are not a contract (a 2012 document numbers them differently), so clients must resolve identifiers;
the internal list comes in a different order on each call, as the recordings show.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

CREATED = "2014-02-10 11:32:21"  # the emulator's own: every role has existed since one date


@dataclass(frozen=True)
class Role:
    """One role of the catalogue."""

    number: int
    identifier: str
    title: str
    summary: str
    permissions: frozenset[str]


# Permission names from the platform's documents; the grant per role is the emulator's reading of the titles.
_VIEW = frozenset({"canAccessDashboard", "canExecute", "canSeeOtherUserDetails", "canListUsersInProject"})
_EXPORT = _VIEW | {"canExportDashboard", "canExportReport"}
_EXPLORE = _EXPORT | {"canCreateReport", "canCreateVisualization", "canAccessWorkbench"}
_EDIT = _EXPLORE | {"canCreateAnalyticalDashboard", "canCreateMetric", "canManageAnalyticalDashboard"}
_INVITE = frozenset({"canInviteUserToProject", "canListInvitationsInProject"})
_USER_ADMIN = _INVITE | {"canSuspendUserFromProject", "canAssignUserWithRole", "canManageUserGroups"}
_ADMIN = _EDIT | _USER_ADMIN | {"canManageProject", "canUploadNonProductionCSV", "canManageETL"}
ALL_PERMISSIONS = tuple(sorted(_ADMIN | {"canSetProjectVariables", "canRunETL", "canSeePublicAccessControl"}))

CATALOGUE: tuple[Role, ...] = (
    Role(1, "unverifiedAdminRole", "Unverified Admin", "project unverified admin", _EXPORT),
    Role(2, "adminRole", "Admin", "project master", _ADMIN),
    Role(
        3, "dashboardOnlyRole", "Viewer (embedded only)", "dashboard only", frozenset({"canAccessDashboard"})
    ),
    Role(4, "readOnlyUserRole", "Viewer", "read only user role", _EXPORT),
    Role(5, "editorRole", "Editor", "invited user", _EDIT),
    Role(6, "superAdminRole", "SuperAdmin", "the ultimate project admin", frozenset(ALL_PERMISSIONS)),
    Role(7, "connectorsSystemRole", "Connectors System User", "the connectors system user", _EDIT),
    Role(8, "explorerRole", "Explorer", "explorer", _EXPLORE),
    Role(
        9, "explorerOnlyRole", "Explorer (embedded only)", "explorer only", _EXPLORE - {"canAccessDashboard"}
    ),
    Role(10, "editorInviteRole", "Editor + Invitations", "Editor + Invitations", _EDIT | _INVITE),
    Role(11, "editorUserAdminRole", "Editor + User Admin", "Editor + User Admin", _EDIT | _USER_ADMIN),
    Role(12, "readOnlyNoExportRole", "Viewer (Disabled Exports)", "Viewer (Disabled Exports)", _VIEW),
)
BY_NUMBER = {role.number: role for role in CATALOGUE}
BY_IDENTIFIER = {role.identifier: role for role in CATALOGUE}
ADMIN_ROLE = BY_IDENTIFIER["adminRole"].number


def role_uri(pid: str, number: int) -> str:
    """/gdc/projects/{pid}/roles/{n}."""
    return f"/gdc/projects/{pid}/roles/{number}"


def number_of(pid: str, uri: object) -> int | None:
    """The role number a role URI of project `pid` names, None for anything else."""
    prefix = f"/gdc/projects/{pid}/roles/"
    if not isinstance(uri, str) or not uri.startswith(prefix):
        return None
    tail = uri[len(prefix) :].rstrip("/")
    return int(tail) if tail.isdigit() and int(tail) in BY_NUMBER else None


def permissions(numbers: list[int]) -> dict[str, str]:
    """The permission map of holding these roles: every known name, "1" when granted (strings, [rec])."""
    granted: set[str] = set()
    for number in numbers:
        granted |= BY_NUMBER[number].permissions
    return {name: "1" if name in granted else "0" for name in ALL_PERMISSIONS}


def meta(pid: str, role: Role, *, with_uri: bool) -> dict[str, object]:
    """A role's `meta`; the internal list carries `uri`, GET of one role does not ([rec])."""
    body: dict[str, object] = {
        "author": "/gdc/account/profile/0",
        "contributor": "/gdc/account/profile/0",
        "created": CREATED,
        "identifier": role.identifier,
        "summary": role.summary,
        "title": role.title,
        "updated": CREATED,
    }
    if with_uri:
        body["uri"] = role_uri(pid, role.number)
    return body


class Rotation:
    """The order of the internal role list: a different rotation of the catalogue on each call ([rec])."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next_order(self) -> list[Role]:
        """The catalogue, rotated by one more place than last time."""
        with self._lock:
            shift = next(self._counter) % len(CATALOGUE)
        return [*CATALOGUE[shift:], *CATALOGUE[:shift]]
