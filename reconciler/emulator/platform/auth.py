"""Log in, tokens, log out and the current profile (API.md §1): the SST/TT flow and its 401 challenges."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from reconciler.emulator.platform import errors
from reconciler.emulator.platform.model import profile_uri
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.reply import Reply, Request

LOGIN = "/gdc/account/login"
TOKEN = "/gdc/account/token"
CURRENT = "/gdc/account/profile/current"


def credential(request: Request, name: str) -> str | None:
    """A token from its `X-GDC-<name>` header, else from the `GDC<name>` cookie (the cookie-based variant)."""
    header = request.headers.get(f"x-gdc-{name.lower()}", "").strip()
    if header:
        return header
    raw = request.headers.get("cookie")
    if not raw:
        return None
    try:
        cookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = cookie.get(f"GDC{name}")
    return morsel.value or None if morsel is not None else None


def before_auth(emu: PlatformState, request: Request) -> Reply | None:
    """The answers that need no TT: POST login and GET token; None for everything else."""
    if request.path == LOGIN:
        if request.method != "POST":
            return errors.wrong_method(request.method, ("POST",))
        return _login(emu, request)
    if request.path == TOKEN:
        if request.method != "GET":
            return errors.wrong_method(request.method, ("GET",))
        tt = emu.sessions.token(credential(request, "AuthSST"))
        if tt is None:
            return errors.sst_challenge()
        return Reply(200, _encode({"userToken": {"token": tt}}), errors.JSON_TOKEN, {"X-GDC-AuthTT": tt})
    return None


def answer(emu: PlatformState, request: Request) -> Reply | None:
    """Log out and the current profile, for a caller with a live TT."""
    if request.path == CURRENT:
        if request.method != "GET":
            return errors.wrong_method(request.method, ("GET",))
        return errors.empty(307, {"Location": profile_uri(request.user_id)})  # [rec]
    if not request.path.startswith(LOGIN + "/"):
        return None
    if request.method != "DELETE":
        return errors.wrong_method(request.method, ("DELETE",))
    user_id = request.path[len(LOGIN) + 1 :].strip("/")
    if user_id != request.user_id:
        return errors.forbidden("logout of another user")  # the emulator's choice: nothing recorded
    emu.sessions.logout(user_id, credential(request, "AuthSST"))
    return errors.empty(204)  # [rec]


def _login(emu: PlatformState, request: Request) -> Reply:
    body, problem = errors.parse(request)
    if problem is not None:
        return problem
    content = errors.wrapped(body, "postUserLogin")
    if (
        content is None
        or not isinstance(content.get("login"), str)
        or not isinstance(content.get("password"), str)
    ):
        return errors.malformed("expected {postUserLogin: {login, password}}")
    user = emu.check_password(content["login"], content["password"])
    if user is None:
        return errors.bad_login()
    sst, tt = emu.sessions.login(user.id)
    payload = {
        "userLogin": {"profile": profile_uri(user.id), "state": f"{LOGIN}/{user.id}", "token": sst},
    }
    return errors.ok(payload, headers={"X-GDC-AuthSST": sst, "X-GDC-AuthTT": tt})


def _encode(payload: object) -> bytes:
    return errors.ok(payload).body
