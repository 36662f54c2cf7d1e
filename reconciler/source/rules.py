"""Semantic rules across all state files (SPEC §3): duplicates, references, cycles, identities, bootstrap."""

from __future__ import annotations

import re
from datetime import date
from fnmatch import fnmatchcase
from itertools import repeat
from typing import TYPE_CHECKING, Any

from reconciler.graph import iter_cycles
from reconciler.schema import shorten
from reconciler.source.declared import Declared, ref_id
from reconciler.source.expiry_rules import check_expiries
from reconciler.source.problem import Problem
from reconciler.source.suggest import Suggester

if TYPE_CHECKING:
    from reconciler.config import Config


# An e-mail address, roughly: no whitespace, one '@' with something before it, and after it a domain of two or
# more dot-separated labels (name@example.com). A heuristic that catches typos, not RFC 5322: a warning only.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def _matches(value: str, globs: tuple[str, ...]) -> str | None:
    return next((g for g in globs if fnmatchcase(value, g)), None)


def check_all(
    users: list[Declared], groups: list[Declared], config: Config, today: date | None = None
) -> list[Problem]:
    """Every semantic problem of the declared users and groups (`today` dates the `expires` warnings)."""
    problems: list[Problem] = []
    first_users = _duplicates(users, "user", problems)
    first_groups = _duplicates(groups, "group", problems)
    known_groups = set(first_groups) | {config.bootstrap.group}
    known_users = set(first_users) | {config.bootstrap.user}
    suggest = Suggester(known_groups)
    for d in users:
        item = d.item
        if not _plain_refs(item.get("userGroups"), known_groups):
            _memberships(d, "userGroups", known_groups, suggest, config, problems)
            check_expiries(d, config.bootstrap, config.policy.expiry, today, problems)
        if item.get("permissions"):
            _permissions(d, known_users, known_groups, suggest, config, problems)
        if item.get("invite") is True and not item.get("email"):
            message = f"user {d.entry.id!r}: invite needs an email (the invitation is e-mailed to it)"
            problems.append(Problem(d.field_at("invite"), "error", message, "invite-email"))
    for d in groups:
        item = d.item
        if not _plain_refs(item.get("parents"), known_groups):
            _memberships(d, "parents", known_groups, suggest, config, problems)
        if item.get("permissions"):
            _permissions(d, known_users, known_groups, suggest, config, problems)
    _cycles(first_groups, problems)
    _identities(list(first_users.values()), problems)
    _bootstrap(first_users.get(config.bootstrap.user), config, problems)
    _ignored(first_users.values(), "user", config.policy.ignore_users, "users", problems)
    _ignored(first_groups.values(), "group", config.policy.ignore_groups, "groups", problems)
    return problems


def _plain_refs(value: Any, known: set[str]) -> bool:
    """True when list field `value` is missing or only distinct known group ids (plain strings): then it has
    no membership, duplicate or `expires` problem, and no position needs to be looked up."""
    if value is None:
        return True
    if type(value) is not list:
        return False
    try:
        ids = set(value)
    except TypeError:  # `{id, expires}` items
        return False
    return len(ids) == len(value) and ids <= known  # `known` holds strings only


def _duplicates(declared: list[Declared], kind: str, problems: list[Problem]) -> dict[str, Declared]:
    ids = [d.entry.id for d in declared]
    if len(set(ids)) == len(ids):
        return dict(zip(ids, declared, strict=True))
    first: dict[str, Declared] = {}
    for d in declared:
        seen = first.get(d.entry.id)
        if seen is None:
            first[d.entry.id] = d
        else:
            problems.append(
                Problem(
                    d.entry.location,
                    "error",
                    f"duplicate {kind} id {d.entry.id!r}: first declared at {seen.entry.location}",
                    "duplicate-id",
                )
            )
    return first


def _memberships(
    d: Declared, name: str, known: set[str], suggest: Suggester, config: Config, problems: list[Problem]
) -> None:
    kind = d.entry.kind
    seen: set[str] = set()
    for _, ref, pos in d.refs(name):
        if ref in seen:
            problems.append(
                Problem(
                    d.at(pos),
                    "error",
                    f"{kind} {d.entry.id!r}: group {ref!r} is listed twice in {name}",
                    "duplicate-member",
                )
            )
            continue
        seen.add(ref)
        if ref not in known and _matches(ref, config.policy.ignore_groups) is None:
            itself = d.entry.id if kind == "group" else None  # a group is never its own parent
            problems.append(
                Problem(
                    d.at(pos),
                    "error",
                    f"{kind} {d.entry.id!r}: {name} names unknown group {ref!r} "
                    "(not declared, not the bootstrap group, not matched by policy.ignore.groups)"
                    + suggest.hint(ref, exclude=itself),
                    "unknown-group",
                )
            )


def _permissions(
    d: Declared,
    users: set[str],
    groups: set[str],
    suggest: Suggester,
    config: Config,
    problems: list[Problem],
) -> None:
    value = d.item.get("permissions")
    if not isinstance(value, list):
        return
    positions = d.doc.item_positions(value)
    for index, perm in enumerate(value):
        assignee = perm.get("assignee") if isinstance(perm, dict) else None
        if not isinstance(assignee, dict) or not isinstance(assignee.get("id"), str):
            continue
        ref, kind = assignee["id"], assignee.get("type")
        if kind == "user":
            ok = ref in users or _matches(ref, config.policy.ignore_users) is not None
        elif kind == "userGroup":
            ok = ref in groups or _matches(ref, config.policy.ignore_groups) is not None
        else:
            continue
        if not ok:
            what = "user" if kind == "user" else "group"
            hint = suggest.hint(ref) if kind == "userGroup" else ""
            problems.append(
                Problem(
                    d.at(positions[index]),
                    "error",
                    f"{d.entry.kind} {d.entry.id!r}: permissions[{index}] names unknown {what} {ref!r}{hint}",
                    f"unknown-{what}",
                )
            )


def _cycles(groups: dict[str, Declared], problems: list[Problem]) -> None:
    """Each back edge of the parents graph closes one cycle, reported at that edge's reference."""
    parents: dict[str, list[str]] = {}
    positions: dict[tuple[str, str], list[Any]] = {}
    for gid, d in groups.items():
        parents[gid] = []
        for _, ref, pos in d.refs("parents"):
            if ref in groups:
                parents[gid].append(ref)
                positions.setdefault((gid, ref), []).append(pos)
    for cycle in iter_cycles(parents):
        edge = (cycle[-2], cycle[-1])
        location = groups[edge[0]].at(positions[edge].pop(0))
        message = f"group parents form a cycle: {' -> '.join(cycle)}"
        problems.append(Problem(location, "error", message, "parent-cycle"))


def _identities(users: list[Declared], problems: list[Problem]) -> None:
    items = [d.item for d in users]
    auths = [a for a in map(dict.get, items, repeat("authId")) if isinstance(a, str)]
    emails = [e for e in map(dict.get, items, repeat("email")) if isinstance(e, str)]
    if (
        len(set(auths)) == len(auths)
        and all(map(EMAIL.fullmatch, emails))
        and len(set(map(str.casefold, emails))) == len(emails)
    ):
        return  # no duplicate, no malformed address: nothing to place
    auth: dict[str, Declared] = {}
    email: dict[str, Declared] = {}
    for d in users:
        value = d.item.get("authId")
        if isinstance(value, str):
            other = auth.setdefault(value, d)
            if other is not d:
                problems.append(
                    Problem(
                        d.field_at("authId"),
                        "error",
                        f"user {d.entry.id!r}: authId {value!r} is also the authId of user "
                        f"{other.entry.id!r} ({other.field_at('authId')})",
                        "duplicate-authid",
                    )
                )
        value = d.item.get("email")
        if isinstance(value, str) and EMAIL.fullmatch(value) is None:
            problems.append(
                Problem(
                    d.field_at("email"),
                    "warning",
                    f"user {d.entry.id!r}: email {shorten(repr(value), 300)} is not an e-mail address "
                    "(expected name@domain.tld, without spaces)",
                    "email-format",
                )
            )
        if isinstance(value, str):
            other = email.setdefault(value.casefold(), d)
            if other is not d:
                problems.append(
                    Problem(
                        d.field_at("email"),
                        "warning",
                        f"user {d.entry.id!r}: email {value!r} is also the email of user "
                        f"{other.entry.id!r} ({other.field_at('email')})",
                        "duplicate-email",
                    )
                )


def _bootstrap(d: Declared | None, config: Config, problems: list[Problem]) -> None:
    if d is None or "userGroups" not in d.item:
        return  # not declared, or its memberships are not managed: the live ones are kept
    groups = d.item["userGroups"]
    if isinstance(groups, list) and config.bootstrap.group in map(ref_id, groups):
        return
    if groups is None or isinstance(groups, list):
        problems.append(
            Problem(
                d.field_at("userGroups"),
                "error",
                f"user {d.entry.id!r} is the bootstrap user: its userGroups must include the "
                f"bootstrap group {config.bootstrap.group!r}",
                "bootstrap-membership",
            )
        )


def _ignored(declared: Any, kind: str, globs: tuple[str, ...], section: str, problems: list[Problem]) -> None:
    if not globs:
        return
    for d in declared:
        glob = _matches(d.entry.id, globs)
        if glob is not None:
            problems.append(
                Problem(
                    d.entry.location,
                    "warning",
                    f"{kind} {d.entry.id!r} is declared but matches policy.ignore.{section} {glob!r}: "
                    "policy.ignore wins and this entry is not applied",
                    "ignored-declared",
                )
            )
