"""What the older platform's client puts on the wire, seen by a recording stand-in server on loopback: the
password only in the login body, the SST only on the token GET and the logout, the TT on the other calls,
and no cookie ever (the server sets them; verify_level 2 authenticates by header)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from reconciler.client import ClientOptions, RetryPolicy
from reconciler.errors import ApiError
from reconciler.platform_targets import PlatformTarget, open_platform_client

PASSWORD = "pw-SECRET-w8Jf6-distinctive"
SST, TT = "sst-Q1w2e3", "tt-R4t5y6"
UID = "0123456789abcdef0123456789abcdef"
OPTIONS = ClientOptions(retry=RetryPolicy(total=0))
LISTING: list[bytes] = []


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]]
    listing: list[bytes]  # what the listing answers, when a test sets it (else an empty list of users)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        path = self.path.split("?", 1)[0]
        cookies: list[str] = []
        if path == "/gdc/account/login":
            payload: Any = {
                "userLogin": {
                    "profile": f"/gdc/account/profile/{UID}",
                    "state": f"/gdc/account/login/{UID}",
                    "token": SST,
                }
            }
            cookies = [f"GDCAuthSST={SST}; Path=/gdc/account", f"GDCAuthTT={TT}; Path=/gdc"]
        elif path == "/gdc/account/token":
            payload, cookies = {"userToken": {"token": TT}}, [f"GDCAuthTT={TT}; Path=/gdc"]
        elif self.command == "DELETE":
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            payload = {"accountSettings": {"paging": {"offset": 0, "count": 0}, "items": []}}
        data = self.listing[0] if self.listing and "/domains/" in path else json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("H", (Recorder,), {"seen": seen, "listing": LISTING})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_password_sst_and_tt_go_only_where_they_belong(server: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = server
    with open_platform_client(
        PlatformTarget("legacy", url, "acme", "admin@acme.example", PASSWORD), options=OPTIONS
    ) as c:
        c.domain_users()
        c.domain_users()
    calls = [(r["method"], r["path"].split("?", 1)[0]) for r in seen]
    assert calls == [
        ("POST", "/gdc/account/login"),
        ("GET", "/gdc/account/token"),
        ("GET", "/gdc/account/domains/acme/users"),
        ("GET", "/gdc/account/domains/acme/users"),
        ("DELETE", f"/gdc/account/login/{UID}"),
    ]
    login = json.loads(seen[0]["body"])
    assert login == {
        "postUserLogin": {
            "login": "admin@acme.example",
            "password": PASSWORD,
            "remember": 1,
            "verify_level": 2,
        }
    }
    for record in seen:
        headers = {k.lower(): v for k, v in record["headers"].items()}
        call = (record["method"], record["path"].split("?", 1)[0])
        assert "cookie" not in headers, call  # the server's Set-Cookie is never sent back
        assert "authorization" not in headers, call
        wants_sst = call in {("GET", "/gdc/account/token"), ("DELETE", f"/gdc/account/login/{UID}")}
        assert (headers.get("x-gdc-authsst") == SST) is wants_sst, call
        wants_tt = call[1] not in {"/gdc/account/login", "/gdc/account/token"}
        assert (headers.get("x-gdc-authtt") == TT) is wants_tt, call
        assert (
            headers.get("content-type") == "application/json" and headers.get("accept") == "application/json"
        )
        if record is not seen[0]:
            assert PASSWORD.encode() not in record["body"] and PASSWORD not in json.dumps(headers)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"<html>login</html>", "answered something that is not JSON (starts with '<html>login</html>')"),
        (b"[1, 2]", "answered JSON that is not an object"),
        (b'{"accountSettings": {"items": "many"}}', "the answer holds no list of users"),
    ],
)
def test_an_answer_that_is_not_the_platforms_is_an_api_error(
    server: tuple[str, list[dict[str, Any]]], answer: bytes, says: str
) -> None:
    url, seen = server
    LISTING[:] = [answer]
    try:
        target = PlatformTarget("legacy", url, "acme", "admin@acme.example", PASSWORD)
        with (
            pytest.raises(ApiError, match=re.escape(says)) as info,
            open_platform_client(target, options=OPTIONS) as c,
        ):
            c.domain_users()
    finally:
        LISTING.clear()
    assert info.value.exit_code == 1
    assert seen[-1]["method"] == "DELETE"  # logged out all the same
