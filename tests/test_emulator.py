"""The emulator over loopback HTTP: the recorded real-server exchanges, normalization, auth and HTTP errors.

Issue 2 acceptance 2 (recorded PUT → GET) and 4 (bad or missing token, content type, malformed JSON,
unknown path).
"""

from __future__ import annotations

import http.client
import json
import re
from typing import Any

import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"
USERS = "/api/v1/layout/users"
GROUPS = "/api/v1/layout/userGroups"
PROFILE = "/api/v1/profile"
TRACE = re.compile(r"[0-9a-f]{32}")
WWW_AUTHENTICATE = (
    'Bearer error="invalid_token", '
    'error_description="Unable to lookup user details for provided Bearer token"'
)


def get(emu: Emulator, path: str = FULL, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", AUTH)
    return requests.get(emu.url + path, timeout=10, **kwargs)


def put(emu: Emulator, body: Any, path: str = FULL, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", AUTH)
    return requests.put(emu.url + path, json=body, timeout=10, **kwargs)


def same_json(a: Any, b: Any) -> bool:
    """Equal including key order and list order (json.dumps keeps both)."""
    return json.dumps(a) == json.dumps(b)


def assert_problem(r: requests.Response, status: int, title: str) -> dict[str, Any]:
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert set(body) == {"detail", "status", "title", "traceId"}
    assert (body["status"], body["title"]) == (status, title)
    assert TRACE.fullmatch(body["traceId"])
    assert body["traceId"] == r.headers["X-GDC-TRACE-ID"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_new_organization_holds_bootstrap_admin_in_admin_group(emulator: Emulator) -> None:
    r = get(emulator)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert TRACE.fullmatch(r.headers["X-GDC-TRACE-ID"])
    assert r.content == (
        b'{"userGroups":[{"id":"adminGroup","permissions":[]}],"users":[{"id":"admin","permissions":[],'
        b'"settings":[],"userGroups":[{"id":"adminGroup","type":"userGroup"}]}]}'
    )
    assert r.json() == emulator.document()


def test_recorded_put_then_get_reproduces_recorded_get(emulator: Emulator, recorded: Any) -> None:
    r = put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json"))
    assert (r.status_code, r.content) == (204, b"")
    assert same_json(get(emulator).json(), recorded("GET_usersAndUserGroups_2026-03-11_09f2917b.json"))
    assert same_json(get(emulator, USERS).json(), recorded("GET_layout_users_2026-03-11_09f2917b.json"))
    assert same_json(get(emulator, GROUPS).json(), recorded("GET_layout_userGroups_2026-03-11_09f2917b.json"))


def test_recorded_fields_omitted_put_clears_the_omitted_fields(emulator: Emulator, recorded: Any) -> None:
    assert put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")).status_code == 204
    r = put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_fields_omitted_09f2917b.json"))
    assert (r.status_code, r.content) == (204, b"")
    expected = recorded("GET_usersAndUserGroups_after_PUT_fields_omitted_09f2917b.json")
    assert same_json(get(emulator).json(), expected)


def test_recorded_user_groups_half_put_replaces_groups_and_keeps_users(
    emulator: Emulator, recorded: Any
) -> None:
    assert put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")).status_code == 204
    users_before = get(emulator, USERS).content
    r = put(emulator, recorded("PUT_layout_userGroups_REQUEST_BODY_09f2917b.json"), GROUPS)
    assert (r.status_code, r.content) == (204, b"")
    # The recorded body names no group `name`, so demoGroup loses its name;
    # no user references the groups it drops.
    assert get(emulator, GROUPS).json() == {
        "userGroups": [{"id": "adminGroup", "permissions": []}, {"id": "demoGroup", "permissions": []}]
    }
    assert get(emulator, USERS).content == users_before


def test_users_half_put_replaces_users_and_keeps_groups(emulator: Emulator, recorded: Any) -> None:
    assert put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")).status_code == 204
    groups_before = get(emulator, GROUPS).content
    admin = {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}
    new = {"id": "new", "userGroups": [{"id": "visitorsGroup", "type": "userGroup"}]}
    assert put(emulator, {"users": [new, admin]}, USERS).status_code == 204
    assert [u["id"] for u in get(emulator, USERS).json()["users"]] == ["admin", "new"]
    assert get(emulator, GROUPS).content == groups_before


def test_half_put_is_validated_as_the_whole_resulting_document(emulator: Emulator, recorded: Any) -> None:
    assert put(emulator, recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")).status_code == 204
    before = get(emulator).content
    # demo2 is a member of demoGroup: a groups half without demoGroup leaves a dangling membership.
    r = put(emulator, {"userGroups": [{"id": "adminGroup"}]}, GROUPS)
    assert "demoGroup" in assert_problem(r, 400, "Bad Request")["detail"]
    assert_problem(put(emulator, {"users": []}, GROUPS), 400, "Bad Request")
    assert get(emulator).content == before


def test_answers_are_normalized_like_the_server(emulator: Emulator) -> None:
    body = {
        "users": [
            {
                "userGroups": [
                    {"type": "userGroup", "id": "b"},
                    {"id": "adminGroup", "type": "userGroup"},
                    {"id": "b", "type": "userGroup"},
                ],
                "id": "zed",
                "email": None,
                "firstname": "Z",
                "authId": None,
                "systemAccount": True,
                "settings": [
                    {"id": "timezone", "type": "TIMEZONE", "content": {"value": "UTC"}},
                    {"content": {"value": "en-US"}, "id": "locale", "type": "LOCALE"},
                ],
                "futureField": {"kept": 1},
            },
            {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}], "permissions": None},
            {"id": "loner", "userGroups": []},
        ],
        "userGroups": [
            {
                "id": "b",
                "name": None,
                "parents": [],
                "permissions": [
                    {"name": "SEE", "assignee": {"type": "userGroup", "id": "b"}},
                    {"assignee": {"id": "admin", "type": "user"}, "name": "SEE"},
                ],
            },
            {"id": "adminGroup", "permissions": []},
        ],
    }
    assert put(emulator, body).status_code == 204
    assert (
        get(emulator).content
        == json.dumps(
            {
                "userGroups": [
                    {"id": "adminGroup", "permissions": []},
                    {
                        "id": "b",
                        "permissions": [
                            {"assignee": {"id": "admin", "type": "user"}, "name": "SEE"},
                            {"assignee": {"id": "b", "type": "userGroup"}, "name": "SEE"},
                        ],
                    },
                ],
                "users": [
                    {
                        "id": "admin",
                        "permissions": [],
                        "settings": [],
                        "userGroups": [{"id": "adminGroup", "type": "userGroup"}],
                    },
                    {"id": "loner", "permissions": [], "settings": []},
                    {
                        "firstname": "Z",
                        "futureField": {"kept": 1},
                        "id": "zed",
                        "permissions": [],
                        "settings": [
                            {"content": {"value": "en-US"}, "id": "locale", "type": "LOCALE"},
                            {"content": {"value": "UTC"}, "id": "timezone", "type": "TIMEZONE"},
                        ],
                        "systemAccount": True,
                        "userGroups": [
                            {"id": "adminGroup", "type": "userGroup"},
                            {"id": "b", "type": "userGroup"},
                        ],
                    },
                ],
            },
            separators=(",", ":"),
        ).encode()
    )


def test_document_and_replace_document(emulator: Emulator, recorded: Any) -> None:
    emulator.replace_document(recorded("PUT_usersAndUserGroups_REQUEST_BODY_fields_omitted_09f2917b.json"))
    doc = emulator.document()
    assert same_json(doc, recorded("GET_usersAndUserGroups_after_PUT_fields_omitted_09f2917b.json"))
    doc["users"].clear()  # a copy: the organization is untouched
    assert len(emulator.document()["users"]) == 3
    with pytest.raises(ValueError, match="bootstrap user 'admin' is missing"):
        emulator.replace_document({"users": [], "userGroups": [{"id": "adminGroup"}]})
    assert len(emulator.document()["users"]) == 3


def test_profile_names_the_token_owner(emulator: Emulator) -> None:
    r = get(emulator, PROFILE)
    assert r.status_code == 200
    profile = r.json()
    assert (profile["userId"], profile["organizationId"]) == ("admin", "default")
    assert profile["organizationName"] == "Default Organization"
    assert profile["name"] == "admin"
    assert profile["links"]["user"] == emulator.url + "/api/v1/entities/users/admin"
    assert "MANAGE" in profile["permissions"]
    emulator.add_token("other-token", "svc-bot")
    other = get(emulator, PROFILE, headers={"Authorization": "Bearer other-token"}).json()
    assert (other["userId"], other["permissions"]) == ("svc-bot", [])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {DEFAULT_TOKEN}"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "wrong", "not-bearer", "empty"],
)
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_bad_or_missing_token_is_401_with_empty_body(
    emulator: Emulator, headers: dict[str, str], method: str
) -> None:
    before = emulator.document()
    r = requests.request(method, emulator.url + FULL, headers=headers, json=before, timeout=10)
    assert r.status_code == 401
    assert r.content == b""
    assert r.headers["WWW-Authenticate"] == WWW_AUTHENTICATE
    assert TRACE.fullmatch(r.headers["X-GDC-TRACE-ID"])
    assert emulator.document() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_put_with_wrong_content_type_is_415(emulator: Emulator, content_type: str | None) -> None:
    before = get(emulator).content
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    r = requests.put(emulator.url + FULL, data=before, headers=headers, timeout=10)
    assert_problem(r, 415, "Unsupported Media Type")
    assert get(emulator).content == before


def test_put_accepts_a_charset_parameter(emulator: Emulator) -> None:
    headers = {**AUTH, "Content-Type": "application/json; charset=UTF-8"}
    r = requests.put(emulator.url + FULL, data=get(emulator).content, headers=headers, timeout=10)
    assert r.status_code == 204


@pytest.mark.parametrize("data", [b"{", b"", b"{'users': []}", b"\xff\xfe{}", b"[1, 2"])
def test_malformed_json_is_400(emulator: Emulator, data: bytes) -> None:
    before = get(emulator).content
    r = requests.put(
        emulator.url + FULL, data=data, headers={**AUTH, "Content-Type": "application/json"}, timeout=10
    )
    assert "malformed JSON" in assert_problem(r, 400, "Bad Request")["detail"]
    assert get(emulator).content == before


@pytest.mark.parametrize(
    "path", ["/api/v1/entities/users/newUser", "/api/v1/layout/usersAndUserGroups/", "/api/v1/nothing", "/"]
)
def test_unknown_path_is_404_problem(emulator: Emulator, path: str, recorded: Any) -> None:
    body = assert_problem(get(emulator, path), 404, "Not Found")
    assert body["detail"] == recorded("ERROR_404_GET_entities_users_newUser_09f2917b.json")["detail"]


def test_unknown_method_on_a_known_path_is_405(emulator: Emulator) -> None:
    before = get(emulator).content
    r = requests.delete(emulator.url + FULL, headers=AUTH, timeout=10)
    assert_problem(r, 405, "Method Not Allowed")
    assert r.headers["Allow"] == "GET, PUT"
    assert_problem(
        requests.put(emulator.url + PROFILE, headers=AUTH, json={}, timeout=10), 405, "Method Not Allowed"
    )
    assert get(emulator).content == before


def test_query_string_is_ignored_for_routing(emulator: Emulator) -> None:
    assert get(emulator, FULL + "?foo=bar").json() == emulator.document()


def test_keep_alive_serves_many_requests_on_one_connection(emulator: Emulator) -> None:
    host, port = emulator.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        statuses = []
        for method, path, body in [
            ("GET", FULL, None),
            ("PUT", FULL, get(emulator).content),
            ("GET", "/nope", None),
            ("GET", PROFILE, None),
            ("GET", FULL, None),
        ]:
            headers = {**AUTH, "Content-Type": "application/json"}
            conn.request(method, path, body=body, headers=headers)
            if method == "GET" and path == FULL:
                sock = conn.sock
            r = conn.getresponse()
            r.read()
            statuses.append(r.status)
            assert conn.sock is sock, "the server closed the connection"
        assert statuses == [200, 204, 404, 200, 200]
    finally:
        conn.close()


def test_request_log_records_method_path_status_and_put_body(emulator: Emulator) -> None:
    body = get(emulator).content
    requests.put(
        emulator.url + FULL, data=body, headers={**AUTH, "Content-Type": "application/json"}, timeout=10
    )
    get(emulator, "/nope", headers={})
    log = [(r.method, r.path, r.status) for r in emulator.request_log]
    assert log == [("GET", FULL, 200), ("PUT", FULL, 204), ("GET", "/nope", 401)]
    assert emulator.request_log[1].body == body


def test_stop_ends_open_keep_alive_connections_and_port_can_be_reused() -> None:
    emu = Emulator()
    url = emu.start()
    session = requests.Session()
    assert session.get(url + FULL, headers=AUTH, timeout=10).status_code == 200
    emu.stop()
    emu.stop()  # idempotent
    port = int(url.rsplit(":", 1)[1])
    with Emulator() as again:
        assert get(again).status_code == 200
    second = Emulator()
    try:
        assert second.start(port=port) == url
        assert session.get(url + FULL, headers=AUTH, timeout=10).status_code == 200
    finally:
        second.stop()
