"""The older platform's answer bodies: JSON with its media type, and each error shape API.md §0.1 records.

Every refusal of the platform emulator is built here, so a test can compare a body with API.md in one place.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from reconciler.emulator.reply import Reply, Request
from reconciler.emulator.store import encode

JSON_UTF8 = "application/json;charset=UTF-8"  # [rec] resources
JSON_TOKEN = "application/json"  # [rec] GET /gdc/account/token
JSON_GATEWAY = "application/json; charset=utf-8"  # [rec] the gateway's 401 challenge
REALM = 'GoodData realm="GoodData API"'
TT_CHALLENGE = f"{REALM} cookie=GDCAuthTT"
SST_CHALLENGE = f"{REALM} cookie=GDCAuthSST location=/gdc/account/login"
AUTHORIZATION_FAILED = "com.gooddata.security.authorization.AuthorizationFailedException"
ALREADY_REGISTERED = "com.gooddata.webapp.service.userprovisioning.LoginNameAlreadyRegisteredException"
MALFORMED = "com.gooddata.json.validator.exception.MalformedMessageException"
NOT_FOUND_CLASS = "GDC::Exception::NotFound"
CONFLICT_CLASS = "GDC::Exception::Conflict"  # the emulator's own: no 409 body is recorded


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer with the platform's media type."""
    return Reply(status, encode(payload), JSON_UTF8, headers or {})


def empty(status: int, headers: dict[str, str] | None = None) -> Reply:
    """An answer without a body (204, the recorded 200 of DELETE profile, the 307 of the current profile)."""
    return Reply(status, b"", None, headers or {})


def gdc_error(
    status: int,
    error_class: str,
    message: str,
    parameters: list[Any] | None = None,
    *,
    component: str = "Webapp",
    error_code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """The wrapped error `{"error": {errorClass, message (a %s template), parameters, component, ...}}`."""
    body: dict[str, Any] = {
        "component": component,
        "errorClass": error_class,
        "errorId": uuid.uuid4().hex,
        "message": message,
        "parameters": list(parameters or []),
        "requestId": uuid.uuid4().hex[:16],
        "trace": "",
    }
    if error_code is not None:
        body["errorCode"] = error_code
    return ok({"error": body}, status, headers)


def forbidden_domain_admin() -> Reply:
    """[rec] 403 of the domain-user endpoints for a caller that is not the domain's admin."""
    return gdc_error(
        403,
        AUTHORIZATION_FAILED,
        "Can be accessed only by domain admin",
        error_code="gdc.security.authorization",
    )


def forbidden(permission: str) -> Reply:
    """403 for a project action the caller may not do (the emulator's wording; same recorded wrapper)."""
    return gdc_error(
        403,
        AUTHORIZATION_FAILED,
        "User does not have required permission %s",
        [permission],
        error_code="gdc.security.authorization",
    )


def malformed(detail: str) -> Reply:
    """[code] 400 of a body the server cannot read (only the class name is known; the text is ours)."""
    return gdc_error(400, MALFORMED, "Malformed message: %s", [detail], error_code="gdc.json.malformed")


def bad_request(message: str, parameters: list[Any] | None = None) -> Reply:
    """400 with the `GDC::Exception::User` class the recorded 400 of POST /gdc/projects carries."""
    return gdc_error(400, "GDC::Exception::User", message, parameters, component="Apache::REST")


def not_found(message: str, parameters: list[Any] | None = None) -> Reply:
    """404 in the mock's shape (`User uid %s doesn't exist.` for a project user)."""
    return gdc_error(404, NOT_FOUND_CLASS, message, parameters, component="GDC::LWP::UserAgent")


def no_route() -> Reply:
    """404 for a path the emulator does not serve."""
    return not_found("Resource not found")


def wrong_method(method: str, allowed: tuple[str, ...]) -> Reply:
    """405 with Allow."""
    return gdc_error(
        405,
        "GDC::Exception::MethodNotAllowed",
        "Method %s not allowed",
        [method],
        headers={"Allow": ", ".join(allowed)},
    )


def conflict(message: str, parameters: list[Any]) -> Reply:
    """[code] 409 (the Ruby SDK rescues Conflict on a duplicate group name; the body is ours)."""
    return gdc_error(409, CONFLICT_CLASS, message, parameters)


def bad_login() -> Reply:
    """[rec] 401 of POST /gdc/account/login with wrong credentials: no `error` wrapper."""
    body = {"component": "Webapp", "message": "Bad Login or Password!", "parameters": []}
    return Reply(401, encode(body), JSON_UTF8, {"WWW-Authenticate": REALM})


def tt_challenge() -> Reply:
    """[rec] 401 for a missing or expired TT, on any resource."""
    body = {
        "error": {
            "code": 401,
            "description": "The token is missing or has expired: get a new one from /gdc/account/token.",
            "links": {"documentation": "http://developer.gooddata.com/article/authentication-via-api"},
            "message": "Authorization Required",
        }
    }
    headers = {"WWW-Authenticate": TT_CHALLENGE, "Set-Cookie": "GDCAuthTT=; Max-Age=0; path=/gdc"}
    return Reply(401, encode(body), JSON_GATEWAY, headers)


def sst_challenge() -> Reply:
    """[rec] 401 of GET /gdc/account/token with a missing, invalid or expired SST: empty body."""
    headers = {"WWW-Authenticate": SST_CHALLENGE, "Set-Cookie": 'GDCAuthSST=""; path=/gdc/account'}
    return Reply(401, b"", None, headers)


def parse(request: Request) -> tuple[Any, Reply | None]:
    """The request's JSON body, or the 400 answered instead."""
    try:
        return json.loads(request.body or b"null"), None
    except ValueError as e:
        return None, malformed(f"not JSON: {e}")


def wrapped(body: Any, key: str) -> dict[str, Any] | None:
    """`body[key]` when body is `{key: {...}}`, else None."""
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        inner: dict[str, Any] = body[key]
        return inner
    return None
