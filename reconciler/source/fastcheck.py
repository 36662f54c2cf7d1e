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


@cache
def _rules() -> tuple[re.Pattern[str], int, frozenset[str], frozenset[str]]:
    defs = load_schema(STATE_SCHEMA)["$defs"]
    pattern = re.compile(defs["id"]["pattern"])
    max_length = int(defs["user"]["properties"]["email"]["maxLength"])
    return pattern, max_length, frozenset(defs["user"]["properties"]), frozenset(defs["group"]["properties"])


def plainly_valid(item: Any, kind: str) -> bool:
    """True only when `item` certainly satisfies the schema of a user (kind "user") or group entry."""
    if type(item) is not dict:
        return False
    pattern, max_length, user_keys, group_keys = _rules()
    allowed = user_keys if kind == "user" else group_keys
    ident = item.get("id")
    if type(ident) is not str or pattern.match(ident) is None or ident.endswith("\n"):
        return False
    for key, value in item.items():
        if key == "id":
            continue
        if key not in allowed:
            return False
        if value is None:
            continue
        if key in _TEXT:
            if type(value) is not str or len(value) > max_length:
                return False
        elif key in _LISTS:
            if type(value) is not list:
                return False
            for ref in value:
                if type(ref) is not str or pattern.match(ref) is None or ref.endswith("\n"):
                    return False
        elif key == "systemAccount":
            if type(value) is not bool:
                return False
        elif key in _EMPTY_OK:
            if value != [] or type(value) is not list:
                return False
        else:
            return False
    return True
