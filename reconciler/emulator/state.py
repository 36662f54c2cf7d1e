"""What the emulator serves and remembers: the organization, workspaces, tokens, faults and the request log.

The HTTP side (handler.py) answers from an EmulatorState; server.py's Emulator is an EmulatorState that also
listens on a socket.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.emulator import rules, workspaces
from reconciler.emulator.faults import FaultQueue, RandomFailures
from reconciler.emulator.store import Store, encode
from reconciler.emulator.workspaces import Workspaces

DEFAULT_TOKEN = "YWRtaW46Ym9vdHN0cmFwOmFkbWluMTIz"  # GoodData.CN Community Edition: admin:bootstrap:admin123
REQUEST_LOG_SIZE = 10_000
ADMIN_PERMISSIONS = ("MANAGE", "SELF_CREATE_TOKEN")
ORGANIZATION_ID = "default"
ORGANIZATION_NAME = "Default Organization"


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator saw; `status` is None when the connection was dropped without an answer."""

    method: str
    path: str
    status: int | None
    trace_id: str
    body: bytes | None = None


class EmulatorState:
    """A GoodData-compatible organization in memory (and in `data_file`), shared by the request threads."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        data_file: Path | None = None,
        bootstrap_user: str = "admin",
        bootstrap_group: str = "adminGroup",
        fail_rate: float = 0.0,
        latency: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.latency = latency
        self.random_failures = RandomFailures(fail_rate, seed)
        self.faults = FaultQueue()
        # Deleting a user or group deletes its workspace permissions, as on GoodData.
        self.workspaces = Workspaces()
        self.store = Store(
            bootstrap_user=bootstrap_user,
            bootstrap_group=bootstrap_group,
            data_file=Path(data_file) if data_file is not None else None,
            on_publish=self.workspaces.prune,
            sections={"workspaces": self.workspaces},
        )
        self._tokens: dict[str, str] = {token: bootstrap_user}
        self._tokens_lock = threading.Lock()
        self._log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()
        self._url: str | None = None
        self.scheme = "http"

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:41234."""
        if self._url is None:
            raise RuntimeError("emulator not started")
        return self._url

    # -- the organization --------------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """A deep copy of the current normalized usersAndUserGroups document."""
        result: dict[str, Any] = json.loads(self.store.snapshot.body())
        return result

    def replace_document(self, doc: dict[str, Any]) -> None:
        """Replace the organization, with the same validation as a PUT (raises ValueError)."""
        if not isinstance(doc, dict):
            raise rules.InvalidDocument([f"expected a JSON object, got {type(doc).__name__}"])
        # A round trip through JSON keeps the caller's objects out of the store and rejects non-JSON values.
        raw = _json_copy(doc)
        self.store.update(lambda _current: raw)

    def add_token(self, token: str, user_id: str) -> None:
        """Accept `token` as a bearer token owned by `user_id` (what /api/v1/profile returns)."""
        with self._tokens_lock:
            self._tokens[token] = user_id

    def token_owner(self, token: str | None) -> str | None:
        """The user id that owns `token`, or None when the token is unknown."""
        if token is None:
            return None
        with self._tokens_lock:
            return self._tokens.get(token)

    def permissions_of(self, user_id: str) -> list[str]:
        """Organization permissions of a user: the bootstrap group's members manage the organization."""
        user = next((u for u in self.store.snapshot.doc["users"] if u["id"] == user_id), None)
        if user is None:
            return []
        groups = {r["id"] for r in user.get("userGroups", ())}
        return list(ADMIN_PERMISSIONS) if self.bootstrap_group in groups else []

    def profile(self, user_id: str, base: str) -> dict[str, Any]:
        """GET /api/v1/profile for the owner of the token, shaped like GoodData's Profile."""
        doc = self.store.snapshot.doc
        user: dict[str, Any] = next((u for u in doc["users"] if u["id"] == user_id), {})
        name = " ".join(p for p in (user.get("firstname"), user.get("lastname")) if p) or user_id
        return {
            "entitlements": [],
            "features": {"context": {"earlyAccess": "", "earlyAccessValues": []}, "items": {}},
            "links": {
                "organization": f"{base}/api/v1/entities/admin/organizations/{ORGANIZATION_ID}",
                "self": f"{base}/api/v1/profile",
                "user": f"{base}/api/v1/entities/users/{user_id}",
            },
            "name": name,
            "organizationId": ORGANIZATION_ID,
            "organizationName": ORGANIZATION_NAME,
            "permissions": self.permissions_of(user_id),
            "telemetryConfig": {
                "context": {"deploymentId": "emulator", "organizationHash": "", "userHash": ""},
                "services": {},
            },
            "userId": user_id,
        }

    def set_workspace_permissions(
        self,
        workspace_id: str,
        permissions: list[dict[str, Any]] | None = None,
        hierarchy_permissions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Create a workspace (if needed) with these permissions; test setup (raises ValueError)."""
        doc = {"permissions": permissions or [], "hierarchyPermissions": hierarchy_permissions or []}
        problems = workspaces.check(doc)
        if problems:
            raise rules.InvalidDocument(problems)
        self.store.save(lambda: self.workspaces.put(workspace_id, doc))

    def add_workspace(self, workspace_id: str, *, name: str | None = None, parent: str | None = None) -> None:
        """Create a workspace (its parent must exist); test setup (raises ValueError)."""
        try:
            self.store.save(lambda: self.workspaces.save(workspace_id, name, parent, create=True))
        except workspaces.WorkspaceError as e:
            raise rules.InvalidDocument([e.detail]) from e

    def organization_permissions(self) -> list[dict[str, Any]]:
        """GET /api/v1/layout/organization/permissions of a default organization."""
        assignee = {"id": self.bootstrap_group, "type": "userGroup"}
        return [{"assignee": assignee, "name": name} for name in ADMIN_PERMISSIONS]

    # -- the request log ---------------------------------------------------------------------------------

    def record(self, method: str, path: str, status: int | None, trace_id: str, body: bytes | None) -> None:
        with self._log_lock:
            self._log.append(RequestRecord(method, path, status, trace_id, body))

    @property
    def request_log(self) -> list[RequestRecord]:
        """The requests seen so far (the last REQUEST_LOG_SIZE), oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        """Forget the requests seen so far."""
        with self._log_lock:
            self._log.clear()


def _json_copy(doc: Any) -> Any:
    try:
        return json.loads(encode(doc))
    except (TypeError, ValueError) as e:
        raise rules.InvalidDocument([f"not a JSON document: {e}"]) from e
