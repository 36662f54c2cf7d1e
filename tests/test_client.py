"""The GoodData client over real loopback HTTP: the emulator, and a tiny stand-in for a misbehaving proxy."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reconciler.client import (
    LAYOUT_PATH,
    ORG_PERMISSIONS_PATH,
    ClientOptions,
    GoodDataClient,
    RetryPolicy,
)
from reconciler.emulator import Emulator, Fault
from reconciler.errors import ApiError, ConfigError, TransportError

TOKEN = "tok-Zq9rW3distinctive-SECRET-77"
FAST = RetryPolicy(total=3, backoff_factor=0.001, backoff_max=0.01, backoff_jitter=0.0, max_elapsed=30.0)
OPTIONS = ClientOptions(connect_timeout=2.0, read_timeout=5.0, retry=FAST)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[GoodDataClient]:
    with GoodDataClient(emu.url, TOKEN, options=OPTIONS, target_name="prod") as c:
        yield c


def statuses(emu: Emulator, method: str, count: int, path: str = LAYOUT_PATH) -> list[int | None]:
    """The statuses the emulator logged for `method path`, once at least `count` are there.

    The emulator logs a request after answering it, so the client can be done a moment before the log is.
    """
    deadline = time.monotonic() + 10
    while True:
        seen = [r.status for r in emu.request_log if r.method == method and r.path == path]
        if len(seen) >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text


# -- happy paths -------------------------------------------------------------------------------------


def test_get_layout_returns_the_live_document(client: GoodDataClient, emu: Emulator) -> None:
    assert client.get_layout() == emu.document()
    assert client.get_layout()["users"][0]["id"] == "admin"


def test_put_layout_sends_compact_utf8_and_replaces_the_document(
    client: GoodDataClient, emu: Emulator
) -> None:
    doc = emu.document()
    doc["users"].append(
        {"id": "zofie", "firstname": "Žofie", "userGroups": [], "permissions": [], "settings": []}
    )
    client.put_layout(doc)
    assert [u["id"] for u in client.get_layout()["users"]] == ["admin", "zofie"]
    body = next(r.body for r in emu.request_log if r.method == "PUT")
    assert body is not None
    assert '"firstname":"Žofie"'.encode() in body
    assert b", " not in body and b": " not in body
    assert json.loads(body) == doc


def test_profile_and_token_owner(client: GoodDataClient, emu: Emulator) -> None:
    assert client.get_profile()["userId"] == "admin"
    assert client.token_owner() == "admin"
    emu.add_token("other-token", "svc-ci")
    with GoodDataClient(emu.url, "other-token", options=OPTIONS) as other:
        assert other.token_owner() == "svc-ci"


def test_organization_permissions(client: GoodDataClient, emu: Emulator) -> None:
    perms = client.get_organization_permissions()
    assert {"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"} in perms
    emu.faults.add(Fault.status(404), path=ORG_PERMISSIONS_PATH)
    assert client.get_organization_permissions() == []


# -- API errors --------------------------------------------------------------------------------------


def test_bad_token_is_a_401_api_error_without_the_token(emu: Emulator) -> None:
    wrong = TOKEN + "-wrong"
    with (
        GoodDataClient(emu.url, wrong, options=OPTIONS, target_name="prod") as c,
        pytest.raises(ApiError) as info,
    ):
        c.get_layout()
    err = info.value
    assert err.status == 401
    assert str(err).startswith("api error: 401 unauthorized — the token was rejected")
    assert "target 'prod'" in str(err)
    assert statuses(emu, "GET", 1) == [401]  # a 401 is not retried
    assert err.trace_id == emu.request_log[-1].trace_id  # from the X-GDC-TRACE-ID header (empty body)
    assert wrong not in str(err) and wrong not in repr(err) and wrong not in repr(err.args)
    assert wrong not in repr(c)


def test_problem_json_404_carries_the_trace_id(emu: Emulator) -> None:
    with (
        GoodDataClient(emu.url + "/not-gooddata", TOKEN, options=OPTIONS) as c,
        pytest.raises(ApiError) as info,
    ):
        c.get_layout()
    err = info.value
    assert err.status == 404
    assert statuses(emu, "GET", 1, path="/not-gooddata" + LAYOUT_PATH) == [404]
    assert err.trace_id == emu.request_log[-1].trace_id
    assert "404 not found" in str(err)
    assert "does not exist" in str(err)
    assert f"(traceId {err.trace_id})" in str(err)


def test_rejected_put_reports_the_server_detail(client: GoodDataClient) -> None:
    with pytest.raises(ApiError) as info:
        client.put_layout({"users": [], "userGroups": []})  # no bootstrap user: the server refuses it
    assert info.value.status == 400
    assert str(info.value).startswith("api error: 400 bad request — the server refused the request")
    assert info.value.trace_id


# -- retries -----------------------------------------------------------------------------------------


def test_503_twice_then_success(
    client: GoodDataClient, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reconciler.client")
    emu.faults.add(Fault.status(503), method="GET", times=2)
    assert client.get_layout() == emu.document()
    assert statuses(emu, "GET", 3) == [503, 503, 200]
    retries = [r.getMessage() for r in caplog.records if r.name == "reconciler.client"]
    assert len(retries) == 2
    assert (
        retries[0]
        == "reading the users and groups: retrying in 0.0 s (503 service unavailable, attempt 2 of 4)"
    )


def test_429_retry_after_is_honoured(
    client: GoodDataClient, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reconciler.client")
    emu.faults.add(Fault.status(429, retry_after=0.2), method="GET")
    client.get_layout()
    assert statuses(emu, "GET", 2) == [429, 200]
    assert "retrying in 0.2 s" in caplog.text  # the server's wait, not the (tiny) backoff


def test_put_is_retried_on_503(client: GoodDataClient, emu: Emulator) -> None:
    doc = emu.document()
    emu.faults.add(Fault.status(503), method="PUT")
    client.put_layout(doc)
    assert statuses(emu, "PUT", 2) == [503, 204]


def test_retries_exhausted_give_the_last_server_error(client: GoodDataClient, emu: Emulator) -> None:
    emu.faults.add(Fault.status(503), method="GET", times=10)
    with pytest.raises(ApiError) as info:
        client.get_layout()
    assert statuses(emu, "GET", 4) == [503] * 4
    assert info.value.status == 503
    message = str(info.value)
    assert message.startswith("api error: 503 service unavailable — the server failed while reading")
    assert "after 4 attempts" in message
    assert info.value.trace_id == emu.request_log[-1].trace_id


def test_retry_after_beyond_the_time_budget_fails_fast(emu: Emulator) -> None:
    policy = RetryPolicy(total=5, backoff_factor=0.001, backoff_jitter=0.0, max_elapsed=5.0)
    emu.faults.add(Fault.status(429, retry_after=60), method="GET")
    with (
        GoodDataClient(emu.url, TOKEN, options=ClientOptions(retry=policy)) as c,
        pytest.raises(ApiError) as info,
    ):
        c.get_layout()
    assert statuses(emu, "GET", 1) == [429]
    assert info.value.status == 429
    assert "retry time budget is 5 s" in str(info.value)


def test_dropped_connection_on_get_is_retried(client: GoodDataClient, emu: Emulator) -> None:
    emu.faults.add(Fault.drop(), method="GET")
    assert client.get_layout() == emu.document()
    assert statuses(emu, "GET", 2) == [None, 200]


def test_put_dropped_after_apply_is_retried_idempotently(client: GoodDataClient, emu: Emulator) -> None:
    doc = emu.document()
    doc["userGroups"].append({"id": "analysts", "name": "Analysts", "permissions": []})
    emu.faults.add(Fault.drop_after_apply(), method="PUT")
    client.put_layout(doc)
    assert statuses(emu, "PUT", 2) == [None, 204]
    assert emu.document() == doc


def test_connections_dropped_every_time_become_a_transport_error(
    client: GoodDataClient, emu: Emulator
) -> None:
    emu.faults.add(Fault.drop(), method="GET", times=10)
    with pytest.raises(TransportError) as info:
        client.get_layout()
    assert statuses(emu, "GET", 4) == [None] * 4
    assert str(info.value) == (
        f"network error: could not reach {emu.url} (connection dropped by the server) "
        "while reading the users and groups after 4 attempts"
    )


def test_read_timeout_is_retried_then_reported(emu: Emulator) -> None:
    options = ClientOptions(
        connect_timeout=2.0,
        read_timeout=0.2,
        retry=RetryPolicy(total=1, backoff_factor=0.001, backoff_jitter=0.0),
    )
    emu.faults.add(Fault.delay(1.0), method="GET", times=2)
    with GoodDataClient(emu.url, TOKEN, options=options) as c, pytest.raises(TransportError) as info:
        c.get_layout()
    assert "(read timed out)" in str(info.value)
    assert "after 2 attempts" in str(info.value)


def test_unreachable_server_is_a_clean_transport_error() -> None:
    emu = Emulator(token=TOKEN)
    url = emu.start()
    emu.stop()
    with GoodDataClient(url, TOKEN, options=OPTIONS) as c, pytest.raises(TransportError) as info:
        c.get_profile()
    assert str(info.value) == (
        f"network error: could not reach {url} (connection refused) while reading the token owner's profile "
        "after 4 attempts"
    )


def test_retries_are_told_to_the_progress_and_a_missing_host_name_is_not_retried() -> None:
    import io

    from reconciler.progress import LineProgress

    emu = Emulator(token=TOKEN)
    url = emu.start()
    emu.stop()
    shown = io.StringIO()
    with (
        GoodDataClient(url, TOKEN, options=OPTIONS, progress=LineProgress(shown)) as c,
        pytest.raises(TransportError),
    ):
        c.get_profile()
    notices = [line for line in shown.getvalue().splitlines() if "retrying" in line]
    assert [n.split("(")[-1] for n in notices] == [
        f"connection refused, attempt {i} of 4)" for i in (2, 3, 4)
    ]

    shown = io.StringIO()
    missing = "https://no-such-host.reconciler-test.invalid"
    with (
        GoodDataClient(missing, TOKEN, options=OPTIONS, progress=LineProgress(shown)) as c,
        pytest.raises(TransportError) as info,
    ):
        c.get_profile()
    assert "(host name not found)" in str(info.value) and "attempts" not in str(info.value)
    assert shown.getvalue() == ""  # no retry, and a failed stage prints no line


# -- hosts and tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["http://gooddata.example.com", "http://10.1.2.3:3000", "http://[2001:db8::1]"]
)
def test_plain_http_to_a_remote_host_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match=r"^invalid config: refusing plain http://"):
        GoodDataClient(host, TOKEN)
    # Constructing only: no traffic is ever sent to these addresses.
    allowed = GoodDataClient(host, TOKEN, options=ClientOptions(insecure_http=True))
    assert allowed.base_url == host
    allowed.close()


@pytest.mark.parametrize(
    "host", ["http://localhost:3000", "http://127.0.0.1", "http://127.9.9.9:1", "http://[::1]:80"]
)
def test_plain_http_to_loopback_is_allowed(host: str) -> None:
    GoodDataClient(host, TOKEN).close()


@pytest.mark.parametrize(
    "host",
    [
        "acme.cloud.gooddata.com",
        "ftp://x.com",
        "https://",
        "https://x.com:99999",
        "https://user:pw@x.com",
        "https://x.com/?q=1",
    ],
)
def test_malformed_host_is_a_config_error(host: str) -> None:
    with pytest.raises(ConfigError, match=r"^invalid config: host"):
        GoodDataClient(host, TOKEN)


def test_host_path_prefix_keeps_no_trailing_slash() -> None:
    assert GoodDataClient("https://x.example.com/gd/", TOKEN).base_url == "https://x.example.com/gd"


@pytest.mark.parametrize("token", ["", "   ", "two words", "tok\nen", "tökén"])
def test_unusable_token_is_a_config_error_that_does_not_show_it(token: str) -> None:
    with pytest.raises(ConfigError) as info:
        GoodDataClient("https://x.example.com", token)
    if token.strip():
        assert token not in str(info.value)


def test_missing_ca_bundle_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="CA bundle"):
        GoodDataClient(
            "https://x.example.com", TOKEN, options=ClientOptions(ca_bundle=str(tmp_path / "no.pem"))
        )


def test_token_never_reaches_logs_or_messages(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    with GoodDataClient(emu.url, TOKEN, options=OPTIONS, target_name="prod") as c:
        messages.append(repr(c))
        c.put_layout(c.get_layout())
        emu.faults.add(Fault.status(503), times=2)
        emu.faults.add(Fault.drop(), times=1)
        c.get_profile()
        emu.faults.add(Fault.status(404, retry_after=1))
        with pytest.raises(ApiError) as api:
            c.get_layout()
        messages += [str(api.value), repr(api.value)]
    with (
        GoodDataClient(emu.url, TOKEN + "x", options=OPTIONS) as bad,
        pytest.raises(ApiError) as unauthorized,
    ):
        bad.get_layout()
    messages += [str(unauthorized.value), repr(unauthorized.value)]
    assert caplog.records  # the DEBUG capture really saw the traffic
    assert "retrying in 0.0 s (503 service unavailable, attempt 2 of 4)" in caplog.text
    assert_no_token(caplog.text, *messages, *(repr(r.args) for r in caplog.records))
    assert "Authorization" not in caplog.text and "Bearer" not in caplog.text


# -- a misbehaving server in front of the API (a proxy, a login page) ---------------------------------


class _Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answers: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append(dict(self.headers))
        status, content_type, body, extra = self.answers[self.path]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def canned() -> Iterator[tuple[str, type[_Canned]]]:
    handler = type("Handler", (_Canned,), {"answers": {}, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_html_page_with_200_is_an_api_error(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers[LAYOUT_PATH] = (
        200,
        "text/html; charset=utf-8",
        b"<!DOCTYPE html><html>Sign in</html>",
        {},
    )
    with GoodDataClient(url, TOKEN, options=OPTIONS) as c, pytest.raises(ApiError) as info:
        c.get_layout()
    message = str(info.value)
    assert message.startswith(f"api error: 200 from {url}{LAYOUT_PATH} is not JSON (content type text/html")
    assert "<!DOCTYPE html>" in message


def test_truncated_json_is_an_api_error(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers[LAYOUT_PATH] = (200, "application/json", b'{"users": [{"id": "adm', {})
    with (
        GoodDataClient(url, TOKEN, options=OPTIONS) as c,
        pytest.raises(ApiError, match="truncated or invalid JSON"),
    ):
        c.get_layout()


def test_json_that_is_not_a_layout_is_an_api_error(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers[LAYOUT_PATH] = (200, "application/json", b'{"users": []}', {})
    with (
        GoodDataClient(url, TOKEN, options=OPTIONS) as c,
        pytest.raises(ApiError, match="not a layout document"),
    ):
        c.get_layout()


def test_redirect_is_reported_not_followed(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers[LAYOUT_PATH] = (302, "text/html", b"", {"Location": "https://sso.example.com/login"})
    with GoodDataClient(url, TOKEN, options=OPTIONS) as c, pytest.raises(ApiError) as info:
        c.get_layout()
    assert info.value.status == 302
    assert "redirected GET /api/v1/layout/usersAndUserGroups to https://sso.example.com/login" in str(
        info.value
    )
    assert len(handler.seen) == 1


def test_request_headers(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers["/api/v1/profile"] = (200, "application/json", b'{"userId": "admin"}', {})
    with GoodDataClient(url, TOKEN, options=OPTIONS) as c:
        assert c.token_owner() == "admin"
    headers = handler.seen[0]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("reconciler/") and headers["User-Agent"].endswith(
        "(+python-requests)"
    )


def test_profile_without_user_id_is_an_api_error(canned: tuple[str, type[_Canned]]) -> None:
    url, handler = canned
    handler.answers["/api/v1/profile"] = (200, "application/json", b'{"name": "x"}', {})
    with GoodDataClient(url, TOKEN, options=OPTIONS) as c, pytest.raises(ApiError, match="names no userId"):
        c.token_owner()
