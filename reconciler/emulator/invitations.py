"""Invitations: `POST /api/v1/actions/invite` (GoodData Cloud's invitation queue) into an outbox.

GoodData Cloud puts `{email, userId, firstName?, lastName?, forceSend?}` into its invitation generator queue
and answers 204; the emulator sends no mail but keeps every accepted invitation in an outbox that tests read
through `Emulator.outbox` or `GET /_emulator/outbox` (an emulator-only path, bootstrap token only). The outbox
lives in memory. Inferred: the user must exist (an invitation is for a user of the organization).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from reconciler.emulator.user_rules import ID_RE, MAX_LEN

OUTBOX_PATH = "/_emulator/outbox"
FIELDS = {"email": str, "userId": str, "firstName": str, "lastName": str, "forceSend": bool}
REQUIRED = ("email", "userId")


def check(body: Any) -> list[str]:
    """Problems of an Invitation body (empty when valid)."""
    if not isinstance(body, dict):
        return ["the body must be an object {email, userId, firstName, lastName, forceSend}"]
    problems = [f"'{key}' is required" for key in REQUIRED if key not in body]
    problems += [f"unknown field '{key}'" for key in sorted(set(body) - set(FIELDS))]
    for key, kind in FIELDS.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, kind):
            problems.append(f"{key}: expected a {'boolean' if kind is bool else 'string'}")
        elif isinstance(value, str) and len(value) > MAX_LEN:
            problems.append(f"{key}: longer than {MAX_LEN} characters")
    email = body.get("email")
    if isinstance(email, str) and "@" not in email:
        problems.append(f"email: {email!r} is not an e-mail address")
    user_id = body.get("userId")
    if isinstance(user_id, str) and ID_RE.fullmatch(user_id) is None:
        problems.append(f"userId: {user_id!r} is not a valid id")
    return problems


class Outbox:
    """The invitations accepted so far, oldest first; safe to use from several request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[dict[str, Any]] = []

    def add(self, body: dict[str, Any], sent_by: str) -> dict[str, Any]:
        """Record an accepted invitation (with who sent it and when) and return the record."""
        record = {key: body[key] for key in FIELDS if body.get(key) is not None}
        record.setdefault("forceSend", False)
        record["sentBy"] = sent_by
        record["sentAt"] = time.time()
        with self._lock:
            self._sent.append(record)
        return dict(record)

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._sent]

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()
