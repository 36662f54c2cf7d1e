"""Project invitations (API.md §5, code/doc/mock only): create, list, get, cancel; an outbox, no e-mail."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.platform import errors, roles
from reconciler.emulator.platform.model import Invitation, Project, new_profile_id
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

PROJECTS = "/gdc/projects/"
OUTBOX = "/_emulator/outbox"  # the emulator's own: what would have been e-mailed, for the domain admin


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """POST/GET /gdc/projects/{pid}/invitations, GET/DELETE …/invitations/{id}; None for other paths."""
    if request.path == OUTBOX:
        if emu.administered_domain(request.user_id) is None:
            return errors.forbidden_domain_admin()
        if request.method != "GET":
            return errors.wrong_method(request.method, ("GET",))
        with emu.data.lock:
            return errors.ok({"invitations": list(emu.outbox)})
    if not request.path.startswith(PROJECTS):
        return None
    parts = request.path[len(PROJECTS) :].strip("/").split("/")
    if len(parts) not in (2, 3) or parts[1] != "invitations":
        return None
    with emu.data.lock:
        project = emu.data.projects.get(parts[0])
        if project is None:
            return errors.not_found("Project %s does not exist", [parts[0]])
        if not _may_invite(emu, project, request.user_id):
            return errors.forbidden("canInviteUserToProject")
        if len(parts) == 3:
            invitation = project.invitations.get(parts[2])
            if invitation is None:
                return errors.not_found("Invitation %s does not exist", [parts[2]])
            if request.method == "GET":
                return errors.ok(invitation_body(invitation))
            if request.method == "DELETE":
                invitation.status = "CANCELED"  # [doc] stays listed as CANCELED
                return errors.empty(204)
            return errors.wrong_method(request.method, ("GET", "DELETE"))
        if request.method == "GET":
            return errors.ok({"invitations": [invitation_body(i) for i in project.invitations.values()]})
        if request.method == "POST":
            return _create(emu, project, request)
        return errors.wrong_method(request.method, ("GET", "POST"))


def invitation_body(invitation: Invitation) -> dict[str, Any]:
    """One `{"invitation": {content, links, meta}}`."""
    uri = f"{PROJECTS}{invitation.pid}/invitations/{invitation.id}"
    content: dict[str, Any] = {
        "email": invitation.email,
        "role": roles.role_uri(invitation.pid, invitation.role),
        "status": invitation.status,
    }
    if invitation.firstname is not None:
        content["firstname"] = invitation.firstname
    if invitation.lastname is not None:
        content["lastname"] = invitation.lastname
    return {
        "invitation": {
            "content": content,
            "links": {"project": PROJECTS + invitation.pid, "self": uri},
            "meta": {"created": invitation.created, "updated": invitation.updated},
        }
    }


def _may_invite(emu: PlatformState, project: Project, user_id: str) -> bool:
    if emu.administered_domain(user_id) is not None:
        return True
    member = project.members.get(user_id)
    return (
        member is not None
        and member.status == "ENABLED"
        and "canInviteUserToProject"
        in {name for name, granted in roles.permissions(member.roles).items() if granted == "1"}
    )


def _create(emu: PlatformState, project: Project, request: Request) -> Reply:
    body, problem = errors.parse(request)
    if problem is not None:
        return problem
    raw = body.get("invitations") if isinstance(body, dict) else None
    if not isinstance(raw, list) or not raw:
        return errors.malformed("expected {invitations: [{invitation: {content: {email, role}}}]}")
    wanted: list[tuple[str, int, dict[str, Any]]] = []
    for entry in raw:
        invitation = errors.wrapped(entry, "invitation")
        content = errors.wrapped(invitation, "content") if invitation is not None else None
        if content is None or not isinstance(content.get("email"), str) or "@" not in content["email"]:
            return errors.malformed("each invitation needs content.email")
        number = roles.number_of(project.pid, content.get("role"))
        if number is None:
            return errors.bad_request("Invalid role %s", [content.get("role")])
        wanted.append((content["email"], number, content))
    members = {emu.data.users[m].login.lower() for m in project.members}
    created: list[str] = []
    already: list[str] = []
    for email, number, content in wanted:
        if email.lower() in members:  # [code] reported, not invited
            already.append(email)
            continue
        action = content.get("action")
        message = action.get("setMessage") if isinstance(action, dict) else None
        made = Invitation(
            new_profile_id(),
            project.pid,
            email,
            number,
            content.get("firstname"),
            content.get("lastname"),
            message,
        )
        project.invitations[made.id] = made
        uri = f"{PROJECTS}{project.pid}/invitations/{made.id}"
        created.append(uri)
        emu.outbox.append(
            {
                "email": email,
                "firstname": made.firstname,
                "lastname": made.lastname,
                "message": message,
                "project": project.pid,
                "role": roles.BY_NUMBER[number].identifier,
                "uri": uri,
            }
        )
    result: dict[str, Any] = {"uri": created}
    if already:
        result["loginsAlreadyInProject"] = already
    return errors.ok({"createdInvitations": result}, 201)  # [doc] 201 (an apiary example shows 200)
