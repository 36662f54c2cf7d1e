"""The organization's permissions (`/api/v1/layout/organization/permissions`, a bare array) as a resource.

Internally the document is `{"permissions": [...]}` so that it digests and diffs like the others; the backup
file holds the bare array, as the API writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.plan_model import Change
from reconciler.resources.base import ORGANIZATION_KEY
from reconciler.resources.grants import canonical_list, document_changes, from_grants, ignored_assignee
from reconciler.source.model import DesiredState

ORGANIZATION_ID = "organization"


@dataclass(frozen=True)
class OrganizationPermissions:
    """MANAGE, SELF_CREATE_TOKEN, BASE_UI_ACCESS of the organization's users and groups."""

    ignore_users: tuple[str, ...] = ()
    ignore_groups: tuple[str, ...] = ()
    rank: int = 2
    key: str = ORGANIZATION_KEY
    label: str = "the organization permissions"

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return {"permissions": canonical_list(doc.get("permissions"))}

    def read(self, client: GoodDataClient) -> dict[str, Any]:
        return {"permissions": canonical_list(client.get_organization_permissions())}

    def render(self, state: DesiredState, live: Mapping[str, Any]) -> dict[str, Any]:
        out = self.canonical(live)
        if state.organization is None or state.organization.permissions is None:
            return out
        kept = [p for p in out["permissions"] if ignored_assignee(p, self.ignore_users, self.ignore_groups)]
        return {"permissions": canonical_list(kept + from_grants(state.organization.permissions))}

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        fields = document_changes(live, desired, ("permissions",))
        return (Change("update", "organization", ORGANIZATION_ID, tuple(fields)),) if fields else ()

    def write(self, client: GoodDataClient, doc: Mapping[str, Any]) -> None:
        client.put_organization_permissions(doc.get("permissions") or [])

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return list(doc.get("permissions") or [])

    def from_file(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, list):
            raise ValueError("not an organization permissions document (a JSON array)")
        return {"permissions": canonical_list(data)}
