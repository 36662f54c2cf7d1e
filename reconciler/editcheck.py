"""Checking the state a load would write without reading every state file again.

`reconciler load` of 100,000 users edits a few entries in each of 20 files. Writing the files and validating
the whole state from disk (what `reconciler.cli.statefiles.write_checked` does) parses all 17 MB a second
time. Here the state is read once (`read_for_edit`: parsed, each file checked on its own, but the rules
across files not yet run); after the edit, only the new text of each edited or added entry is parsed
(`reconciler.stateedit.FileEdits.chunks`), it replaces the entries it edits, and every check — the schema of
those entries, then the rules across files and the access sections, once — runs over the result
(`edited_state_ok`). The untouched bytes are the ones already read (`reconciler.yamlsplice` splices whole
entries), so that is the state the files will hold.

What is not checked twice: each file's schema (at the read; the new entries' text at the edit), and, when
the load only edits entries in place (no id added or removed), the access sections (they name the same ids
as when they were read). The rules across users and groups (duplicates, references, cycles, identities)
run over the edited state once: they were never run over the state as read, so nothing of them is known to
hold for the entries the load did not touch (`tests/test_editcheck.py`).

When the check fails, the caller takes the slow path (write, validate from disk, put the files back), whose
problems carry the exact lines; and a state that was invalid before the load fails as `load_state` does.
"""

from __future__ import annotations

from datetime import date

from reconciler.config import Config
from reconciler.errors import StateError
from reconciler.gcpause import paused_gc
from reconciler.source import DesiredState, Read, check_declared, collect_entries, read_declared
from reconciler.source.declared import Declared
from reconciler.source.files import checked_file
from reconciler.source.model import Kind
from reconciler.source.problem import Problem
from reconciler.source.rules import check_all
from reconciler.stateedit import FileEdits
from reconciler.yamlio import YamlSyntaxError, load_marked

KINDS: dict[str, Kind] = {"users": "user", "groups": "group"}


def _invalid(problems: int, warnings: int) -> StateError:
    counts = f"{problems} error{'s' if problems != 1 else ''}"
    if warnings:
        counts += f", {warnings} warning{'s' if warnings != 1 else ''}"
    return StateError(f"invalid state: {counts} (run `reconciler validate` for details)")


def read_for_edit(config: Config, today: date | None = None) -> tuple[DesiredState, Read]:
    """The state as read, for planning edits; StateError when a file cannot be read or is invalid on its
    own (as `load_state`). The rules across files wait for `edited_state_ok`."""
    with paused_gc(freeze=True):
        read = read_declared(config)
        result = check_declared(config, read, today, rules=False)
    if not result.ok():
        error = _invalid(result.errors, result.warnings)
        raise StateError(str(error), result.problems)
    return result.state, read


def check_unedited(config: Config, read: Read, today: date | None = None) -> None:
    """StateError when the state as read was invalid already (the slow path would blame the edit)."""
    result = check_declared(config, read, today)
    if not result.ok():
        error = _invalid(result.errors, result.warnings)
        raise StateError(str(error), result.problems)


def edited_state_ok(config: Config, read: Read, edits: FileEdits, today: date | None = None) -> bool:
    """True when the state with the edits in place passes every check; False when it does not, or when the
    edits are of a kind this cannot check (a workspaces section, a chunk that does not read back)."""
    with paused_gc(freeze=True):
        return _edited_ok(config, read, edits, today)


def _edited_ok(config: Config, read: Read, edits: FileEdits, today: date | None) -> bool:
    replaced: dict[tuple[str, str], set[str]] = {}
    new: dict[str, list[Declared]] = {"users": [], "groups": []}
    problems = list(read.problems)
    ids_change = False
    for path, sections in edits.by_file.items():
        rel = config.relative(path)
        for section, (edited, deleted, appended) in sections.items():
            kind = KINDS.get(section)
            if kind is None:
                return False
            replaced[(rel, section)] = {*edited, *deleted}
            ids_change = ids_change or bool(deleted or appended)
            chunks = edits.chunks.get((path, section), [])
            expected = {*edited, *(str(e.get("id")) for e in appended)}
            if not _read_back(rel, section, kind, chunks, expected, new[section], problems):
                return False
    users = _kept(read.users, "users", replaced) + new["users"]
    groups = _kept(read.groups, "groups", replaced) + new["groups"]
    after = Read(read.files, users, groups, problems)
    if ids_change:
        return check_declared(config, after, today).ok()
    # Only entries edited in place: the same ids (`_read_back` holds each chunk to the ids it replaces) and
    # the same access sections (only users and groups sections are edited), so what the access sections
    # are checked against is what `read_for_edit` checked them against, without errors. Every other rule
    # runs over the edited state, once.
    return not any(p.severity == "error" for p in problems) and not any(
        p.severity == "error" for p in check_all(users, groups, config, today)
    )


def _read_back(
    rel: str,
    section: str,
    kind: Kind,
    chunks: list[str],
    expected: set[str],
    out: list[Declared],
    problems: list[Problem],
) -> bool:
    """Parse the new entries' text (behind the section key) into `out`; False when it does not read as
    exactly the entries expected."""
    if not expected:
        return True
    try:
        doc = load_marked(f"{section}:\n{''.join(chunks)}".encode())
    except YamlSyntaxError:
        return False
    part = checked_file(rel, doc)
    if part.doc is None:
        return False
    items = part.doc.data.get(section)
    if not isinstance(items, list) or {str(i.get("id")) for i in items if isinstance(i, dict)} != expected:
        return False
    if len(items) != len(expected):
        return False
    problems.extend(part.problems)
    collect_entries(part, section, kind, out)
    return True


def _kept(
    declared: list[Declared], section: str, replaced: dict[tuple[str, str], set[str]]
) -> list[Declared]:
    if not any(s == section for _rel, s in replaced):
        return declared
    return [d for d in declared if d.entry.id not in replaced.get((d.entry.location.path, section), ())]
