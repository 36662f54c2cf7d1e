"""Field-level detail of one changed user or group (the only module that imports deepdiff).

The plan finds changed entities by comparing canonical dicts; only for those does it ask this module what
changed. Memberships and permissions become added/removed labels, settings are keyed by setting id, scalars
are old -> new, and nested values (a setting's content, fields a newer server added) are walked by deepdiff
into one line per changed leaf.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldChange:
    """One changed field: `old` -> `new` for values, `added`/`removed` labels for sets (memberships)."""

    field: str
    old: Any = None
    new: Any = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def permission_label(permission: Mapping[str, Any]) -> str:
    """A permission as one readable token: `SEE user:jane.doe`."""
    assignee = permission.get("assignee") or {}
    return f"{permission.get('name')} {assignee.get('type')}:{assignee.get('id')}"


def _list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _labels(key: str, value: list[dict[str, Any]] | None) -> set[str]:
    if key == "permissions":
        return {permission_label(p) for p in value or ()}
    return {str(r.get("id")) for r in value or ()}


def _settings(value: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {str(s.get("id")): {k: v for k, v in s.items() if k != "id"} for s in value or ()}


def _path(prefix: str, steps: list[Any]) -> str:
    out = prefix
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _nested(prefix: str, old: Any, new: Any) -> Iterator[FieldChange]:
    # Imported here: deepdiff (with pydantic) costs ~0.15 s of every command's start, and most plans
    # never get here (memberships, permissions, settings and scalars are compared without it).
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent

    tree = DeepDiff(old, new, view="tree", verbose_level=2)
    found: list[FieldChange] = []
    for levels in tree.values():
        for level in levels:
            o = None if level.t1 is notpresent else level.t1
            n = None if level.t2 is notpresent else level.t2
            found.append(FieldChange(_path(prefix, level.path(output_format="list")), old=o, new=n))
    if not found:  # equal to deepdiff but not to Python: show the whole value rather than nothing
        found.append(FieldChange(prefix, old=old, new=new))
    # deepdiff groups by report type; a reader wants the paths in order
    yield from sorted(found, key=lambda f: f.field)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any], membership: str) -> tuple[FieldChange, ...]:
    """What changed between two canonical entities; `membership` is `userGroups` or `parents`."""
    out: list[FieldChange] = []
    for key in sorted((old.keys() | new.keys()) - {"id"}):
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        if key in (membership, "permissions") and _list_of_dicts(o or []) and _list_of_dicts(n or []):
            before, after = _labels(key, o), _labels(key, n)
            added, removed = tuple(sorted(after - before)), tuple(sorted(before - after))
            if added or removed:
                out.append(FieldChange(key, added=added, removed=removed))
            else:  # same members, other detail differs (e.g. a reference type)
                out.extend(_nested(key, o, n))
        elif key == "settings" and _list_of_dicts(o or []) and _list_of_dicts(n or []):
            before_s, after_s = _settings(o), _settings(n)
            for sid in sorted(before_s.keys() | after_s.keys()):
                a, b = before_s.get(sid), after_s.get(sid)
                if a == b:
                    continue
                if a is None or b is None:
                    out.append(FieldChange(f"settings[{sid}]", old=a, new=b))
                else:
                    out.extend(_nested(f"settings[{sid}]", a, b))
        elif isinstance(o, (dict, list)) and isinstance(n, (dict, list)):
            out.extend(_nested(key, o, n))
        else:
            out.append(FieldChange(key, old=o, new=n))
    return tuple(out)


def created_fields(entity: Mapping[str, Any], membership: str) -> tuple[FieldChange, ...]:
    """The fields of a new entity as changes from nothing (empty lists left out).

    The same result as `field_changes({}, entity, membership)` without its comparisons: creating 10,000
    users calls this 10,000 times.
    """
    out: list[FieldChange] = []
    for key in sorted(entity):
        value = entity[key]
        if key == "id" or value is None or value == []:
            continue
        if key in (membership, "permissions") and _list_of_dicts(value):
            out.append(FieldChange(key, added=tuple(sorted(_labels(key, value)))))
        elif key == "settings" and _list_of_dicts(value):
            settings = _settings(value)
            out.extend(FieldChange(f"settings[{sid}]", new=settings[sid]) for sid in sorted(settings))
        else:
            out.append(FieldChange(key, new=value))
    return tuple(out)
