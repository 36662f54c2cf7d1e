"""The older platform's documents, as the resources read, write and back up (PLATFORM.md "Documents").

- `platform.users`: `{"users": [{"login", "email", "firstName", "lastName"}]}`, sorted by login;
- `projects/<pid>.users`: `{"members": [{"login", "role", "status"}]}`, sorted by login;
- `projects/<pid>.userGroups`: `{"userGroups": [{"name", "members": [login, ...]}]}`, sorted by name.

Logins are lower-cased (the platform and its SDKs compare them so). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

USERS_KEY = "platform.users"
PROJECT_PREFIX = "projects/"
MEMBERS_SUFFIX = ".users"
GROUPS_SUFFIX = ".userGroups"
ENABLED = "ENABLED"
DISABLED = "DISABLED"
STATUSES = (ENABLED, DISABLED)
_PID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def members_key(pid: str) -> str:
    """`projects/<pid>.users`."""
    return f"{PROJECT_PREFIX}{pid}{MEMBERS_SUFFIX}"


def groups_key(pid: str) -> str:
    """`projects/<pid>.userGroups`."""
    return f"{PROJECT_PREFIX}{pid}{GROUPS_SUFFIX}"


def project_of(key: str) -> tuple[str, str] | None:
    """(project id, "members" | "groups") of a project document's key, else None (never a path out)."""
    if not key.startswith(PROJECT_PREFIX):
        return None
    rest = key[len(PROJECT_PREFIX) :]
    for suffix, kind in ((MEMBERS_SUFFIX, "members"), (GROUPS_SUFFIX, "groups")):
        pid = rest[: -len(suffix)]
        if rest.endswith(suffix) and _PID.fullmatch(pid):
            return pid, kind
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


Entry = Callable[[str, Mapping[str, Any], dict[str, Any] | None], dict[str, Any]]


def _sorted_by(items: Any, field: str, entry: Entry, *, lower: bool = True) -> list[dict[str, Any]]:
    """One entry per text `field` (lower-cased, for a login) sorted by it, an item without one skipped;
    `entry(value, item, earlier)` makes it, `earlier` the entry of an item before with the same value."""
    by: dict[str, dict[str, Any]] = {}
    for item in items or ():
        value = _text(item.get(field))
        if value is not None:
            value = value.lower() if lower else value
            by[value] = entry(value, item, by.get(value))
    return [by[k] for k in sorted(by)]


def canonical_users(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Domain users by lower-cased login; empty names and e-mails as None."""

    def user(login: str, u: Mapping[str, Any], _: dict[str, Any] | None) -> dict[str, Any]:
        email, first, last = _text(u.get("email")), _text(u.get("firstName")), _text(u.get("lastName"))
        return {"login": login, "email": email, "firstName": first, "lastName": last}

    return {"users": _sorted_by(doc.get("users"), "login", user)}


def canonical_members(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Project members by lower-cased login, each with one role identifier (or None) and a status."""

    def member(login: str, m: Mapping[str, Any], _: dict[str, Any] | None) -> dict[str, Any]:
        status = m.get("status") if m.get("status") in STATUSES else ENABLED
        return {"login": login, "role": _text(m.get("role")), "status": status}

    return {"members": _sorted_by(doc.get("members"), "login", member)}


def canonical_groups(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Project user groups by name, members lower-cased, sorted and deduplicated."""

    def group(name: str, g: Mapping[str, Any], earlier: dict[str, Any] | None) -> dict[str, Any]:
        members = set(earlier["members"] if earlier else ()) | _logins(g.get("members") or ())
        return {"name": name, "members": sorted(members)}

    return {"userGroups": _sorted_by(doc.get("userGroups"), "name", group, lower=False)}


def _logins(values: Iterable[Any]) -> set[str]:
    return {v.lower() for v in values if isinstance(v, str) and v}


def canonical(key: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical form of the document named `key`."""
    if key == USERS_KEY:
        return canonical_users(doc)
    found = project_of(key)
    if found is None:
        raise ValueError(f"not an older-platform document key: {key!r}")
    return canonical_members(doc) if found[1] == "members" else canonical_groups(doc)


def check_shape(key: str, data: Any) -> dict[str, Any]:
    """A backup file's content as the canonical document (ValueError when it is not one)."""
    field = {USERS_KEY: "users"}.get(key)
    if field is None:
        found = project_of(key)
        field = None if found is None else ("members" if found[1] == "members" else "userGroups")
    if field is None or not isinstance(data, dict) or not isinstance(data.get(field), list):
        raise ValueError(f"not an older-platform {key} document ({{{field or '?'}: [...]}})")
    return canonical(key, data)
