"""The endpoint family of who may do what: organization permissions, user-management actions, API tokens,
invitations and the emulator-only outbox (reply.Request in, reply.Reply out; families.py asks it).

Every write runs under the store's write lock (`Store.save`), so it is one step against the layout, the
workspaces and the `--data` file.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import api_tokens, invitations, org_permissions, user_management
from reconciler.emulator.entities import EntityError
from reconciler.emulator.org_permissions import exists
from reconciler.emulator.reply import (
    JSON,
    NOT_FOUND_DETAIL,
    VND,
    Reply,
    Request,
    document,
    no_content,
    not_found,
    parse,
    problem,
    wrong_method,
)
from reconciler.emulator.state import EmulatorState

ORG_LAYOUT = "/api/v1/layout/organization/permissions"
ORG_MANAGE = "/api/v1/actions/organization/managePermissions"
INVITE = "/api/v1/actions/invite"
UM = "/api/v1/actions/userManagement/"
_UM_PRINCIPAL = re.compile(r"^/api/v1/actions/userManagement/(users|userGroups)/([^/]+)/permissions$")
FIXED: dict[str, tuple[str, ...]] = {
    ORG_LAYOUT: ("GET", "PUT"),
    ORG_MANAGE: ("POST",),
    UM + "assignPermissions": ("POST",),
    UM + "revokePermissions": ("POST",),
    INVITE: ("POST",),
    invitations.OUTBOX_PATH: ("GET",),
}


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def answer(emu: EmulatorState, request: Request) -> Reply | None:
    """The answer when `request` is for one of these endpoints, else None."""
    try:
        return _route(emu, request)
    except org_permissions.Invalid as e:
        return problem(400, str(e))
    except EntityError as e:
        return problem(e.status, e.detail)
    except _Refused as e:
        return e.reply


def _body(request: Request, types: tuple[str, ...] = (JSON,)) -> Any:
    raw, refused = parse(request, types)
    if refused is not None:
        raise _Refused(refused)
    return raw


def _route(emu: EmulatorState, request: Request) -> Reply | None:
    methods = FIXED.get(request.path)
    if methods is not None:
        if request.method not in methods:
            return wrong_method(request.method, methods)
        if request.path == ORG_LAYOUT:
            if request.method == "GET":
                return document(200, emu.org_permissions.get(), JSON)
            raw = _body(request)
            emu.store.save(lambda: emu.org_permissions.replace(raw, emu.store.snapshot.doc))
            return no_content()
        if request.path == ORG_MANAGE:
            raw = _body(request)
            emu.store.save(lambda: emu.org_permissions.manage(raw, emu.store.snapshot.doc))
            return no_content()
        if request.path == INVITE:
            return _invite(emu, request)
        if request.path == invitations.OUTBOX_PATH:
            return _outbox(emu, request)
        return _bulk(emu, request)
    m = _UM_PRINCIPAL.match(request.path)
    if m is not None:
        kind = "user" if m.group(1) == "users" else "userGroup"
        return _principal_permissions(emu, request, kind, m.group(2))
    where = api_tokens.parse_path(request.path)
    if where is not None:
        return _tokens(emu, request, where)
    return None


def _workspace_name(emu: EmulatorState, workspace_id: str) -> str:
    entity = emu.workspaces.entity(workspace_id) or {}
    name = entity.get("name")
    return name if isinstance(name, str) else workspace_id


def _principal_permissions(emu: EmulatorState, request: Request, kind: str, principal_id: str) -> Reply:
    if request.method not in ("GET", "POST"):
        return wrong_method(request.method, ("GET", "POST"))
    if not exists(emu.store.snapshot.doc, kind, principal_id):
        return not_found()
    who = (kind, principal_id)
    if request.method == "GET":
        view = user_management.view(emu.workspaces, emu.data_sources, who, lambda w: _workspace_name(emu, w))
        return document(200, view, JSON)
    body = _body(request)
    problems = user_management.check_assignments(body, required=True)
    if problems:
        return problem(400, "; ".join(problems))
    emu.store.save(lambda: user_management.write(emu.workspaces, emu.data_sources, [who], body, revoke=False))
    return no_content()


def _bulk(emu: EmulatorState, request: Request) -> Reply:
    body = _body(request)
    problems = user_management.check_assignments(body, required=False)
    if problems:
        return problem(400, "; ".join(problems))
    doc = emu.store.snapshot.doc
    assignees = user_management.check_assignees(body, lambda kind, i: exists(doc, kind, i))
    revoke = request.path.endswith("/revokePermissions")
    emu.store.save(
        lambda: user_management.write(emu.workspaces, emu.data_sources, assignees, body, revoke=revoke)
    )
    return Reply(200)  # recorded: 200 with an empty body and no Content-Type


def _invite(emu: EmulatorState, request: Request) -> Reply:
    body = _body(request)
    problems = invitations.check(body)
    if problems:
        return problem(400, "; ".join(problems))
    if not exists(emu.store.snapshot.doc, "user", body["userId"]):
        return problem(404, f"user {body['userId']!r}: {NOT_FOUND_DETAIL}")
    emu.invitations.add(body, request.user_id)
    return no_content()


def _outbox(emu: EmulatorState, request: Request) -> Reply:
    _scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if request.user_id != emu.bootstrap_user or emu.api_tokens.owner(token.strip()) is not None:
        return problem(403, "the outbox is for the emulator's bootstrap token only")
    return document(200, {"invitations": emu.outbox}, JSON)


def _tokens(emu: EmulatorState, request: Request, where: api_tokens.TokenPath) -> Reply:
    methods = ("GET", "POST") if where.token_id is None else ("GET", "DELETE")
    if request.method not in methods:
        return wrong_method(request.method, methods)
    media, tokens, user_id = request.entity_type(), emu.api_tokens, where.user_id
    doc = emu.store.snapshot.doc
    if where.token_id is None:
        if request.method == "GET":
            return document(
                200, tokens.listing(doc, request.base, user_id, request.query, request.url), media
            )
        raw = _body(request, (JSON, VND))
        created: list[dict[str, Any]] = []
        emu.store.save(
            lambda: created.append(tokens.create(emu.store.snapshot.doc, request.base, user_id, raw))
        )
        return document(201, created[0], media)
    token_id = where.token_id
    if request.method == "GET":
        return document(200, tokens.get(doc, request.base, user_id, token_id), media)
    emu.store.save(lambda: tokens.delete(emu.store.snapshot.doc, user_id, token_id))
    return no_content(VND)
