"""A conservative shortcut past JSON Schema for the common, plainly valid user and group entries.

jsonschema spends most of a large organization's validation time on entries that are obviously fine. These
checks accept only entries that certainly satisfy `state-file.schema.json` (plain strings, id lists, booleans,
null, empty settings/permissions); anything else — including every invalid entry — still goes through the
schema, so messages do not change. A test checks that whatever passes here has no schema violations.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from reconciler.schema import load_schema

STATE_SCHEMA = "state-file.schema.json"
_TEXT = ("email", "firstname", "lastname", "authId", "name")
_LISTS = ("userGroups", "parents")
_EMPTY_OK = ("settings", "permissions")


_ID, _TEXTUAL, _LIST, _BOOL, _EMPTY, _NULL_ONLY = range(6)
_CODES = {"id": _ID, "systemAccount": _BOOL}
_CODES.update(dict.fromkeys(_TEXT, _TEXTUAL))
_CODES.update(dict.fromkeys(_LISTS, _LIST))
_CODES.update(dict.fromkeys(_EMPTY_OK, _EMPTY))


@cache
def _rules() -> tuple[re.Pattern[str], int, dict[str, int], dict[str, int]]:
    """The id pattern, the text fields' maximum length, and per kind each allowed key's check (a key these
    checks do not cover passes only when null)."""
    defs = load_schema(STATE_SCHEMA)["$defs"]
    pattern = re.compile(defs["id"]["pattern"])
    max_length = int(defs["user"]["properties"]["email"]["maxLength"])
    user = {"id": _ID, **{k: _CODES.get(k, _NULL_ONLY) for k in defs["user"]["properties"]}}
    group = {"id": _ID, **{k: _CODES.get(k, _NULL_ONLY) for k in defs["group"]["properties"]}}
    return pattern, max_length, user, group


_GOOD_REFS: set[str] = set()  # list items already matched against the id pattern (group ids repeat)
_GOOD_REFS_MAX = 100_000


def _good_ref(ref: object, pattern: re.Pattern[str]) -> bool:
    if type(ref) is not str or pattern.match(ref) is None or ref.endswith("\n"):
        return False
    if len(_GOOD_REFS) >= _GOOD_REFS_MAX:
        _GOOD_REFS.clear()
    _GOOD_REFS.add(ref)
    return True


def plainly_valid(item: Any, kind: str) -> bool:
    """True only when `item` certainly satisfies the schema of a user (kind "user") or group entry."""
    if type(item) is not dict:
        return False
    pattern, max_length, user_codes, group_codes = _rules()
    codes = user_codes if kind == "user" else group_codes
    ident = item.get("id")
    if type(ident) is not str or pattern.match(ident) is None or ident.endswith("\n"):
        return False
    good = _GOOD_REFS
    for key, value in item.items():
        code = codes.get(key)
        if code is None:
            return False
        if value is None or code == _ID:
            continue
        if code == _TEXTUAL:
            if type(value) is not str or len(value) > max_length:
                return False
        elif code == _LIST:
            if type(value) is not list:
                return False
            for ref in value:
                if type(ref) is not str or (ref not in good and not _good_ref(ref, pattern)):
                    return False
        elif code == _BOOL:
            if type(value) is not bool:
                return False
        elif code == _EMPTY:
            if value != [] or type(value) is not list:
                return False
        else:
            return False
    return True
