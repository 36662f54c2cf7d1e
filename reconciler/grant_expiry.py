"""Grants that end by themselves (issue 15 §3): `{group: auditors, grant: [VIEW], expires: 2027-03-31}`.

The grant holds through its `expires` day and is gone from the day after, as a membership is
(reconciler.expiry): `as_of` leaves it out of the state that the permissions documents are rendered from, so
the next plan revokes it, and `notes` says so (kind `expired`) or warns ahead (kind `expiring`,
policy.expiry.warn_days). The `expires` applies to the whole entry (all its names, a role's included).
Pure: the day is always given, and the live documents come by key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from reconciler.document_keys import ORGANIZATION_KEY, workspace_key
from reconciler.source.model import DesiredState, Grant, Location

_SHORT = {"user": "user", "userGroup": "group"}


@dataclass(frozen=True)
class ExpiringGrant:
    """One declared grant with a last day, and where it is granted."""

    workspace: str | None  # None: the organization
    list_name: str  # "permissions" or "hierarchyPermissions"
    grant: Grant
    expires: date

    @property
    def key(self) -> str:
        """The permissions document it is in (`workspaces/sales.permissions`, `organization.permissions`)."""
        return ORGANIZATION_KEY if self.workspace is None else workspace_key(self.workspace)

    @property
    def kind(self) -> str:
        """`group` or `user`."""
        return _SHORT.get(self.grant.assignee_type, self.grant.assignee_type)

    @property
    def assignee(self) -> str:
        return self.grant.assignee

    @property
    def location(self) -> Location:
        return self.grant.location

    @property
    def place(self) -> str:
        """`workspace sales`, `workspace sales and its children`, `the organization`."""
        if self.workspace is None:
            return "the organization"
        children = " and its children" if self.list_name == "hierarchyPermissions" else ""
        return f"workspace {self.workspace}{children}"

    @property
    def names(self) -> str:
        return ", ".join(self.grant.names) or "nothing"

    def expired(self, today: date) -> bool:
        """True from the day after `expires`."""
        return today > self.expires

    def days_left(self, today: date) -> int:
        return (self.expires - today).days

    def as_json(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "list": self.list_name,
            self.kind: self.assignee,
            "grant": list(self.grant.names),
            "expires": self.expires.isoformat(),
            "file": str(self.location),
        }


def _lists(state: DesiredState) -> Iterator[tuple[str | None, str, tuple[Grant, ...]]]:
    for wid, entry in state.workspaces.items():
        if entry.permissions:
            yield wid, "permissions", entry.permissions
        if entry.hierarchy_permissions:
            yield wid, "hierarchyPermissions", entry.hierarchy_permissions
    if state.organization is not None and state.organization.permissions:
        yield None, "permissions", state.organization.permissions


def grants(state: DesiredState) -> Iterator[ExpiringGrant]:
    """Every declared grant with `expires`: workspaces in declaration order, then the organization."""
    for wid, name, listed in _lists(state):
        for g in listed:
            if g.expires is not None:
                yield ExpiringGrant(wid, name, g, g.expires)


def expired(state: DesiredState, today: date) -> list[ExpiringGrant]:
    """The declared grants past their last day on `today`."""
    return [g for g in grants(state) if g.expired(today)]


def expiring(state: DesiredState, today: date, warn_days: int) -> list[ExpiringGrant]:
    """The declared grants whose last day is within `warn_days` of `today` (today included)."""
    return [g for g in grants(state) if 0 <= g.days_left(today) <= warn_days]


def _current(listed: tuple[Grant, ...] | None, today: date) -> tuple[Grant, ...] | None:
    if listed is None:
        return None
    return tuple(g for g in listed if g.expires is None or today <= g.expires)


def as_of(state: DesiredState, today: date) -> DesiredState:
    """The state without the grants expired on `today` (the same object when none has)."""
    if not any(g.expired(today) for g in grants(state)):
        return state
    workspaces = {
        wid: replace(
            e,
            permissions=_current(e.permissions, today),
            hierarchy_permissions=_current(e.hierarchy_permissions, today),
        )
        for wid, e in state.workspaces.items()
    }
    org = state.organization
    if org is not None:
        org = replace(org, permissions=_current(org.permissions, today))
    return replace(state, workspaces=workspaces, organization=org)


def _matches(g: ExpiringGrant, p: Mapping[str, Any]) -> bool:
    """Whether live permission entry `p` is one of the grant's (its assignee, one of its names)."""
    a = p.get("assignee") or {}
    return p.get("name") in g.grant.names and (a.get("id"), a.get("type")) == (
        g.assignee,
        g.grant.assignee_type,
    )


def _held(g: ExpiringGrant, live: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the live document still grants the assignee any of the grant's names in that list."""
    return any(_matches(g, p) for p in (live.get(g.key) or {}).get(g.list_name) or ())


def notes(
    state: DesiredState, today: date, live: Mapping[str, Mapping[str, Any]], warn_days: int
) -> list[str]:
    """The plan's notes on expired and soon expiring grants of the documents in `live` (by key; the grants
    of a document not read, such as an ignored workspace's, get none)."""
    out: list[str] = []
    for g in grants(state):
        if g.key not in live:
            continue
        who = f"{g.kind} {g.assignee}"
        if g.expired(today):
            if _held(g, live):
                out.append(
                    f"{who} loses {g.names} on {g.place}: the grant expired on {g.expires} "
                    "(the plan removes it; delete it from the state file)"
                )
            else:
                out.append(
                    f"{who} no longer holds {g.names} on {g.place}: the grant expired on {g.expires} "
                    "(delete it from the state file)"
                )
            continue
        left = g.days_left(today)
        if left <= warn_days:
            when = "today is its last day" if left == 0 else f"in {left} day{'' if left == 1 else 's'}"
            out.append(f"{who} loses {g.names} on {g.place} after {g.expires}: the grant expires ({when})")
    return out


def without_expired(
    live: Mapping[str, Mapping[str, Any]], gone: list[ExpiringGrant]
) -> dict[str, dict[str, Any]]:
    """The live documents (by key) that hold an expired grant, with only those grants revoked: what applying
    just the expirations writes."""
    out: dict[str, dict[str, Any]] = {}
    for g in gone:
        if g.key not in live:
            continue
        doc = out.setdefault(g.key, dict(live[g.key]))
        doc[g.list_name] = [p for p in doc.get(g.list_name) or () if not _matches(g, p)]
    return out
