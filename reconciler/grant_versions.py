"""The grants one version of a state file declares (issue 15 §2: `history` of grants).

A state file's workspace `permissions` / `hierarchyPermissions` and organization `permissions` entries,
keyed by where and to whom they grant: `(kind, id, scope)` → what (`grant` names, `role:NAME`) and
`expires`. A version without a top-level `workspaces:` or `organization:` key declares none and is not
parsed (users-and-groups states stay as fast as before).
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.yamlio import YamlSyntaxError, load_marked

GrantKey = tuple[str, str, str]  # ("user"|"group", id, scope: "workspace sales", …)
GrantValue = tuple[tuple[str, ...], str | None]  # the granted names (a role as "role:NAME"), expires
Grants = dict[GrantKey, GrantValue]

_KEYS = re.compile(rb"^(?:workspaces|organization)[ \t]*:", re.MULTILINE)
ORGANIZATION = "the organization"


def declares_grants(data: bytes) -> bool:
    """True when the text may hold grants: a top-level `workspaces:` or `organization:` key."""
    return _KEYS.search(data) is not None


def grants_in(data: bytes) -> Grants:
    """The grants `data` declares (first entry per key wins); empty when none or not valid YAML."""
    if not declares_grants(data):
        return {}
    try:
        doc = load_marked(data)
    except YamlSyntaxError:
        return {}
    if not isinstance(doc.data, dict):
        return {}
    out: Grants = {}
    workspaces = doc.data.get("workspaces")
    for ws in workspaces if isinstance(workspaces, list) else ():
        if not isinstance(ws, dict) or not isinstance(ws.get("id"), str):
            continue
        _entries(out, ws.get("permissions"), f"workspace {ws['id']}")
        _entries(out, ws.get("hierarchyPermissions"), f"workspace {ws['id']} and its children")
    org = doc.data.get("organization")
    if isinstance(org, dict):
        _entries(out, org.get("permissions"), ORGANIZATION)
    return out


def _entries(out: Grants, entries: Any, scope: str) -> None:
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        for kind in ("user", "group"):
            who = entry.get(kind)
            if isinstance(who, str):
                names = [str(n) for n in entry.get("grant") or () if isinstance(n, str)]
                if isinstance(entry.get("role"), str):
                    names.append(f"role:{entry['role']}")
                expires = entry.get("expires")
                out.setdefault(
                    (kind, who, scope), (tuple(sorted(names)), None if expires is None else str(expires))
                )
                break
