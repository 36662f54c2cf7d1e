"""Permission lists as the layout API writes them (`[{name, assignee: {id, type}}]`): canonical form, the
state's grants rendered with carry-over, and the per-assignee difference a plan shows. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from reconciler.diff import FieldChange
from reconciler.source.model import Grant

_SHORT = {"user": "user", "userGroup": "group"}


def _key(p: Mapping[str, Any]) -> tuple[str, str, str]:
    a = p.get("assignee") or {}
    return (str(a.get("type", "")), str(a.get("id", "")), str(p.get("name", "")))


def canonical_list(perms: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Deduplicated, sorted by (assignee type, id, name), keys sorted; unknown fields kept."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for p in perms or ():
        if not isinstance(p, Mapping):
            continue
        a = p.get("assignee") or {}
        entry: dict[str, Any] = {k: p[k] for k in sorted(p) if p[k] is not None}
        entry["assignee"] = {k: a[k] for k in sorted(a) if a[k] is not None}
        seen[_key(p)] = dict(sorted(entry.items()))
    return [seen[k] for k in sorted(seen)]


def from_grants(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    """The state's grants in the API's shape (canonical)."""
    return canonical_list(
        {"name": n, "assignee": {"id": g.assignee, "type": g.assignee_type}} for g in grants for n in g.names
    )


def to_grants(perms: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Import: the API's list as the state's `{group|user: ID, grant: [...]}` entries, one per assignee."""
    by: dict[tuple[str, str], list[str]] = {}
    for p in canonical_list(perms):
        a = p["assignee"]
        by.setdefault((str(a.get("type")), str(a.get("id"))), []).append(str(p.get("name")))
    return [{_SHORT.get(t, "user"): i, "grant": names} for (t, i), names in by.items()]


def ignored_assignee(
    p: Mapping[str, Any], ignore_users: tuple[str, ...], ignore_groups: tuple[str, ...]
) -> bool:
    """True when the assignee matches `policy.ignore` (its live grants are carried over untouched)."""
    a = p.get("assignee") or {}
    globs = ignore_groups if a.get("type") == "userGroup" else ignore_users
    return any(fnmatchcase(str(a.get("id", "")), g) for g in globs)


def assignee_label(type_: str, ident: str) -> str:
    """`group:analysts`, `user:jane.doe`."""
    return f"{_SHORT.get(type_, type_)}:{ident}"


def list_changes(
    field: str, old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> list[FieldChange]:
    """Per assignee, the permission names added and removed: `permissions[group:analysts]: +EXPORT -VIEW`."""
    before: dict[tuple[str, str], set[str]] = {}
    after: dict[tuple[str, str], set[str]] = {}
    for target, perms in ((before, old), (after, new)):
        for p in perms:
            t, i, n = _key(p)
            target.setdefault((t, i), set()).add(n)
    out = []
    for who in sorted(before.keys() | after.keys()):
        b, a = before.get(who, set()), after.get(who, set())
        if a != b:
            label = f"{field}[{assignee_label(*who)}]"
            out.append(FieldChange(label, added=tuple(sorted(a - b)), removed=tuple(sorted(b - a))))
    return out


def assignees(perms: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(assignee type, id) of every entry."""
    return {_key(p)[:2] for p in perms}


def without_missing(doc: Mapping[str, Any], principals: set[tuple[str, str]]) -> dict[str, Any]:
    """`doc` with the entries of every permission list whose assignee is not among `principals`."""
    out = dict(doc)
    for key, value in doc.items():
        if isinstance(value, list) and all(isinstance(p, Mapping) and "assignee" in p for p in value):
            out[key] = [p for p in value if _key(p)[:2] in principals]
    return out


def document_changes(
    live: Mapping[str, Any], desired: Mapping[str, Any], lists: Iterable[str]
) -> list[FieldChange]:
    """Every difference of two canonical permissions documents: per assignee in each permission list, and
    any other difference (an entry's or the document's other fields) as the whole value, old -> new."""
    out: list[FieldChange] = []
    names = tuple(lists)
    for key in sorted(live.keys() | desired.keys()):
        old, new = live.get(key), desired.get(key)
        if old == new:
            continue
        changes = list_changes(key, old or (), new or ()) if key in names else []
        out += changes or [FieldChange(key, old=old, new=new)]
    return out
