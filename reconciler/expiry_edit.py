"""The state files without their expired memberships: what a pull request for the expirations changes.

Each user with a membership past its `expires` gets its `userGroups` rewritten without it (the memberships it
keeps keep their own `expires`); every other line of the file stays as it was (reconciler.yamledit).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reconciler.expiry import FIELD, expired
from reconciler.source.expiry_rules import with_expiries
from reconciler.source.model import DesiredState
from reconciler.yamledit import EntryEdit, SectionEdit, edit_section


def removal_texts(root: Path, state: DesiredState, today: date) -> dict[Path, str]:
    """New text of each state file (paths under `root`) that declares a membership expired on `today`."""
    edits: dict[str, dict[str, EntryEdit]] = {}
    gone: dict[str, set[str]] = {}
    for m in expired(state, today):
        gone.setdefault(m.user, set()).add(m.group)
    for uid, groups in gone.items():
        entry = state.users[uid]
        ids = [g for g in entry.fields.get(FIELD) or () if g not in groups]
        kept = {g: d for g, d in entry.expires.items() if g not in groups}
        edits.setdefault(entry.location.path, {})[uid] = EntryEdit({FIELD: with_expiries(ids, kept)})
    out: dict[Path, str] = {}
    for rel, by_id in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        out[path] = edit_section(text, "users", SectionEdit(edits=by_id), where=rel)
    return out
