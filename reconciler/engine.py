"""The library entry points the CLI calls: open a target, read live state, plan, import, list backups.

`Session` holds one connection to one target (for the local target, the embedded emulator stays up while the
session is open), so a plan shown to the user and the apply that follows talk to the same organization.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from reconciler import backup, invitations
from reconciler.access.model import AccessModel
from reconciler.backup_source import EMBEDDED, BackupSource
from reconciler.client import ClientOptions, GoodDataClient
from reconciler.config import Config
from reconciler.errors import BackupError, ConfigError, StalePlanError, StateError
from reconciler.freshness import LiveRead
from reconciler.graph import iter_cycles
from reconciler.layout import RenderOptions, canonical, render, render_with_notes, to_state
from reconciler.local_organization import LocalOrganization
from reconciler.plan import DeletionLimits, DocumentPlan, Plan, PlanContext, make_plan
from reconciler.plan_file import load_plan as load_plan  # the CLI's entry points stay here
from reconciler.plan_file import save_plan as save_plan
from reconciler.progress import NULL, Progress
from reconciler.resources import by_keys, effective
from reconciler.resources.base import Resource
from reconciler.resources.live import LiveDocuments, workspace_assignees
from reconciler.resources.reading import WORKERS
from reconciler.source import load_state
from reconciler.source.model import DesiredState
from reconciler.targets import ResolvedTarget, resolve_target

log = logging.getLogger(__name__)

LOCAL_DIR = Path(".reconciler") / "local"
# Target kinds besides GoodData Cloud (`platform:` in reconciler.yaml): the module that resolves a target of
# that kind and opens its session (a Session with that platform's set of resources).
TARGET_KINDS = {"gooddata-platform": "reconciler.platform.session"}


@dataclass(frozen=True, kw_only=True)
class TargetChoice:
    """Which target to use and how to override it (flags, environment), as the CLI gathered them."""

    name: str | None = None
    host: str | None = None
    token_env: str | None = None
    profile: str | None = None
    profiles_path: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    client: ClientOptions = field(default_factory=ClientOptions)
    progress: Progress = NULL  # where long operations report (the CLI's stderr display)


def target_name(config: Config, choice: TargetChoice) -> str:
    """The name of the target a command works on."""
    return choice.name or config.default_target


def local_dir(config: Config) -> Path:
    """Where the embedded organization keeps its data and its (uncommitted) backups."""
    return config.root / LOCAL_DIR


def backups_dir(config: Config, target: ResolvedTarget) -> Path:
    """The local organization is a sandbox: its backups stay in .reconciler/local/backups (SPEC §8), a git
    repository of its own, so it has a history to restore from without committing to the user's clone."""
    return local_dir(config) / "backups" if target.is_local else config.backups_dir


def deletion_limits(config: Config) -> DeletionLimits:
    """The max_deletions policy as the guards take it."""
    md = config.policy.max_deletions
    return DeletionLimits(users=md.users, groups=md.groups, percent=md.percent, grants=md.grants)


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
        return canonical(self.client.get_layout())

    def _live_read(self) -> tuple[dict[str, Any], str]:
        """The live layout, canonical, and the SHA-256 of the body it was parsed from."""
        doc, sha = self.client.read_layout()
        assert doc is not None  # no known digest: always parsed
        return canonical(doc), sha

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


def _kind(config: Config, choice: TargetChoice) -> Any:
    """The module of the chosen target's kind (TARGET_KINDS), None for GoodData Cloud."""
    spec = config.targets.get(target_name(config, choice))
    kind = getattr(spec, "platform", None)
    if kind is None:
        return None
    if kind not in TARGET_KINDS:
        raise ConfigError(f"invalid config: target {spec.name!r}: unknown platform {kind!r}")  # type: ignore[union-attr]
    return importlib.import_module(TARGET_KINDS[kind])


def resolve(config: Config, choice: TargetChoice) -> ResolvedTarget:
    """The chosen target with its host and token (flags > reconciler.yaml > environment); no connection."""
    kind = _kind(config, choice)
    if kind is not None:
        resolved: ResolvedTarget = kind.resolve(config, choice)
        return resolved
    return resolve_target(
        config.targets,
        target_name(config, choice),
        env=choice.env,
        host=choice.host,
        token_env=choice.token_env,
        profile=choice.profile,
        profiles_path=choice.profiles_path,
    )


def backup_file(config: Config, choice: TargetChoice) -> Path:
    """The backup file of the chosen target (offline: resolving the target contacts no server)."""
    name = target_name(config, choice)
    return backup.backup_path(backups_dir(config, resolve(config, choice)), name)


@contextmanager
def open_session(config: Config, choice: TargetChoice) -> Iterator[Session]:
    """Resolve the target, start the embedded organization if it is the local one, and connect."""
    kind = _kind(config, choice)
    if kind is not None:
        with kind.open_session(config, choice) as session:
            yield session
        return
    name = target_name(config, choice)
    resolved = resolve(config, choice)
    for note in resolved.notes:  # a flag or the environment chose the host: say so, at any verbosity
        log.warning("target %s: %s", name, note)
    with ExitStack() as stack:
        if resolved.is_local:
            resolved = stack.enter_context(
                LocalOrganization(
                    local_dir(config) / "org.json",
                    bootstrap_user=config.bootstrap.user,
                    bootstrap_group=config.bootstrap.group,
                )
            )
        if not resolved.host or not resolved.token:
            raise ConfigError(f"invalid config: target {name!r} has no host or token")
        log.info("target %s: %s (%s)", resolved.name, resolved.host, resolved.source)
        options = choice.client
        if resolved.ca_bundle and not options.ca_bundle:
            options = replace(options, ca_bundle=resolved.ca_bundle)
        host, token, target = resolved.host, resolved.token, resolved.name

        def connect(progress: Progress = NULL) -> GoodDataClient:
            return GoodDataClient(host, token, options=options, target_name=target, progress=progress)

        client = stack.enter_context(connect(choice.progress))
        workers = options.concurrency
        yield Session(config, resolved, client, choice.progress, client_factory=connect, workers=workers)


def load_desired(
    config: Config, *, strict: bool = False, progress: Progress = NULL, today: date | None = None
) -> DesiredState:
    """Load and validate the state files as of `today` (StateError with every problem when invalid)."""
    return load_state(config, strict=strict, progress=progress, today=today)


def render_offline(config: Config, state: DesiredState) -> dict[str, Any]:
    """The document the state renders to without a server (no carried-over fields)."""
    return render(
        state,
        None,
        RenderOptions(
            bootstrap_user=config.bootstrap.user,
            bootstrap_group=config.bootstrap.group,
            prune=config.policy.prune,
            ignore_users=config.policy.ignore_users,
            ignore_groups=config.policy.ignore_groups,
            expiry_warn_days=config.policy.expiry.warn_days,
        ),
    )


def check_saved_plan(plan: Plan, session: Session) -> None:
    """A saved plan applies only to the target it was made for (staleness is checked right before the PUT)."""
    if plan.target != session.target.name:
        raise StalePlanError(
            f"refused: the plan was made for target {plan.target!r}, not {session.target.name!r}"
        )
