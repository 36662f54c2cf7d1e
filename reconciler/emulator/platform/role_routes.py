"""The role endpoints (API.md §4): the internal list, the public URI list, one role, its users."""

from __future__ import annotations

from reconciler.emulator.platform import errors, roles
from reconciler.emulator.platform.model import profile_uri
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

INTERNAL = "/gdc/internal/projects/"
PROJECTS = "/gdc/projects/"


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """GET internal roles, public roles, one role, a role's users; None for other paths."""
    if request.path.startswith(INTERNAL):
        parts = request.path[len(INTERNAL) :].strip("/").split("/")
        if len(parts) != 2 or parts[1] != "roles":
            return errors.no_route()
        internal = True
    elif request.path.startswith(PROJECTS):
        parts = request.path[len(PROJECTS) :].strip("/").split("/")
        if len(parts) < 2 or parts[1] != "roles" or len(parts) > 4:
            return None
        internal = False
    else:
        return None
    pid = parts[0]
    with emu.data.lock:
        project = emu.data.projects.get(pid)
        if project is None:
            return errors.not_found("Project %s does not exist", [pid])
        member = project.members.get(request.user_id)
        if emu.administered_domain(request.user_id) is None and (
            member is None or member.status != "ENABLED"
        ):
            return errors.forbidden("canListUsersInProject")
        if request.method != "GET":
            return errors.wrong_method(request.method, ("GET",))
        links = {"project": PROJECTS + pid}
        if internal:  # [rec] full roles, a different order on each call
            listed = [
                {
                    "projectRole": {
                        "meta": roles.meta(pid, role, with_uri=True),
                        "permissions": roles.permissions([role.number]),
                    }
                }
                for role in emu.role_order.next_order()
            ]
            return errors.ok({"internalProjectRoles": {"links": links, "roles": listed}})
        if len(parts) == 2:  # [mock] URIs only
            uris = [roles.role_uri(pid, role.number) for role in roles.CATALOGUE]
            return errors.ok({"projectRoles": {"links": links, "roles": uris}})
        number = int(parts[2]) if parts[2].isdigit() else None
        role = roles.BY_NUMBER.get(number) if number is not None else None
        if role is None:
            return errors.not_found("Role %s does not exist", [parts[2]])
        uri = roles.role_uri(pid, role.number)
        if len(parts) == 3:  # [rec] no meta.uri
            body = {
                "links": {"roleUsers": f"{uri}/users"},
                "meta": roles.meta(pid, role, with_uri=False),
                "permissions": roles.permissions([role.number]),
            }
            return errors.ok({"projectRole": body})
        if parts[3] != "users":
            return errors.no_route()
        # [rec] the members holding the role; the emulator lists DISABLED ones too (not recorded)
        users = [profile_uri(m.user_id) for m in project.members.values() if role.number in m.roles]
        return errors.ok(
            {
                "associatedUsers": {
                    "links": {"project": f"{PROJECTS}{pid}/", "role": f"{uri}/"},
                    "users": users,
                }
            }
        )
