"""How the state maps onto one older-platform target (from reconciler.yaml and the session). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from reconciler.platform.logins import id_for_group, id_for_login
from reconciler.platform.roles import DEFAULT_ROLES


@dataclass(frozen=True, kw_only=True)
class PlatformOptions:
    """`projects`: workspace id → project id (a workspace not listed is the project of the same id);
    `roles`: the role bundles (roles.bundles); `executing_login`: the login the apply runs as, never
    disabled or removed; `hard_removal`: a member the state no longer grants anything is removed from the
    project (DELETE) instead of DISABLED; `prune`, `ignore_users`, `ignore_groups`: the policy (globs match
    state ids, i.e. a live login as it imports: logins.id_for_login)."""

    projects: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROLES))
    executing_login: str = ""
    hard_removal: bool = False
    prune: bool = True
    ignore_users: tuple[str, ...] = ()
    ignore_groups: tuple[str, ...] = ()

    def project(self, workspace: str) -> str:
        """The project id of a state workspace."""
        return self.projects.get(workspace, workspace)

    def workspace(self, project: str) -> str:
        """The state workspace id of a project."""
        back = {p: w for w, p in self.projects.items()}
        return back.get(project, project)

    def ignored_login(self, login: str) -> bool:
        """A live login matched by policy.ignore.users (by the id it imports as)."""
        return any(fnmatchcase(id_for_login(login), g) for g in self.ignore_users)

    def ignored_group(self, name: str) -> bool:
        """A live group matched by policy.ignore.groups (by the id it imports as)."""
        return any(fnmatchcase(id_for_group(name), g) for g in self.ignore_groups)
