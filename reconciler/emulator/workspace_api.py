"""The workspace endpoints, shaped as recorded (cassettes workspaces/, permissions/):

- `/api/v1/entities/workspaces[/{id}]`: JSON:API list (page, size, include=workspaces|parent|ALL,
  metaInclude=page), GET, POST 201, PUT 200, PATCH 200, DELETE 204; attributes `name`, relationship `parent`;
- `/api/v1/layout/workspaces/{id}`: the workspace's declarative model, always empty (content is out of scope);
- `/api/v1/layout/workspaces/{id}/permissions`: GET/PUT; a PUT on an unknown workspace is GoodData's 404.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator.reply import (
    JSON,
    VND,
    Reply,
    Request,
    document,
    hash_set_order,
    no_content,
    not_found,
    parse,
    problem,
    wrong_method,
)
from reconciler.emulator.state import EmulatorState
from reconciler.emulator.workspaces import WorkspaceError, check

ENTITIES = "/api/v1/entities/workspaces"
_ID = r"((?!\.)[.A-Za-z0-9_-]{1,255})"
_ENTITY = re.compile(rf"^{ENTITIES}/{_ID}$")
_LAYOUT = re.compile(rf"^/api/v1/layout/workspaces/{_ID}(/permissions)?$")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
EMPTY_MODEL: dict[str, dict[str, list[Any]]] = {
    "analytics": {
        key: []
        for key in (
            "analyticalDashboardExtensions",
            "analyticalDashboards",
            "attributeHierarchies",
            "dashboardPlugins",
            "exportDefinitions",
            "filterContexts",
            "memoryItems",
            "metrics",
            "parameters",
            "visualizationObjects",
        )
    },
    "ldm": {"datasets": [], "dateInstances": []},
}


def answer(emu: EmulatorState, request: Request) -> Reply | None:
    """The answer when `request` is for a workspace endpoint, else None."""
    if request.path == ENTITIES:
        if request.method == "GET":
            return _list(emu, request)
        if request.method == "POST":
            return _write(emu, request, None)
        return wrong_method(request.method, ("GET", "POST"))
    m = _ENTITY.match(request.path)
    if m is not None:
        if request.method == "GET":
            entity = emu.workspaces.entity(m.group(1))
            if entity is None:
                return not_found()
            data = resource(entity, request.base)
            del data["links"]  # a single resource has links at the top level only (as recorded)
            payload: dict[str, Any] = {"data": data, "links": {"self": request.url}}
            if _wants_include(request) and "parent" in entity:
                parent = emu.workspaces.entity(entity["parent"])
                payload["included"] = [_bare(resource(parent, request.base))] if parent else []
            return document(200, payload, request.entity_type())
        if request.method in ("PUT", "PATCH", "DELETE"):
            return _write(emu, request, m.group(1))
        return wrong_method(request.method, ("GET", "PUT", "PATCH", "DELETE"))
    m = _LAYOUT.match(request.path)
    if m is None:
        return None
    workspace_id, permissions = m.group(1), m.group(2) is not None
    if not permissions:
        if request.method != "GET":
            return wrong_method(request.method, ("GET",))
        exists = emu.workspaces.entity(workspace_id) is not None
        return document(200, EMPTY_MODEL, JSON) if exists else not_found()
    if request.method == "GET":
        doc = emu.workspaces.get(workspace_id)
        return not_found() if doc is None else document(200, doc, JSON)
    if request.method != "PUT":
        return wrong_method(request.method, ("GET", "PUT"))
    raw, refused = parse(request, (JSON,))
    if refused is not None:
        return refused
    problems = check(raw)
    if problems:
        return problem(400, "; ".join(problems))
    done: list[bool] = []
    emu.store.save(lambda: done.append(emu.workspaces.put_permissions(workspace_id, raw)))
    return no_content() if done[0] else not_found()


def resource(entity: dict[str, Any], base: str) -> dict[str, Any]:
    """The JSON:API resource of a workspace."""
    out: dict[str, Any] = {
        "attributes": {"name": entity["name"]} if "name" in entity else {},
        "id": entity["id"],
        "links": {"self": f"{base}{ENTITIES}/{entity['id']}"},
        "type": "workspace",
    }
    if "parent" in entity:
        out["relationships"] = {"parent": {"data": {"id": entity["parent"], "type": "workspace"}}}
    return out


def _bare(resource: dict[str, Any]) -> dict[str, Any]:
    # Included resources carry no relationships (as recorded).
    return {k: v for k, v in resource.items() if k != "relationships"}


def _wants_include(request: Request) -> bool:
    values = {v for raw in request.query.get("include", ()) for v in raw.split(",")}
    return bool(values & {"workspaces", "parent", "ALL"})


def _int(request: Request, name: str, default: int) -> int | Reply:
    try:
        value = int(request.query.get(name, [str(default)])[0])
    except ValueError:
        return problem(400, f"query parameter '{name}' must be an integer")
    return value if value >= 0 else problem(400, f"query parameter '{name}' must not be negative")


def _list(emu: EmulatorState, request: Request) -> Reply:
    page, size = _int(request, "page", 0), _int(request, "size", DEFAULT_PAGE_SIZE)
    if isinstance(page, Reply):
        return page
    if isinstance(size, Reply):
        return size
    size = min(size, MAX_PAGE_SIZE)
    every = emu.workspaces.entities()
    chunk = every[page * size : (page + 1) * size]
    include = "include=" + ",".join(request.query["include"]) + "&" if "include" in request.query else ""
    url = request.base + ENTITIES
    payload: dict[str, Any] = {
        "data": [resource(e, request.base) for e in chunk],
        "links": {
            "next": f"{url}?{include}page={page + 1}&size={size}",
            "self": f"{url}?{include}page={page}&size={size}",
        },
    }
    if _wants_include(request):
        by_id = {e["id"]: e for e in every}
        parents = hash_set_order(e["parent"] for e in chunk if "parent" in e)
        included = [_bare(resource(by_id[p], request.base)) for p in parents if p in by_id]
        if included:
            payload["included"] = included
    if "page" in {v for raw in request.query.get("metaInclude", ()) for v in raw.split(",")}:
        pages = (len(every) + size - 1) // size if size else 0
        payload["meta"] = {
            "page": {"number": page, "size": size, "totalElements": len(every), "totalPages": pages}
        }
    return document(200, payload, request.entity_type())


def _write(emu: EmulatorState, request: Request, workspace_id: str | None) -> Reply:
    if request.method == "DELETE":
        assert workspace_id is not None
        try:
            emu.store.save(lambda: emu.workspaces.delete(workspace_id))
        except WorkspaceError as e:
            return not_found() if e.status == 404 else problem(e.status, e.detail)
        return no_content(VND)
    raw, refused = parse(request, (JSON, VND))
    if refused is not None:
        return refused
    data = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(data, dict) or data.get("type") != "workspace":
        return problem(400, "the body must be a JSON:API document with a 'data' object of type 'workspace'")
    if workspace_id is not None and data.get("id") != workspace_id:
        return problem(400, f"data.id must be '{workspace_id}', the id in the path")
    attributes, relationships = data.get("attributes") or {}, data.get("relationships") or {}
    if not isinstance(attributes, dict) or not isinstance(relationships, dict):
        return problem(400, "data.attributes and data.relationships must be objects")
    unknown = sorted(set(attributes) - {"name"})
    if unknown:  # refused rather than silently dropped: a later GET would not show them
        return problem(400, f"data.attributes {unknown}: the emulator keeps only a workspace's name")
    before = emu.workspaces.entity(workspace_id) if workspace_id is not None else None
    if workspace_id is not None and before is None:
        return not_found()
    merge = request.method == "PATCH" and before is not None
    name = attributes.get("name", before.get("name") if merge and before else None)
    parent = before.get("parent") if merge and before else None
    if "parent" in relationships:
        link = relationships["parent"]
        ref = link.get("data") if isinstance(link, dict) else None
        if ref is not None and not (isinstance(ref, dict) and ref.get("type") == "workspace"):
            return problem(400, "data.relationships.parent.data must be {id, type: workspace} or null")
        parent = ref.get("id") if ref is not None else None
    new_id = data.get("id")
    if not isinstance(new_id, str):
        return problem(400, "data.id must be a string")
    try:
        emu.store.save(lambda: emu.workspaces.save(new_id, name, parent, create=request.method == "POST"))
    except WorkspaceError as e:
        return not_found() if e.status == 404 else problem(e.status, e.detail)
    entity = emu.workspaces.entity(new_id)
    assert entity is not None
    written = _bare(resource(entity, request.base))
    links = written.pop("links")  # a written resource carries links at the top level only (as recorded)
    status = 201 if request.method == "POST" else 200
    return document(status, {"data": written, "links": links}, request.entity_type())
