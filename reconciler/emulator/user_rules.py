"""The rules of one user or one group of the layout document: its structure, and the one-pass normalizer of
the common plain user (what a 100,000-user PUT is made of). rules.py applies them to whole documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

ID_RE = re.compile(r"(?!\.)[.A-Za-z0-9_-]{1,255}")
SETTING_TYPE_RE = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
MAX_LEN = 255

_USER_STRINGS = ("authId", "email", "firstname", "lastname")
_USER_LISTS = ("userGroups", "settings", "permissions")
_GROUP_LISTS = ("parents", "permissions")


def is_id(value: Any) -> bool:
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
    elif not is_id(ref["id"]):
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
        elif not is_id(setting["id"]):
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


def plain_user(user: Any) -> bool:
    """Cheap test for the common user that check_user would pass (a True here implies no problems there)."""
    return plain_normalized(user) is not None


def plain_normalized(user: Any) -> dict[str, Any] | None:
    """`normalize_user(user)` for a user `plain_user` accepts, in one pass; None for any other user.

    A user already in the normal form (what the reconciler and the harness PUT: no nulls, `userGroups` sorted
    and unique, `settings` and `permissions` present and empty) is returned itself, not copied: validating it
    is all the work. Its keys stay in the order they came in; the server's answers sort them (store.encode).
    """
    if type(user) is not dict:
        return None
    as_is = "settings" in user and "permissions" in user
    for key, value in user.items():
        if value is None:
            if key == "id":
                return None
            as_is = False
        elif key == "id":
            if type(value) is not str or ID_RE.fullmatch(value) is None:
                return None
        elif key in _USER_STRINGS:
            if type(value) is not str or len(value) > MAX_LEN:
                return None
        elif key == "userGroups":
            if type(value) is not list:
                return None
            previous = ""  # ids are never empty: the first one is greater
            for ref in value:
                if type(ref) is not dict or ref.get("type") != "userGroup" or not is_id(ref.get("id")):
                    return None
                if len(ref) != 2 or ref["id"] <= previous:
                    as_is = False  # another key, out of order or repeated: rebuilt below
                previous = ref["id"]
            if not value:
                as_is = False  # an empty list is left out
        elif key in ("settings", "permissions"):
            if type(value) is not list or value:
                return None
        elif key == "systemAccount" and type(value) is not bool:
            return None
    if "id" not in user:
        return None
    if as_is:
        return user
    out: dict[str, Any] = {}
    for key, value in user.items():
        if value is None or key in ("settings", "permissions"):
            continue
        if key == "userGroups":
            ids = {ref["id"] for ref in value}
            if ids:
                out[key] = [{"id": i, "type": "userGroup"} for i in sorted(ids)]
            continue
        out[key] = value
    out["settings"] = []
    out["permissions"] = []
    return dict(sorted(out.items()))


def plain_users(users: Any) -> list[dict[str, Any]] | None:
    """Every user normalized when all of them are plain (the common 100,000-user PUT), else None."""
    if type(users) is not list:
        return None
    out = []
    for user in users:
        normalized = plain_normalized(user)
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
    elif not is_id(user["id"]):
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
    elif not is_id(group["id"]):
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
