"""The users brick's CSV (GoodData's Ruby LCM `users` brick, API.md §7.1) read as provisioning records, so a
team's existing brick input goes to a reviewed pull request unchanged (`reconciler load`). Pure.

A CSV whose header has `login` (headers lower-cased, as the brick does) is a brick CSV: one row per user and
project. For `--kind users`, its rows become one record per login: `user_id` the login as import names it
(logins.id_for_login), `email` the `email` column or else the login, `firstname`/`lastname` from
`first_name`/`last_name` (the first row that has them), `user_groups` the union of the rows' comma-separated
`user_groups` (ids from the names, logins.id_for_group; an empty cell: no group; no column: not managed).
For `--kind permissions`, each row with a `project_id` (or `client_id`) becomes that user's grant on that
workspace: the permissions of its `role` through the default bundles (roles.py; a role is matched by
identifier, case-insensitive, with or without its `Role` suffix, as the brick matches it; empty is
`readOnlyUserRole`, the brick's default). The brick's other columns (`password`, `sso_provider`,
`authentication_modes`, `language`, `company`, `position`, `country`, `phone`, `ip_whitelist`) are read and
not used: the state has no such fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from reconciler.platform.logins import id_for_group, id_for_login
from reconciler.platform.roles import DEFAULT_ROLES
from reconciler.source.model import Location
from reconciler.source.problem import Problem

Raw = tuple[dict[str, Any], Location, dict[str, Location]]
UNUSED = (
    "password",
    "sso_provider",
    "authentication_modes",
    "language",
    "company",
    "position",
    "country",
    "phone",
    "ip_whitelist",
)
COLUMNS = (
    "login",
    "first_name",
    "last_name",
    "email",
    "role",
    "user_groups",
    "project_id",
    "client_id",
    *UNUSED,
)


def is_brick(header: Sequence[str]) -> bool:
    """A users brick CSV: it has `login` and not the productivity tools' `user_id`."""
    names = [h.lower() for h in header]
    return "login" in names and "user_id" not in names


def unknown_columns(header: Sequence[str]) -> list[str]:
    """Columns of a brick CSV that the brick does not read either."""
    return [h for h in header if h.lower() not in COLUMNS]


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def _bad(raw: Mapping[str, Any], where: Location, positions: Mapping[str, Location]) -> Problem | None:
    if "__width__" in raw:
        msg = f"has {raw['__width__']} columns, unlike the header (quote a value that holds the delimiter)"
        return Problem(where, "error", msg, "record")
    if not _text(raw, "login"):
        return Problem(positions.get("login", where), "error", "login: missing", "record")
    return None


def _rows(rows: Iterable[Raw], problems: list[Problem]) -> Iterator[Raw]:
    """The rows with a login and the header's width; the others' problems go to `problems`."""
    for row in rows:
        problem = _bad(*row)
        if problem is None:
            yield row
        else:
            problems.append(problem)


def users(rows: Iterable[Raw]) -> tuple[list[Raw], list[Problem]]:
    """One user record per login (the rows of one login merged), and the rows' problems."""
    out: dict[str, Raw] = {}
    problems: list[Problem] = []
    for raw, where, positions in _rows(rows, problems):
        login = _text(raw, "login").lower()
        uid = id_for_login(login)
        if uid not in out:
            record: dict[str, Any] = {"user_id": uid, "email": _text(raw, "email") or _text(raw, "login")}
            places = {"user_id": positions.get("login", where), "email": positions.get("email", where)}
            out[uid] = (record, where, places)
        record, _, places = out[uid]
        for column, name in (("first_name", "firstname"), ("last_name", "lastname")):
            if column in raw and _text(raw, column) and not record.get(name):
                record[name] = _text(raw, column)
                places[name] = positions.get(column, where)
            elif column in raw:
                record.setdefault(name, "")
        if "user_groups" in raw:
            groups = [id_for_group(g.strip()) for g in _text(raw, "user_groups").split(",") if g.strip()]
            record["user_groups"] = list(dict.fromkeys([*record.get("user_groups", []), *groups]))
            places.setdefault("user_groups", positions.get("user_groups", where))
    return list(out.values()), problems


def _role(value: str) -> str | None:
    if not value:
        return "readOnlyUserRole"
    want = value.lower()
    return next((r for r in DEFAULT_ROLES if want in (r.lower(), r.lower().removesuffix("role"))), None)


def permissions(rows: Iterable[Raw]) -> tuple[list[Raw], list[Problem]]:
    """One permission record per row: the user's role on the row's project, as workspace permissions."""
    out: list[Raw] = []
    problems: list[Problem] = []
    for raw, where, positions in _rows(rows, problems):
        column = "project_id" if "project_id" in raw else "client_id"
        workspace = _text(raw, column)
        if not workspace:
            msg = f"{column}: missing (the project the row's role is on)"
            problems.append(Problem(positions.get(column, where), "error", msg, "record"))
            continue
        role = _role(_text(raw, "role"))
        if role is None:
            msg = (
                f"role: {_text(raw, 'role')!r} is not one of the default roles ({', '.join(DEFAULT_ROLES)}); "
                "give its permissions in a permissions export instead"
            )
            problems.append(Problem(positions.get("role", where), "error", msg, "record"))
            continue
        record = {
            "user_id": id_for_login(_text(raw, "login")),
            "ws_id": workspace,
            "ws_permissions": list(DEFAULT_ROLES[role]),
        }
        places = {
            "user_id": positions.get("login", where),
            "ws_id": positions.get(column, where),
            "ws_permissions": positions.get("role", where),
        }
        out.append((record, where, places))
    return out, problems
