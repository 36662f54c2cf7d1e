"""What the emulator serves and remembers: the organization, workspaces, tokens, faults and the request log.

The HTTP side (handler.py) answers from an EmulatorState; server.py's Emulator is an EmulatorState that also
listens on a socket.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from reconciler.emulator import data_source_permissions, org_permissions, rules, workspaces
from reconciler.emulator.api_tokens import ApiTokens
from reconciler.emulator.data_source_permissions import DataSources
from reconciler.emulator.faults import FaultQueue, RandomFailures
from reconciler.emulator.invitations import Outbox
from reconciler.emulator.org_permissions import OrganizationPermissions
from reconciler.emulator.requestlog import RequestLog
from reconciler.emulator.store import Store, encode
from reconciler.emulator.workspaces import Workspaces

DEFAULT_TOKEN = "YWRtaW46Ym9vdHN0cmFwOmFkbWluMTIz"  # GoodData.CN Community Edition: admin:bootstrap:admin123
ORGANIZATION_ID = "default"
ORGANIZATION_NAME = "Default Organization"


class EmulatorState(RequestLog):
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
        super().__init__()
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.latency = latency
        self.random_failures = RandomFailures(fail_rate, seed)
        self.faults = FaultQueue()
        # Deleting a user or group deletes its workspace permissions, as on GoodData.
        self.workspaces = Workspaces()
        self.data_sources = DataSources()
        self.org_permissions = OrganizationPermissions(bootstrap_group)
        self.api_tokens = ApiTokens()
        self.invitations = Outbox()
        self.store = Store(
            bootstrap_user=bootstrap_user,
            bootstrap_group=bootstrap_group,
            data_file=Path(data_file) if data_file is not None else None,
            on_publish=self._prune,
            sections={
                "workspaces": self.workspaces,
                org_permissions.SECTION: self.org_permissions,
                "apiTokens": self.api_tokens,
            },
        )
        self._tokens: dict[str, str] = {token: bootstrap_user}
        self._tokens_lock = threading.Lock()
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
            owner = self._tokens.get(token)
        return owner if owner is not None else self.api_tokens.owner(token)

    def create_api_token(self, user_id: str, token_id: str) -> str:
        """Create an API token for `user_id` (as POST .../apiTokens does) and return its bearer token."""
        body = {"data": {"id": token_id, "type": "apiToken"}}
        created: list[dict[str, Any]] = []
        self.store.save(
            lambda: created.append(
                self.api_tokens.create(self.store.snapshot.doc, self._url or "", user_id, body)
            )
        )
        token: str = created[0]["data"]["attributes"]["bearerToken"]
        return token

    def permissions_of(self, user_id: str) -> list[str]:
        """Organization permissions of a user: its own and its groups' (with their parents)."""
        return self.org_permissions.of_user(user_id, self.store.snapshot.doc)

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
        """GET /api/v1/layout/organization/permissions: what was last put, else the bootstrap group's."""
        return self.org_permissions.get()

    def set_organization_permissions(self, permissions: list[dict[str, Any]]) -> None:
        """Replace the organization permissions, validated like a PUT; test setup (raises ValueError)."""
        self.store.save(lambda: self.org_permissions.replace(permissions, self.store.snapshot.doc))

    def set_data_source_permissions(
        self, data_source_id: str, permissions: list[dict[str, Any]], name: str | None = None
    ) -> None:
        """Create a data source (if needed) with these permissions; test setup (raises ValueError)."""
        problems = data_source_permissions.check(permissions)
        if problems:
            raise rules.InvalidDocument(problems)
        self.data_sources.put(data_source_id, name, permissions)

    @property
    def outbox(self) -> list[dict[str, Any]]:
        """The invitations POST /api/v1/actions/invite accepted, oldest first (GET /_emulator/outbox)."""
        return self.invitations.messages()

    def clear_outbox(self) -> None:
        """Forget the invitations accepted so far."""
        self.invitations.clear()

    def _prune(self, doc: dict[str, Any]) -> None:
        # Deleting a user or group deletes its workspace, data source and organization permissions and
        # its API tokens, as on GoodData (runs under the store's write lock, before the file is saved).
        self.workspaces.prune(doc)
        self.data_sources.prune(doc)
        self.org_permissions.prune(doc)
        self.api_tokens.prune(doc)


def _json_copy(doc: Any) -> Any:
    try:
        return json.loads(encode(doc))
    except (TypeError, ValueError) as e:
        raise rules.InvalidDocument([f"not a JSON document: {e}"]) from e
