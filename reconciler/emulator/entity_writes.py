"""Writes through the entity API (POST/PUT/PATCH/DELETE of users and user groups) on the layout document.

A change touches one entity, so it is validated locally (the entity itself, its references, cycles through
it, the bootstrap rules) instead of rebuilding a 100,000-user document per request.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from reconciler.emulator import rules, user_rules
from reconciler.emulator.entities import KINDS, EntityError, EntityPath, attribute_map, index_of
from reconciler.emulator.normalize import normalize_group, normalize_user
from reconciler.emulator.reply import NOT_FOUND_DETAIL


def _from_resource(
    collection: str, body: Any, entity_id: str | None, existing: dict[str, Any] | None, merge: bool
) -> dict[str, Any]:
    kind, _, relation = KINDS[collection]
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise EntityError(400, "the body must be a JSON:API document with a 'data' object")
    if data.get("type") != kind:
        raise EntityError(400, f"data.type must be '{kind}'")
    if entity_id is not None and data.get("id") != entity_id:
        raise EntityError(400, f"data.id must be '{entity_id}', the id in the path")
    attributes = data.get("attributes") or {}
    relationships = data.get("relationships") or {}
    if not isinstance(attributes, dict) or not isinstance(relationships, dict):
        raise EntityError(400, "data.attributes and data.relationships must be objects")
    unknown = set(attributes) - set(attribute_map(collection))
    if unknown:
        raise EntityError(400, f"unknown attributes: {sorted(unknown)}")
    # PUT replaces what the entity API carries; fields it does not carry (settings, permissions, a newer
    # server's fields) stay as they were. PATCH changes only what it names.
    carried = set(attribute_map(collection).values()) | {relation}
    before = existing or {}
    out = dict(before) if merge else {k: v for k, v in before.items() if k not in carried}
    out["id"] = data.get("id")
    for api, layout in attribute_map(collection).items():
        if api in attributes:
            out[layout] = attributes[api]
    if relation in relationships:
        link = relationships[relation]
        refs = link.get("data") if isinstance(link, dict) else None
        if not isinstance(refs, list):
            raise EntityError(400, f"data.relationships.{relation}.data must be an array")
        out[relation] = refs
    return out


def _check_entity(collection: str, entity: dict[str, Any]) -> dict[str, Any]:
    check = user_rules.check_user if collection == "users" else user_rules.check_group
    problems = list(check("data", entity))
    if problems:
        raise EntityError(400, str(rules.InvalidDocument(problems)))
    return normalize_user(entity) if collection == "users" else normalize_group(entity)


def write(
    doc: dict[str, Any],
    method: str,
    where: EntityPath,
    body: Any,
    *,
    bootstrap_user: str,
    bootstrap_group: str,
    drop_field: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The document after a POST/PUT/PATCH/DELETE, and the entity written (None for a DELETE).

    `drop_field` (a layout field name) is silently left out of the entity: the ignore_field fault.
    """
    collection = where.collection
    entities: list[dict[str, Any]] = doc[collection]
    existing: dict[str, Any] | None = None
    if method == "POST":
        if where.entity_id is not None:
            raise EntityError(405, "POST goes to the collection")
        data = body.get("data") if isinstance(body, dict) else None
        new_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(new_id, str) and index_of(entities, new_id) is not None:
            raise EntityError(409, f"{KINDS[collection][0]} '{new_id}' already exists")
    else:
        if where.entity_id is None:
            raise EntityError(405, f"{method} needs an entity id in the path")
        i = index_of(entities, where.entity_id)
        if i is None:
            raise EntityError(404, NOT_FOUND_DETAIL)
        if method == "DELETE":
            return _without(doc, collection, where.entity_id, bootstrap_user, bootstrap_group), None
        existing = entities[i]
    entity = _from_resource(collection, body, where.entity_id, existing, merge=method == "PATCH")
    if drop_field is not None and drop_field != "id":
        entity.pop(drop_field, None)
    entity = _check_entity(collection, entity)
    return _with(doc, collection, entity, bootstrap_user, bootstrap_group), entity


def _with(
    doc: dict[str, Any], collection: str, entity: dict[str, Any], bootstrap_user: str, bootstrap_group: str
) -> dict[str, Any]:
    group_ids = {g["id"] for g in doc["userGroups"]}
    if collection == "userGroups":
        group_ids.add(entity["id"])
    relation = KINDS[collection][2]
    for ref in entity.get(relation, ()):
        if ref["id"] not in group_ids:
            raise EntityError(
                400, f"{KINDS[collection][0]} '{entity['id']}': unknown userGroup '{ref['id']}' in {relation}"
            )
    if (
        collection == "users"
        and entity["id"] == bootstrap_user
        and all(r["id"] != bootstrap_group for r in entity.get("userGroups", ()))
    ):
        raise EntityError(
            400,
            f"the bootstrap user '{bootstrap_user}' must be in the bootstrap userGroup '{bootstrap_group}'",
        )
    entities = list(doc[collection])
    i = bisect.bisect_left(entities, entity["id"], key=lambda e: e["id"])
    if i < len(entities) and entities[i]["id"] == entity["id"]:
        entities[i] = entity
    else:
        entities.insert(i, entity)
    new = {**doc, collection: entities}
    if collection == "userGroups":
        _refuse_cycle_through(new["userGroups"], entity["id"])
    return new


def _refuse_cycle_through(groups: list[dict[str, Any]], group_id: str) -> None:
    parents = {g["id"]: [p["id"] for p in g.get("parents", ())] for g in groups}
    stack, seen = list(parents.get(group_id, ())), set()
    while stack:
        current = stack.pop()
        if current == group_id:
            raise EntityError(400, f"userGroup '{group_id}': cycle in parents")
        if current not in seen:
            seen.add(current)
            stack.extend(parents.get(current, ()))


def _without(
    doc: dict[str, Any], collection: str, entity_id: str, bootstrap_user: str, bootstrap_group: str
) -> dict[str, Any]:
    if (collection, entity_id) in (("users", bootstrap_user), ("userGroups", bootstrap_group)):
        raise EntityError(400, f"the bootstrap {KINDS[collection][0]} '{entity_id}' cannot be deleted")
    kind = KINDS[collection][0]
    new = {**doc, collection: [e for e in doc[collection] if e["id"] != entity_id]}

    # The server cascades: memberships and SEE permissions naming the deleted entity go with it.
    def cleaned(
        entity: dict[str, Any], relations: tuple[str, ...], fix: Callable[..., Any]
    ) -> dict[str, Any]:
        changed = dict(entity)
        touched = False
        for relation in relations:
            refs = entity.get(relation)
            if refs and any(r["id"] == entity_id for r in refs):
                touched = True
                changed[relation] = [r for r in refs if r["id"] != entity_id]
        perms = entity.get("permissions")
        if perms and any(p["assignee"]["id"] == entity_id and p["assignee"]["type"] == kind for p in perms):
            touched = True
            changed["permissions"] = [
                p for p in perms if not (p["assignee"]["id"] == entity_id and p["assignee"]["type"] == kind)
            ]
        return fix(changed) if touched else entity

    group_relations = ("userGroups",) if kind == "userGroup" else ()
    new["users"] = [cleaned(u, group_relations, normalize_user) for u in new["users"]]
    parent_relations = ("parents",) if kind == "userGroup" else ()
    new["userGroups"] = [cleaned(g, parent_relations, normalize_group) for g in new["userGroups"]]
    return new
