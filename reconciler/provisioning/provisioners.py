"""`UserProvisioner` and `UserGroupProvisioner`: the provisioning library's API on the reconciler's engine.

Code written for `gooddata-pipelines` changes its import line and nothing else. Where that library makes one
to five requests per record and keeps no backup, a load here is one GET of the organization, a plan, the
guards (protected principals, `max_deletions`), a backup of the live organization (committed when it lies in
a git work tree), one PUT, and a read-back that verifies it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from reconciler.apply import ApplyOptions, apply_plan
from reconciler.client.options import ClientOptions
from reconciler.config import Config, MaxDeletions, Policy
from reconciler.engine import Session, TargetChoice, open_session
from reconciler.errors import ReconcilerError
from reconciler.load import LoadOptions
from reconciler.permission_load import permission_plan
from reconciler.plan_model import Plan
from reconciler.provisioning.logger import LogObserver
from reconciler.provisioning.models import (
    ModelError,
    PermissionFullLoad,
    PermissionIncrementalLoad,
    UserFullLoad,
    UserGroupFullLoad,
    UserGroupIncrementalLoad,
    UserIncrementalLoad,
)
from reconciler.records import Mode, RecordKind
from reconciler.sync import desired_from_records
from reconciler.targets import TargetSpec, load_profile

TOKEN_VAR = "RECONCILER_PROVISIONING_TOKEN"  # the token travels in this mapping only, never os.environ
DEFAULT_PROFILES = Path.home() / ".gooddata" / "profiles.yaml"

P = TypeVar("P", bound="_Provisioner")


class ProvisioningError(Exception):
    """A load failed; the message says why and what was written (nothing, unless it says so)."""


class _Provisioner:
    KIND: ClassVar[RecordKind]
    FULL_LOAD_TYPE: ClassVar[type[Any]]
    INCREMENTAL_LOAD_TYPE: ClassVar[type[Any]]

    def __init__(
        self,
        host: str,
        token: str,
        *,
        backups_dir: Path | None = None,
        create_missing_groups: bool = True,
        max_deletions: MaxDeletions | None = None,
        allow_deletions: int | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        if not host or not token:
            raise ValueError("Host and token are required.")
        self.host = host
        self._token = token
        self.backups_dir = (backups_dir or Path.cwd() / "gooddata-backups").resolve()
        self.create_missing_groups = create_missing_groups
        self.max_deletions = max_deletions or MaxDeletions()
        self.allow_deletions = allow_deletions
        self.ca_bundle = ca_bundle
        self.logger = LogObserver()
        self.fatal_exception = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self.host!r})"  # never the token

    @classmethod
    def create(cls: type[P], host: str, token: str, **options: Any) -> P:
        """A provisioner for `host`, authenticating with `token`."""
        return cls(host, token, **options)

    @classmethod
    def create_from_profile(
        cls: type[P], profile: str = "default", profiles_path: Path = DEFAULT_PROFILES, **options: Any
    ) -> P:
        """A provisioner from a GoodData profile (`~/.gooddata/profiles.yaml`), as the SDK reads it."""
        import os

        host, token = load_profile(Path(profiles_path), profile, env=os.environ)
        return cls(host, token, **options)

    def full_load(self, source_data: Sequence[Any]) -> None:
        """Make the organization's users (groups) exactly the records, in one PUT."""
        self._run(source_data, "full", self.FULL_LOAD_TYPE)

    def incremental_load(self, source_data: Sequence[Any]) -> None:
        """Create or update the records with `is_active` true, delete the others; leave the rest."""
        self._run(source_data, "incremental", self.INCREMENTAL_LOAD_TYPE)

    def _run(self, source_data: Sequence[Any], mode: Mode, model: type[Any]) -> None:
        try:
            self._load(source_data, mode, model)
        except (ReconcilerError, ModelError, TypeError) as e:
            self.fatal_exception = str(e)
            problems = "".join(f"\n  {p}" for p in getattr(e, "problems", ()))
            self.logger.error(f"Provisioning failed. Error: {e}{problems}")
            raise ProvisioningError(f"Provisioning failed. Error: {e}{problems}") from e
        self.logger.info("Provisioning completed.")

    def _config(self) -> tuple[Config, TargetChoice]:
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", re.sub(r"^[a-z]+://", "", self.host)).strip("_") or "gooddata"
        config = Config(
            path=None,
            root=self.backups_dir,
            state_dir=self.backups_dir,
            backups_dir=self.backups_dir,
            default_target=name,
            targets={name: TargetSpec(name, host=self.host, token=f"${TOKEN_VAR}")},
            policy=Policy(max_deletions=self.max_deletions),
        )
        options = ClientOptions(ca_bundle=self.ca_bundle)  # a private CA for the host's TLS certificate
        return config, TargetChoice(name=name, env={TOKEN_VAR: self._token}, client=options)

    @staticmethod
    def _records(source_data: Sequence[Any], model: type[Any]) -> list[Any]:
        bad = [i for i, r in enumerate(source_data) if not isinstance(r, model)]
        if bad:
            raise TypeError(
                f"Not all elements in source data are instances of {model.__name__} (first: item {bad[0]})"
            )
        return [r.to_record(i) for i, r in enumerate(source_data)]

    def _load(self, source_data: Sequence[Any], mode: Mode, model: type[Any]) -> None:
        records = self._records(source_data, model)
        seen: dict[str, int] = {}
        for i, r in enumerate(records):
            if seen.setdefault(r.id, i) != i:
                raise ModelError(f"{model.__name__}: id {r.id!r} is given twice (items {seen[r.id]} and {i})")
        config, choice = self._config()
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        options = LoadOptions(kind=self.KIND, mode=mode, create_missing_groups=self.create_missing_groups)
        with open_session(config, choice) as session:
            desired = desired_from_records(
                session.live(), records, options, bootstrap_group=config.bootstrap.group
            )
            for gid in desired.groups_created:
                self.logger.warning(f"User group {gid} does not exist: it is created (a record names it)")
            self._apply(session, session.plan_state(desired.state))

    def _apply(self, session: Session, plan: Plan) -> None:
        """Log the plan, apply it (guards, backup, one write per document, verification), log the result."""
        for change in plan.changes:
            self.logger.info(f"{change.op} {change.kind} {change.id}")
        for warning in plan.warnings:
            self.logger.warning(str(warning))
        result = apply_plan(session, plan, ApplyOptions(allow_deletions=self.allow_deletions))
        if result.applied:
            self.logger.info(f"Backup of the organization before the load: {result.backup_file}")
        self.logger.info(plan.summary)


class UserProvisioner(_Provisioner):
    """Users from `UserFullLoad` / `UserIncrementalLoad` records."""

    KIND = "users"
    FULL_LOAD_TYPE = UserFullLoad
    INCREMENTAL_LOAD_TYPE = UserIncrementalLoad


class UserGroupProvisioner(_Provisioner):
    """User groups from `UserGroupFullLoad` / `UserGroupIncrementalLoad` records."""

    KIND = "groups"
    FULL_LOAD_TYPE = UserGroupFullLoad
    INCREMENTAL_LOAD_TYPE = UserGroupIncrementalLoad


class PermissionProvisioner(_Provisioner):
    """Workspace permissions from `PermissionFullLoad` / `PermissionIncrementalLoad` records: one plan and
    apply per load (one read and one PUT per workspace the records name). `hierarchyPermissions` are kept
    (the provisioning library's PUT drops them); a workspace or assignee that does not exist is refused
    before anything is written (the library skips the record with an error in its log)."""

    KIND = "permissions"
    FULL_LOAD_TYPE = PermissionFullLoad
    INCREMENTAL_LOAD_TYPE = PermissionIncrementalLoad

    def _load(self, source_data: Sequence[Any], mode: Mode, model: type[Any]) -> None:
        records = self._records(source_data, model)
        config, choice = self._config()
        self.backups_dir.mkdir(parents=True, exist_ok=True)
        options = LoadOptions(kind=self.KIND, mode=mode)
        with open_session(config, choice) as session:
            self._apply(session, permission_plan(session, records, options))
