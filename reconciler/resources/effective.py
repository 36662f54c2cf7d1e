"""Effective access of a plan and of `reconciler access`: the organization's documents as an AccessModel.

A plan changes documents (memberships, parents, grants); who gains and loses what follows from all of them
together: a user who joins a group gains that group's grants on every workspace, including workspaces the
state does not mention. So the models are built from every workspace's permissions (read in parallel), the
organization's, and the users-and-groups document, before (live) and after (desired, with the server's
cascade: grants of a deleted principal go with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.access.changes import access_changes
from reconciler.access.delta import AccessChange
from reconciler.access.model import AccessModel
from reconciler.plan import DocumentPlan
from reconciler.resources import by_keys
from reconciler.resources.base import ORGANIZATION_KEY, workspace_key, workspace_of
from reconciler.resources.live import LiveDocuments


@dataclass(frozen=True)
class OrganizationDocuments:
    """The live workspace tree (id → parent), workspace names, and every permissions document by key."""

    tree: Mapping[str, str | None]
    names: Mapping[str, str]
    documents: Mapping[str, Mapping[str, Any]]

    def model(
        self,
        users: Mapping[str, Any],
        changed: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        cascade: bool = False,
    ) -> AccessModel:
        """The access of `users` (a users-and-groups document) with these documents, or `changed` ones."""
        documents = {**self.documents, **(changed or {})}
        workspaces = {w: doc for key, doc in documents.items() if (w := workspace_of(key)) is not None}
        organization = (documents.get(ORGANIZATION_KEY) or {}).get("permissions") or ()
        return AccessModel.from_documents(
            users, self.tree, workspaces, list(organization), workspace_names=self.names, cascade=cascade
        )

    def access(
        self,
        live_users: Mapping[str, Any],
        desired_users: Mapping[str, Any],
        plans: Mapping[str, DocumentPlan],
        *,
        bootstrap_group: str,
    ) -> tuple[AccessChange, ...]:
        """Who gains and who loses what when the plan is applied, escalations first."""
        before = self.model(live_users)
        after = self.model(desired_users, {k: p.desired for k, p in plans.items()}, cascade=True)
        return tuple(access_changes(before, after, bootstrap_group=bootstrap_group))


def read_organization(
    source: LiveDocuments,
    plans: Mapping[str, DocumentPlan] | None = None,
    organization: list[dict[str, Any]] | None = None,
) -> OrganizationDocuments:
    """The live organization's workspaces and permissions documents; those a plan read already (its document
    plans, the `organization` permissions) are not read again."""
    listed = source.client.list_workspaces()
    tree = {str(w["id"]): w.get("parent") for w in listed}
    names = {str(w["id"]): str(w["name"]) for w in listed if isinstance(w.get("name"), str)}
    read: dict[str, Mapping[str, Any]] = {k: p.live for k, p in (plans or {}).items()}
    if organization is not None:
        read.setdefault(ORGANIZATION_KEY, {"permissions": organization})
    keys = [workspace_key(w) for w in tree] + [ORGANIZATION_KEY]
    read.update(source.read(by_keys([k for k in keys if k not in read], source.config)))
    return OrganizationDocuments(tree, names, read)
