"""Domain users (API.md §2): create, list (offset/limit, ?login=), get, update, delete; domain admins only.

The profile endpoints also answer a user about itself.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.platform import errors
from reconciler.emulator.platform.model import (
    PROFILE,
    SETTINGS,
    DomainUser,
    new_profile_id,
    now,
    profile_uri,
)
from reconciler.emulator.platform.projects import project_body
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

DOMAINS = "/gdc/account/domains/"
DEFAULT_LIMIT = 1000  # the Ruby SDK's page size; the server's default is not recorded
MIN_PASSWORD = 7  # [doc]
PROJECTS_LIMIT = 500  # a user's projects: the Ruby SDK's page size (API.md §2.7), also the default here


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """The domain-user and profile endpoints; None for other paths."""
    path = request.path.rstrip("/")
    if path.startswith(DOMAINS):
        parts = path[len(DOMAINS) :].split("/")
        if len(parts) != 2 or parts[1] != "users":
            return errors.no_route()
        if emu.administered_domain(request.user_id) != parts[0]:
            return errors.forbidden_domain_admin()  # [rec]
        if request.method == "GET":
            return _list(emu, parts[0], request)
        if request.method == "POST":
            return _create(emu, parts[0], request)
        return errors.wrong_method(request.method, ("GET", "POST"))
    if not path.startswith(PROFILE):
        return None
    parts = path[len(PROFILE) :].split("/")
    if parts[1:] == ["projects"]:
        return _projects(emu, parts[0], request)
    if len(parts) != 1:
        return None  # /profile/{id}/auditEvents and the like are not served
    with emu.data.lock:
        user = emu.data.users.get(parts[0])
        if user is None:
            return errors.not_found("User %s not found", [parts[0]])
        admin = emu.administered_domain(request.user_id) == user.domain
        if request.method == "GET":
            if not admin and user.id != request.user_id:
                return errors.forbidden("canSeeOtherUserDetails")
            return errors.ok({"accountSetting": account_setting(user, detail=True)})
        if request.method == "PUT":
            if not admin and user.id != request.user_id:
                return errors.forbidden_domain_admin()
            return _update(user, request)
        if request.method == "DELETE":
            if not admin:
                return errors.forbidden_domain_admin()
            emu.data.delete_user(user.id)
            return errors.empty(200)  # [rec] 200 with an empty body (the old spec says 204)
        return errors.wrong_method(request.method, ("GET", "PUT", "DELETE"))


def account_setting(user: DomainUser, *, detail: bool = False) -> dict[str, Any]:
    """A user's `accountSetting`; `detail` adds the links GET of one profile carries."""
    links = {"projects": f"{profile_uri(user.id)}/projects", "self": profile_uri(user.id)}
    if detail:
        links["auditEvents"] = f"{profile_uri(user.id)}/auditEvents"
        links["domain"] = f"/gdc/domains/{user.domain}"
    body: dict[str, Any] = {
        "authenticationModes": ["PASSWORD"],
        "companyName": None,
        "country": None,
        "created": user.created,
        "email": user.email,
        "firstName": user.first_name,
        "language": "en-US",
        "lastName": user.last_name,
        "links": links,
        "login": user.login,
        "phoneNumber": None,
        "position": None,
        "timezone": None,
        "updated": user.updated,
    }
    body.update(user.settings)
    if "ipWhitelist" in user.settings:
        body["effectiveIpWhitelist"] = user.settings["ipWhitelist"]
    return body


def _list(emu: PlatformState, domain: str, request: Request) -> Reply:
    offset, limit = _paging(request)
    if offset is None or limit is None:
        return errors.bad_request("Invalid paging parameters: %s", [request.target])
    login = request.query.get("login", [None])[0]
    if login is not None:  # matched without case: the emulator's choice
        found = emu.data.user_by_login(login)
        users = [found] if found is not None and found.domain == domain else []
    else:
        users = emu.data.domain_users(domain)
    page = users[offset : offset + limit]
    paging: dict[str, Any] = {"count": len(page), "offset": offset}
    if offset + limit < len(users):  # [doc] the optional `next`; never recorded
        paging["next"] = f"{DOMAINS}{domain}/users?offset={offset + limit}&limit={limit}"
    items = [{"accountSetting": account_setting(u)} for u in page]
    return errors.ok({"accountSettings": {"items": items, "paging": paging}})


def _projects(emu: PlatformState, user_id: str, request: Request) -> Reply:
    """GET /gdc/account/profile/{id}/projects (API.md §2.7): the projects the user is an ENABLED member of
    (the emulator's choice: API.md does not say whether DISABLED memberships are listed), in creation order,
    with the paging object this listing is recorded with (offset, limit, count, totalCount, next)."""
    if request.method != "GET":
        return errors.wrong_method(request.method, ("GET",))
    offset, limit = _paging(request, default=PROJECTS_LIMIT)
    if offset is None or limit is None:
        return errors.bad_request("Invalid paging parameters: %s", [request.target])
    with emu.data.lock:
        user = emu.data.users.get(user_id)
        if user is None:
            return errors.not_found("User %s not found", [user_id])
        if user.id != request.user_id and emu.administered_domain(request.user_id) != user.domain:
            return errors.forbidden("canSeeOtherUserDetails")
        listed = [
            p
            for p in emu.data.projects.values()
            if (m := p.members.get(user.id)) is not None and m.status == "ENABLED"
        ]
        page = [project_body(p) for p in listed[offset : offset + limit]]
    paging: dict[str, Any] = {"offset": offset, "limit": limit, "count": len(page), "totalCount": len(listed)}
    paging["next"] = (
        f"{profile_uri(user_id)}/projects?offset={offset + limit}&limit={limit}"
        if offset + limit < len(listed)
        else None
    )
    return errors.ok({"projects": {"paging": paging, "items": page}})


def _paging(request: Request, default: int = DEFAULT_LIMIT) -> tuple[int | None, int | None]:
    try:
        offset = int(request.query.get("offset", ["0"])[0])
        limit = int(request.query.get("limit", [str(default)])[0])
    except ValueError:
        return None, None
    if offset < 0 or limit < 1:
        return None, None
    return offset, limit


def _setting(request: Request) -> tuple[dict[str, Any] | None, Reply | None]:
    """The accountSetting of the body, without the field an ignore_field fault names."""
    body, problem = errors.parse(request)
    if problem is not None:
        return None, problem
    content = errors.wrapped(body, "accountSetting")
    if content is None:
        return None, errors.malformed("expected {accountSetting: {...}}")
    fault = request.fault
    if fault is not None and fault.kind == "ignore_field":
        content = {k: v for k, v in content.items() if k != fault.field_name}
    return content, None


def _create(emu: PlatformState, domain: str, request: Request) -> Reply:
    content, problem = _setting(request)
    if content is None:
        return problem or errors.malformed("no accountSetting")
    login = content.get("login")
    if not isinstance(login, str) or not login.strip():
        return errors.malformed("accountSetting.login is required")
    refused = _check_fields(content, creating=True)
    if refused is not None:
        return refused
    with emu.data.lock:
        if emu.data.user_by_login(login) is not None:  # [code] the class name; the text is ours
            return errors.gdc_error(
                400,
                errors.ALREADY_REGISTERED,
                "User with login %s is already registered",
                [login],
                error_code="gdc.webapp.userprovisioning.login_already_registered",
            )
        user = DomainUser(
            new_profile_id(),
            login.strip(),
            domain,
            content.get("email") or login.strip(),
            content["firstName"],
            content["lastName"],
            content.get("password") or "",
            {k: content[k] for k in SETTINGS if k in content},
        )
        emu.data.add_user(user)
    uri = profile_uri(user.id)
    return errors.ok({"uri": uri}, 201, {"Location": uri})  # [rec] 201, Location and {"uri"}


def _update(user: DomainUser, request: Request) -> Reply:
    content, problem = _setting(request)
    if content is None:
        return problem or errors.malformed("no accountSetting")
    if "login" in content and str(content["login"]).lower() != user.login.lower():
        return errors.bad_request(
            "The login cannot be changed: %s", [content["login"]]
        )  # the emulator's choice
    refused = _check_fields(content, creating=False)
    if refused is not None:
        return refused
    if "firstName" in content:
        user.first_name = content["firstName"]
    if "lastName" in content:
        user.last_name = content["lastName"]
    if content.get("email"):
        user.email = content["email"]
    if content.get("password"):
        user.password = content["password"]
    for key in SETTINGS:
        if key in content:
            user.settings[key] = content[key]
    user.updated = now()
    return errors.ok({"accountSetting": account_setting(user)})  # [rec] 200 with the profile (2019+ links)


def _check_fields(content: dict[str, Any], *, creating: bool) -> Reply | None:
    """[doc] firstName and lastName at least one character; a password at least 7, repeated alike."""
    for name in ("firstName", "lastName"):
        value = content.get(name)
        if (creating or name in content) and (not isinstance(value, str) or not value):
            return errors.malformed(f"accountSetting.{name} must be a non-empty string")
    for name in ("email", "password", "verifyPassword"):
        if name in content and content[name] is not None and not isinstance(content[name], str):
            return errors.malformed(f"accountSetting.{name} must be a string")
    password = content.get("password")
    sso_only = content.get("authenticationModes") == ["SSO"]
    if creating and not password and not sso_only:
        return errors.malformed("accountSetting.password is required")
    if password and len(password) < MIN_PASSWORD:
        return errors.malformed(f"accountSetting.password must have at least {MIN_PASSWORD} characters")
    if password and content.get("verifyPassword") not in (None, password):
        return errors.malformed("accountSetting.verifyPassword differs from password")
    return None
