"""The state files without their expired memberships and grants: what a pull request for the expirations
changes.

Each user with a membership past its `expires` gets its `userGroups` rewritten without it (the memberships it
keeps keep their own `expires`); each workspace with a grant past its `expires` gets that list rewritten
without the grant's entry (the entries it keeps keep theirs, and their comments); every other line of the
file stays as it was (reconciler.yamledit). The organization's `permissions` are a list under a mapping, not
a section of entries: an expired one written as a block-style item (`- {group: …}` on lines of its own) has
just its lines deleted; `grant_leftovers` names any other, for deleting by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from reconciler import grant_expiry
from reconciler.expiry import FIELD, expired
from reconciler.source.expiry_rules import parse_day, with_expiries
from reconciler.source.files import read_state_file
from reconciler.source.model import DesiredState
from reconciler.yamledit import EntryEdit, SectionEdit, edit_section
from reconciler.yamlio import YamlSyntaxError, load_marked


def removal_texts(root: Path, state: DesiredState, today: date) -> dict[Path, str]:
    """New text of each state file (paths under `root`) that declares a membership or a workspace grant
    expired on `today`."""
    edits: dict[str, dict[str, dict[str, EntryEdit]]] = {}  # file -> section -> entry id -> edit
    gone: dict[str, set[str]] = {}
    for m in expired(state, today):
        gone.setdefault(m.user, set()).add(m.group)
    for uid, groups in gone.items():
        entry = state.users[uid]
        ids = [g for g in entry.fields.get(FIELD) or () if g not in groups]
        kept = {g: d for g, d in entry.expires.items() if g not in groups}
        users = edits.setdefault(entry.location.path, {}).setdefault("users", {})
        users[uid] = EntryEdit({FIELD: with_expiries(ids, kept)})
    lists: dict[str, dict[str, set[tuple[str, str]]]] = {}  # workspace -> list -> expired assignees
    for g in grant_expiry.expired(state, today):
        if g.workspace is not None:
            lists.setdefault(g.workspace, {}).setdefault(g.list_name, set()).add((g.kind, g.assignee))
    for wid, by_list in lists.items():
        rel = state.workspaces[wid].location.path
        fields = {name: _kept(root / rel, rel, wid, name, who) for name, who in by_list.items()}
        edits.setdefault(rel, {}).setdefault("workspaces", {})[wid] = EntryEdit(fields)
    org = _organization_gone(state, today)
    if org and state.organization is not None:
        edits.setdefault(state.organization.location.path, {})
    out: dict[Path, str] = {}
    for rel, sections in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        for section, by_id in sections.items():
            text = edit_section(text, section, SectionEdit(edits=by_id), where=rel)
        if org and state.organization is not None and rel == state.organization.location.path:
            text = organization_without(text, org) or text
        if text != path.read_text(encoding="utf-8"):
            out[path] = text
    return out


def grant_leftovers(root: Path, state: DesiredState, today: date) -> list[grant_expiry.ExpiringGrant]:
    """The expired grants `removal_texts` cannot delete: the organization's, unless written block-style."""
    org = _organization_gone(state, today)
    if not org or state.organization is None:
        return []
    text = (root / state.organization.location.path).read_text(encoding="utf-8")
    if organization_without(text, org) is not None:
        return []
    return [g for g in grant_expiry.expired(state, today) if g.workspace is None]


def _organization_gone(state: DesiredState, today: date) -> set[tuple[str, str]]:
    return {(g.kind, g.assignee) for g in grant_expiry.expired(state, today) if g.workspace is None}


def organization_without(text: str, gone: set[tuple[str, str]]) -> str | None:
    """`text` without the organization `permissions` items of the `gone` assignees, each deleted with its
    lines; None when one of them is not a block-style item on lines of its own (a flow list)."""
    try:
        doc = load_marked(text.encode("utf-8"))
    except YamlSyntaxError:
        return None
    org = doc.data.get("organization") if isinstance(doc.data, dict) else None
    if not isinstance(org, dict) or not isinstance(org.get("permissions"), list):
        return None
    perms = org["permissions"]
    lines = text.splitlines(keepends=True)
    drop: list[tuple[int, int]] = []
    for item, (line, column) in zip(perms, doc.item_positions(perms), strict=True):
        kind = "group" if isinstance(item, dict) and "group" in item else "user"
        if not isinstance(item, dict) or (kind, item.get(kind)) not in gone:
            continue
        row, dash = lines[line - 1], column - 3  # `- ` stands right before the item
        if dash < 0 or row[dash : column - 1] != "- " or row[:dash].strip():
            return None
        end = line
        while end < len(lines) and lines[end].strip() and len(lines[end]) - len(lines[end].lstrip()) > dash:
            end += 1
        drop.append((line - 1, end))
    if len(drop) == len(perms):  # every item goes: the list is still managed, and empty
        key_line = doc.key_positions(org)["permissions"][0][0] - 1
        if lines[key_line].rstrip().endswith("permissions:"):
            lines[key_line] = lines[key_line].rstrip() + " []\n"
    for start, end in reversed(drop):
        del lines[start:end]
    return "".join(lines)


def _kept(path: Path, rel: str, wid: str, name: str, gone: set[tuple[str, str]]) -> list[Any]:
    """Workspace `wid`'s list `name` as written in `path`, without the entries of the `gone` assignees."""
    doc = read_state_file(path, rel).doc
    items = doc.data.get("workspaces") if doc is not None else None
    entry = next(i for i in items or () if isinstance(i, dict) and i.get("id") == wid)
    out = []
    for item in entry.get(name) or ():
        kind = "group" if "group" in item else "user"
        if (kind, item.get(kind)) in gone:
            continue
        day = parse_day(item.get("expires"))  # a kept day stays plain YAML, not a quoted string
        out.append({**item, "expires": day} if day is not None else dict(item))
    return out
