"""What a plan says about access: one principal's change (`AccessChange`) as lines of gains and losses
(`AccessDelta`), with their JSON form. The computing is reconciler/access/changes.py; the rendering
reconciler/access/report.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from reconciler.access.effective import Reason
from reconciler.access.workspace_sets import NO_WORKSPACES, WorkspaceSet

Direction = Literal["gain", "loss"]
Scope = Literal["membership", "organization", "every-workspace", "workspaces"]


@dataclass(frozen=True, slots=True)
class AccessDelta:
    """One line of what a principal gains or loses: `permissions` on `scope` (`workspaces`) for `reasons`.

    Permissions are the strongest ones changed: a gain of MANAGE includes whatever MANAGE implies that was not
    held before; for a loss, `kept` names what the lost permissions imply that the principal still holds.
    For `membership`, `group` is the group joined or left (the bootstrap group). `where` holds the
    workspaces (sorted only when asked: a text plan prints the first few and a count).
    """

    direction: Direction
    scope: Scope
    permissions: tuple[str, ...]
    reasons: tuple[Reason, ...]
    where: WorkspaceSet = NO_WORKSPACES
    kept: tuple[str, ...] = ()
    group: str = ""
    escalation: bool = False

    @property
    def workspaces(self) -> tuple[str, ...]:
        """The workspaces (scope `workspaces`), sorted."""
        return self.where.ids()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "direction": self.direction,
            "scope": self.scope,
            "permissions": list(self.permissions),
            "workspaces": list(self.workspaces),
            "kept": list(self.kept),
            "group": self.group or None,
            "reasons": [r.to_dict() for r in self.reasons],
            "escalation": self.escalation,
        }


@dataclass(frozen=True, slots=True)
class AccessChange:
    """How one principal's effective access changes; `deltas` gains first, then losses."""

    principal: str
    kind: str  # USER
    deltas: tuple[AccessDelta, ...]

    @property
    def escalation(self) -> bool:
        """True when the change grants organization MANAGE, workspace MANAGE or bootstrap group membership."""
        return any(d.escalation for d in self.deltas)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "principal": self.principal,
            "kind": self.kind,
            "escalation": self.escalation,
            "deltas": [d.to_dict() for d in self.deltas],
        }
