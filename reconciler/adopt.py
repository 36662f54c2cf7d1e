"""`reconciler adopt`: the live organization's differences written into the state files, so `plan` is empty.

The drift that `plan` shows is what `apply` would revert; adopt accepts it instead. Adopt works from the
same rendering the plan makes (`layout.render`, with the same policy and protected principals), so it writes
exactly what the plan would change, and nothing else:
- a live entity the plan would destroy (not declared) is appended to the file that declares most of its
  kind, or `into`, in the shape `import` writes;
- a declared entity that differs gets only its differing fields edited in place, and only fields the YAML
  manages (an omitted field is carried over from live by render, so it never differs); a managed field the
  live entity no longer has becomes `null` (still managed: removed), an emptied list `[]`; a membership list
  keeps the order it was written in, new ids after the old ones;
- a declared entity the plan would create (gone from live) is removed.
What render keeps regardless — the bootstrap user and group, the token's owner, `policy.ignore` matches, and
with `prune: false` every undeclared entity — is never a difference, so it is never written into the state;
except a live group that an adopted entry names (a state file may name only declared groups): it is
declared too, whatever `--only` and `--id` say.
Every other entry, comment and blank line stays byte for byte (`yamledit`). Nothing here writes a file.

Extending it (issue 12's permissions): a kind is one row of `KINDS` — its state-file section, where its
entities are in the live and the rendered document, and how a live value is written in the YAML. Users and
groups share the layout document; workspace permissions would bring their own documents (the resource's
render and canonical form) and a converter from the API's permission list to `{group|user, grant}` entries.
The rest — choosing (`--only`, `--id`), edit/append/remove, where an entry goes, `yamledit` — is the same for
every kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from reconciler.config import Config
from reconciler.layout import RenderOptions, canonical, ignored, render, to_state
from reconciler.source.model import DesiredState, Entry
from reconciler.stateedit import FileEdits, default_file
from reconciler.yamledit import EntryEdit


@dataclass(frozen=True)
class Kind:
    """One kind of entity adopt edits: its state-file section and where it lives in the live document."""

    section: str  # the state files' list: "users"
    document_key: str  # the live document's list: "users"
    noun: str  # "user"
    membership: str  # the list of group references, written as ids in the YAML
    defaults: tuple[str, ...]  # lists the server always carries (an absent one is written as [])


KINDS: Mapping[str, Kind] = {
    "groups": Kind("groups", "userGroups", "group", "parents", ("permissions",)),
    "users": Kind("users", "users", "user", "userGroups", ("permissions", "settings")),
}


@dataclass(frozen=True, kw_only=True)
class AdoptOptions:
    """What to adopt (`reconciler adopt --only … --id … --into …`)."""

    only: str | None = None  # a key of KINDS; None: every kind
    ids: tuple[str, ...] = ()  # fnmatch globs on the entity id; empty: every id
    into: Path | None = None  # the file new entries go to


@dataclass(frozen=True)
class AdoptResult:
    """The new text of every state file adopt changes, and what it does ("user bob", …)."""

    files: Mapping[Path, str]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    checked: bool = False  # adopt's state is checked from disk after the write

    @property
    def has_changes(self) -> bool:
        """True when some file changes."""
        return bool(self.files)

    def summary(self) -> str:
        """One line: what adopt does to the state files."""
        return f"{len(self.added)} to add, {len(self.changed)} to change, {len(self.removed)} to remove"


def _selected(entity_id: str, options: AdoptOptions) -> bool:
    return not options.ids or any(fnmatchcase(entity_id, g) for g in options.ids)


def _yaml_value(kind: Kind, key: str, live: Mapping[str, Any]) -> Any:
    """The live entity's `key` in the YAML's shape: memberships as ids; absent: [] for lists, else null."""
    if key == kind.membership:
        return [r["id"] for r in live.get(key) or ()]
    if key not in live:
        return [] if key in kind.defaults else None
    return live[key]


_FIRST = ("id", "name", "type", "assignee", "content")  # how people write settings and permissions


def _ordered(value: Any, written: Any = None) -> Any:
    """`value` with its mappings' keys in the order people write them (the canonical form sorts them).

    The keys of the first mapping already written in the list come first, then id, name, type, …
    """
    if isinstance(value, list):
        first = next((w for w in written if isinstance(w, dict)), None) if isinstance(written, list) else None
        return [_ordered(v, first) for v in value]
    if isinstance(value, dict):
        known = [k for k in written if k in value] if isinstance(written, dict) else []
        rest = sorted(value, key=lambda k: (_FIRST.index(k) if k in _FIRST else len(_FIRST), k))
        return {k: _ordered(value[k]) for k in [*known, *(k for k in rest if k not in known)]}
    return value


def _membership(written: Any, live_ids: list[str]) -> list[str]:
    """The live ids, in the order the YAML wrote those it keeps, the new ones (sorted) after them."""
    old = [str(g) for g in written] if isinstance(written, list) else []
    kept = [g for g in old if g in live_ids]
    return kept + sorted(g for g in live_ids if g not in kept)


def _entry_edit(kind: Kind, entry: Entry, want: Mapping[str, Any], live: Mapping[str, Any]) -> EntryEdit:
    """Only the managed fields whose rendered value differs from live, set to the live value."""
    changes: dict[str, Any] = {}
    for key in entry.fields:
        if key == "id" or want.get(key) == live.get(key):
            continue
        value = _yaml_value(kind, key, live)
        if key == kind.membership:
            value = _membership(entry.fields[key], value)
        changes[key] = _ordered(value, entry.fields[key])
    return EntryEdit(changes)


def _undeclared_groups(
    state: DesiredState,
    live_doc: Mapping[str, Any],
    render_options: RenderOptions,
    new: Mapping[str, list[dict[str, Any]]],
    named: set[str],
) -> list[dict[str, Any]]:
    """Live groups that adopted entries name and the state does not declare (and their undeclared parents).

    The plan keeps such a group without declaring it (a protected or ignored user is in it, or `prune` is
    off, or `--only`/`--id` left it out), but a state file that names it must declare it, or it is invalid.
    """
    live_groups = {g["id"]: g for g in live_doc["userGroups"]}
    known = {*state.groups, render_options.bootstrap_group, *(g["id"] for g in new.get("groups", ()))}
    found: list[dict[str, Any]] = []
    pending = sorted(named)
    while pending:
        gid = pending.pop(0)
        if gid in known or gid not in live_groups or ignored(gid, render_options.ignore_groups):
            continue
        known.add(gid)
        found.append(live_groups[gid])
        pending.extend(r["id"] for r in live_groups[gid].get("parents") or ())
    return found


def plan_adopt(
    config: Config,
    state: DesiredState,
    live: Mapping[str, Any],
    render_options: RenderOptions,
    options: AdoptOptions,
) -> AdoptResult:
    """The edits that make the plan of `state` against `live` empty (for the kinds and ids chosen)."""
    live_doc = canonical(live)
    rendered = render(state, live_doc, render_options)
    edits = FileEdits(state)
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    new: dict[str, list[dict[str, Any]]] = {}
    named: set[str] = set()  # the groups that what adopt writes names
    for name, kind in KINDS.items():
        if options.only is not None and options.only != name:
            continue
        declared: Mapping[str, Entry] = getattr(state, name)
        have = {e["id"]: e for e in live_doc[kind.document_key]}
        want = {e["id"]: e for e in rendered[kind.document_key]}
        for eid, entity in have.items():
            if not _selected(eid, options):
                continue
            if eid not in want:  # the plan destroys it: declare it
                new.setdefault(name, []).append(entity)
                added.append(f"{kind.noun} {eid}")
                named.update(r["id"] for r in entity.get(kind.membership) or ())
            elif want[eid] != entity and eid in declared:  # the plan updates it: write live's values
                entry = declared[eid]
                edit = _entry_edit(kind, entry, want[eid], entity)
                if edit.fields:
                    edits.section(config.root / entry.location.path, name)[0][eid] = edit
                    changed.append(f"{kind.noun} {eid}")
                    named.update(edit.fields.get(kind.membership) or ())
        for eid in want:
            if eid not in have and eid in declared and _selected(eid, options):  # the plan creates it
                edits.section(config.root / declared[eid].location.path, name)[1].add(eid)
                removed.append(f"{kind.noun} {eid}")
    for group in _undeclared_groups(state, live_doc, render_options, new, named):
        new.setdefault("groups", []).append(group)
        added.append(f"group {group['id']}")
    if new:
        shaped = to_state({KINDS[n].document_key: e for n, e in new.items()}, RenderOptions())
        for name in new:
            into = options.into or default_file(config, getattr(state, name), name)
            entries = [{k: _ordered(v) for k, v in e.items()} for e in shaped[name]]  # keys as import
            edits.section(into, name)[2].extend(entries)
    return AdoptResult(edits.texts(config), tuple(added), tuple(changed), tuple(removed))
