"""The canonical form of the GoodData usersAndUserGroups document, and its digest.

The canonical form is the server's normalization (API.md §4) made strict, so that an unchanged organization
compares equal to its rendering: entities sorted by id, keys sorted, users always carry `permissions` and
`settings`, groups always carry `permissions`, nulls and empty memberships omitted, memberships deduplicated
and sorted by id, settings sorted by id, permissions deduplicated and sorted by (name, assignee type, id).
Fields this module does not know are kept as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from reconciler.gcpause import paused_gc

GROUP_REF = "userGroup"


def _deep(value: Any) -> Any:
    # Nested values a newer server may add (a setting's content, unknown fields) get sorted keys too, so a
    # canonical document serializes the same with and without json's sort_keys (the cheaper digest).
    if isinstance(value, dict):
        return {k: _deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_deep(v) for v in value]
    return value


def _refs(refs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # The server keeps memberships as a set: one entry per id, ordered by id.
    by_id = {r["id"]: r for r in refs}
    return [{"id": i, "type": by_id[i].get("type", GROUP_REF)} for i in sorted(by_id)]


def _permission_key(p: Mapping[str, Any]) -> tuple[str, str, str]:
    a = p.get("assignee") or {}
    return (str(p.get("name", "")), str(a.get("type", "")), str(a.get("id", "")))


def _permissions(perms: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for p in perms:
        a = p.get("assignee") or {}
        entry = {
            "assignee": {k: _deep(a[k]) for k in sorted(a) if a[k] is not None},
            "name": _deep(p.get("name")),
        }
        for k in p:
            if k not in entry and p[k] is not None:
                entry[k] = _deep(p[k])
        seen[_permission_key(p)] = dict(sorted(entry.items()))
    return [seen[k] for k in sorted(seen)]


def _settings(settings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = [{k: _deep(s[k]) for k in sorted(s) if s[k] is not None} for s in settings]
    out.sort(key=lambda s: str(s.get("id", "")))
    return out


def _entity(entity: Mapping[str, Any], membership: str, defaults: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(entity):
        value = entity[key]
        if type(value) is str:  # most fields: checked first, it is a quarter of canonical()'s time
            out[key] = value
            continue
        if value is None:
            continue
        if type(value) is list and not value and key in defaults:
            out[key] = []
            continue
        if key == membership:
            value = _refs(value)
            if not value:
                continue
        elif key == "permissions":
            value = _permissions(value)
        elif key == "settings":
            value = _settings(value)
        elif isinstance(value, (dict, list)):
            value = _deep(value)
        out[key] = value
    missing = [k for k in defaults if k not in out]
    if missing:
        for k in missing:
            out[k] = []
        out = dict(sorted(out.items()))
    return out


def canonical_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """One user in canonical form."""
    return _entity(user, "userGroups", ("permissions", "settings"))


def canonical_group(group: Mapping[str, Any]) -> dict[str, Any]:
    """One group in canonical form."""
    return _entity(group, "parents", ("permissions",))


class Canonical(dict[str, Any]):
    """A document `canonical()` made: given to `canonical()` again it comes back as is (so: read-only).

    A plan canonicalizes the live document once (render needs it, the diff and the digest need it again) and
    the rendered document once: at 100,000 users each pass costs about half a second.
    """


def canonical(doc: Mapping[str, Any], *, consume: bool = False) -> Canonical:
    """The document as the server normalizes it (new dicts, input untouched; a Canonical comes back as is).

    `consume` is for a document nothing else holds (a layout just parsed): its entity lists are rewritten in
    place, each entity dropped as its canonical copy is made, so the two forms of a 100,000-user document
    (~80 MiB of dicts each) never exist whole at once, at the plan's peak. The input is unusable after."""
    if type(doc) is Canonical:
        return doc
    with paused_gc(freeze=True):
        groups = _entities(doc.get("userGroups") or [], canonical_group, consume)
        users = _entities(doc.get("users") or [], canonical_user, consume)
    others = {k: _deep(v) for k, v in doc.items() if k not in ("userGroups", "users")}
    return assemble(groups, users, others)


def _entities(
    entities: Iterable[Mapping[str, Any]], one: Callable[[Mapping[str, Any]], dict[str, Any]], consume: bool
) -> list[dict[str, Any]]:
    if not (consume and type(entities) is list):
        return [one(e) for e in entities]
    for i, e in enumerate(entities):
        entities[i] = one(e)
    return entities


def assemble(
    groups: list[dict[str, Any]], users: list[dict[str, Any]], others: Mapping[str, Any] | None = None
) -> Canonical:
    """The document of entities already in canonical form (sorted by id here, in place) and `others`, the
    document's other keys in canonical form."""
    groups.sort(key=lambda e: e["id"])
    users.sort(key=lambda e: e["id"])
    out: dict[str, Any] = dict(others or {})
    out["userGroups"] = groups
    out["users"] = users
    return Canonical(sorted(out.items()))


def canonical_json(doc: Mapping[str, Any], *, is_canonical: bool = False) -> bytes:
    """Compact JSON with sorted keys of the canonical document: for hashing and equality."""
    data = doc if is_canonical else canonical(doc)
    # A Canonical has sorted keys all the way down: sorting them again was half of a plan's digest time.
    resort = type(data) is not Canonical
    return json.dumps(data, sort_keys=resort, separators=(",", ":"), ensure_ascii=False).encode()


# canonical_json's encoder (json.dumps with these arguments and no sort_keys), for one member at a time
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_SLICE = 2000  # members of a list encoded and hashed at a time


def _compact_pieces(doc: Canonical) -> Iterator[str]:
    """canonical_json(doc)'s text in pieces, a slice of each top-level list at a time."""
    encode = _COMPACT.encode
    yield "{"
    for i, (key, value) in enumerate(doc.items()):
        yield ("," if i else "") + encode(key) + ":"
        if type(value) is list:
            yield "["
            for start in range(0, len(value), _SLICE):
                yield ("," if start else "") + ",".join(map(encode, value[start : start + _SLICE]))
            yield "]"
        else:
            yield encode(value)
    yield "}"


def digest(doc: Mapping[str, Any], *, is_canonical: bool = False) -> str:
    """SHA-256 hex digest of the canonical document (`is_canonical` skips normalizing it again).

    The hash of canonical_json's bytes, fed a slice of the entities at a time: the 30 MB text of a
    100,000-user document (and json's buffer for it, twice that) never exists whole, at the plan's peak."""
    data = doc if is_canonical else canonical(doc)
    if type(data) is not Canonical:
        return hashlib.sha256(canonical_json(data, is_canonical=True)).hexdigest()
    h = hashlib.sha256()
    for piece in _compact_pieces(data):
        h.update(piece.encode())
    return h.hexdigest()
