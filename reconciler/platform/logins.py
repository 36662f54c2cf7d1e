"""Which login a state user is on the older platform, and which state id a login or group name imports as.

The login is the key of a domain user. A state user's id can never be an e-mail address (ids are
`[.A-Za-z0-9_-]`, no `@`), so the login is always the user's `email`, lower-cased (the platform and its
SDKs compare logins lower-cased, API.md §2.3). A user without an `email`, or two users whose e-mails differ
only in case, cannot be mapped: the validation refuses them (mapping.py). Import goes the other way:
`jane.doe@acme.com` becomes the id `jane.doe_at_acme.com` (every other character outside the id's
alphabet becomes `_`); two logins or group names that would share an id are refused. Pure.
"""

from __future__ import annotations

import re

from reconciler.source.model import Entry

_NOT_ID = re.compile(r"[^.A-Za-z0-9_-]")


def login_of(entry: Entry) -> str | None:
    """The platform login of a declared user: its `email`, lower-cased; None when it has none."""
    email = entry.fields.get("email")
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


def id_for_login(login: str) -> str:
    """The state id a login imports as: `jane.doe@acme.com` → `jane.doe_at_acme.com`."""
    return _as_id(login.lower().replace("@", "_at_"))


def id_for_group(name: str) -> str:
    """The state id a project user group's name imports as: `Sales EMEA` → `Sales_EMEA`."""
    return _as_id(name)


def _as_id(text: str) -> str:
    out = _NOT_ID.sub("_", text)[:255]
    return "_" + out[1:] if out.startswith(".") else out or "_"
