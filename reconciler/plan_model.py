"""The plan's value types: Change, PlanWarning, PlanContext and Plan with its saved JSON form.

A leaf under `plan` (which computes plans), `plan_warnings` and `guards` (which read them), so the arrows
between those modules run one way. Pure: no HTTP, no files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reconciler.access.delta import AccessChange
from reconciler.access.report import changes_json
from reconciler.diff import FieldChange
from reconciler.errors import StateError
from reconciler.layout import canonical
from reconciler.plan_documents import DOCUMENT_KEY, PLATFORM_KEY, desired_digest

FORMAT_VERSION = 2  # 2: structured warnings, changes by consequence, host; 1 still loads
Op = Literal["create", "update", "delete"]
Kind = Literal["user", "group", "workspace", "organization"]
KINDS = ("user", "group", "workspace", "organization")
Severity = Literal["security", "info"]

# Apply order (SPEC §5): group creates, user creates, group updates, user updates, user and group deletes.
_APPLY_RANK = {
    ("create", "group"): 0,
    ("create", "user"): 1,
    ("update", "group"): 2,
    ("update", "user"): 3,
    ("delete", "user"): 4,
    ("delete", "group"): 5,
    ("update", "workspace"): 6,  # permissions: written after the users and groups (new assignees exist)
    ("update", "organization"): 7,
}
_CONSEQUENCE_RANK = {"delete": 0, "update": 1, "create": 2}


@dataclass(frozen=True)
class Change:
    """One object to create, update or delete; `fields` holds the field-level detail.

    For a delete, `fields` holds what the object was (old values, memberships as `removed`), so a reviewer
    sees who is deleted; plans saved before this carry no fields for deletes.
    """

    op: Op
    kind: Kind
    id: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class PlanWarning:
    """A consequence a reviewer must not miss; `security` ones are never cut from a report."""

    kind: str  # e.g. "no-auth-id", "manage-grant" (listed in reconciler.report.plan)
    severity: Severity
    message: str
    subject: str = ""  # "user" or "group" the warning is about ("" when none)
    id: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanContext:
    """What the plan needs besides the two documents, to warn about consequences."""

    bootstrap_user: str = "admin"
    bootstrap_group: str = "adminGroup"
    manage_groups: frozenset[str] = frozenset()  # holders of organization MANAGE (org permissions)
    manage_users: frozenset[str] = frozenset()
    # (assignee type, id) -> workspace ids where it holds permissions
    workspace_assignees: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # extra warnings, e.g. from render


def by_consequence(changes: Iterable[Change]) -> tuple[Change, ...]:
    """Destroys, then updates, then creates (each in apply order): the order a reviewer reads."""
    return tuple(sorted(changes, key=lambda c: _CONSEQUENCE_RANK[c.op]))


def in_apply_order(changes: Iterable[Change]) -> tuple[Change, ...]:
    """The apply order back from any order that kept each (op, kind) run in apply order."""
    return tuple(sorted(changes, key=lambda c: _APPLY_RANK[(c.op, c.kind)]))


@dataclass(frozen=True)
class Plan:
    """Ordered changes from the live document to the desired one, with warnings and a fingerprint.

    `changes` are in apply order; `warnings` security first. `host` is the target's host ("" when not
    known); `embedded` marks the local target's embedded emulator.
    """

    target: str
    changes: tuple[Change, ...]
    warnings: tuple[PlanWarning, ...]
    live_digest: str
    desired_digest: str
    fingerprint: str
    desired: dict[str, Any]
    live_counts: dict[str, int]
    host: str = ""
    embedded: bool = False
    # The desired permissions documents by key (`workspaces/<id>.permissions`, `organization.permissions`):
    # every document besides the users-and-groups layout that the plan read; empty for a users-only plan.
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Who gains and who loses what (effective access), escalations first; not part of the fingerprint, and
    # not read back from a saved plan (its JSON keeps them for review).
    access: tuple[AccessChange, ...] = ()
    # Users this plan creates that the state says to invite: {userId, email, firstName?, lastName?} each,
    # sent (POST /api/v1/actions/invite) after the apply is verified.
    invitations: tuple[dict[str, str], ...] = ()

    @property
    def revoked_grants(self) -> int:
        """Workspace and organization permissions (name × assignee) the plan revokes."""
        return sum(
            len(f.removed) for c in self.changes if c.kind in ("workspace", "organization") for f in c.fields
        )

    @property
    def where(self) -> str:
        """The target and its host: `prod (https://acme.cloud.gooddata.com)`, `local (embedded emulator)`."""
        if self.embedded:
            return f"{self.target} (embedded emulator)"
        return f"{self.target} ({self.host})" if self.host else self.target

    @property
    def has_changes(self) -> bool:
        """True when applying the plan would change anything (an invitation to send is a change)."""
        return bool(self.changes or self.invitations)

    @property
    def counts(self) -> dict[str, int]:
        """Objects to add, change and destroy."""
        out = {"add": 0, "change": 0, "destroy": 0}
        names = {"create": "add", "update": "change", "delete": "destroy"}
        for c in self.changes:
            out[names[c.op]] += 1
        return out

    @property
    def deletions(self) -> dict[str, int]:
        """Users and groups the plan deletes."""
        out = {"users": 0, "groups": 0}
        for c in self.changes:
            if c.op == "delete" and c.kind in ("user", "group"):
                out["users" if c.kind == "user" else "groups"] += 1
        return out

    @property
    def summary(self) -> str:
        """The last line of every report."""
        if not self.has_changes:
            return "No changes. The organization matches the state."
        n = self.counts
        sends = f"; {len(self.invitations)} invitation(s) to send" if not self.changes else ""
        return f"Plan: {n['add']} to add, {n['change']} to change, {n['destroy']} to destroy{sends}."

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (see reconciler.report.plan for the documented shape)."""
        out = self._dict()
        if self.documents:
            out["revoked_grants"] = self.revoked_grants
            out["documents"] = self.documents
        if self.access:
            out["access"] = changes_json(self.access)
        if self.invitations:
            out["invitations"] = [dict(i) for i in self.invitations]
        return out

    def _dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "target": self.target,
            "host": self.host,
            "embedded": self.embedded,
            "fingerprint": self.fingerprint,
            "live_digest": self.live_digest,
            "desired_digest": self.desired_digest,
            "summary": self.summary,
            "counts": self.counts,
            "deletions": self.deletions,
            "live_counts": dict(self.live_counts),
            "changes": [_change_dict(c) for c in by_consequence(self.changes)],
            "warnings": [_warning_dict(w) for w in self.warnings],
            "desired": self.desired,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        """Read a saved plan back; StateError when it is not one this version wrote or it was edited."""
        try:
            if not isinstance(data, Mapping):
                raise ValueError("not a JSON object")
            version = data.get("format_version")
            if version not in (1, FORMAT_VERSION):
                raise ValueError(f"format_version {version!r} is not 1 or {FORMAT_VERSION}")
            desired = canonical(_mapping(data["desired"], "desired"))
            documents = {
                str(k): dict(_mapping(v, f"documents[{k}]"))
                for k, v in _mapping(data.get("documents", {}), "documents").items()
            }
            bad = [k for k in documents if not (DOCUMENT_KEY.fullmatch(k) or PLATFORM_KEY.fullmatch(k))]
            if bad:
                raise ValueError(f"documents: unknown document {bad[0]!r}")
            plan = cls(
                target=_str(data["target"], "target"),
                changes=in_apply_order(_change_from(c) for c in _list(data["changes"], "changes")),
                warnings=tuple(_warning_from(w) for w in _list(data["warnings"], "warnings")),
                live_digest=_str(data["live_digest"], "live_digest"),
                desired_digest=_str(data["desired_digest"], "desired_digest"),
                fingerprint=_str(data["fingerprint"], "fingerprint"),
                desired=desired,
                live_counts={k: int(v) for k, v in _mapping(data["live_counts"], "live_counts").items()},
                host=_str(data.get("host", ""), "host"),
                embedded=data.get("embedded", False) is True,
                documents=documents,
                invitations=tuple(
                    {str(k): _str(v, "invitations") for k, v in _mapping(i, "invitations").items()}
                    for i in _list(data.get("invitations", []), "invitations")
                ),
            )
        except KeyError as e:
            raise StateError(f"invalid plan: missing key {e.args[0]!r}") from e
        except (TypeError, ValueError, AttributeError) as e:
            raise StateError(f"invalid plan: {e}") from e
        if desired_digest(desired, documents) != plan.desired_digest:
            raise StateError("invalid plan: the desired document does not match desired_digest (edited?)")
        if fingerprint(plan.live_digest, plan.desired_digest) != plan.fingerprint:
            raise StateError("invalid plan: the fingerprint does not match the digests (edited?)")
        return plan


def fingerprint(live_digest: str, desired_digest: str) -> str:
    """The plan's identity: a hash of the live and desired documents' digests."""
    return hashlib.sha256(f"{live_digest}\n{desired_digest}".encode()).hexdigest()


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} is not an object")
    return value


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{name} is not a list")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    return value


def _change_dict(c: Change) -> dict[str, Any]:
    fields = [
        {"field": f.field, "old": f.old, "new": f.new, "added": list(f.added), "removed": list(f.removed)}
        for f in c.fields
    ]
    return {"op": c.op, "kind": c.kind, "id": c.id, "fields": fields}


def _change_from(data: Any) -> Change:
    data = _mapping(data, "changes[]")
    if data["op"] not in ("create", "update", "delete") or data["kind"] not in KINDS:
        raise ValueError(f"unknown change {data['op']!r} of {data['kind']!r}")
    fields = tuple(
        FieldChange(
            _str(f["field"], "field"),
            old=f.get("old"),
            new=f.get("new"),
            added=tuple(f.get("added") or ()),
            removed=tuple(f.get("removed") or ()),
        )
        for f in _list(data.get("fields", []), "fields")
    )
    return Change(data["op"], data["kind"], _str(data["id"], "id"), fields)


def _warning_dict(w: PlanWarning) -> dict[str, str]:
    return {"kind": w.kind, "severity": w.severity, "message": w.message, "subject": w.subject, "id": w.id}


def _warning_from(data: Any) -> PlanWarning:
    if isinstance(data, str):
        # format_version 1 saved warnings as text: unclassified, so treated as security (never cut).
        return PlanWarning("note", "security", data)
    data = _mapping(data, "warnings[]")
    severity = data["severity"]
    if severity not in ("security", "info"):
        raise ValueError(f"unknown warning severity {severity!r}")
    return PlanWarning(
        _str(data["kind"], "warnings[].kind"),
        severity,
        _str(data["message"], "warnings[].message"),
        subject=_str(data.get("subject", ""), "warnings[].subject"),
        id=_str(data.get("id", ""), "warnings[].id"),
    )
