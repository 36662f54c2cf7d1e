"""One call for `reconciler access [USER|GROUP] [--workspace W]`: the entries asked for, or an error in words.

Pure: the CLI builds the AccessModel (from the live organization or the state), calls `access_query`, and
hands the entries and `empty_message` to `report.render_access`.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.access.effective import (
    AccessEntry,
    effective_access,
    organization_access,
    principal_kind,
    who_can_access,
)
from reconciler.access.model import AccessModel
from reconciler.errors import ConfigError


@dataclass(frozen=True)
class AccessAnswer:
    """The entries of a query and what to print when there are none."""

    entries: list[AccessEntry]
    empty_message: str


def access_query(
    model: AccessModel, principal: str | None = None, workspace: str | None = None
) -> AccessAnswer:
    """Everyone's access; one user's or group's (`principal`); who can see `workspace`; or both: what
    `principal` holds on `workspace`. An unknown principal or workspace is a ConfigError naming it."""
    if workspace is not None and workspace not in model.workspaces:
        raise ConfigError(f"invalid argument: no workspace {workspace!r} in the organization")
    if principal is None:
        if workspace is None:
            return AccessAnswer(list(organization_access(model)), "Nobody holds any permission.")
        return AccessAnswer(who_can_access(model, workspace), f"Nobody can see workspace {workspace}.")
    kind = principal_kind(model, principal)
    if kind is None:
        raise ConfigError(f"invalid argument: no user or group {principal!r} in the organization")
    access = effective_access(model, principal, kind)
    what = "user" if kind == "user" else "group"
    if workspace is None:
        return AccessAnswer(access.entries(), f"{what.capitalize()} {principal} holds no permission.")
    return AccessAnswer(
        access.entries(workspace),
        f"{what.capitalize()} {principal} holds no permission on workspace {workspace}.",
    )
