"""Workspace permission loads: records become the `permissions` of the workspaces they name.

Full load: for each workspace the records name, the records are its complete direct `permissions` (the
provisioning library's semantics); workspaces the records do not name are untouched. Incremental load:
`is_active` true adds the permission to the assignee, anything else removes it; the assignee's other
permissions and every other assignee are untouched (when one record adds and another removes the same
permission, the add wins, as in the provisioning library). Either way `hierarchyPermissions` are never
changed — deliberately safer than the provisioning library, whose PUT of a workspace's permissions drops
them.

`plan_permission_load` edits the state files (the `permissions` field of each `workspaces:` entry, every
other byte kept); `desired_from_permission_records` makes the desired state from the live organization for
`load --apply` and `PermissionProvisioner`. Both refuse, before anything is written, records whose assignee
is not a known user or group, listing every such row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.config import Config
from reconciler.load import LoadOptions, LoadResult
from reconciler.permission_records import PermissionRecord
from reconciler.records import RecordError
from reconciler.source.expiry_rules import parse_day
from reconciler.source.model import AssigneeType, DesiredState, Entry, Grant, Location, WorkspaceEntry
from reconciler.source.problem import Problem
from reconciler.stateedit import FileEdits
from reconciler.yamledit import EntryEdit
from reconciler.yamlio import load_marked

if TYPE_CHECKING:
    from reconciler.engine import Session
    from reconciler.plan_model import Plan

Grants = dict[tuple[AssigneeType, str], tuple[str, ...]]
_SHORT: Mapping[str, str] = {"user": "user", "userGroup": "group"}


def merge(current: Grants, records: Iterable[PermissionRecord], mode: str) -> Grants:
    """One workspace's direct grants after the records (see the module's doc); empty assignees dropped."""
    records = list(records)
    out: dict[tuple[AssigneeType, str], list[str]] = (
        {} if mode == "full" else {k: list(v) for k, v in current.items()}
    )
    for r in records if mode == "incremental" else ():
        if not r.is_active and r.assignee_key in out:
            out[r.assignee_key] = [n for n in out[r.assignee_key] if n not in r.names]
    for r in records:
        if r.is_active:
            names = out.setdefault(r.assignee_key, [])
            names += [n for n in r.names if n not in names]
    return {k: tuple(v) for k, v in out.items() if v}


def by_workspace(records: Sequence[PermissionRecord]) -> dict[str, list[PermissionRecord]]:
    """The records grouped by workspace, in the order the workspaces first appear."""
    out: dict[str, list[PermissionRecord]] = {}
    for r in records:
        out.setdefault(r.workspace, []).append(r)
    return out


def _same(a: Grants, b: Grants) -> bool:
    return {k: set(v) for k, v in a.items()} == {k: set(v) for k, v in b.items()}


def _grants_of(entry: WorkspaceEntry | None) -> Grants:
    return {(g.assignee_type, g.assignee): g.names for g in (entry.permissions or ())} if entry else {}


def check_assignees(
    records: Sequence[PermissionRecord], users: set[str], groups: set[str], config: Config, where: str
) -> None:
    """RecordError listing every active record whose assignee is not a known user or group."""
    problems = []
    for r in records:
        if not r.is_active:
            continue
        is_group = r.assignee_type == "userGroup"
        names, globs = (
            (groups, config.policy.ignore_groups) if is_group else (users, config.policy.ignore_users)
        )
        if r.assignee in names or any(fnmatchcase(r.assignee, g) for g in globs):
            continue
        fld = next(
            (f for f in ("ug_id" if is_group else "user_id", "entity_id") if f in r.field_locations), ""
        )
        kind = "group" if is_group else "user"
        problems.append(
            Problem(
                r.field_locations.get(fld, r.location),
                "error",
                f"{fld or 'entity_id'}: {kind} {r.assignee!r} {where}",
                "record",
            )
        )
    if problems:
        problems.sort(key=lambda p: p.sort_key)
        raise RecordError(f"{len(problems)} bad records: unknown assignees; nothing was changed", problems)


def _raw_permissions(path: Path, workspace: str) -> list[Any]:
    """The `permissions` items of a workspace as the file writes them (to keep role entries as they are)."""
    doc = load_marked(path.read_bytes()).data
    for item in doc.get("workspaces") or () if isinstance(doc, dict) else ():
        if isinstance(item, dict) and item.get("id") == workspace:
            value = item.get("permissions")
            return list(value) if isinstance(value, list) else []
    return []


def _assignee_of(item: Any) -> tuple[AssigneeType, str] | None:
    if isinstance(item, dict) and isinstance(item.get("group"), str):
        return ("userGroup", item["group"])
    if isinstance(item, dict) and isinstance(item.get("user"), str):
        return ("user", item["user"])
    return None


def _new_list(raw: list[Any], current: Grants, new: Grants) -> list[Any]:
    """The new `permissions` list: unchanged entries as written, changed ones as `grant:` lists (keeping their
    `expires`, written plain), new last."""
    out: list[Any] = []
    written = set()
    for item in raw:
        key = _assignee_of(item)
        if key is None or key not in new:
            continue
        written.add(key)
        day = parse_day(item.get("expires"))
        if key in current and set(current[key]) == set(new[key]):
            out.append({**item, "expires": day} if day is not None else item)
        else:
            out.append({_SHORT[key[0]]: key[1], "grant": list(new[key]), **({"expires": day} if day else {})})
    out += [{_SHORT[k[0]]: k[1], "grant": list(v)} for k, v in new.items() if k not in written]
    return out


def _workspaces_file(config: Config, state: DesiredState) -> Path:
    counts: dict[str, int] = {}
    for w in state.workspaces.values():
        counts[w.location.path] = counts.get(w.location.path, 0) + 1
    if counts:
        return config.root / max(sorted(counts), key=lambda p: counts[p])
    return config.state_dir / "workspaces.yaml"


def plan_permission_load(
    config: Config, state: DesiredState, records: Sequence[PermissionRecord], options: LoadOptions
) -> LoadResult:
    """The edits of the state files' `workspaces:` entries that make them say what the records say."""
    check_assignees(
        records,
        set(state.users) | {config.bootstrap.user},
        set(state.groups) | {config.bootstrap.group},
        config,
        "is not declared in the state",
    )
    into = options.into if options.into is not None else _workspaces_file(config, state)
    edits = FileEdits()
    created: list[str] = []
    updated: list[str] = []
    warnings: list[str] = []
    new_entries: list[dict[str, Any]] = []
    for wid, group in by_workspace(records).items():
        first = group[0].location
        if any(fnmatchcase(wid, g) for g in config.policy.ignore_workspaces):
            warnings.append(f"{first}: workspace {wid} matches policy.ignore.workspaces: the load leaves it")
            continue
        entry = state.workspaces.get(wid)
        current = _grants_of(entry)
        new = merge(current, group, options.mode)
        unmanaged = entry is None or entry.permissions is None
        if options.mode == "incremental" and unmanaged:
            if not any(r.is_active for r in group):
                warnings.append(
                    f"{first}: workspace {wid}: the state does not manage its permissions; nothing to remove"
                )
                continue
            warnings.append(
                f"{first}: workspace {wid}: the state did not manage its permissions; the load makes "
                "it manage them with the records' grants only: review the plan "
                "(it removes live grants the list omits)"
            )
        if entry is None:
            new_entries.append({"id": wid, "permissions": _new_list([], {}, new)})
            created.append(wid)
            continue
        if not unmanaged and _same(current, new):
            continue
        path = config.root / entry.location.path
        raw = _raw_permissions(path, wid)
        change = EntryEdit({"permissions": _new_list(raw, current, new)})
        edits.section(path, "workspaces")[0][wid] = change
        updated.append(wid)
    if new_entries:
        edits.section(into, "workspaces")[2].extend(new_entries)
    return LoadResult(
        files=edits.texts(config), created=tuple(created), updated=tuple(updated), warnings=tuple(warnings)
    )


def live_grants(doc: Mapping[str, Any]) -> Grants:
    """A live workspace permissions document's direct grants, by assignee."""
    out: dict[tuple[AssigneeType, str], list[str]] = {}
    for p in doc.get("permissions") or ():
        a = p.get("assignee") or {}
        kind: AssigneeType = "userGroup" if a.get("type") == "userGroup" else "user"
        out.setdefault((kind, str(a.get("id"))), []).append(str(p.get("name")))
    return {k: tuple(v) for k, v in out.items()}


def check_workspaces(records: Sequence[PermissionRecord], existing: set[str]) -> None:
    """RecordError listing every record whose workspace does not exist (nothing is created)."""
    problems = [
        Problem(
            r.field_locations.get("ws_id", r.field_locations.get("workspace_id", r.location)),
            "error",
            f"workspace {r.workspace!r} does not exist (this tool grants on workspaces, "
            "it does not create them)",
            "record",
        )
        for r in records
        if r.workspace not in existing
    ]
    if problems:
        raise RecordError(f"{len(problems)} bad records: unknown workspaces; nothing was changed", problems)


def desired_from_permission_records(
    live: Mapping[str, Any],
    documents: Mapping[str, Mapping[str, Any]],
    records: Sequence[PermissionRecord],
    options: LoadOptions,
) -> DesiredState:
    """The desired state: users and groups carried over, each named workspace's direct grants changed by
    the records (`documents`: each named workspace's live permissions document, by workspace id)."""
    where = Location("<live organization>")
    users = {u["id"]: Entry("user", u["id"], {}, where) for u in live.get("users") or ()}
    groups = {g["id"]: Entry("group", g["id"], {}, where) for g in live.get("userGroups") or ()}
    workspaces = {}
    for wid, group in by_workspace(records).items():
        new = merge(live_grants(documents[wid]), group, options.mode)
        grants = tuple(Grant(t, i, names, group[0].location) for (t, i), names in new.items())
        workspaces[wid] = WorkspaceEntry(wid, grants, None, group[0].location)
    return DesiredState(users=users, groups=groups, workspaces=workspaces)


def permission_plan(session: Session, records: Sequence[PermissionRecord], options: LoadOptions) -> Plan:
    """The plan of a permissions load against the live organization (`load --apply`, the provisioner):
    unknown workspaces and assignees refused first, then one read of each named workspace's permissions."""
    from reconciler.resources import by_keys
    from reconciler.resources.base import workspace_key

    check_workspaces(records, {w["id"] for w in session.client.list_workspaces()})
    live = session.live()
    check_assignees(
        records,
        {u["id"] for u in live.get("users") or ()},
        {g["id"] for g in live.get("userGroups") or ()},
        session.config,
        "does not exist",
    )
    named = list(by_workspace(records))
    docs = session.read_documents(by_keys([workspace_key(w) for w in named], session.config))
    documents = {w: docs[workspace_key(w)] for w in named}
    return session.plan_state(desired_from_permission_records(live, documents, records, options))
