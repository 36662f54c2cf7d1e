"""GoodData's documents as resources with one protocol (base.py), and which ones a plan involves.

Users and groups (users_groups.py), one workspace's permissions (workspace_permissions.py), the
organization's permissions (organization_permissions.py); reading.py reads many with bounded concurrency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from reconciler.errors import StateError
from reconciler.plan import DocumentPlan
from reconciler.resources.base import ORGANIZATION_KEY, Resource, workspace_of
from reconciler.resources.organization_permissions import OrganizationPermissions
from reconciler.resources.workspace_permissions import WorkspacePermissions
from reconciler.source.model import DesiredState

if TYPE_CHECKING:
    from reconciler.config import Config

__all__ = [
    "Resource",
    "by_keys",
    "check_workspaces_exist",
    "document_plans",
    "ignored_workspaces",
    "permission_resources",
]


def ignored_workspaces(state: DesiredState, config: Config) -> list[str]:
    """Declared workspaces that `policy.ignore.workspaces` leaves untouched."""
    globs = config.policy.ignore_workspaces
    return [w for w in state.workspaces if any(fnmatchcase(w, g) for g in globs)]


def permission_resources(state: DesiredState, config: Config) -> list[Resource]:
    """The permissions documents the state involves: each declared workspace not ignored, then the
    organization when the state declares its permissions."""
    skip = set(ignored_workspaces(state, config))
    out: list[Resource] = [_workspace(w, config) for w in sorted(state.workspaces) if w not in skip]
    if state.organization is not None and state.organization.permissions is not None:
        out.append(_organization(config))
    return out


def by_keys(keys: Iterable[str], config: Config) -> list[Resource]:
    """The resources of documents named by key (a saved plan's, a backup's), in write order."""
    out: list[Resource] = []
    for key in keys:
        wid = workspace_of(key)
        if wid is not None:
            out.append(_workspace(wid, config))
        elif key == ORGANIZATION_KEY:
            out.append(_organization(config))
    return sorted(out, key=lambda r: (r.rank, r.key))


def check_workspaces_exist(state: DesiredState, resources: Sequence[Resource], existing: set[str]) -> None:
    """Refuse (StateError, before anything is read or written) declared workspaces the server lacks."""
    missing = [r for r in resources if isinstance(r, WorkspacePermissions) and r.workspace_id not in existing]
    if missing:
        where = "; ".join(
            f"{state.workspaces[r.workspace_id].location}: workspace {r.workspace_id!r}" for r in missing
        )
        raise StateError(
            f"invalid state: {len(missing)} declared workspace(s) do not exist on the target ({where}); "
            "this tool grants on existing workspaces, it does not create them"
        )


def document_plans(
    resources: Sequence[Resource],
    live: Mapping[str, Mapping[str, Any]],
    desired: Mapping[str, Mapping[str, Any]],
) -> dict[str, DocumentPlan]:
    """Each document's live and desired form and the changes between them."""
    out = {}
    for r in resources:
        lv, dv = r.canonical(live[r.key]), r.canonical(desired[r.key])
        out[r.key] = DocumentPlan(lv, dv, r.diff(lv, dv))
    return out


def _workspace(workspace_id: str, config: Config) -> WorkspacePermissions:
    p = config.policy
    return WorkspacePermissions(workspace_id, p.ignore_users, p.ignore_groups)


def _organization(config: Config) -> OrganizationPermissions:
    return OrganizationPermissions(config.policy.ignore_users, config.policy.ignore_groups)
