"""The loaded, validated desired state: what the YAML declares, and which fields it owns.

Field ownership (SPEC §3): a key present in `Entry.fields` is managed — its value is authoritative, and
`None` means "remove this field". A key absent from `fields` is not managed: the live value is carried over.
Values are in the YAML's own shape: `userGroups` and `parents` are lists of group ids; `settings` and
`permissions` are in the API's shape. A membership written `{id: finance, expires: 2027-03-31}` is the id
`finance` in `userGroups` and its last day in `Entry.expires` (reconciler.expiry applies it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Kind = Literal["user", "group"]


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A place in a state file; `line` and `column` are 1-based."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One declared user or group."""

    kind: Kind
    id: str
    fields: Mapping[str, Any]  # the keys the YAML wrote (without `id`); None = set to null
    location: Location
    field_locations: Mapping[str, Location] = field(default_factory=dict)
    expires: Mapping[str, date] = field(default_factory=dict)  # group id -> last day of that membership

    def owns(self, name: str) -> bool:
        """True when the YAML manages field `name` (set to a value or to null)."""
        return name in self.fields


AssigneeType = Literal["user", "userGroup"]


@dataclass(frozen=True)
class Grant:
    """Permissions granted to one user or group, a role's bundle expanded (`{group: x, grant: [...]}`)."""

    assignee_type: AssigneeType
    assignee: str
    names: tuple[str, ...]
    location: Location = Location("")
    expires: date | None = None  # the grant's last day (`{group, grant, expires}`): reconciler.grant_expiry


@dataclass(frozen=True)
class WorkspaceEntry:
    """One declared workspace's permissions; None = the list is not managed (the live one is kept)."""

    id: str
    permissions: tuple[Grant, ...] | None
    hierarchy_permissions: tuple[Grant, ...] | None
    location: Location = Location("")


@dataclass(frozen=True)
class OrganizationEntry:
    """The declared organization permissions (None = not managed)."""

    permissions: tuple[Grant, ...] | None
    location: Location = Location("")


@dataclass(frozen=True)
class DesiredState:
    """Every declared user and group, keyed by id, in declaration order; workspaces' and the
    organization's permissions when the state declares them.

    `as_of` is the day the state is rendered for (memberships past their `expires` are left out); None
    renders every declared membership (nothing is expired without a day: the CLI always gives one).
    """

    users: Mapping[str, Entry]
    groups: Mapping[str, Entry]
    files: tuple[str, ...] = ()
    as_of: date | None = None
    workspaces: Mapping[str, WorkspaceEntry] = field(default_factory=dict)
    organization: OrganizationEntry | None = None
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
