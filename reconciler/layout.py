"""The GoodData usersAndUserGroups document: rendering from the desired state, and import.

Its canonical form (what render produces and plan compares) is reconciler/canonical.py, re-exported here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from reconciler.canonical import GROUP_REF as GROUP_REF
from reconciler.canonical import assemble
from reconciler.canonical import canonical as canonical
from reconciler.canonical import canonical_group as canonical_group
from reconciler.canonical import canonical_json as canonical_json
from reconciler.canonical import canonical_user as canonical_user
from reconciler.canonical import digest as digest
from reconciler.expiry import as_of, expiry_notes
from reconciler.gcpause import paused_gc
from reconciler.source.model import DesiredState, Entry

# The state files' key order for import: id first, then what a reader looks for first.
USER_KEYS: tuple[str, ...] = ("id", "email", "firstname", "lastname", "authId", "userGroups")
USER_KEYS += ("settings", "permissions", "systemAccount")
GROUP_KEYS = ("id", "name", "parents", "permissions")
_MEMBERSHIP = {"user": "userGroups", "group": "parents"}


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    """What render and import need besides the state: protected principals and policy."""

    bootstrap_user: str = "admin"
    bootstrap_group: str = "adminGroup"
    protected_users: frozenset[str] = frozenset()  # e.g. the token's owner
    prune: bool = True
    ignore_users: tuple[str, ...] = ()  # fnmatch globs
    ignore_groups: tuple[str, ...] = ()
    expiry_warn_days: int = 14  # policy.expiry.warn_days: notes on memberships that expire this soon


@dataclass(frozen=True)
class RenderResult:
    """The rendered document and why live entities were kept that a plain prune would drop."""

    document: dict[str, Any]
    notes: tuple[str, ...] = field(default=())


def ignored(entity_id: str, globs: Iterable[str]) -> bool:
    """True when `entity_id` matches one of the `policy.ignore` globs (case-sensitive)."""
    return any(fnmatchcase(entity_id, g) for g in globs)


STATE_ONLY = ("status", "invite")  # the state's own user fields: what the tool does, not layout fields


def disabled(entry: Entry) -> bool:
    """A user whose `status` is `disabled`: kept, without memberships or direct grants."""
    return entry.kind == "user" and entry.fields.get("status") == "disabled"


def _apply_fields(base: dict[str, Any], entry: Entry) -> dict[str, Any]:
    membership = _MEMBERSHIP[entry.kind]
    for key, value in entry.fields.items():
        if key == "id" or key in STATE_ONLY:
            continue
        if value is None:
            base.pop(key, None)
        elif key == membership:
            base[key] = [{"id": g, "type": GROUP_REF} for g in value]
        else:
            base[key] = value
    if disabled(entry):
        base.pop(membership, None)  # every membership goes; the user and its fields stay
    base["id"] = entry.id
    return base


def _render_declared(
    entries: Mapping[str, Entry],
    live: Mapping[str, dict[str, Any]],
    globs: tuple[str, ...],
    notes: list[str],
    canonical_entity: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """The declared entities rendered, each in canonical form; one that comes out equal to its live entity
    is that (read-only) object, so an unchanged organization is not held twice."""
    out: dict[str, dict[str, Any]] = {}
    for entity_id, entry in entries.items():
        if ignored(entity_id, globs):
            # policy.ignore wins: the live entity (if any) is carried over untouched below.
            notes.append(f"{entry.kind} {entity_id} is declared but matches policy.ignore: left untouched")
            continue
        before = live.get(entity_id)
        rendered = canonical_entity(_apply_fields(dict(before or {}), entry))
        out[entity_id] = before if rendered == before and before is not None else rendered
    return out


def render_with_notes(
    desired: DesiredState, live: Mapping[str, Any] | None, options: RenderOptions
) -> RenderResult:
    """Render the desired document (canonical) and the notes explaining entities kept against prune."""
    with paused_gc(freeze=True):
        return _render(desired, live, options)


def _render(desired: DesiredState, live: Mapping[str, Any] | None, options: RenderOptions) -> RenderResult:
    notes: list[str] = []
    live_doc = canonical(live) if live is not None else {"userGroups": [], "users": []}
    live_groups = {g["id"]: g for g in live_doc["userGroups"]}
    live_users = {u["id"]: u for u in live_doc["users"]}
    if desired.as_of is not None:  # memberships past their `expires` are not rendered (reconciler.expiry)
        notes += expiry_notes(
            desired, desired.as_of, live_users, options.expiry_warn_days, options.ignore_users
        )
        desired = as_of(desired, desired.as_of)
    groups = _render_declared(desired.groups, live_groups, options.ignore_groups, notes, canonical_group)
    users = _render_declared(desired.users, live_users, options.ignore_users, notes, canonical_user)

    if live is None:
        if options.bootstrap_group not in groups:
            groups[options.bootstrap_group] = canonical_group({"id": options.bootstrap_group})
        if options.bootstrap_user not in users:
            ref = [{"id": options.bootstrap_group, "type": GROUP_REF}]
            users[options.bootstrap_user] = canonical_user({"id": options.bootstrap_user, "userGroups": ref})
    else:
        protected_users = options.protected_users | {options.bootstrap_user}
        for uid, user in live_users.items():
            if uid in users:
                continue
            if uid in protected_users or ignored(uid, options.ignore_users) or not options.prune:
                users[uid] = user
        dropped: dict[str, dict[str, Any]] = {}
        for gid, group in live_groups.items():
            if gid in groups:
                continue
            if gid == options.bootstrap_group or ignored(gid, options.ignore_groups) or not options.prune:
                groups[gid] = group
            else:
                dropped[gid] = group
        if dropped:
            _keep_referenced(users, groups, dropped, notes)
    # every entity is canonical already (rendered so, or carried over from the canonical live document)
    doc = assemble(list(groups.values()), list(users.values()))
    return RenderResult(doc, tuple(notes))


def _keep_referenced(
    users: Mapping[str, Mapping[str, Any]],
    groups: dict[str, dict[str, Any]],
    dropped: dict[str, dict[str, Any]],
    notes: list[str],
) -> None:
    # A group the state does not declare but a kept user or group still names must stay, or the server
    # rejects the whole PUT. Worklist: a group kept this way may itself name another dropped parent.
    pending: deque[tuple[str, str, str]] = deque()
    for uid in sorted(users):
        pending.extend(("user", uid, r["id"]) for r in users[uid].get("userGroups") or ())
    for gid in sorted(groups):
        pending.extend(("group", gid, r["id"]) for r in groups[gid].get("parents") or ())
    while pending:
        kind, who, gid = pending.popleft()
        group = dropped.pop(gid, None)
        if group is None:
            continue
        groups[gid] = group
        notes.append(
            f"group {gid} is not declared but is kept: {kind} {who} is still a member of it "
            "(declare the group, or remove the membership, to delete it)"
        )
        pending.extend(("group", gid, r["id"]) for r in group.get("parents") or ())


def render(desired: DesiredState, live: Mapping[str, Any] | None, options: RenderOptions) -> dict[str, Any]:
    """The canonical desired document; live=None renders offline (declared entities plus bootstrap)."""
    return render_with_notes(desired, live, options).document


def _state_entity(entity: Mapping[str, Any], keys: tuple[str, ...], membership: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        if key not in entity:
            continue
        value = entity[key]
        if key == membership:
            value = [r["id"] for r in value]
        elif key in ("settings", "permissions") and not value:
            # Empty lists are the server's default; leaving them out keeps 100k-user files small and the
            # field unmanaged (render carries the live value), so import -> plan is still empty.
            continue
        out[key] = value
    return out


def to_state(live: Mapping[str, Any], options: RenderOptions) -> dict[str, list[dict[str, Any]]]:
    """Import: the live document as state ({"groups", "users"} in the YAML's shape), ignored ones skipped."""
    doc = canonical(live)
    groups = [
        _state_entity(g, GROUP_KEYS, "parents")
        for g in doc["userGroups"]
        if not ignored(g["id"], options.ignore_groups)
    ]
    users = [
        _state_entity(u, USER_KEYS, "userGroups")
        for u in doc["users"]
        if not ignored(u["id"], options.ignore_users)
    ]
    return {"groups": groups, "users": users}
