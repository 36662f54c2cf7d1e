"""Server-side validation of the usersAndUserGroups layout document, and building its normalized form.

`schemas/layout.schema.json` is the documented contract; this module enforces the same structural rules with a
hand-written pass because a jsonschema pass over 100,000 users takes far too long for a server
(tests/test_emulator_rules.py checks that both agree), then the server rules the schema cannot express.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reconciler.emulator.normalize import normalize_group, normalize_user
from reconciler.graph import iter_cycles

ID_RE = re.compile(r"(?!\.)[.A-Za-z0-9_-]{1,255}")
SETTING_TYPE_RE = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
MAX_LEN = 255
MAX_PROBLEMS = 20  # a detail naming 100,000 problems helps nobody

_USER_STRINGS = ("authId", "email", "firstname", "lastname")
_USER_LISTS = ("userGroups", "settings", "permissions")
_GROUP_LISTS = ("parents", "permissions")


class InvalidDocument(ValueError):
    """The document breaks the schema or a server rule; `problems` lists what (first MAX_PROBLEMS)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        super().__init__(shown + more)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and ID_RE.fullmatch(value) is not None


def _id_problem(where: str, value: Any) -> str:
    if not isinstance(value, str):
        return f"{where}: expected a string id, got {type(value).__name__}"
    return f"{where}: {value!r} is not a valid id (1-255 of A-Z a-z 0-9 . _ -, not starting with a dot)"


def _check_ref(where: str, ref: Any, types: tuple[str, ...]) -> Iterator[str]:
    if not isinstance(ref, dict):
        yield f"{where}: expected an object"
        return
    if "id" not in ref:
        yield f"{where}: 'id' is required"
    elif not _is_id(ref["id"]):
        yield _id_problem(f"{where}.id", ref["id"])
    if "type" not in ref:
        yield f"{where}: 'type' is required"
    elif ref["type"] not in types:
        yield f"{where}.type: {ref['type']!r} is not one of {list(types)}"


def _check_permissions(where: str, perms: list[Any]) -> Iterator[str]:
    for i, perm in enumerate(perms):
        at = f"{where}[{i}]"
        if not isinstance(perm, dict):
            yield f"{at}: expected an object"
            continue
        if "name" not in perm:
            yield f"{at}: 'name' is required"
        elif perm["name"] != "SEE":
            yield f"{at}.name: {perm['name']!r} is not one of ['SEE']"
        if "assignee" not in perm:
            yield f"{at}: 'assignee' is required"
        else:
            yield from _check_ref(f"{at}.assignee", perm["assignee"], ("user", "userGroup"))


def _check_settings(where: str, settings: list[Any]) -> Iterator[str]:
    for i, setting in enumerate(settings):
        at = f"{where}[{i}]"
        if not isinstance(setting, dict):
            yield f"{at}: expected an object"
            continue
        if "id" not in setting:
            yield f"{at}: 'id' is required"
        elif not _is_id(setting["id"]):
            yield _id_problem(f"{at}.id", setting["id"])
        kind = setting.get("type")
        if kind is not None and not (isinstance(kind, str) and SETTING_TYPE_RE.fullmatch(kind)):
            yield f"{at}.type: {kind!r} is not a setting type (UPPER_CASE, at most 255)"
        content = setting.get("content")
        if content is not None and not isinstance(content, dict):
            yield f"{at}.content: expected an object, got {type(content).__name__}"


def _check_string(where: str, value: Any) -> Iterator[str]:
    if value is None:
        return
    if not isinstance(value, str):
        yield f"{where}: expected a string, got {type(value).__name__}"
    elif len(value) > MAX_LEN:
        yield f"{where}: longer than {MAX_LEN} characters"


def _plain_user(user: Any) -> bool:
    """Cheap test for the common user that check_user would pass (a True here implies no problems there)."""
    return _plain_normalized(user) is not None


def _plain_normalized(user: Any) -> dict[str, Any] | None:
    """`normalize_user(user)` for a user `_plain_user` accepts, in one pass; None for any other user."""
    if type(user) is not dict:
        return None
    out: dict[str, Any] = {}
    for key, value in user.items():
        if value is None:
            if key == "id":
                return None
            continue
        if key == "id":
            if type(value) is not str or ID_RE.fullmatch(value) is None:
                return None
        elif key in _USER_STRINGS:
            if type(value) is not str or len(value) > MAX_LEN:
                return None
        elif key == "userGroups":
            if type(value) is not list:
                return None
            ids = set()
            for ref in value:
                if type(ref) is not dict or ref.get("type") != "userGroup" or not _is_id(ref.get("id")):
                    return None
                ids.add(ref["id"])
            if ids:
                out[key] = [{"id": i, "type": "userGroup"} for i in sorted(ids)]
            continue
        elif key in ("settings", "permissions"):
            if type(value) is not list or value:
                return None
            continue
        elif key == "systemAccount" and type(value) is not bool:
            return None
        out[key] = value
    if "id" not in out:
        return None
    out["settings"] = []
    out["permissions"] = []
    return dict(sorted(out.items()))


def _plain_users(users: Any) -> list[dict[str, Any]] | None:
    """Every user normalized when all of them are plain (the common 100,000-user PUT), else None."""
    if type(users) is not list:
        return None
    out = []
    for user in users:
        normalized = _plain_normalized(user)
        if normalized is None:
            return None
        out.append(normalized)
    return out


def check_user(where: str, user: Any) -> Iterator[str]:
    """Structural problems of one DeclarativeUser."""
    if not isinstance(user, dict):
        yield f"{where}: expected an object"
        return
    if "id" not in user:
        yield f"{where}: 'id' is required"
    elif not _is_id(user["id"]):
        yield _id_problem(f"{where}.id", user["id"])
    for key in _USER_STRINGS:
        yield from _check_string(f"{where}.{key}", user.get(key))
    system = user.get("systemAccount")
    if system is not None and not isinstance(system, bool):
        yield f"{where}.systemAccount: expected a boolean, got {type(system).__name__}"
    for key in _USER_LISTS:
        value = user.get(key)
        if value is not None and not isinstance(value, list):
            yield f"{where}.{key}: expected an array, got {type(value).__name__}"
        elif value:
            if key == "userGroups":
                for i, ref in enumerate(value):
                    yield from _check_ref(f"{where}.userGroups[{i}]", ref, ("userGroup",))
            elif key == "settings":
                yield from _check_settings(f"{where}.settings", value)
            else:
                yield from _check_permissions(f"{where}.permissions", value)


def check_group(where: str, group: Any) -> Iterator[str]:
    """Structural problems of one DeclarativeUserGroup."""
    if not isinstance(group, dict):
        yield f"{where}: expected an object"
        return
    if "id" not in group:
        yield f"{where}: 'id' is required"
    elif not _is_id(group["id"]):
        yield _id_problem(f"{where}.id", group["id"])
    yield from _check_string(f"{where}.name", group.get("name"))
    for key in _GROUP_LISTS:
        value = group.get(key)
        if value is not None and not isinstance(value, list):
            yield f"{where}.{key}: expected an array, got {type(value).__name__}"
        elif value:
            if key == "parents":
                for i, ref in enumerate(value):
                    yield from _check_ref(f"{where}.parents[{i}]", ref, ("userGroup",))
            else:
                yield from _check_permissions(f"{where}.permissions", value)


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
        plain = _plain_user if key == "users" else _no_shortcut
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
    plain = _plain_users(users)
    if plain is None:
        problems = check_structure({"users": users, "userGroups": groups})
    else:
        problems = check_structure({"userGroups": groups}, ("userGroups",))
    if problems:
        raise InvalidDocument(problems)
    doc = {
        "userGroups": sorted((normalize_group(g) for g in groups), key=lambda g: g["id"]),
        "users": sorted(plain if plain is not None else map(normalize_user, users), key=lambda u: u["id"]),
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
