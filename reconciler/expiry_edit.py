"""The state files without their expired memberships and grants: what a pull request for the expirations
changes.

Each user with a membership past its `expires` gets its `userGroups` rewritten without it (the memberships it
keeps keep their own `expires`); each workspace with a grant past its `expires` gets that list rewritten
without the grant's entry (the entries it keeps keep theirs, and their comments); every other line of the
file stays as it was (reconciler.yamledit). The organization's grants are a mapping, not a section of
entries: `grant_leftovers` names the expired ones, for deleting by hand.
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
    out: dict[Path, str] = {}
    for rel, sections in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        for section, by_id in sections.items():
            text = edit_section(text, section, SectionEdit(edits=by_id), where=rel)
        out[path] = text
    return out


def grant_leftovers(state: DesiredState, today: date) -> list[grant_expiry.ExpiringGrant]:
    """The expired grants `removal_texts` leaves in the files: the organization's."""
    return [g for g in grant_expiry.expired(state, today) if g.workspace is None]


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
