"""Effective access: every permission a principal holds, where, and why.

A principal's access is a short list of *sources* (one per grant that reaches them: to themselves or to a
group they are in, through nested groups; on one workspace, on a workspace and everything below it, or on the
organization), each with the workspaces it reaches. Which permission includes which comes from one table
below, taken from GoodData's documentation. Pure: no HTTP, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, NamedTuple

from reconciler.access.model import EVERY_WORKSPACE, GROUP, ORGANIZATION, USER, AccessModel, RawGrant
from reconciler.permission_names import ORGANIZATION_PERMISSIONS, WORKSPACE_PERMISSIONS

# What a permission includes besides itself, as GoodData's documentation states it; where the docs are silent
# nothing is implied. Workspace permissions — "Manage Workspace Permissions",
# https://www.gooddata.com/docs/cloud/manage-organization/manage-permissions/set-permissions-for-workspace :
# MANAGE covers VIEW, ANALYZE and EXPORT; ANALYZE and EXPORT each include the access of VIEW; EXPORT has the
# finer sub-permissions EXPORT_PDF and EXPORT_TABULAR, each of which lets a user view and export. The page
# says nothing of CREATE_AUTOMATION, USE_AI_ASSISTANT, the knowledge-document and filter-view permissions
# being included in another one (not even in MANAGE), nor of ANALYZE including EXPORT: not implied.
WORKSPACE_IMPLIES: Mapping[str, tuple[str, ...]] = {
    "MANAGE": ("ANALYZE", "EXPORT", "VIEW"),
    "ANALYZE": ("VIEW",),
    "EXPORT": ("EXPORT_PDF", "EXPORT_TABULAR", "VIEW"),
    "EXPORT_PDF": ("VIEW",),
    "EXPORT_TABULAR": ("VIEW",),
}
# Organization permissions — "Manage Organization Permissions", https://www.gooddata.com/docs/cloud/
# manage-organization/manage-permissions/set-permissions-for-organization :
# MANAGE gives access to any protected action or resource, so it implies MANAGE on every workspace
# (EVERY_WORKSPACE_BY_ORGANIZATION). "Restrict Access to Native GoodData UI" (…/organization-settings/
# restrict-access-to-native-ui): organization administrators always hold BASE_UI_ACCESS implicitly.
# "Create an API Access Token" (…/manage-organization/user-token): holders of organization MANAGE can create
# API tokens, which is what SELF_CREATE_TOKEN grants.
ORGANIZATION_IMPLIES: Mapping[str, tuple[str, ...]] = {"MANAGE": ("BASE_UI_ACCESS", "SELF_CREATE_TOKEN")}
EVERY_WORKSPACE_BY_ORGANIZATION: Mapping[str, str] = {"MANAGE": "MANAGE"}

# Reading order of permissions: the strongest first (API.md §2 lists the names); unknown names after, by name.
_RANK = {name: i for i, name in enumerate((*WORKSPACE_PERMISSIONS, *ORGANIZATION_PERMISSIONS[1:]))}


def permission_key(name: str) -> tuple[int, str]:
    """Sort key: the strongest permission first, unknown ones last by name."""
    return (_RANK.get(name, len(_RANK)), name)


def _closure(table: Mapping[str, tuple[str, ...]], name: str) -> frozenset[str]:
    out = {name}
    todo = [name]
    while todo:
        for implied in table.get(todo.pop(), ()):
            if implied not in out:
                out.add(implied)
                todo.append(implied)
    return frozenset(out)


@cache
def implied(permission: str, *, organization: bool = False) -> frozenset[str]:
    """`permission` and everything it includes (transitively), on a workspace or on the organization."""
    return _closure(ORGANIZATION_IMPLIES if organization else WORKSPACE_IMPLIES, permission)


@dataclass(frozen=True, order=True, slots=True)
class Reason:
    """Why a principal holds a permission.

    `via`: the chain of groups from the principal's own group to the group holding the grant (empty: granted
    to the principal itself); `hierarchy_of`: the workspace whose hierarchyPermissions grant it (itself or an
    ancestor); `organization`: implied on every workspace by organization MANAGE; `implied_by`: the permission
    actually granted, when this one is included in it.
    """

    via: tuple[str, ...] = ()
    hierarchy_of: str = ""
    organization: bool = False
    implied_by: str = ""

    @property
    def text(self) -> str:
        """`via analysts → leads, hierarchy of sales`, `direct`, `via adminGroup, organization MANAGE`."""
        parts = [f"via {' → '.join(self.via)}" if self.via else "direct"]
        if self.hierarchy_of:
            parts.append(f"hierarchy of {self.hierarchy_of}")
        if self.organization:
            parts.append("organization MANAGE")
        if self.implied_by:
            parts.append(f"implied by {self.implied_by}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the parts and the text."""
        return {
            "via": list(self.via),
            "hierarchyOf": self.hierarchy_of or None,
            "organization": self.organization,
            "impliedBy": self.implied_by or None,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Source:
    """One grant reaching a principal: `permission` (as granted) on `scope`, reaching `workspaces`.

    `scope` is ORGANIZATION, EVERY_WORKSPACE (implied by organization MANAGE) or the workspace granted on;
    `workspaces` is that workspace (permissions) or its subtree (hierarchyPermissions), empty otherwise.
    """

    scope: str
    permission: str
    reason: Reason
    workspaces: frozenset[str]


class AccessEntry(NamedTuple):
    """One row of an access listing: `principal` holds `permission` on `scope` for `reason`."""

    principal: str
    scope: str  # a workspace id, ORGANIZATION or EVERY_WORKSPACE
    permission: str
    reason: Reason


@dataclass(frozen=True)
class EffectiveAccess:
    """What one principal can do: the sources of their access and the groups they are in (with chains)."""

    principal: str
    kind: str  # USER or GROUP
    sources: tuple[Source, ...]
    memberships: Mapping[str, tuple[str, ...]]  # group → chain from the principal's own group to it

    @cached_property
    def held(self) -> tuple[dict[str, set[str]], frozenset[str], frozenset[str]]:
        """(permission → workspaces, permissions on every workspace, organization permissions), implied
        permissions included."""
        on: dict[str, set[str]] = {}
        every: set[str] = set()
        org: set[str] = set()
        for s in self.sources:
            if s.scope == ORGANIZATION:
                org |= implied(s.permission, organization=True)
            elif s.scope == EVERY_WORKSPACE:
                every |= implied(s.permission)
            else:
                for p in implied(s.permission):
                    on.setdefault(p, set()).update(s.workspaces)
        return on, frozenset(every), frozenset(org)

    def holds(self, scope: str, permission: str) -> bool:
        """Whether the principal holds `permission` on `scope` (a workspace id, ORGANIZATION, …)."""
        on, every, org = self.held
        if scope == ORGANIZATION:
            return permission in org
        return permission in every or (scope != EVERY_WORKSPACE and scope in on.get(permission, ()))

    def entries(self, workspace: str | None = None) -> list[AccessEntry]:
        """Every (scope, permission, reason), organization first, then every workspace, then by workspace id;
        with `workspace`, only that workspace (what organization MANAGE implies is shown on it)."""
        rows: set[tuple[str, str, Reason]] = set()
        for s in self.sources:
            org = s.scope == ORGANIZATION
            if org or s.scope == EVERY_WORKSPACE:
                scopes: Iterable[str] = (s.scope,)
                if workspace is not None:
                    scopes = () if org else (workspace,)
            else:
                scopes = s.workspaces if workspace is None else (s.workspaces & {workspace})
            if not scopes:
                continue
            for p in implied(s.permission, organization=org):
                reason = s.reason if p == s.permission else _implied(s.reason, s.permission)
                rows.update((scope, p, reason) for scope in scopes)
        order = {ORGANIZATION: 0, EVERY_WORKSPACE: 1}
        ranked = sorted(rows, key=lambda r: (order.get(r[0], 2), r[0], permission_key(r[1]), r[2]))
        return [AccessEntry(self.principal, scope, p, reason) for scope, p, reason in ranked]


def _implied(reason: Reason, by: str) -> Reason:
    return Reason(reason.via, reason.hierarchy_of, reason.organization, by)


def sources_of(model: AccessModel, raw: RawGrant, via: tuple[str, ...]) -> Iterator[Source]:
    """The sources one raw grant gives a principal who reaches its holder through `via`."""
    if raw.scope == ORGANIZATION:
        yield Source(ORGANIZATION, raw.permission, Reason(via), frozenset())
        if raw.permission in EVERY_WORKSPACE_BY_ORGANIZATION:
            every = EVERY_WORKSPACE_BY_ORGANIZATION[raw.permission]
            yield Source(EVERY_WORKSPACE, every, Reason(via, organization=True), frozenset())
    elif raw.hierarchy:
        yield Source(raw.scope, raw.permission, Reason(via, hierarchy_of=raw.scope), model.subtree(raw.scope))
    else:
        yield Source(raw.scope, raw.permission, Reason(via), frozenset((raw.scope,)))


def effective_access(model: AccessModel, principal: str, kind: str = USER) -> EffectiveAccess:
    """The effective access of user (or, with kind=GROUP, group) `principal`; empty when the model lacks it.

    For a group, chains start above the group (a grant to the group itself is `direct`): what every member
    gets through it, less the group's own name at the head of their chains.
    """
    sources: list[Source] = []
    if kind == USER:
        paths = model.group_paths(model.users.get(principal, ()))
        for raw in model.grants.get((USER, principal), ()):
            sources.extend(sources_of(model, raw, ()))
    else:
        paths = (
            {g: p[1:] for g, p in model.group_paths((principal,)).items()}
            if principal in model.groups
            else {}
        )
    memo = model.memo
    for group, path in paths.items():
        key = ("sources", group, path)
        found = memo.get(key)
        if found is None:
            raws = model.grants.get((GROUP, group), ())
            found = memo[key] = tuple(s for raw in raws for s in sources_of(model, raw, path))
        sources.extend(found)
    memberships = {g: p for g, p in paths.items() if p}
    return EffectiveAccess(principal, kind, tuple(sources), memberships)


def principal_kind(model: AccessModel, principal: str) -> str | None:
    """USER or GROUP for an id the model knows (a user first: a CLI argument may be either), else None."""
    if principal in model.users:
        return USER
    return GROUP if principal in model.groups else None


def principal_access(model: AccessModel, principal: str, kind: str = USER) -> list[AccessEntry]:
    """Everything `principal` can do, and why (`reconciler access USER`)."""
    return effective_access(model, principal, kind).entries()


def who_can_access(model: AccessModel, workspace: str) -> list[AccessEntry]:
    """Every user holding any permission on `workspace`, with each reason (`reconciler access --workspace W`);
    holders of organization MANAGE included."""
    chain = set(model.ancestors(workspace))
    users: set[str] = set()
    groups: set[str] = set()
    for (kind, holder), raws in model.grants.items():
        for raw in raws:
            reaches = (raw.scope == workspace) or (raw.hierarchy and raw.scope in chain)
            if reaches or (raw.scope == ORGANIZATION and raw.permission in EVERY_WORKSPACE_BY_ORGANIZATION):
                (users if kind == USER else groups).add(holder)
                break
    candidates = {u for u in users if u in model.users} | model.members_of(groups)
    out: list[AccessEntry] = []
    for user in sorted(candidates):
        out.extend(effective_access(model, user).entries(workspace))
    return out


def organization_access(model: AccessModel) -> Iterator[AccessEntry]:
    """Every user's effective access, by user id (what organization MANAGE implies as one EVERY_WORKSPACE row
    per permission, not one per workspace)."""
    for user in sorted(model.users):
        yield from effective_access(model, user).entries()
