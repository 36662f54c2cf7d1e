"""One workspace's permissions (`/api/v1/layout/workspaces/{id}/permissions`) as a resource."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.plan_model import Change
from reconciler.resources.base import workspace_key
from reconciler.resources.grants import canonical_list, document_changes, from_grants, ignored_assignee
from reconciler.source.access import LISTS
from reconciler.source.model import DesiredState


@dataclass(frozen=True)
class WorkspacePermissions:
    """The `permissions` and `hierarchyPermissions` of workspace `workspace_id`."""

    workspace_id: str
    ignore_users: tuple[str, ...] = ()
    ignore_groups: tuple[str, ...] = ()
    rank: int = 1

    @property
    def key(self) -> str:
        return workspace_key(self.workspace_id)

    @property
    def label(self) -> str:
        return f"the permissions of workspace {self.workspace_id}"

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: doc[k] for k in doc if k not in LISTS and doc[k] is not None}
        for name in LISTS:
            out[name] = canonical_list(doc.get(name))
        return dict(sorted(out.items()))

    def read(self, client: GoodDataClient) -> dict[str, Any]:
        return self.canonical(client.get_workspace_permissions(self.workspace_id))

    def render(self, state: DesiredState, live: Mapping[str, Any]) -> dict[str, Any]:
        entry = state.workspaces.get(self.workspace_id)
        out = dict(self.canonical(live))
        if entry is None:
            return out
        for name, grants in zip(LISTS, (entry.permissions, entry.hierarchy_permissions), strict=True):
            if grants is None:
                continue  # not managed: the live list is kept
            kept = [p for p in out[name] if ignored_assignee(p, self.ignore_users, self.ignore_groups)]
            out[name] = canonical_list(kept + from_grants(grants))
        return out

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        fields = document_changes(live, desired, LISTS)
        return (Change("update", "workspace", self.workspace_id, tuple(fields)),) if fields else ()

    def write(self, client: GoodDataClient, doc: Mapping[str, Any]) -> None:
        client.put_workspace_permissions(self.workspace_id, doc)

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return dict(doc)

    def from_file(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict) or not all(isinstance(data.get(k, []), list) for k in LISTS):
            raise ValueError("not a workspace permissions document ({permissions, hierarchyPermissions})")
        return self.canonical(data)
