"""The JSON:API entity endpoints for users and user groups, on the same document as the layout endpoints.

`/api/v1/entities/users[/{id}]` and `/api/v1/entities/userGroups[/{id}]`: list (page, size, include), GET,
POST 201, PUT 200, PATCH 200, DELETE 204 — what gooddata-sdk's entity methods and gooddata-pipelines'
provisioners call. A change touches one entity, so it is validated locally (the entity itself, its references,
cycles through it, the bootstrap rules) instead of rebuilding a 100,000-user document per request.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.emulator import rules
from reconciler.emulator.normalize import normalize_group, normalize_user
from reconciler.emulator.reply import hash_set_order

PREFIX = "/api/v1/entities/"
KINDS = {"users": ("user", "users", "userGroups"), "userGroups": ("userGroup", "userGroups", "parents")}
USER_ATTRIBUTES = {
    "authenticationId": "authId",
    "email": "email",
    "firstname": "firstname",
    "lastname": "lastname",
    "systemAccount": "systemAccount",
}
GROUP_ATTRIBUTES = {"name": "name"}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000


class EntityError(Exception):
    """A request the entity API refuses: `status` and a problem `detail`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class EntityPath:
    """A parsed entity path: the collection ("users" or "userGroups") and the entity id, if any."""

    collection: str
    entity_id: str | None


def parse_path(path: str) -> EntityPath | None:
    """The entity path this is, or None when it is not one the emulator serves."""
    if not path.startswith(PREFIX):
        return None
    parts = path[len(PREFIX) :].split("/")
    if parts[0] not in KINDS or len(parts) > 2 or (len(parts) == 2 and not parts[1]):
        return None
    return EntityPath(parts[0], parts[1] if len(parts) == 2 else None)


def _attribute_map(collection: str) -> dict[str, str]:
    return USER_ATTRIBUTES if collection == "users" else GROUP_ATTRIBUTES


def resource(collection: str, entity: dict[str, Any], base: str) -> dict[str, Any]:
    """The JSON:API resource object of a layout user or group."""
    kind, _, relation = KINDS[collection]
    attributes = {
        api: entity[layout] for api, layout in _attribute_map(collection).items() if layout in entity
    }
    out: dict[str, Any] = {
        "attributes": dict(sorted(attributes.items())),
        "id": entity["id"],
        "links": {"self": f"{base}{PREFIX}{collection}/{entity['id']}"},
        "type": kind,
    }
    refs = entity.get(relation)
    if refs:
        out["relationships"] = {relation: {"data": [{"id": r["id"], "type": "userGroup"} for r in refs]}}
    return out


def written(collection: str, entity: dict[str, Any], base: str) -> dict[str, Any]:
    """The answer to a POST/PUT/PATCH: the resource without links or relationships, links at the top."""
    data = resource(collection, entity, base)
    links = data.pop("links")
    data.pop("relationships", None)
    return {"data": data, "links": links}


def _included(
    entities: list[dict[str, Any]], relation: str, groups: dict[str, dict[str, Any]], base: str
) -> list[dict[str, Any]]:
    # Included resources carry no relationships (as recorded).
    ids = hash_set_order(r["id"] for e in entities for r in e.get(relation, ()))
    out = [resource("userGroups", groups[i], base) for i in ids if i in groups]
    for r in out:
        r.pop("relationships", None)
    return out


def _wants_include(query: dict[str, list[str]]) -> bool:
    values = {v for raw in query.get("include", ()) for v in raw.split(",")}
    return bool(values & {"userGroups", "parents", "ALL"})


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        value = int(query.get(name, [str(default)])[0])
    except ValueError as e:
        raise EntityError(400, f"query parameter '{name}' must be an integer") from e
    if value < 0:
        raise EntityError(400, f"query parameter '{name}' must not be negative")
    return value


def read(
    doc: dict[str, Any], where: EntityPath, query: dict[str, list[str]], base: str, self_url: str
) -> dict[str, Any]:
    """GET of a collection page or of one entity, as a JSON:API document."""
    entities: list[dict[str, Any]] = doc[where.collection]
    relation = KINDS[where.collection][2]
    groups = {g["id"]: g for g in doc["userGroups"]} if _wants_include(query) else {}
    if where.entity_id is not None:
        entity = _find(entities, where.entity_id)
        if entity is None:
            raise EntityError(404, rules_not_found())
        data = resource(where.collection, entity, base)
        del data["links"]  # a single resource has links at the top level only (as recorded)
        out: dict[str, Any] = {"data": data, "links": {"self": self_url}}
        included = _included([entity], relation, groups, base) if groups else []
        if included:
            out["included"] = included
        return out
    page = _int_param(query, "page", 0)
    size = min(_int_param(query, "size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    chunk = entities[page * size : (page + 1) * size]
    collection_url = f"{base}{PREFIX}{where.collection}"
    include = "include=" + ",".join(query["include"]) + "&" if "include" in query else ""
    out = {
        "data": [resource(where.collection, e, base) for e in chunk],
        "links": {
            "self": f"{collection_url}?{include}page={page}&size={size}",
            "next": f"{collection_url}?{include}page={page + 1}&size={size}",
        },
    }
    included = _included(chunk, relation, groups, base) if groups else []
    if included:
        out["included"] = included
    return out


def rules_not_found() -> str:
    """GoodData's 404 detail (the same text for a missing entity and an unknown endpoint)."""
    return "The requested endpoint does not exist or you do not have permission to access it."


def _find(entities: list[dict[str, Any]], entity_id: str) -> dict[str, Any] | None:
    i = _index(entities, entity_id)
    return entities[i] if i is not None else None


def _index(entities: list[dict[str, Any]], entity_id: str) -> int | None:
    # Lists are kept sorted by id, so a lookup is a bisection, not a scan of 100,000 users.
    i = bisect.bisect_left(entities, entity_id, key=lambda e: e["id"])
    return i if i < len(entities) and entities[i]["id"] == entity_id else None


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
    unknown = set(attributes) - set(_attribute_map(collection))
    if unknown:
        raise EntityError(400, f"unknown attributes: {sorted(unknown)}")
    # PUT replaces what the entity API carries; fields it does not carry (settings, permissions, a newer
    # server's fields) stay as they were. PATCH changes only what it names.
    carried = set(_attribute_map(collection).values()) | {relation}
    before = existing or {}
    out = dict(before) if merge else {k: v for k, v in before.items() if k not in carried}
    out["id"] = data.get("id")
    for api, layout in _attribute_map(collection).items():
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
    check = rules.check_user if collection == "users" else rules.check_group
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
        if isinstance(new_id, str) and _index(entities, new_id) is not None:
            raise EntityError(409, f"{KINDS[collection][0]} '{new_id}' already exists")
    else:
        if where.entity_id is None:
            raise EntityError(405, f"{method} needs an entity id in the path")
        i = _index(entities, where.entity_id)
        if i is None:
            raise EntityError(404, rules_not_found())
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
