"""The GoodData HTTP client (SPEC §7): the one module that imports requests and urllib3.

Retries (429/502/503/504, connection and read errors, GET and PUT) are urllib3's `Retry`, bounded both by
count and by total time; every failure becomes an `ApiError` or a `TransportError` with a human message.
The token lives only in the session's auth object: no message, log line or repr ever shows it.

The package is the one place that imports requests and urllib3: `options` (settings), `hosts` (which URLs
are allowed), `retry` (bounded retries), and the client itself here.
"""

from __future__ import annotations

import http
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from reconciler import __version__
from reconciler.client.hosts import normalize_host
from reconciler.client.options import ClientOptions, RetryPolicy
from reconciler.client.retry import RETRY_STATUSES, Attempts, BoundedRetry, describe_error
from reconciler.errors import ApiError, ConfigError, TransportError
from reconciler.gcpause import paused_gc

log = logging.getLogger("reconciler.client")

LAYOUT_PATH = "/api/v1/layout/usersAndUserGroups"
PROFILE_PATH = "/api/v1/profile"
ORG_PERMISSIONS_PATH = "/api/v1/layout/organization/permissions"
WORKSPACES_PATH = "/api/v1/entities/workspaces"
ORGANIZATION_PATH = "/api/v1/entities/organization"  # GoodData answers 302 to the organization's entity
WORKSPACE_PAGE_SIZE = 500
USER_AGENT = f"reconciler/{__version__} (+python-requests)"


__all__ = [
    "LAYOUT_PATH",
    "ORG_PERMISSIONS_PATH",
    "PROFILE_PATH",
    "USER_AGENT",
    "ClientOptions",
    "GoodDataClient",
    "RetryPolicy",
]


class _BearerAuth(AuthBase):
    """Adds the bearer token; as session auth it also keeps a ~/.netrc entry from replacing it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "_BearerAuth(token=***)"


class GoodDataClient:
    """Reads and writes the users-and-groups layout of one GoodData organization."""

    def __init__(
        self,
        host: str,
        token: str,
        *,
        options: ClientOptions = ClientOptions(),  # noqa: B008 - frozen, so sharing the default is safe
        target_name: str | None = None,
    ) -> None:
        self.base_url, loopback = normalize_host(host, options.insecure_http)
        token = (token or "").strip()
        if not token:
            raise ConfigError("invalid config: the token is empty")
        if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
            # requests would quote the header value in its error; say nothing about the value itself.
            raise ConfigError("invalid config: the token contains spaces or non-ASCII characters")
        if options.ca_bundle is not None and not Path(options.ca_bundle).exists():
            raise ConfigError(f"invalid config: CA bundle {options.ca_bundle} does not exist")
        self._token = token
        self._options = options
        self._label = f"target {target_name!r}" if target_name else self.base_url
        policy = options.retry
        self._retry = BoundedRetry(
            total=policy.total,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "PUT"}),
            backoff_factor=policy.backoff_factor,
            backoff_max=policy.backoff_max,
            backoff_jitter=policy.backoff_jitter,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last error response becomes an ApiError with the server's message
            raise_on_redirect=False,
        )
        self._adapter = HTTPAdapter(max_retries=self._retry)
        self._session = requests.Session()
        self._session.mount("https://", self._adapter)
        self._session.mount("http://", self._adapter)
        self._session.auth = _BearerAuth(token)
        self._session.headers.update(
            {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}
        )
        self._session.verify = options.ca_bundle or True
        # The embedded organization is on loopback: never send it through a proxy from the environment.
        self._session.trust_env = not loopback

    def __repr__(self) -> str:
        return f"GoodDataClient(host={self.base_url!r})"

    def __enter__(self) -> GoodDataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def get_layout(self) -> dict[str, Any]:
        """GET the usersAndUserGroups layout document."""
        doc = self._json("GET", LAYOUT_PATH, "reading the users and groups")
        if not (
            isinstance(doc, dict)
            and isinstance(doc.get("users"), list)
            and isinstance(doc.get("userGroups"), list)
        ):
            raise ApiError(
                f"api error: {self.base_url}{LAYOUT_PATH}: server answered something that is not a layout "
                "document (expected an object with 'users' and 'userGroups' lists)"
            )
        return doc

    def put_layout(self, doc: Mapping[str, Any]) -> None:
        """PUT the whole usersAndUserGroups layout document (it replaces everything)."""
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self._send("PUT", LAYOUT_PATH, "writing the users and groups", body=body)

    def get_profile(self) -> dict[str, Any]:
        """GET the profile of the token's owner."""
        profile = self._json("GET", PROFILE_PATH, "reading the token owner's profile")
        if not isinstance(profile, dict):
            raise ApiError(f"api error: {self.base_url}{PROFILE_PATH}: the profile is not a JSON object")
        return profile

    def token_owner(self) -> str:
        """The id of the user who owns the token."""
        user_id = self.get_profile().get("userId")
        if not isinstance(user_id, str) or not user_id:
            raise ApiError(f"api error: {self.base_url}{PROFILE_PATH}: the profile names no userId")
        return user_id

    def get_organization_permissions(self) -> list[dict[str, Any]]:
        """GET the organization permissions; [] when the server does not serve them (404)."""
        try:
            perms = self._json("GET", ORG_PERMISSIONS_PATH, "reading the organization permissions")
        except ApiError as e:
            if e.status == 404:
                return []
            raise
        if not isinstance(perms, list) or not all(isinstance(p, dict) for p in perms):
            raise ApiError(
                f"api error: {self.base_url}{ORG_PERMISSIONS_PATH}: the organization permissions are not "
                "a list of objects"
            )
        return perms

    def organization_id(self) -> str | None:
        """The organization's id (GET /api/v1/entities/organization); None when the server does not say."""
        try:
            resp = self._send("GET", ORGANIZATION_PATH, "reading the organization", redirect_ok=True)
            if resp.is_redirect:  # to /api/v1/entities/admin/organizations/{id}: follow it on this host only
                location = urljoin(self.base_url + ORGANIZATION_PATH, resp.headers["Location"])
                if not location.startswith(self.base_url + "/"):
                    return None
                resp = self._send("GET", location[len(self.base_url) :], "reading the organization")
            doc = json.loads(resp.content)
        except (ApiError, ValueError, KeyError) as e:
            log.info("the organization id is not known: %s", e)
            return None
        data = doc.get("data") if isinstance(doc, dict) else None
        org_id = data.get("id") if isinstance(data, dict) else None
        return org_id if isinstance(org_id, str) and org_id else None

    def get_workspace_assignees(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(assignee type, id) -> workspaces where it holds permissions; {} when the server has none."""
        ids: list[str] = []
        page = 0
        while True:
            path = f"{WORKSPACES_PATH}?page={page}&size={WORKSPACE_PAGE_SIZE}"
            try:
                listing = self._json("GET", path, "listing the workspaces")
            except ApiError as e:
                if e.status == 404:
                    return {}
                raise
            data = listing.get("data") if isinstance(listing, dict) else None
            if not isinstance(data, list):
                raise ApiError(f"api error: {self.base_url}{WORKSPACES_PATH}: not a JSON:API list")
            ids += [str(item.get("id")) for item in data if isinstance(item, dict)]
            if len(data) < WORKSPACE_PAGE_SIZE or not (listing.get("links") or {}).get("next"):
                break
            page += 1
        found: dict[tuple[str, str], set[str]] = {}
        for workspace_id in ids:
            path = f"/api/v1/layout/workspaces/{workspace_id}/permissions"
            doc = self._json("GET", path, f"reading the permissions of workspace {workspace_id}")
            for key in ("permissions", "hierarchyPermissions"):
                for p in (doc.get(key) or []) if isinstance(doc, dict) else []:
                    assignee = p.get("assignee") if isinstance(p, dict) else None
                    if isinstance(assignee, dict):
                        who = (str(assignee.get("type")), str(assignee.get("id")))
                        found.setdefault(who, set()).add(workspace_id)
        return {who: tuple(sorted(ws)) for who, ws in found.items()}

    # -- transport -------------------------------------------------------------------------------

    def _json(self, method: str, path: str, what: str) -> Any:
        resp = self._send(method, path, what)
        content_type = resp.headers.get("Content-Type", "(none)")
        try:
            with paused_gc(freeze=True):  # a 100,000-user layout is ~1.5 million containers
                return json.loads(resp.content)
        except ValueError as e:
            head = resp.content[:60].decode("utf-8", "replace")
            kind = "truncated or invalid JSON" if "json" in content_type.lower() else "not JSON"
            raise ApiError(
                self._redact(
                    f"api error: {resp.status_code} from {self.base_url}{path} is {kind} "
                    f"(content type {content_type}, starts with {head!r}); is the host a GoodData API "
                    "and not a proxy or login page?"
                ),
                status=resp.status_code,
            ) from e

    def _send(
        self, method: str, path: str, what: str, *, body: bytes | None = None, redirect_ok: bool = False
    ) -> requests.Response:
        policy = self._options.retry
        attempts = Attempts(f"{method} {path}", policy.total + 1, policy.max_elapsed)
        # A fresh Retry per request: its time budget starts now (the client is not shared between threads).
        self._adapter.max_retries = self._retry.new(attempts=attempts)
        try:
            resp = self._session.request(
                method,
                self.base_url + path,
                data=body,
                timeout=(self._options.connect_timeout, self._options.read_timeout),
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as e:
            raise TransportError(
                self._redact(
                    f"network error: TLS failed for {self.base_url} ({describe_error(e)}); "
                    "for a private CA set the CA bundle (ssl_ca_cert)"
                )
            ) from e
        except requests.exceptions.RequestException as e:
            cause = attempts.last_cause or describe_error(e)
            raise TransportError(
                self._redact(
                    f"network error: could not reach {self.base_url} ({cause}) while {what}"
                    f"{self._after(attempts)}"
                )
            ) from e
        if redirect_ok and resp.is_redirect:
            return resp
        if resp.is_redirect or 300 <= resp.status_code < 400:
            location = resp.headers.get("Location", "(no location)")
            raise ApiError(
                f"api error: {resp.status_code} the server redirected {method} {path} to {location}; "
                "set the host to the address the API really answers on",
                status=resp.status_code,
            )
        if resp.status_code >= 400:
            raise self._api_error(resp, method, path, what, attempts)
        return resp

    def _after(self, attempts: Attempts) -> str:
        if attempts.out_of_time:
            return (
                f" after {attempts.count} attempts in {attempts.elapsed():.0f} s "
                f"(the retry time budget is {attempts.max_elapsed:g} s)"
            )
        return f" after {attempts.count} attempts" if attempts.count > 1 else ""

    def _api_error(
        self, resp: requests.Response, method: str, path: str, what: str, attempts: Attempts
    ) -> ApiError:
        status = resp.status_code
        detail, trace_id = _problem(resp)
        trace_id = trace_id or resp.headers.get("X-GDC-TRACE-ID")
        reason = (resp.reason or _phrase(status)).lower()
        if status == 401:
            explain = f"the token was rejected (check the token for {self._label})"
        elif status == 403:
            explain = (
                f"the token's user may not do this ({what}); it needs the organization MANAGE permission"
            )
        elif status == 404:
            explain = f"{method} {path} does not exist on {self.base_url} (is this the GoodData API host?)"
        elif status == 400:
            explain = f"the server refused the request ({what})"
        elif status >= 500:
            explain = f"the server failed while {what}"
        else:
            explain = f"while {what}"
        message = f"api error: {status} {reason} — {explain}"
        if detail:
            message += f": {detail}"
        message += self._after(attempts)
        if trace_id:
            message += f" (traceId {trace_id})"
        return ApiError(self._redact(message), status=status, trace_id=trace_id)

    def _redact(self, text: str) -> str:
        # A safety net: no server echo or library text may carry the token into a message.
        return text.replace(self._token, "***")


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _problem(resp: requests.Response) -> tuple[str | None, str | None]:
    """The detail and traceId of a problem+json (or any JSON) error body, if there is one."""
    if not resp.content:
        return None, None
    try:
        body = json.loads(resp.content)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    detail = body.get("detail") or body.get("title") or body.get("message")
    trace = body.get("traceId")
    text = str(detail)[:500] if detail else None
    return text, str(trace) if trace else None
