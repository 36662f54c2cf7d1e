"""HTTP routes for who may do what: organization permissions, user-management actions, API tokens,
invitations and the emulator-only outbox. The handler calls `handle` after authenticating the request and
writes the answer (or problem) it returns, so faults, tracing and headers stay in one place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.emulator import api_tokens, invitations, org_permissions, user_management
from reconciler.emulator.entities import EntityError, rules_not_found
from reconciler.emulator.org_permissions import exists
from reconciler.emulator.store import encode

if TYPE_CHECKING:
    from email.message import Message

    from reconciler.emulator.server import Emulator

JSON = "application/json"
JSON_API = "application/vnd.gooddata.api+json"
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


@dataclass(frozen=True)
class Answer:
    """A successful answer: status, body bytes and Content-Type (None: no Content-Type header)."""

    status: int
    body: bytes = b""
    content_type: str | None = None


@dataclass(frozen=True)
class Problem:
    """A refusal, answered as application/problem+json."""

    status: int
    detail: str
    allow: str | None = None


@dataclass(frozen=True)
class Request:
    """What the routes need of a request that has passed authentication."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    user_id: str
    token: str
    base: str
    url: str  # the request's own URL (links.self of a list)


def matches(path: str) -> bool:
    """Whether `handle` serves this path."""
    return path in FIXED or _UM_PRINCIPAL.match(path) is not None or api_tokens.parse_path(path) is not None


def handle(emu: Emulator, req: Request) -> Answer | Problem | None:
    """Serve the request, or None when the path is not one of these routes."""
    try:
        return _route(emu, req)
    except org_permissions.Invalid as e:
        return Problem(400, str(e))
    except EntityError as e:
        return Problem(e.status, e.detail)


def _allowed(req: Request, methods: tuple[str, ...]) -> Problem | None:
    if req.method in methods:
        return None
    return Problem(405, f"Request method '{req.method}' is not supported", ", ".join(methods))


def _parse(req: Request, types: tuple[str, ...] = (JSON,)) -> Any:
    media = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media not in types:
        raise EntityError(415, f"Content-Type '{media or '(none)'}' is not supported; use {types[-1]}")
    try:
        return json.loads(req.body)
    except ValueError as e:
        raise EntityError(400, f"malformed JSON: {e}") from e


def _negotiated(req: Request) -> str:
    """The JSON:API media type unless the client asks for application/json only."""
    accept = req.headers.get("Accept", "")
    return JSON if JSON in accept and JSON_API not in accept else JSON_API


def _route(emu: Emulator, req: Request) -> Answer | Problem | None:
    methods = FIXED.get(req.path)
    if methods is not None:
        refused = _allowed(req, methods)
        if refused is not None:
            return refused
        if req.path == ORG_LAYOUT:
            if req.method == "GET":
                return Answer(200, encode(emu.org_permissions.get()), JSON)
            emu.org_permissions.put(_parse(req))
            return Answer(204)
        if req.path == ORG_MANAGE:
            emu.org_permissions.manage(_parse(req))
            return Answer(204)
        if req.path == INVITE:
            return _invite(emu, req)
        if req.path == invitations.OUTBOX_PATH:
            if req.user_id != emu.bootstrap_user or emu.api_tokens.owner(req.token) is not None:
                return Problem(403, "the outbox is for the emulator's bootstrap token only")
            return Answer(200, encode({"invitations": emu.outbox}), JSON)
        return _bulk(emu, req)
    m = _UM_PRINCIPAL.match(req.path)
    if m is not None:
        return _principal_permissions(emu, req, "user" if m.group(1) == "users" else "userGroup", m.group(2))
    where = api_tokens.parse_path(req.path)
    if where is not None:
        return _tokens(emu, req, where)
    return None


def _workspace_name(emu: Emulator, workspace_id: str) -> str:
    # Workspaces may carry names (the workspace entities); without one the id stands in.
    named = getattr(emu.workspaces, "name", None)
    found = named(workspace_id) if callable(named) else None
    return found if isinstance(found, str) else workspace_id


def _principal_permissions(emu: Emulator, req: Request, kind: str, principal_id: str) -> Answer | Problem:
    refused = _allowed(req, ("GET", "POST"))
    if refused is not None:
        return refused
    if not exists(emu.store.snapshot.doc, kind, principal_id):
        return Problem(404, rules_not_found())
    who = (kind, principal_id)
    if req.method == "GET":
        view = user_management.view(emu.workspaces, emu.data_sources, who, lambda w: _workspace_name(emu, w))
        return Answer(200, encode(view), JSON)
    body = _parse(req)
    problems = user_management.check_assignments(body, required=True)
    if problems:
        return Problem(400, "; ".join(problems))
    user_management.write(emu.workspaces, emu.data_sources, [who], body, revoke=False)
    return Answer(204)


def _bulk(emu: Emulator, req: Request) -> Answer | Problem:
    body = _parse(req)
    problems = user_management.check_assignments(body, required=False)
    if problems:
        return Problem(400, "; ".join(problems))
    doc = emu.store.snapshot.doc
    assignees = user_management.check_assignees(body, lambda kind, i: exists(doc, kind, i))
    revoke = req.path.endswith("/revokePermissions")
    user_management.write(emu.workspaces, emu.data_sources, assignees, body, revoke=revoke)
    return Answer(200)  # recorded: 200 with an empty body and no Content-Type


def _invite(emu: Emulator, req: Request) -> Answer | Problem:
    body = _parse(req)
    problems = invitations.check(body)
    if problems:
        return Problem(400, "; ".join(problems))
    if not exists(emu.store.snapshot.doc, "user", body["userId"]):
        return Problem(404, f"user {body['userId']!r}: {rules_not_found()}")
    emu.invitations.add(body, req.user_id)
    return Answer(204)


def _tokens(emu: Emulator, req: Request, where: api_tokens.TokenPath) -> Answer | Problem:
    methods = ("GET", "POST") if where.token_id is None else ("GET", "DELETE")
    refused = _allowed(req, methods)
    if refused is not None:
        return refused
    media = _negotiated(req)
    tokens = emu.api_tokens
    if where.token_id is None:
        if req.method == "GET":
            return Answer(200, encode(tokens.listing(req.base, where.user_id, req.query, req.url)), media)
        created = tokens.create(req.base, where.user_id, _parse(req, (JSON, JSON_API)))
        return Answer(201, encode(created), media)
    if req.method == "GET":
        return Answer(200, encode(tokens.get(req.base, where.user_id, where.token_id)), media)
    tokens.delete(where.user_id, where.token_id)
    return Answer(204, b"", JSON_API)
