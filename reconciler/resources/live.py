"""The permissions documents of a plan, a restore and an import, read from the live organization.

What the engine's Session asks of the resources: which documents the state involves (and whether its
workspaces exist), their live and desired forms; a backup's documents against the live ones; the live ones
as state for `import`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reconciler.client import GoodDataClient
from reconciler.layout import RenderOptions, disabled, ignored
from reconciler.plan import DocumentPlan
from reconciler.progress import Progress, plural
from reconciler.resources import (
    by_keys,
    check_workspaces_exist,
    document_plans,
    ignored_workspaces,
    permission_resources,
)
from reconciler.resources.base import ORGANIZATION_KEY, Resource, workspace_key, workspace_of
from reconciler.resources.grants import assignees, without_missing
from reconciler.resources.importing import permissions_state
from reconciler.resources.reading import WORKERS, read_documents
from reconciler.source.access import LISTS
from reconciler.source.model import DesiredState

if TYPE_CHECKING:
    from reconciler.config import Config


class LiveDocuments:
    """Reads the permissions documents of one target (in parallel, through `factory`'s extra clients)."""

    def __init__(
        self,
        config: Config,
        client: GoodDataClient,
        factory: Callable[[], GoodDataClient] | None,
        progress: Progress,
        workers: int = WORKERS,
    ) -> None:
        self.config = config
        self.client = client
        self.factory = factory
        self.progress = progress
        self.workers = workers  # documents read (and written) at once

    def read(self, resources: Sequence[Resource]) -> dict[str, dict[str, Any]]:
        """The live documents of `resources`, by key."""
        if not resources:
            return {}
        what = plural(len(resources), "permissions document")
        with self.progress.stage(f"reading {what}", done=f"read {what}"):
            return read_documents(resources, self.client, self.factory, self.workers)

    def for_state(
        self, state: DesiredState, users: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], dict[str, DocumentPlan]]:
        """Notes and the document plans of every permissions document the state involves; `users` is the
        desired users-and-groups document: carried-over grants of a user or group it no longer holds are
        dropped (revoked before the principal is deleted, rather than named in a PUT after it)."""
        resources = permission_resources(state, self.config)
        notes = tuple(
            f"workspace {w} is declared but matches policy.ignore.workspaces: left untouched"
            for w in ignored_workspaces(state, self.config)
        )
        if any(r.rank == 1 for r in resources):
            check_workspaces_exist(state, resources, {w["id"] for w in self.client.list_workspaces()})
        off = sorted(uid for uid, entry in state.users.items() if disabled(entry))
        if off:  # a disabled user's direct grants go wherever they are: every permissions document is read
            notes += tuple(
                f"user {uid} is disabled: it keeps its account but loses every group membership and every "
                "direct workspace and organization grant"
                for uid in off
            )
            globs = self.config.policy.ignore_workspaces
            every = [
                workspace_key(w["id"]) for w in self.client.list_workspaces() if not ignored(w["id"], globs)
            ]
            known = {r.key for r in resources}
            extra = by_keys([k for k in [*every, ORGANIZATION_KEY] if k not in known], self.config)
            resources = sorted([*resources, *extra], key=lambda r: (r.rank, r.key))
        live = self.read(resources)
        kept = {("user", u["id"]) for u in users["users"] if u["id"] not in off} | {
            ("userGroup", g["id"]) for g in users["userGroups"]
        }
        desired = {r.key: without_missing(r.render(state, live[r.key]), kept) for r in resources}
        return notes, document_plans(resources, live, desired)

    def for_backup(self, others: Mapping[str, Mapping[str, Any]]) -> dict[str, DocumentPlan]:
        """The document plans that put a backup's permissions documents back."""
        resources = by_keys(others, self.config)
        return document_plans(resources, self.read(resources), others)

    def as_state(self, options: RenderOptions) -> dict[str, Any]:
        """Import: the permissions of every workspace that has any, and the organization's."""
        globs = self.config.policy.ignore_workspaces
        ids = [w["id"] for w in self.client.list_workspaces() if not ignored(w["id"], globs)]
        resources = by_keys([workspace_key(w) for w in ids] + [ORGANIZATION_KEY], self.config)
        return permissions_state(self.read(resources), options)


def workspace_assignees(documents: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """(assignee type, id) -> every workspace where it holds permissions (for the cascade warning), from the
    permissions documents by key."""
    found: dict[tuple[str, str], set[str]] = {}
    for key, doc in documents.items():
        wid = workspace_of(key)
        if wid is None:
            continue
        for name in LISTS:
            for who in assignees(doc.get(name) or ()):
                found.setdefault(who, set()).add(wid)
    return {who: tuple(sorted(ws)) for who, ws in found.items()}
