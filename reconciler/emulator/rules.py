"""Server-side validation of the usersAndUserGroups layout document, and building its normalized form.

`schemas/layout.schema.json` is the documented contract; this module (with user_rules.py for each user and
group) enforces the same structural rules with a hand-written pass because a jsonschema pass over 100,000
users takes far too long for a server (tests/test_emulator_rules.py checks that both agree), then the server
rules the schema cannot express.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from reconciler.emulator.normalize import normalize_group, normalize_user
from reconciler.emulator.user_rules import check_group, check_user, plain_user, plain_users
from reconciler.graph import iter_cycles

_BY_ID = itemgetter("id")
MAX_PROBLEMS = 20  # a detail naming 100,000 problems helps nobody


class InvalidDocument(ValueError):
    """The document breaks the schema or a server rule; `problems` lists what (first MAX_PROBLEMS)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        super().__init__(shown + more)


def _no_shortcut(entity: Any) -> bool:
    return False


def check_top_level(doc: Any, keys: tuple[str, ...] = ("users", "userGroups")) -> list[str]:
    """Problems of the body's outer shape: an object holding each of the top-level `keys`."""
    if not isinstance(doc, dict):
        return [f"expected a JSON object, got {type(doc).__name__}"]
    return [f"'{key}' is required" for key in keys if key not in doc]


def check_structure(doc: Any, keys: tuple[str, ...] = ("users", "userGroups")) -> list[str]:
    """Schema problems of a layout body that must hold the top-level `keys` (all of them, or one half)."""
    problems = check_top_level(doc, keys)
    if problems:
        return problems
    for key in keys:
        if not isinstance(doc[key], list):
            problems.append(f"{key}: expected an array, got {type(doc[key]).__name__}")
            continue
        check = check_user if key == "users" else check_group
        plain = plain_user if key == "users" else _no_shortcut
        for i, entity in enumerate(doc[key]):
            if plain(entity):
                continue
            problems.extend(check(f"{key}[{i}]", entity))
            if len(problems) > 10 * MAX_PROBLEMS:
                return problems
    return problems


def _duplicates(kind: str, ids: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    reported: set[str] = set()
    for i in ids:
        if i in seen and i not in reported:
            reported.add(i)
            yield f"duplicate {kind} id {i!r}"
        seen.add(i)


def _cycles(parents: dict[str, list[str]]) -> Iterator[str]:
    # One cycle is enough to reject; the rest would repeat it.
    cycle = next(iter_cycles(dict(sorted(parents.items()))), None)
    if cycle is not None:
        yield f"userGroups: cycle in parents: {' -> '.join(cycle)}"


def check_semantics(doc: dict[str, Any], *, bootstrap_user: str, bootstrap_group: str) -> list[str]:
    """Server rules over a structurally valid, normalized document."""
    users: list[dict[str, Any]] = doc["users"]
    groups: list[dict[str, Any]] = doc["userGroups"]
    problems = list(_duplicates("user", [u["id"] for u in users]))
    problems += _duplicates("userGroup", [g["id"] for g in groups])
    group_ids = {g["id"] for g in groups}
    for u in users:
        for ref in u.get("userGroups", ()):
            if ref["id"] not in group_ids:
                problems.append(f"user {u['id']!r}: unknown userGroup {ref['id']!r} in userGroups")
        if u["settings"]:
            for s_id in _duplicates("setting", [s["id"] for s in u["settings"]]):
                problems.append(f"user {u['id']!r}: {s_id}")
    parents: dict[str, list[str]] = {}
    for g in groups:
        parents[g["id"]] = [p["id"] for p in g.get("parents", ())]
        for p in parents[g["id"]]:
            if p not in group_ids:
                problems.append(f"userGroup {g['id']!r}: unknown userGroup {p!r} in parents")
    problems += _cycles(parents)
    admin = next((u for u in users if u["id"] == bootstrap_user), None)
    if admin is None:
        problems.append(f"the bootstrap user {bootstrap_user!r} is missing")
    if bootstrap_group not in group_ids:
        problems.append(f"the bootstrap userGroup {bootstrap_group!r} is missing")
    if admin is not None and all(r["id"] != bootstrap_group for r in admin.get("userGroups", ())):
        problems.append(
            f"the bootstrap user {bootstrap_user!r} must be in the bootstrap userGroup {bootstrap_group!r}"
        )
    return problems


def build_document(users: Any, groups: Any, *, bootstrap_user: str, bootstrap_group: str) -> dict[str, Any]:
    """Validate and normalize a whole document; raise InvalidDocument with every problem found."""
    # Plain users (no settings or permissions entries) are checked and normalized in one pass; when any
    # user is not plain, every user takes the full check, so the problems reported are the same.
    plain = plain_users(users)
    if plain is None:
        problems = check_structure({"users": users, "userGroups": groups})
    else:
        problems = check_structure({"userGroups": groups}, ("userGroups",))
    if problems:
        raise InvalidDocument(problems)
    doc = {
        "userGroups": sorted((normalize_group(g) for g in groups), key=_BY_ID),
        "users": sorted(plain if plain is not None else map(normalize_user, users), key=_BY_ID),
    }
    problems = check_semantics(doc, bootstrap_user=bootstrap_user, bootstrap_group=bootstrap_group)
    if problems:
        raise InvalidDocument(problems)
    return doc


def bootstrap_document(*, bootstrap_user: str, bootstrap_group: str) -> dict[str, Any]:
    """A new organization: the bootstrap user in the bootstrap group."""
    return build_document(
        [{"id": bootstrap_user, "userGroups": [{"id": bootstrap_group, "type": "userGroup"}]}],
        [{"id": bootstrap_group}],
        bootstrap_user=bootstrap_user,
        bootstrap_group=bootstrap_group,
    )
