"""The quarterly access review (issue 15 §2): each user's memberships, since when, by whom, what they give.

Built from a replayed `Timeline` (history.walk), so `--as-of` is the same review of an earlier state. The
access a membership gives: the groups it implies through the groups' parents (transitively), and, through an
`AccessOf` (a function from a group to the access it grants) passed to `review`, the effective workspace and
organization access (`access_of`: reconciler/access's effective access, through nested groups, hierarchy
permissions down the workspace tree, and what each permission includes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from reconciler.access.effective import Reason, effective_access
from reconciler.access.model import EVERY_WORKSPACE, GROUP, ORGANIZATION, USER, AccessModel
from reconciler.gitlog import Commit
from reconciler.history import Change, Timeline

AccessOf = Callable[[str], tuple[str, ...]]  # a group id → the access it grants ("workspace:sales:VIEW")


def access_of(model: AccessModel) -> AccessOf:
    """The effective access each group gives its members in `model`: its own grants and its ancestors',
    hierarchy permissions on every workspace of the subtree, implied permissions included, sorted: as
    `workspace:ID:PERMISSION` (with ` (hierarchy of ROOT)` through hierarchyPermissions),
    `organization:PERMISSION` and `every workspace:PERMISSION` (what organization MANAGE implies).
    Memoized per group: a review asks for each group once per member."""
    memo: dict[str, tuple[str, ...]] = {}

    def of(group: str) -> tuple[str, ...]:
        found = memo.get(group)
        if found is None:
            entries = effective_access(model, group, GROUP).entries() if group in model.groups else []
            found = memo[group] = tuple(sorted({_label(e.scope, e.permission, e.reason) for e in entries}))
        return found

    return of


def direct_access_of(model: AccessModel) -> AccessOf:
    """The effective access granted to each user itself in `model` (not through a group), labelled as
    `access_of` labels it."""

    def of(user: str) -> tuple[str, ...]:
        if (USER, user) not in model.grants:
            return ()
        entries = effective_access(model, user, USER).entries()
        return tuple(sorted({_label(e.scope, e.permission, e.reason) for e in entries if not e.reason.via}))

    return of


def _label(scope: str, permission: str, reason: Reason) -> str:
    if scope == ORGANIZATION:
        return f"organization:{permission}"
    if scope == EVERY_WORKSPACE:
        return f"every workspace:{permission}"
    through = f" (hierarchy of {reason.hierarchy_of})" if reason.hierarchy_of else ""
    return f"workspace:{scope}:{permission}{through}"


@dataclass(frozen=True)
class Row:
    """One membership of one user (or the user alone, `group` "": a user in no group, or the access granted
    to the user itself)."""

    user: str
    group: str
    given_by: Change | None  # the change that last added it (None: not found in the history)
    implies: tuple[str, ...]  # the groups it gives through parents, transitively, sorted
    access: tuple[str, ...] = ()  # what it grants beyond groups (issue 12), sorted

    @property
    def commit(self) -> Commit | None:
        """The mainline commit that gave the membership."""
        return self.given_by.commit if self.given_by else None


@dataclass(frozen=True)
class Review:
    """The rows, user by user and group by group, and the commit the review describes the state after."""

    rows: tuple[Row, ...]
    as_of: Commit | None
    users: int


def review(
    timeline: Timeline, *, access_of: AccessOf | None = None, direct_of: AccessOf | None = None
) -> Review:
    """The access review of the state the timeline ends in; `direct_of` (a user id → the access granted to
    the user itself) gives each user with direct grants a row of its own (group "")."""
    rows: list[Row] = []
    implied = _closure(timeline.groups)
    for user in sorted(timeline.users):
        groups = sorted(timeline.users[user])
        direct = direct_of(user) if direct_of is not None else ()
        if not groups or direct:
            rows.append(Row(user, "", timeline.given_by.get(("user", user, "")), (), direct))
        for group in groups:
            gives = implied.get(group, ())
            access: tuple[str, ...] = ()
            if access_of is not None:
                access = tuple(sorted({a for g in (group, *gives) for a in access_of(g)}))
            rows.append(Row(user, group, timeline.given_by.get(("user", user, group)), gives, access))
    return Review(tuple(rows), timeline.last, len(timeline.users))


def _closure(parents: Mapping[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """For every group, all its ancestors (a cycle, which validate refuses, ends where it closes)."""
    out: dict[str, tuple[str, ...]] = {}
    for group in parents:
        seen: set[str] = set()
        stack = list(parents[group])
        while stack:
            parent = stack.pop()
            if parent in seen or parent == group:
                continue
            seen.add(parent)
            stack.extend(parents.get(parent, ()))
        out[group] = tuple(sorted(seen))
    return out
