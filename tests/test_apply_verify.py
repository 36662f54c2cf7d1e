"""The verification after the layout's PUT (reconciler.apply): the bytes sent are not parsed again, any other
answer is compared as a document."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

from reconciler.apply import _verify_layout
from reconciler.client import layout_body
from reconciler.layout import canonical

DESIRED = canonical(
    {
        "userGroups": [{"id": "adminGroup"}, {"id": "analysts", "name": "Analysts"}],
        "users": [
            {"id": "admin", "userGroups": [{"id": "adminGroup"}]},
            {"id": "jane", "email": "jane@example.com", "userGroups": [{"id": "analysts"}]},
        ],
    }
)


class Server:
    """A client whose GET of the layout answers `body` (the client's read_layout contract)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.parsed = 0

    def read_layout(
        self, known_sha256: str | None = None, known_as: str = ""
    ) -> tuple[dict[str, Any] | None, str]:
        sha = hashlib.sha256(self.body).hexdigest()
        if sha == known_sha256:
            return None, sha
        self.parsed += 1
        return json.loads(self.body), sha


def verify_against(body: bytes) -> tuple[Server, list[str]]:
    server = Server(body)
    sent = hashlib.sha256(layout_body(DESIRED)).hexdigest()
    found = _verify_layout(SimpleNamespace(client=server), DESIRED, sent)  # type: ignore[arg-type]
    return server, [f"{c.op} {c.kind} {c.id}" for c in found]


def test_the_bytes_sent_read_back_verify_without_parsing() -> None:
    server, found = verify_against(layout_body(DESIRED))
    assert found == []
    assert server.parsed == 0


def test_the_same_document_in_other_bytes_verifies() -> None:
    # another key order, spacing and entity order: the server's own serialization of the same document
    other = {"users": list(reversed(DESIRED["users"])), "userGroups": DESIRED["userGroups"]}
    server, found = verify_against(json.dumps(other, indent=1).encode())
    assert found == []
    assert server.parsed == 1


def test_a_different_document_is_found_out() -> None:
    changed = json.loads(layout_body(DESIRED))
    changed["users"][1]["email"] = "someone.else@example.com"
    del changed["userGroups"][1]
    _, found = verify_against(json.dumps(changed).encode())
    assert found == ["create group analysts", "update user jane"]
