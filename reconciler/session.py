"""One open connection to one target (`Session`): read the live organization, plan against it, import it.

For the local target the embedded emulator stays up while the session is open (reconciler.engine opens
sessions), so a plan shown to the user and the apply that follows talk to the same organization.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from reconciler import invitations
from reconciler.access.model import AccessModel
from reconciler.backup_source import EMBEDDED, BackupSource
from reconciler.client import GoodDataClient
from reconciler.config import Config
from reconciler.errors import BackupError, StateError
from reconciler.freshness import LiveRead
from reconciler.graph import iter_cycles
from reconciler.layout import RenderOptions, canonical, render, render_with_notes, to_state
from reconciler.plan import DocumentPlan, Plan, PlanContext, make_plan
from reconciler.progress import NULL, Progress
from reconciler.resources import by_keys, effective
from reconciler.resources.base import Resource
from reconciler.resources.live import LiveDocuments, workspace_assignees
from reconciler.resources.reading import WORKERS
from reconciler.source.model import DesiredState
from reconciler.targets import ResolvedTarget


class Session:
    """One open connection to one target: read live state, plan, and (in `apply`) write."""

    def __init__(
        self,
        config: Config,
        target: ResolvedTarget,
        client: GoodDataClient,
        progress: Progress = NULL,
        client_factory: Callable[[], GoodDataClient] | None = None,
        workers: int = WORKERS,
    ) -> None:
        self.config = config
        self.documents = LiveDocuments(config, client, client_factory, progress, workers)
        self.target = target
        self.client = client
        self.progress = progress
        self._owner: str | None = None
        self._organization_permissions: list[dict[str, Any]] | None = None
        self._organization: tuple[str | None] | None = None
        # What the last plan of this session read (its apply backs up these documents, not a second read).
        self.last_read: LiveRead | None = None

    @property
    def token_owner(self) -> str:
        """The user the token belongs to (GET /api/v1/profile), a protected principal."""
        if self._owner is None:
            self._owner = self.client.token_owner()
        return self._owner

    @property
    def organization_id(self) -> str | None:
        """The organization's id when the server names it (GET /api/v1/entities/organization)."""
        if self._organization is None:
            self._organization = (self.client.organization_id(),)
        return self._organization[0]

    def source(self, read_at: str) -> BackupSource:
        """Where a backup read now from this target comes from (the local target: its port changes)."""
        host = EMBEDDED if self.target.is_local else (self.target.host or "")
        return BackupSource(self.target.name, host, read_at, self.organization_id)

    @property
    def protected_users(self) -> frozenset[str]:
        return frozenset({self.config.bootstrap.user, self.token_owner})

    @property
    def protected_groups(self) -> frozenset[str]:
        return frozenset({self.config.bootstrap.group})

    def render_options(self) -> RenderOptions:
        policy = self.config.policy
        return RenderOptions(
            bootstrap_user=self.config.bootstrap.user,
            bootstrap_group=self.config.bootstrap.group,
            protected_users=self.protected_users,
            prune=policy.prune,
            ignore_users=policy.ignore_users,
            ignore_groups=policy.ignore_groups,
            expiry_warn_days=policy.expiry.warn_days,
        )

    def live(self) -> dict[str, Any]:
        """GET the live layout document, canonical (render, diff and digest then skip normalizing it)."""
        return canonical(self.client.get_layout(), consume=True)

    def _live_read(self) -> tuple[dict[str, Any], str]:
        """The live layout, canonical, and the SHA-256 of the body it was parsed from."""
        doc, sha = self.client.read_layout()
        assert doc is not None  # no known digest: always parsed
        return canonical(doc, consume=True), sha

    def plan_context(self, notes: tuple[str, ...] = ()) -> PlanContext:
        manage_users: set[str] = set()
        manage_groups: set[str] = set()
        self._organization_permissions = self.client.get_organization_permissions()  # the plan reuses it
        for perm in self._organization_permissions:
            assignee = perm.get("assignee") or {}
            if perm.get("name") == "MANAGE":
                (manage_groups if assignee.get("type") == "userGroup" else manage_users).add(
                    assignee.get("id", "")
                )
        return PlanContext(
            bootstrap_user=self.config.bootstrap.user,
            bootstrap_group=self.config.bootstrap.group,
            manage_users=frozenset(manage_users),
            manage_groups=frozenset(manage_groups),
            notes=notes,
        )

    def plan_state(self, state: DesiredState) -> Plan:
        """Plan the change from the live organization to the desired state."""
        live, sha = self._live_read()
        rendered = render_with_notes(state, live, self.render_options())
        _refuse_carried_cycle(state, rendered.document)
        notes, documents = self.documents.for_state(state, rendered.document)
        invited = invitations.planned(state, live, rendered.document)
        notes += invitations.notes(invited)
        plan = self._plan(live, rendered.document, rendered.notes + notes, documents, sha)
        return replace(plan, invitations=invited) if invited else plan

    def plan_document(
        self, desired: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Plan:
        """Plan the change from the live organization to whole documents (restore of a backup): the users
        and groups layout, and the other documents by key."""
        live, sha = self._live_read()
        return self._plan(live, desired, (), self.documents.for_backup(others or {}), sha)

    def backup_documents(self, raw: Mapping[str, Any], rev: str) -> dict[str, dict[str, Any]]:
        """A backup's documents (files by key, read at `rev`) as this target's resources take them."""
        out = {}
        for resource in by_keys(raw, self.config):
            try:
                out[resource.key] = resource.from_file(raw[resource.key])
            except ValueError as e:
                raise BackupError(f"backup error: {resource.key}.json at {rev}: {e}") from e
        return out

    def read_documents(self, resources: Sequence[Resource]) -> dict[str, dict[str, Any]]:
        """The live permissions documents of `resources`, by key (read in parallel)."""
        return self.documents.read(resources)

    def _plan(
        self,
        live: Mapping[str, Any],
        desired: Mapping[str, Any],
        notes: tuple[str, ...],
        documents: Mapping[str, DocumentPlan],
        live_sha256: str | None = None,
    ) -> Plan:
        # The plan names where it was made (every report and the apply prompt show it); the embedded
        # organization's loopback port means nothing to the user.
        local = self.target.is_local
        host = "" if local else self.target.host or ""
        make = partial(make_plan, live, desired, target=self.target.name, host=host, embedded=local)
        context = self.plan_context(notes)
        plan = make(context=context, documents=documents)
        self.last_read = LiveRead(
            plan.live_digest, live, live_sha256, {k: dict(p.live) for k, p in documents.items()}
        )
        if not plan.has_changes:
            return plan
        # Who gains and loses access, and who holds the permissions a deletion takes with it, need every
        # workspace's permissions: one request per workspace (in parallel), only for a plan that changes.
        org = effective.read_organization(self.documents, documents, self._organization_permissions)
        if any(plan.deletions.values()):
            context = replace(context, workspace_assignees=workspace_assignees(org.documents))
            plan = make(context=context, documents=documents)
        group = self.config.bootstrap.group
        return replace(plan, access=org.access(live, plan.desired, documents, bootstrap_group=group))

    def access_model(self, state: DesiredState | None = None) -> AccessModel:
        """Effective access (`reconciler access`): the live organization's, or what `state` would give."""
        org = effective.read_organization(self.documents)
        if state is None:
            return org.model(self.live())
        plan = self.plan_state(state)
        return org.model(plan.desired, plan.documents, cascade=True)

    def render_live(self, state: DesiredState) -> dict[str, Any]:
        """The desired document with live fields carried over."""
        return render(state, self.live(), self.render_options())

    def import_state(self) -> dict[str, Any]:
        """The live organization in the state files' shape, with the permissions of every workspace that
        has any and the organization's."""
        options = self.render_options()
        return {**to_state(self.live(), options), **self.documents.as_state(options)}


def _refuse_carried_cycle(state: DesiredState, document: Mapping[str, Any]) -> None:
    """Refuse a cycle that a group's carried-over live `parents` close with declared ones.

    Validation cannot see this (it needs the live organization) and the server would refuse the PUT after the
    backup commit, so say it here, before anything is written.
    """
    parents = {g["id"]: [p["id"] for p in g.get("parents") or ()] for g in document.get("userGroups", ())}
    cycle = next(iter_cycles(dict(sorted(parents.items()))), None)
    if cycle is not None:
        carried = [g for g in cycle[:-1] if g not in state.groups or not state.groups[g].owns("parents")]
        where = "; ".join(f"{state.groups[g].location}: group {g}" for g in cycle[:-1] if g in state.groups)
        raise StateError(
            "invalid state: group parents form a cycle once the live parents of "
            f"{', '.join(carried) or 'the undeclared groups'} are carried over: "
            f"{' -> '.join(cycle)}; declare `parents` on those groups ({where})"
        )
