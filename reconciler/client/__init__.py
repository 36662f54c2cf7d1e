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
from reconciler.progress import NULL, Progress, Stage, plural

log = logging.getLogger("reconciler.client")

LAYOUT_PATH = "/api/v1/layout/usersAndUserGroups"
PROFILE_PATH = "/api/v1/profile"
ORG_PERMISSIONS_PATH = "/api/v1/layout/organization/permissions"
WORKSPACES_PATH = "/api/v1/entities/workspaces"
ORGANIZATION_PATH = "/api/v1/entities/organization"  # GoodData answers 302 to the organization's entity
WORKSPACE_PAGE_SIZE = 500
USER_AGENT = f"reconciler/{__version__} (+python-requests)"
_CHUNK = 1 << 20  # bytes read at a time, counted into the progress of a GET


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
        progress: Progress = NULL,
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
        self._progress = progress
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
        with self._progress.stage(f"reading the users and groups from {self.base_url}", unit="bytes") as s:
            doc = self._json("GET", LAYOUT_PATH, "reading the users and groups", s)
            if not (
                isinstance(doc, dict)
                and isinstance(doc.get("users"), list)
                and isinstance(doc.get("userGroups"), list)
            ):
                raise ApiError(
                    f"api error: {self.base_url}{LAYOUT_PATH}: server answered something that is not a "
                    "layout document (expected an object with 'users' and 'userGroups' lists)"
                )
            s.done(f"read {_members(doc)} from {self.base_url}")
        return doc

    def put_layout(self, doc: Mapping[str, Any]) -> None:
        """PUT the whole usersAndUserGroups layout document (it replaces everything)."""
        body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        members = _members(doc)
        with self._progress.stage(
            f"writing {members} ({len(body) / 1_000_000:.1f} MB) to {self.base_url}",
            done=f"wrote {members} to {self.base_url}",
        ):
            self._send("PUT", LAYOUT_PATH, "writing the users and groups", body=body)

    def get_profile(self) -> dict[str, Any]:
        """GET the profile of the token's owner."""
        with self._progress.stage(
            f"reading the token owner's profile from {self.base_url}",
            done=f"read the token owner's profile from {self.base_url}",
        ):
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
            with self._progress.stage(
                f"reading the organization permissions from {self.base_url}",
                done=f"read the organization permissions from {self.base_url}",
            ):
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
            resp, content = self._send("GET", ORGANIZATION_PATH, "reading the organization", redirect_ok=True)
            if resp.is_redirect:  # to /api/v1/entities/admin/organizations/{id}: follow it on this host only
                location = urljoin(self.base_url + ORGANIZATION_PATH, resp.headers["Location"])
                if not location.startswith(self.base_url + "/"):
                    return None
                _, content = self._send("GET", location[len(self.base_url) :], "reading the organization")
            doc = json.loads(content)
        except (ApiError, ValueError, KeyError) as e:
            log.info("the organization id is not known: %s", e)
            return None
        data = doc.get("data") if isinstance(doc, dict) else None
        org_id = data.get("id") if isinstance(data, dict) else None
        return org_id if isinstance(org_id, str) and org_id else None

    def get_workspace_assignees(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(assignee type, id) -> workspaces where it holds permissions; {} when the server has none."""
        with self._progress.stage(
            f"reading the workspace permissions from {self.base_url}", unit="workspaces"
        ) as stage:
            found = self._workspace_assignees(stage)
        return {who: tuple(sorted(ws)) for who, ws in found.items()}

    def _workspace_assignees(self, stage: Stage) -> dict[tuple[str, str], set[str]]:
        ids: list[str] = []
        page = 0
        while True:
            path = f"{WORKSPACES_PATH}?page={page}&size={WORKSPACE_PAGE_SIZE}"
            try:
                listing = self._json("GET", path, "listing the workspaces")
            except ApiError as e:
                if e.status == 404:
                    stage.done(f"found no workspaces on {self.base_url}")
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
        stage.set_total(len(ids))
        for workspace_id in ids:
            path = f"/api/v1/layout/workspaces/{workspace_id}/permissions"
            doc = self._json("GET", path, f"reading the permissions of workspace {workspace_id}")
            for key in ("permissions", "hierarchyPermissions"):
                for p in (doc.get(key) or []) if isinstance(doc, dict) else []:
                    assignee = p.get("assignee") if isinstance(p, dict) else None
                    if isinstance(assignee, dict):
                        who = (str(assignee.get("type")), str(assignee.get("id")))
                        found.setdefault(who, set()).add(workspace_id)
            stage.advance()
        stage.done(f"read the permissions of {plural(len(ids), 'workspace')} from {self.base_url}")
        return found

    # -- transport -------------------------------------------------------------------------------

    def _json(self, method: str, path: str, what: str, stage: Stage | None = None) -> Any:
        resp, content = self._send(method, path, what, stage=stage)
        content_type = resp.headers.get("Content-Type", "(none)")
        try:
            with paused_gc(freeze=True):  # a 100,000-user layout is ~1.5 million containers
                return json.loads(content)
        except ValueError as e:
            head = content[:60].decode("utf-8", "replace")
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
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: bytes | None = None,
        stage: Stage | None = None,
        redirect_ok: bool = False,
    ) -> tuple[requests.Response, bytes]:
        """The response and its body (read in chunks counted into `stage`); a redirect when `redirect_ok`."""
        policy = self._options.retry
        attempts = Attempts(what, policy.total + 1, policy.max_elapsed, self._notify)
        # A fresh Retry per request: its time budget starts now (the client is not shared between threads).
        self._adapter.max_retries = self._retry.new(attempts=attempts)
        try:
            resp = self._session.request(
                method,
                self.base_url + path,
                data=body,
                timeout=(self._options.connect_timeout, self._options.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            content = _read(resp, stage)
        except requests.exceptions.SSLError as e:
            raise TransportError(
                self._redact(
                    f"network error: TLS failed for {self.base_url} ({describe_error(e)}); "
                    "for a private CA pass --ca-bundle (or ssl_ca_cert in the profile)"
                )
            ) from e
        except requests.exceptions.RequestException as e:
            cause = attempts.last_cause or describe_error(e)
            hint = "; check the host name (and any proxy settings)" if cause == "host name not found" else ""
            raise TransportError(
                self._redact(
                    f"network error: could not reach {self.base_url} ({cause}) while {what}"
                    f"{self._after(attempts)}{hint}"
                )
            ) from e
        if redirect_ok and resp.is_redirect:
            return resp, content
        if resp.is_redirect or 300 <= resp.status_code < 400:
            location = resp.headers.get("Location", "(no location)")
            raise ApiError(
                f"api error: {resp.status_code} the server redirected {method} {path} to {location}; "
                "set the host to the address the API really answers on",
                status=resp.status_code,
            )
        if resp.status_code >= 400:
            raise self._api_error(resp, content, method, path, what, attempts)
        return resp, content

    def _notify(self, text: str) -> None:
        # The CLI shows a retry at once; without a progress (library use) it is logged.
        if self._progress is NULL:
            log.info("%s", text)
        else:
            self._progress.notice(self._redact(text))

    def _after(self, attempts: Attempts) -> str:
        if attempts.out_of_time:
            return (
                f" after {attempts.count} attempts in {attempts.elapsed():.0f} s "
                f"(the retry time budget is {attempts.max_elapsed:g} s)"
            )
        return f" after {attempts.count} attempts" if attempts.count > 1 else ""

    def _api_error(
        self, resp: requests.Response, content: bytes, method: str, path: str, what: str, attempts: Attempts
    ) -> ApiError:
        status = resp.status_code
        detail, trace_id = _problem(content)
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


def _read(resp: requests.Response, stage: Stage | None) -> bytes:
    """The whole body, counted into `stage` as it arrives (a large layout takes a while)."""
    if stage is None:
        return resp.content
    length = resp.headers.get("Content-Length", "")
    if length.isdigit() and not resp.headers.get("Content-Encoding"):
        stage.set_total(int(length))
    chunks = []
    for chunk in resp.iter_content(_CHUNK):
        chunks.append(chunk)
        stage.advance(len(chunk))
    return b"".join(chunks)


def _members(doc: Mapping[str, Any]) -> str:
    """`3 users and 2 groups`."""
    users, groups = doc.get("users"), doc.get("userGroups")
    n_users = len(users) if isinstance(users, list) else 0
    n_groups = len(groups) if isinstance(groups, list) else 0
    return f"{plural(n_users, 'user')} and {plural(n_groups, 'group')}"


def _problem(content: bytes) -> tuple[str | None, str | None]:
    """The detail and traceId of a problem+json (or any JSON) error body, if there is one."""
    if not content:
        return None, None
    try:
        body = json.loads(content)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    detail = body.get("detail") or body.get("title") or body.get("message")
    trace = body.get("traceId")
    text = str(detail)[:500] if detail else None
    return text, str(trace) if trace else None
