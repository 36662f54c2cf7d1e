"""Project-scoped user groups (API.md §6): list by project, create, get, update, members, modifyMembers."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.platform import errors
from reconciler.emulator.platform.model import Group, new_group_id, now, profile_uri
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

GROUPS = "/gdc/userGroups"
PROJECTS = "/gdc/projects/"
PAGING = {"limit": 1000, "next": None, "offset": None}  # [rec] the only paging ever recorded
OPERATIONS = ("ADD", "REMOVE", "SET")


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """The /gdc/userGroups endpoints; None for other paths."""
    path = request.path.rstrip("/")
    if path != GROUPS and not path.startswith(GROUPS + "/"):
        return None
    parts = path[len(GROUPS) :].strip("/").split("/") if path != GROUPS else []
    with emu.data.lock:
        if not parts:
            if request.method == "GET":
                return _list(emu, request)
            if request.method == "POST":
                return _create(emu, request)
            return errors.wrong_method(request.method, ("GET", "POST"))
        group = emu.data.groups.get(parts[0])
        if group is None or len(parts) > 2:
            return errors.not_found("User group %s does not exist", [parts[0]])
        if not _may(emu, group.pid, request.user_id, write=request.method != "GET"):
            return errors.forbidden("canManageUserGroups")
        if len(parts) == 1:
            if request.method == "GET":
                return errors.ok(group_body(group))
            if request.method == "PUT":
                return _update(emu, group, request)
            if request.method == "DELETE":  # not recorded: the emulator's choice
                del emu.data.groups[group.id]
                return errors.empty(204)
            return errors.wrong_method(request.method, ("GET", "PUT", "DELETE"))
        if parts[1] == "members":
            if request.method != "GET":
                return errors.wrong_method(request.method, ("GET",))
            items = [_member(emu, user_id) for user_id in group.members]
            return errors.ok({"userGroupMembers": {"items": items, "paging": PAGING}})
        if parts[1] == "modifyMembers":
            if request.method != "POST":
                return errors.wrong_method(request.method, ("POST",))
            return _modify(emu, group, request)
        return errors.no_route()


def group_body(group: Group) -> dict[str, Any]:
    """`{"userGroup": {content, meta, links}}`."""
    uri = f"{GROUPS}/{group.id}"
    return {
        "userGroup": {
            "content": {
                "description": group.description,
                "domain": None,
                "id": group.id,
                "name": group.name,
                "project": PROJECTS + group.pid,
            },
            "links": {"members": f"{uri}/members", "modifyMembers": f"{uri}/modifyMembers", "self": uri},
            "meta": {"created": group.created, "updated": group.updated},
        }
    }


def _may(emu: PlatformState, pid: str, user_id: str, *, write: bool) -> bool:
    if emu.administered_domain(user_id) is not None:
        return True
    member = emu.data.projects[pid].members.get(user_id)
    return not write and member is not None and member.status == "ENABLED"


def _member(emu: PlatformState, user_id: str) -> dict[str, Any]:
    user = emu.data.users[user_id]
    return {
        "user": {
            "content": {"firstName": user.first_name, "lastName": user.last_name},
            "links": {"self": profile_uri(user_id)},
        }
    }


def _list(emu: PlatformState, request: Request) -> Reply:
    pid = request.query.get("project", [None])[0]
    if pid is None or pid not in emu.data.projects:
        return errors.bad_request("Parameter project must name a project: %s", [pid])
    if not _may(emu, pid, request.user_id, write=False):
        return errors.forbidden("canManageUserGroups")
    groups = emu.data.groups_of(pid)
    user = request.query.get("user", [None])[0]  # [code] the filter; never recorded
    if user is not None:
        groups = [g for g in groups if user in g.members]
    return errors.ok({"userGroups": {"items": [group_body(g) for g in groups], "paging": PAGING}})


def _content(request: Request) -> tuple[dict[str, Any] | None, Reply | None]:
    body, problem = errors.parse(request)
    if problem is not None:
        return None, problem
    group = errors.wrapped(body, "userGroup")
    content = errors.wrapped(group, "content") if group is not None else None
    if content is None or not isinstance(content.get("name"), str) or not content["name"]:
        return None, errors.malformed("expected {userGroup: {content: {name, project, ...}}}")
    if not isinstance(content.get("description", ""), str | None):
        return None, errors.malformed("userGroup.content.description must be a string")
    return content, None


def _taken(emu: PlatformState, pid: str, name: str, group_id: str | None) -> bool:
    return any(g.name.lower() == name.lower() and g.id != group_id for g in emu.data.groups_of(pid))


def _create(emu: PlatformState, request: Request) -> Reply:
    content, problem = _content(request)
    if content is None:
        return problem or errors.malformed("no content")
    project = content.get("project")
    pid = (
        project[len(PROJECTS) :].strip("/")
        if isinstance(project, str) and project.startswith(PROJECTS)
        else None
    )
    if pid is None or pid not in emu.data.projects:
        return errors.bad_request("userGroup.content.project must be a project URI: %s", [project])
    if not _may(emu, pid, request.user_id, write=True):
        return errors.forbidden("canManageUserGroups")
    if _taken(emu, pid, content["name"], None):
        return errors.conflict("User group %s already exists in the project", [content["name"]])
    group = Group(new_group_id(), pid, content["name"], content.get("description") or "")
    emu.data.groups[group.id] = group
    return errors.ok({"uri": f"{GROUPS}/{group.id}"}, 201)  # [rec] 201 {"uri"}, no Location


def _update(emu: PlatformState, group: Group, request: Request) -> Reply:
    content, problem = _content(request)
    if content is None:
        return problem or errors.malformed("no content")
    if _taken(emu, group.pid, content["name"], group.id):
        return errors.conflict("User group %s already exists in the project", [content["name"]])
    group.name = content["name"]
    group.description = content.get("description") or ""
    group.updated = now()
    return errors.empty(204)  # [rec]


def _modify(emu: PlatformState, group: Group, request: Request) -> Reply:
    body, problem = errors.parse(request)
    if problem is not None:
        return problem
    modify = errors.wrapped(body, "modifyMembers")
    if (
        modify is None
        or modify.get("operation") not in OPERATIONS
        or not isinstance(modify.get("items"), list)
    ):
        return errors.malformed("expected {modifyMembers: {operation: ADD|REMOVE|SET, items: [profile URI]}}")
    ids: list[str] = []
    for item in modify["items"]:
        user = emu.data.user_by_uri(item)
        if user is None:  # group URIs and unknown users: refused (the emulator's choice)
            return errors.bad_request("Not a user: %s", [item])
        ids.append(user.id)
    operation = modify["operation"]
    if operation == "SET":
        group.members = list(dict.fromkeys(ids))
    elif operation == "ADD":
        group.members = list(dict.fromkeys([*group.members, *ids]))
    else:
        removed = set(ids)
        group.members = [m for m in group.members if m not in removed]
    group.updated = now()
    return errors.empty(204)  # [rec]
