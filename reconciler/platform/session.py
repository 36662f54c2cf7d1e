"""A session on an older-platform target: the engine's Session with the older platform's resources.

`reconciler.engine` opens it for a target of kind `gooddata-platform` (engine.TARGET_KINDS): plan, import
and restore read the domain's users and each project's members and groups (bounded concurrency, reading.py),
map the state through reconciler.platform.mapping, and make the same Plan as GoodData Cloud's (same reports,
effective-access lines, fingerprint); apply is reconciler.platform.apply.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from reconciler.access.changes import access_changes
from reconciler.access.model import AccessModel
from reconciler.config import Config
from reconciler.engine import Session, TargetChoice, target_name
from reconciler.errors import BackupError, ConfigError
from reconciler.layout import canonical, digest
from reconciler.plan import Plan
from reconciler.plan_documents import combined_digest
from reconciler.plan_model import PlanWarning, fingerprint, in_apply_order
from reconciler.platform import documents as docs
from reconciler.platform.access import project_access
from reconciler.platform.checks import check
from reconciler.platform.effective import model
from reconciler.platform.invitations import unsent
from reconciler.platform.mapping import keys, render
from reconciler.platform.options import PlatformOptions
from reconciler.platform.reading import read_all
from reconciler.platform.resources import Directory, resources
from reconciler.platform.restoring import restored
from reconciler.platform.reverse import to_state
from reconciler.platform.roles import bundles
from reconciler.platform_targets import PlatformTarget, open_platform_client, resolve_platform_target
from reconciler.progress import NULL, Progress
from reconciler.source.model import DesiredState
from reconciler.targets import ResolvedTarget

if TYPE_CHECKING:
    from reconciler.apply import ApplyOptions, ApplyResult
    from reconciler.client.platform import PlatformClient

log = logging.getLogger(__name__)
EMPTY_LAYOUT = canonical({"users": [], "userGroups": []})  # the older platform has no layout document


class PlatformSession(Session):
    """One logged-in connection to one older-platform domain."""

    def __init__(
        self,
        config: Config,
        target: ResolvedTarget,
        platform: PlatformTarget,
        client: PlatformClient,
        progress: Progress = NULL,
    ) -> None:
        # Not Session.__init__: there is no GoodData Cloud client; the methods the CLI calls are these.
        self.config = config
        self.target = target
        self.platform = platform
        self.platform_client = client
        self.progress = progress
        self.directory = Directory()
        self._read: dict[str, dict[str, dict[str, Any]]] = {}  # plan fingerprint -> the documents it read
        self._owner: str | None = None

    # -- who and where ---------------------------------------------------------------------------------

    @property
    def token_owner(self) -> str:
        """The executing login (never disabled or removed)."""
        if self._owner is None:
            self._owner = self.platform_client.current_login().lower()
        return self._owner

    @property
    def organization_id(self) -> str | None:
        return f"domain {self.platform.domain}"

    @property
    def protected_users(self) -> frozenset[str]:
        return frozenset({self.token_owner})

    def options(self, state: DesiredState | None = None) -> PlatformOptions:
        """How the state maps onto this target."""
        policy = self.config.policy
        return PlatformOptions(
            projects=dict(self.platform.projects),
            roles=bundles(self.platform.roles, state.roles if state else None),
            executing_login=self.token_owner,
            hard_removal=self.platform.remove_members,
            prune=policy.prune,
            ignore_users=policy.ignore_users,
            ignore_groups=policy.ignore_groups,
        )

    # -- reading ---------------------------------------------------------------------------------------

    def read(self, names: list[str]) -> dict[str, dict[str, Any]]:
        """The live documents named by key."""
        return read_all(self.platform_client, resources(names, self.directory))

    def live(self) -> dict[str, Any]:
        return dict(EMPTY_LAYOUT)

    def project_ids(self) -> list[str]:
        """The projects an import reads: those of the target's `projects` mapping and every project the
        executing login is a member of (the platform lists them)."""
        return sorted(set(self.platform.projects.values()) | set(self.platform_client.projects()))

    def live_documents(self, plan: Plan) -> dict[str, dict[str, Any]]:
        """The live documents of a plan: those this session read to make it (a plan just made, about to
        be applied), else read now."""
        return self._read.pop(plan.fingerprint, None) or self.read(list(plan.documents))

    # -- plans -----------------------------------------------------------------------------------------

    def plan_state(self, state: DesiredState) -> Plan:
        """Check the state for this target (before anything is read), read, render and plan."""
        options = self.options(state)
        access = project_access(state)
        check(state, options, access)
        live = self.read(keys(state, options))
        result = render(state, live, options, access)
        invited = unsent(self.platform_client, result.invitations)
        notes = result.notes + tuple(
            f"user {i['login']} will be invited to project {i['project']} as {i['role']} ({i['email']})"
            if i in invited
            else f"user {i['login']} already has a pending invitation to project {i['project']}: not invited"
            for i in result.invitations
        )
        return self.make_plan(live, result.documents, notes, invited, options)

    def plan_document(
        self, desired: Mapping[str, Any], others: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Plan:
        """Restore: the backup's documents (`others`) against the live ones."""
        wanted = {k: dict(v) for k, v in (others or {}).items()}
        if not wanted:
            raise ConfigError(
                f"refused: the backup holds no documents of the older platform for {self.target.name}"
            )
        options = self.options()
        live = self.read(sorted(wanted))
        wanted = restored(live, wanted, hard_removal=options.hard_removal)
        return self.make_plan(live, wanted, (), (), options)

    def backup_documents(self, raw: Mapping[str, Any], rev: str) -> dict[str, dict[str, Any]]:
        """A backup's older-platform documents by key (BackupError for a file that is not one)."""
        out = {}
        for r in resources(sorted(raw), self.directory):
            try:
                out[r.key] = r.from_file(raw[r.key])
            except ValueError as e:
                raise BackupError(f"backup error: {r.key}.json at {rev}: {e}") from e
        return out

    def make_plan(
        self,
        live: Mapping[str, Mapping[str, Any]],
        desired: Mapping[str, Mapping[str, Any]],
        notes: tuple[str, ...],
        invitations: tuple[dict[str, str], ...],
        options: PlatformOptions,
    ) -> Plan:
        found = resources(sorted(desired), self.directory)
        canon = {r.key: r.canonical(desired[r.key]) for r in found}
        live_c = {r.key: r.canonical(live[r.key]) for r in found}
        changes = in_apply_order(c for r in found for c in r.diff(live_c[r.key], canon[r.key]))
        empty = digest(EMPTY_LAYOUT, is_canonical=True)
        live_digest = combined_digest(empty, live_c)
        desired_digest = combined_digest(empty, canon)
        users = live_c.get(docs.USERS_KEY, {}).get("users", [])
        groups = sum(len(d.get("userGroups", ())) for d in live_c.values())
        plan = Plan(
            target=self.target.name,
            changes=changes,
            warnings=tuple(PlanWarning("note", "info", n) for n in notes),
            live_digest=live_digest,
            desired_digest=desired_digest,
            fingerprint=fingerprint(live_digest, desired_digest),
            desired=dict(EMPTY_LAYOUT),
            live_counts={"users": len(users), "groups": groups},
            host=self.platform.host,
            documents={k: canon[k] for k in sorted(canon)},
            invitations=invitations,
        )
        if not plan.has_changes:
            return plan
        self._read = {plan.fingerprint: live_c}
        return replace(plan, access=tuple(access_changes(model(live_c, options), model(canon, options))))

    def import_state(self) -> dict[str, Any]:
        """Every project's members and groups and the domain's users, as state files."""
        projects = self.project_ids()
        if not projects:
            log.warning(
                "target %s names no projects (`projects:` in reconciler.yaml) and the platform lists none "
                "for %s: only the domain's users are imported",
                self.target.name,
                self.platform.login,
            )
        names = [docs.USERS_KEY] + [k for p in projects for k in (docs.members_key(p), docs.groups_key(p))]
        return to_state(self.read(names), self.options())

    # -- not for this target kind ------------------------------------------------------------------------

    def render_live(self, state: DesiredState) -> dict[str, Any]:
        raise ConfigError("refused: `render` shows the GoodData Cloud layout; plan an older-platform target")

    def access_model(self, state: DesiredState | None = None) -> AccessModel:
        raise ConfigError("refused: `access` reads GoodData Cloud targets; plan an older-platform target")

    def apply_own(self, plan: Plan, options: ApplyOptions) -> ApplyResult:
        """Apply a plan of this target (reconciler.apply.apply_plan hands it over)."""
        from reconciler.platform.apply import apply_platform

        return apply_platform(self, plan, options)


def resolve(config: Config, choice: TargetChoice) -> ResolvedTarget:
    """The target as the engine names it (no connection; the password is not read)."""
    name = target_name(config, choice)
    spec = config.targets[name]
    host = choice.host or spec.host or "https://secure.gooddata.com"
    return ResolvedTarget(name, host, None, False, f"{spec.platform} domain {spec.domain}")


@contextmanager
def open_session(config: Config, choice: TargetChoice) -> Iterator[PlatformSession]:
    """Log in to the older-platform target, yield its session, log out at the end."""
    name = target_name(config, choice)
    platform = resolve_platform_target(
        config.targets,
        name,
        env=choice.env,
        host=choice.host,
        token_env=choice.token_env,
        profile=choice.profile,
    )
    with open_platform_client(platform, options=choice.client, progress=choice.progress) as client:
        target = ResolvedTarget(name, platform.host, None, False, platform.source)
        yield PlatformSession(config, target, platform, client, choice.progress)
