"""The JSON:API entity endpoints for users and user groups, on the same document as the layout endpoints.

`/api/v1/entities/users[/{id}]` and `/api/v1/entities/userGroups[/{id}]`: list (page, size, include), GET,
POST 201, PUT 200, PATCH 200, DELETE 204 — what gooddata-sdk's entity methods and gooddata-pipelines'
provisioners call. This module reads (paths, resources, pages); entity_writes.py changes the document.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.reply import NOT_FOUND_DETAIL, hash_set_order

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


def attribute_map(collection: str) -> dict[str, str]:
    return USER_ATTRIBUTES if collection == "users" else GROUP_ATTRIBUTES


def resource(collection: str, entity: dict[str, Any], base: str) -> dict[str, Any]:
    """The JSON:API resource object of a layout user or group."""
    kind, _, relation = KINDS[collection]
    attributes = {
        api: entity[layout] for api, layout in attribute_map(collection).items() if layout in entity
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


def _wants_include(query: Mapping[str, list[str]]) -> bool:
    values = {v for raw in query.get("include", ()) for v in raw.split(",")}
    return bool(values & {"userGroups", "parents", "ALL"})


def int_param(query: Mapping[str, list[str]], name: str, default: int) -> int:
    """A non-negative integer query parameter (`page`, `size`); EntityError 400 when it is not one."""
    try:
        value = int(query.get(name, [str(default)])[0])
    except ValueError as e:
        raise EntityError(400, f"query parameter '{name}' must be an integer") from e
    if value < 0:
        raise EntityError(400, f"query parameter '{name}' must not be negative")
    return value


def read(
    doc: dict[str, Any], where: EntityPath, query: Mapping[str, list[str]], base: str, self_url: str
) -> dict[str, Any]:
    """GET of a collection page or of one entity, as a JSON:API document."""
    entities: list[dict[str, Any]] = doc[where.collection]
    relation = KINDS[where.collection][2]
    groups = {g["id"]: g for g in doc["userGroups"]} if _wants_include(query) else {}
    if where.entity_id is not None:
        entity = _find(entities, where.entity_id)
        if entity is None:
            raise EntityError(404, NOT_FOUND_DETAIL)
        data = resource(where.collection, entity, base)
        del data["links"]  # a single resource has links at the top level only (as recorded)
        out: dict[str, Any] = {"data": data, "links": {"self": self_url}}
        included = _included([entity], relation, groups, base) if groups else []
        if included:
            out["included"] = included
        return out
    page = int_param(query, "page", 0)
    size = min(int_param(query, "size", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
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


def _find(entities: list[dict[str, Any]], entity_id: str) -> dict[str, Any] | None:
    i = index_of(entities, entity_id)
    return entities[i] if i is not None else None


def index_of(entities: list[dict[str, Any]], entity_id: str) -> int | None:
    # Lists are kept sorted by id, so a lookup is a bisection, not a scan of 100,000 users.
    i = bisect.bisect_left(entities, entity_id, key=lambda e: e["id"])
    return i if i < len(entities) and entities[i]["id"] == entity_id else None
