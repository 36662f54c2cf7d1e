"""The library entry points the CLI calls: resolve and open a target, load the state, render it offline.

`open_session` gives a `Session` (reconciler/session.py): one connection to one target, for the local
target with the embedded emulator up while it is open, through which plan, import and apply run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from reconciler import backup
from reconciler.client import ClientOptions, GoodDataClient
from reconciler.config import Config
from reconciler.errors import ConfigError, StalePlanError
from reconciler.layout import RenderOptions, render
from reconciler.local_organization import LocalOrganization
from reconciler.plan import DeletionLimits, Plan
from reconciler.plan_file import load_plan as load_plan  # the CLI's entry points stay here
from reconciler.plan_file import save_plan as save_plan
from reconciler.progress import NULL, Progress
from reconciler.session import Session as Session
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
