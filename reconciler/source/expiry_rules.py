"""Memberships with `expires` as the state files write them: read into ids and dates, and checked.

`userGroups: [engineering, {id: finance, expires: 2027-03-31}]` loads as the ids `[engineering, finance]`
(what every reader of `Entry.fields` expects) and `Entry.expires == {"finance": date(2027, 3, 31)}`. The
rules here are `validate`'s: a date that is no calendar day is an error; a day already past, or further ahead
than `policy.expiry.max_days`, is a warning. Those two need the day: it is given (`today`), never read here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from reconciler.pattern_words import DATE_PATTERN
from reconciler.source.model import Location
from reconciler.source.problem import Problem

if TYPE_CHECKING:
    from reconciler.config import Bootstrap, ExpiryPolicy
    from reconciler.source.declared import Declared
    from reconciler.yamlio import MarkedDocument

FIELD = "userGroups"  # the users' field whose items may expire; grants take `expires` too (grant_day)
_DATE = re.compile(DATE_PATTERN)


def parse_day(value: Any) -> date | None:
    """`value` as a calendar day when it is written YYYY-MM-DD and is one, else None."""
    if not isinstance(value, str) or _DATE.match(value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def split(value: Any) -> tuple[Any, dict[str, date]]:
    """A `userGroups` value as (ids, {id: last day}); without `{id, expires}` items it comes back as is."""
    if type(value) is not list or all(type(ref) is str for ref in value):
        return value, {}
    ids: list[Any] = []
    expires: dict[str, date] = {}
    for ref in value:
        if isinstance(ref, dict):
            ident = ref.get("id")
            if not isinstance(ident, str):
                continue  # the schema check has reported it
            ids.append(ident)
            day = parse_day(ref.get("expires"))
            if day is not None:
                expires.setdefault(ident, day)
        else:
            ids.append(ref)
    return ids, expires


def with_expiries(ids: Any, expires: Mapping[str, date]) -> Any:
    """`userGroups` ids written back with their `expires` (`{id, expires}` items), so an edit keeps them.

    The days stay `date`s: YAML writes them plain (`expires: 2027-03-31`), and they load back as that text.
    """
    if not expires or not isinstance(ids, list):
        return ids
    return [{"id": g, "expires": expires[g]} if g in expires else g for g in ids]


def _expiring(d: Declared) -> Iterator[tuple[str, Any, Location]]:
    """(group id, `expires` as written, where it is written) of every `{id, expires}` item of `d`."""
    value = d.item.get(FIELD)
    if not isinstance(value, list):
        return
    for ref in value:
        if isinstance(ref, dict) and isinstance(ref.get("id"), str) and "expires" in ref:
            line, column = d.doc.key_positions(ref)["expires"][0]
            yield ref["id"], ref["expires"], Location(d.entry.location.path, line, column)


def check_expiries(
    d: Declared, bootstrap: Bootstrap, policy: ExpiryPolicy, today: date | None, problems: list[Problem]
) -> None:
    """The problems of one user's `expires` dates (past and far-ahead ones only when `today` is known)."""
    who = f"{d.entry.kind} {d.entry.id!r}"
    for gid, written, where in _expiring(d):
        if not isinstance(written, str) or _DATE.match(written) is None:
            continue  # the schema check has reported it
        day = parse_day(written)
        if day is None:
            message = f"{who}: the membership in group {gid!r} expires on {written!r}, which is not a date"
            problems.append(Problem(where, "error", message, "expiry-date"))
            continue
        if d.entry.kind == "user" and gid == bootstrap.group and d.entry.id == bootstrap.user:
            message = (
                f"{who} is the bootstrap user: its membership in the bootstrap group {gid!r} cannot expire"
            )
            problems.append(Problem(where, "error", message, "bootstrap-membership"))
        if today is not None:
            _check_day(f"{who}: the membership in group {gid!r}", day, today, policy, where, problems)


def grant_day(
    entry: dict[str, Any],
    label: str,
    rel: str,
    doc: MarkedDocument,
    policy: ExpiryPolicy,
    today: date | None,
    problems: list[Problem],
) -> date | None:
    """The last day of one grant entry (`{group, grant, expires}`), None without one; its problems, as for
    memberships: no calendar day is an error, a day past or beyond policy.expiry.max_days a warning."""
    if "expires" not in entry:
        return None
    written = entry["expires"]
    if not isinstance(written, str) or _DATE.match(written) is None:
        return None  # the schema check has reported it
    line, column = doc.key_positions(entry)["expires"][0]
    where = Location(rel, line, column)
    day = parse_day(written)
    if day is None:
        message = f"{label}: the grant expires on {written!r}, which is not a date"
        problems.append(Problem(where, "error", message, "expiry-date"))
        return None
    if today is not None:
        _check_day(f"{label}: the grant", day, today, policy, where, problems)
    return day


def _check_day(
    subject: str, day: date, today: date, policy: ExpiryPolicy, where: Location, problems: list[Problem]
) -> None:
    """The warning for a last `day` already past or beyond policy.expiry.max_days; `subject` names what
    expires ("user 'ann': the membership in group 'finance'", "…: the grant")."""
    if day < today:
        message = (
            f"{subject} expired on {day} ({_days(today - day)} ago): it is no longer applied; "
            "remove it from the state file"
        )
        problems.append(Problem(where, "warning", message, "expiry-past"))
    elif policy.max_days is not None and (day - today).days > policy.max_days:
        message = (
            f"{subject} expires on {day}, {_days(day - today)} ahead: more than "
            f"policy.expiry.max_days ({policy.max_days})"
        )
        problems.append(Problem(where, "warning", message, "expiry-far"))


def _days(delta: timedelta) -> str:
    return f"{delta.days} day{'' if delta.days == 1 else 's'}"
