"""The schemas' regular expressions in words: a user reads why a value is refused, not the regex.

GoodData's id rule (every user, group, group reference, assignee and setting id; the bootstrap ids of
reconciler.yaml) is `^(?!\\.)[.A-Za-z0-9_-]{1,255}$` in the schemas and in GoodData's API definition:
1 to 255 of the ASCII letters A-Z and a-z, the digits 0-9, '.', '_' and '-', the first not a '.'.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ID_PATTERN = r"^(?!\.)[.A-Za-z0-9_-]{1,255}$"
SETTING_TYPE_PATTERN = r"^[A-Z][A-Z0-9_]*$"
HOST_PATTERN = r"^https?://[^\s/]+"
TARGET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ID_MAX_LENGTH = 255
ID_RULE = "use letters, digits, '.', '_' or '-', no spaces, not starting with '.'"

_ID_CHAR = re.compile(r"[.A-Za-z0-9_-]")
_NOT_ID_CHAR = re.compile(r"[^.A-Za-z0-9_-]")
_ID = re.compile(r"(?!\.)[.A-Za-z0-9_-]{1,255}")
_SETTING_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")
_HOST = re.compile(HOST_PATTERN)
_SHOWN_CHARACTERS = 5
_SCANNED = 100_000


def id_problem(value: str) -> str | None:
    """Why `value` is not a valid GoodData id (the text after "… is not a valid GoodData id: "), or None.

    `'priya raman'` → `use letters, digits, '.', '_' or '-', no spaces, not starting with '.'`; characters
    other than a space are named (`('/' is not allowed)`), and so is a length over 255.
    """
    if _ID.fullmatch(value):
        return None
    if not value:
        return f"it is empty (an id has 1 to {ID_MAX_LENGTH} characters)"
    parts = []
    # the distinct characters, the first few in order; of a huge value (hostile input) only its head
    head = value[:_SCANNED]
    bad = {c for c in set(head) if not _ID_CHAR.fullmatch(c)}
    if bad or value.startswith("."):
        part = ID_RULE
        named = bad - {" "}
        if named:
            verb = "is" if len(named) == 1 else "are"
            total = len(named) if len(head) == len(value) else None
            part += f" ({_listing(_first(head, named), total)} {verb} not allowed"
            if total is None:
                part += f" in its first {_SCANNED} characters"
            if any(c.isalpha() for c in named):
                part += "; letters are A-Z and a-z only"
            part += ")"
        parts.append(part)
    if len(value) > ID_MAX_LENGTH:
        parts.append(f"at most {ID_MAX_LENGTH} characters, this one has {len(value)}")
    return "; ".join(parts)


def setting_type_problem(value: str) -> str | None:
    """Why `value` is not a setting type (upper-case, like LOCALE), or None."""
    if _SETTING_TYPE.fullmatch(value):
        return None
    rule = "use upper-case letters A-Z, digits and '_', starting with a letter"
    if _SETTING_TYPE.fullmatch(value.upper()):
        return f"{rule}: did you mean {value.upper()!r}?"
    return f"{rule}, e.g. 'LOCALE'"


def host_problem(value: str) -> str | None:
    """Why `value` is not a host URL (http:// or https:// and a host name), or None."""
    if _HOST.match(value):
        return None
    return "write https:// (or http://) and the host name, e.g. https://acme.cloud.gooddata.com"


_TARGET_NAME = re.compile(TARGET_NAME_PATTERN)


def target_name_problem(value: str) -> str | None:
    """Why `value` cannot name a target (it is also the directory state/backups/<target>/), or None."""
    if _TARGET_NAME.match(value):
        return None
    return (
        "use letters, digits, '.', '_' or '-' (at most 63), starting with a letter or digit: "
        "the name is also the directory of its backups"
    )


# pattern of a schema → (what a matching value is, why a value is not one)
DESCRIBED: dict[str, tuple[str, Callable[[str], str | None]]] = {
    ID_PATTERN: ("a valid GoodData id", id_problem),
    SETTING_TYPE_PATTERN: ("a valid setting type", setting_type_problem),
    HOST_PATTERN: ("a host URL", host_problem),
    TARGET_NAME_PATTERN: ("a valid target name", target_name_problem),
    DATE_PATTERN: ("a date", lambda _: "write it YYYY-MM-DD, e.g. 2027-03-31"),
}


def describe(pattern: str, value: str) -> tuple[str, str] | None:
    """(what `value` should be, why it is not) for a pattern the schemas use, or None for another pattern."""
    entry = DESCRIBED.get(pattern)
    if entry is None:
        return None
    reason = entry[1](value)
    return None if reason is None else (entry[0], reason)


def _first(value: str, chars: set[str]) -> list[str]:
    """The first _SHOWN_CHARACTERS of `chars` in the order they appear in `value`."""
    found: dict[str, None] = {}
    for match in _NOT_ID_CHAR.finditer(value):
        if match.group() in chars:
            found[match.group()] = None
            if len(found) == _SHOWN_CHARACTERS:
                break
    return list(found)


def _listing(shown_chars: list[str], total: int | None) -> str:
    """`'a', 'b' and 3 more` (no count when the total is not known)."""
    shown = [repr(c) for c in shown_chars]
    if total is not None and total > len(shown):
        shown.append(f"{total - len(shown)} more")
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
