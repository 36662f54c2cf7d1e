"""Projects and their members (API.md §3): the project, members listed and changed in bulk, one member.

The bulk POST answers 200 even when items fail: each failure is an entry of `projectUsersUpdateResult.failed`.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.platform import errors, roles
from reconciler.emulator.platform.model import Member, Project, now, profile_uri
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

PROJECTS = "/gdc/projects/"
DEFAULT_LIMIT = 1000  # not recorded; the project's own link asks for 100
NO_USER = "Cannot add user to project. User doesn't exist"  # [rec]
OTHER_DOMAIN = "Cannot add user to project. User is not in the domain of the domain admin"  # ours (GAPS 10)
NO_ROLE = "Cannot add user to project. Invalid role %s"  # ours (GAPS 9)
ROLE_NEEDED = "Cannot add user to project. No role specified"  # ours
NOT_MEMBER = "Cannot disable user. User is not a member of the project"  # ours (GAPS 8)


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """GET project, members (list, bulk POST), one member (GET, DELETE), a member's roles and permissions."""
    if not request.path.startswith(PROJECTS):
        return None
    parts = request.path[len(PROJECTS) :].strip("/").split("/")
    if len(parts) > 4 or (len(parts) > 1 and parts[1] != "users"):
        return None  # roles and invitations are other modules'
    with emu.data.lock:
        project = emu.data.projects.get(parts[0])
        if project is None:
            return errors.not_found("Project %s does not exist", [parts[0]])
        if not _may_read(emu, project, request.user_id):
            return errors.forbidden("canListUsersInProject")
        if len(parts) == 1:
            if request.method != "GET":
                return errors.wrong_method(request.method, ("GET",))
            return errors.ok(project_body(project))
        if len(parts) == 2:
            if request.method == "GET":
                return _list(emu, project, request)
            if request.method == "POST":
                if emu.administered_domain(request.user_id) is None:
                    return errors.forbidden("canAssignUserWithRole")
                return _update(emu, project, request)
            return errors.wrong_method(request.method, ("GET", "POST"))
        return _one(emu, project, parts[2], parts[3] if len(parts) == 4 else None, request)


def project_body(project: Project) -> dict[str, Any]:
    """GET /gdc/projects/{pid}: content.state and the links clients follow."""
    base = PROJECTS + project.pid
    return {
        "project": {
            "content": {
                "environment": "PRODUCTION",
                "guidedNavigation": "1",
                "isPublic": "0",
                "state": "ENABLED",
            },
            "links": {
                "invitations": f"{base}/invitations",
                "roles": f"{base}/roles",
                "self": base,
                "userPermissions": f"{base}/users/{{userId}}/permissions",
                "userRoles": f"{base}/users/{{userId}}/roles",
                "users": f"{base}/users?link=1&offset=0&limit=100",
            },
            "meta": {
                "created": project.created,
                "summary": "",
                "title": project.title,
                "updated": project.created,
            },
        }
    }


def member_body(emu: PlatformState, pid: str, member: Member) -> dict[str, Any]:
    """One `{"user": ...}` of the members list: lower-case firstname/lastname/phonenumber, as recorded."""
    user = emu.data.users[member.user_id]
    uri = profile_uri(user.id)
    rel = f"{PROJECTS}{pid}/users/{user.id}"
    return {
        "user": {
            "content": {
                "email": user.email,
                "firstname": user.first_name,
                "lastname": user.last_name,
                "login": user.login,
                "phonenumber": user.settings.get("phoneNumber"),
                "status": member.status,
                "userRoles": [roles.role_uri(pid, n) for n in member.roles],
            },
            "links": {
                "permissions": f"{rel}/permissions",
                "projectRelUri": rel,
                "projects": f"{uri}/projects",
                "roles": f"{rel}/roles",
                "self": uri,
            },
            "meta": {
                "author": uri,
                "contributor": uri,
                "created": member.created,
                "title": f"{user.first_name} {user.last_name}".strip(),
                "updated": member.updated,
            },
        }
    }


def _may_read(emu: PlatformState, project: Project, user_id: str) -> bool:
    member = project.members.get(user_id)
    return emu.administered_domain(user_id) is not None or (member is not None and member.status == "ENABLED")


def _list(emu: PlatformState, project: Project, request: Request) -> Reply:
    try:
        offset = int(request.query.get("offset", ["0"])[0])
        limit = int(request.query.get("limit", [str(DEFAULT_LIMIT)])[0])
    except ValueError:
        return errors.bad_request("Invalid paging parameters: %s", [request.target])
    if offset < 0 or limit < 1:
        return errors.bad_request("Invalid paging parameters: %s", [request.target])
    page = list(project.members.values())[offset : offset + limit]
    # [rec] no paging object: clients page by offset until a short page
    return errors.ok({"users": [member_body(emu, project.pid, m) for m in page]})


def _update(emu: PlatformState, project: Project, request: Request) -> Reply:
    body, problem = errors.parse(request)
    if problem is not None:
        return problem
    items = _items(body)
    if items is None:
        return errors.malformed("expected {user: {content, links}} or {users: [{user: ...}]}")
    admin_domain = emu.administered_domain(request.user_id)
    successful: list[str] = []
    failed: list[dict[str, str]] = []
    for uri, content in items:
        message = _apply(emu, project, admin_domain, uri, content)
        if message is None:
            successful.append(uri)  # [rec] echoed as sent, login form included
        else:
            failed.append({"message": message, "user": uri})
    return errors.ok({"projectUsersUpdateResult": {"failed": failed, "successful": successful}})


def _items(body: Any) -> list[tuple[str, dict[str, Any]]] | None:
    """(profile URI, content) of each item, None when the body is not a members update."""
    if isinstance(body, dict) and isinstance(body.get("users"), list):
        raw = body["users"]
    elif isinstance(body, dict) and "user" in body:
        raw = [body]
    else:
        return None
    items = []
    for entry in raw:
        user = errors.wrapped(entry, "user")
        content = errors.wrapped(user, "content") if user is not None else None
        links = errors.wrapped(user, "links") if user is not None else None
        if content is None or links is None or not isinstance(links.get("self"), str):
            return None
        if content.get("status") not in ("ENABLED", "DISABLED"):
            return None
        if "userRoles" in content and not isinstance(content["userRoles"], list):
            return None
        items.append((links["self"], content))
    return items


def _apply(
    emu: PlatformState, project: Project, admin_domain: str | None, uri: str, content: dict[str, Any]
) -> str | None:
    """Change one membership; the failure message, or None when it succeeded."""
    user = emu.data.user_by_uri(uri)
    if user is None:
        return NO_USER
    numbers: list[int] | None = None
    if "userRoles" in content:
        numbers = []
        for role in content["userRoles"]:
            number = roles.number_of(project.pid, role)
            if number is None:
                return NO_ROLE % (role,)
            numbers.append(number)
    member = project.members.get(user.id)
    if member is None:
        if user.domain != admin_domain:
            return OTHER_DOMAIN
        if not numbers:
            return ROLE_NEEDED if content["status"] == "ENABLED" else NOT_MEMBER
        project.members[user.id] = Member(user.id, numbers, content["status"])
        return None
    member.status = content["status"]
    if numbers:  # [doc] userRoles replaces the roles; absent (or empty) keeps them
        member.roles = numbers
    member.updated = now()
    return None


def _one(emu: PlatformState, project: Project, user_id: str, tail: str | None, request: Request) -> Reply:
    member = project.members.get(user_id)
    if member is None:
        return errors.not_found("User uid %s doesn't exist.", [user_id])  # [mock]
    if tail is None:
        if request.method == "GET":
            return errors.ok(member_body(emu, project.pid, member))  # [mock] DISABLED members too
        if request.method != "DELETE":
            return errors.wrong_method(request.method, ("GET", "DELETE"))
        if emu.administered_domain(request.user_id) is None and user_id != request.user_id:
            return errors.forbidden("canSuspendUserFromProject")
        admins = [
            m for m in project.members.values() if m.status == "ENABLED" and roles.ADMIN_ROLE in m.roles
        ]
        if admins == [member]:  # [code] Java: 403 = the only admin cannot leave
            return errors.gdc_error(403, errors.AUTHORIZATION_FAILED, "User %s is the only admin", [user_id])
        emu.data.remove_member(project.pid, user_id)
        return errors.empty(200)  # [mock] 200
    if request.method != "GET":
        return errors.wrong_method(request.method, ("GET",))
    links = {"project": f"{PROJECTS}{project.pid}/", "user": profile_uri(user_id)}
    if tail == "roles":  # [rec]
        uris = [roles.role_uri(project.pid, n) for n in member.roles]
        return errors.ok({"associatedRoles": {"links": links, "roles": uris}})
    if tail == "permissions":  # [doc]
        return errors.ok(
            {"associatedPermissions": {"links": links, "permissions": roles.permissions(member.roles)}}
        )
    return errors.no_route()
