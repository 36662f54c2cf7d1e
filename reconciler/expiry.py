"""Access that ends by itself (issue 15 §3): which memberships have expired on a day, which expire soon.

A membership `{id: finance, expires: 2027-03-31}` holds through 2027-03-31 and is gone from 2027-04-01:
`as_of` leaves it out of the desired state that render turns into the document, so the next plan removes
it, and `expiry_notes` says so (kind `expired`) or warns ahead (kind `expiring`, policy.expiry.warn_days).
Pure: the day is always given — the CLI reads the clock (or --today / RECONCILER_TODAY); nothing here does.

Grants (`{group, grant, expires}`) expire the same way, in reconciler.grant_expiry: the loader keeps the
last day on the Grant, and the permissions documents are rendered without the ones past it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from reconciler.source.model import DesiredState, Entry

FIELD = "userGroups"


@dataclass(frozen=True, order=True)
class Membership:
    """One declared membership with a last day."""

    user: str
    group: str
    expires: date

    def expired(self, today: date) -> bool:
        """True from the day after `expires`."""
        return today > self.expires

    def days_left(self, today: date) -> int:
        """Days from `today` to the last day (0 on the last day, negative once expired)."""
        return (self.expires - today).days


def memberships(state: DesiredState) -> Iterator[Membership]:
    """Every declared membership with `expires`, in declaration order."""
    for uid, entry in state.users.items():
        for gid, day in entry.expires.items():
            yield Membership(uid, gid, day)


def _without(entry: Entry, gone: set[str]) -> Entry:
    refs = entry.fields.get(FIELD)
    fields = dict(entry.fields)
    fields[FIELD] = [g for g in refs or () if g not in gone]
    return replace(entry, fields=fields)


def as_of(state: DesiredState, today: date) -> DesiredState:
    """The state without the memberships expired on `today` (the same object when none has)."""
    changed: dict[str, Entry] = {}
    for uid, entry in state.users.items():
        if entry.expires and isinstance(entry.fields.get(FIELD), list):
            gone = {gid for gid, day in entry.expires.items() if today > day}
            if gone:
                changed[uid] = _without(entry, gone)
    if not changed:
        return state
    users = {uid: changed.get(uid, entry) for uid, entry in state.users.items()}
    return replace(state, users=users)


def expiry_notes(
    state: DesiredState,
    today: date,
    live_users: Mapping[str, Mapping[str, Any]],
    warn_days: int,
    ignore_users: tuple[str, ...] = (),
) -> list[str]:
    """Render's notes (plan warnings) on expired and soon expiring memberships.

    `live_users` are the live users by id: an expired membership the organization still holds is one the
    plan removes; one it no longer holds only needs deleting from the state file. Users that policy.ignore
    matches are not rendered from the state, so they get no notes.
    """
    notes: list[str] = []
    for m in memberships(state):
        if any(fnmatchcase(m.user, g) for g in ignore_users):
            continue
        left = m.days_left(today)
        if m.expired(today):
            live = live_users.get(m.user, {}).get(FIELD) or ()
            if any(r.get("id") == m.group for r in live):
                notes.append(
                    f"user {m.user} leaves group {m.group}: the membership expired on {m.expires} "
                    "(the plan removes it; delete it from the state file)"
                )
            else:
                notes.append(
                    f"user {m.user} is no longer in group {m.group}: the membership expired on {m.expires} "
                    "(delete it from the state file)"
                )
        elif left <= warn_days:
            when = "today is its last day" if left == 0 else f"in {left} day{'' if left == 1 else 's'}"
            notes.append(
                f"user {m.user} leaves group {m.group} after {m.expires}: the membership expires ({when})"
            )
    return notes


def expired(state: DesiredState, today: date) -> list[Membership]:
    """The declared memberships past their last day on `today`."""
    return [m for m in memberships(state) if m.expired(today)]


def expiring(state: DesiredState, today: date, warn_days: int) -> list[Membership]:
    """The declared memberships whose last day is within `warn_days` of `today` (today included)."""
    return [m for m in memberships(state) if 0 <= m.days_left(today) <= warn_days]


def without_expired(live: Mapping[str, Any], gone: list[Membership]) -> dict[str, Any]:
    """The live document with only the `gone` memberships removed: what applying just the expirations PUTs."""
    by_user: dict[str, set[str]] = {}
    for m in gone:
        by_user.setdefault(m.user, set()).add(m.group)
    users = []
    for user in live.get("users") or ():
        drop = by_user.get(user["id"])
        if drop:
            refs = [r for r in user.get(FIELD) or () if r.get("id") not in drop]
            user = {**user, FIELD: refs}
        users.append(user)
    return {**live, "users": users}
