"""Records applied straight to the organization (`reconciler load --apply`, `reconciler.provisioning`).

For teams that schedule a sync and trust it: no state files; the records and the live organization make the
desired state, which then goes through the same render, plan, guards, backup, write and verify as `apply`.
- full load: the records are every entity of their kind; the live ones they omit are deleted (the bootstrap
  user and group, the token's user and what `policy.ignore` matches excepted, as always);
- incremental load: `is_active` true creates or updates, anything else deletes; the rest is carried over.
The other kind (groups in a user load, users in a group load) is carried over untouched. An empty value in a
record leaves that field as it is live (deliberately safer than the peers, which erase it: a blank cell in an
export is more often missing data than an intent to erase). A group a user record names that does not exist is
created (and named in a warning) unless `create_missing_groups` is off, when the load is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.load import LoadOptions, state_fields
from reconciler.records import Record, RecordError
from reconciler.source.model import DesiredState, Entry, Location
from reconciler.source.problem import Problem
from reconciler.yamledit import REMOVE


@dataclass(frozen=True)
class Desired:
    """The desired state a load makes, and what it says about groups it creates."""

    state: DesiredState
    groups_created: tuple[str, ...] = ()


def _carried(kind: str, entities: Sequence[Mapping[str, Any]]) -> dict[str, Entry]:
    """Live entities declared with no fields: render carries every field over (field ownership)."""
    where = Location("<live organization>")
    return {e["id"]: Entry(kind, e["id"], {}, where) for e in entities}  # type: ignore[arg-type]


def _entry(record: Record, kind: str) -> Entry:
    fields = {k: v for k, v in state_fields(record, kind).items() if v is not REMOVE}  # type: ignore[arg-type]
    return Entry("user" if kind == "users" else "group", record.id, fields, record.location)


def desired_from_records(
    live: Mapping[str, Any], records: Sequence[Record], options: LoadOptions, *, bootstrap_group: str
) -> Desired:
    """The desired state: the live organization changed as the records say (see the module's doc)."""
    kind = options.kind
    users = _carried("user", live.get("users") or ())
    groups = _carried("group", live.get("userGroups") or ())
    declared = users if kind == "users" else groups
    if options.mode == "full":
        declared.clear()  # render keeps the protected and ignored ones, as for a state that omits them
    for record in records:
        if record.is_active:
            declared[record.id] = _entry(record, kind)
        else:
            declared.pop(record.id, None)
    created: list[str] = []
    if kind == "users":
        problems = []
        for record in records:
            for gid in record.members or () if record.is_active else ():
                if gid in groups or gid == bootstrap_group or gid in created:
                    continue
                if not options.create_missing_groups:
                    where = record.field_locations.get("user_groups", record.location)
                    problems.append(
                        Problem(where, "error", f"user_groups: group {gid!r} does not exist", "record")
                    )
                    continue
                created.append(gid)
                groups[gid] = Entry("group", gid, {"name": gid}, record.location)
        if problems:
            raise RecordError(
                f"{len(problems)} bad records: unknown groups (create_missing_groups is off); "
                "nothing was changed",
                problems,
            )
    return Desired(DesiredState(users=users, groups=groups), tuple(created))
