"""HTTP to one GoodData host: the session, bounded retries, reading bodies, and errors in words.

Every failure becomes an `ApiError` or a `TransportError` with a human message; the token lives only in the
session's auth object, and every message passes `redact` as a safety net.
"""

from __future__ import annotations

import http
import json
import logging
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from reconciler import __version__
from reconciler.client.options import ClientOptions
from reconciler.client.retry import RETRY_STATUSES, Attempts, BoundedRetry, describe_error
from reconciler.errors import ApiError, TransportError
from reconciler.gcpause import paused_gc
from reconciler.progress import NULL, Progress, Stage

log = logging.getLogger("reconciler.client")

USER_AGENT = f"reconciler/{__version__} (+python-requests)"
_CHUNK = 1 << 20  # bytes read at a time, counted into the progress of a GET


class _BearerAuth(AuthBase):
    """Adds the bearer token; as session auth it also keeps a ~/.netrc entry from replacing it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "_BearerAuth(token=***)"


class Transport:
    """Requests to `base_url` with the token, the retry policy and the progress of one client."""

    def __init__(
        self,
        base_url: str,
        token: str,
        options: ClientOptions,
        *,
        label: str,
        progress: Progress,
        loopback: bool,
    ) -> None:
        self.base_url = base_url
        self._token = token
        self._options = options
        self._label = label
        self._progress = progress
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
        self.session = requests.Session()
        self.session.mount("https://", self._adapter)
        self.session.mount("http://", self._adapter)
        self.session.auth = _BearerAuth(token)
        self.session.headers.update(
            {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}
        )
        self.session.verify = options.ca_bundle or True
        # The embedded organization is on loopback: never send it through a proxy from the environment.
        self.session.trust_env = not loopback

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def json(self, method: str, path: str, what: str, stage: Stage | None = None) -> Any:
        resp, content = self.send(method, path, what, stage=stage)
        return self.parse(resp, content, path)

    def parse(self, resp: requests.Response, content: bytes, path: str) -> Any:
        """The JSON body `content` of `resp` (an ApiError in words when it is not JSON)."""
        content_type = resp.headers.get("Content-Type", "(none)")
        try:
            with paused_gc(freeze=True):  # a 100,000-user layout is ~1.5 million containers
                return json.loads(content)
        except ValueError as e:
            head = content[:60].decode("utf-8", "replace")
            kind = "truncated or invalid JSON" if "json" in content_type.lower() else "not JSON"
            raise ApiError(
                self.redact(
                    f"api error: {resp.status_code} from {self.base_url}{path} is {kind} "
                    f"(content type {content_type}, starts with {head!r}); is the host a GoodData API "
                    "and not a proxy or login page?"
                ),
                status=resp.status_code,
            ) from e

    def send(
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
        attempts = Attempts(what, policy.total + 1, policy.max_elapsed, self.notify)
        # A fresh Retry per request: its time budget starts now (the client is not shared between threads).
        self._adapter.max_retries = self._retry.new(attempts=attempts)
        try:
            resp = self.session.request(
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
                self.redact(
                    f"network error: TLS failed for {self.base_url} ({describe_error(e)}); "
                    "for a private CA pass --ca-bundle (or ssl_ca_cert in the profile)"
                )
            ) from e
        except requests.exceptions.RequestException as e:
            cause = attempts.last_cause or describe_error(e)
            hint = "; check the host name (and any proxy settings)" if cause == "host name not found" else ""
            raise TransportError(
                self.redact(
                    f"network error: could not reach {self.base_url} ({cause}) while {what}"
                    f"{self.after(attempts)}{hint}"
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
            raise self.api_error(resp, content, method, path, what, attempts)
        return resp, content

    def notify(self, text: str) -> None:
        # The CLI shows a retry at once; without a progress (library use) it is logged.
        if self._progress is NULL:
            log.info("%s", text)
        else:
            self._progress.notice(self.redact(text))

    def after(self, attempts: Attempts) -> str:
        if attempts.out_of_time:
            return (
                f" after {attempts.count} attempts in {attempts.elapsed():.0f} s "
                f"(the retry time budget is {attempts.max_elapsed:g} s)"
            )
        return f" after {attempts.count} attempts" if attempts.count > 1 else ""

    def api_error(
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
        message = self.error_text(status, reason, explain, detail, attempts, ("traceId", trace_id))
        return ApiError(message, status=status, trace_id=trace_id)

    def error_text(
        self,
        status: int,
        reason: str,
        explain: str,
        detail: str | None,
        attempts: Attempts,
        request_id: tuple[str, str | None],
    ) -> str:
        """`api error: <status> <reason> — <explain>[: <detail>][ after N attempts][ (<id name> <id>)]`,
        redacted: the one wording of an API error, whichever server's error body it came from."""
        message = f"api error: {status} {reason} — {explain}"
        if detail:
            message += f": {detail}"
        message += self.after(attempts)
        name, value = request_id
        if value:
            message += f" ({name} {value})"
        return self.redact(message)

    def redact(self, text: str) -> str:
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
