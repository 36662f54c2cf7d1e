"""Organization permissions, user-management actions, API tokens and invitations (issue 11, scope 4, 5, 7, 8):
one store behind two views, and every refusal as problem+json. The recorded conversations of these endpoints
are replayed by tests/test_conformance_cassettes.py.
"""

from __future__ import annotations

from typing import Any

import cassettes
import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
ORG = "/api/v1/layout/organization/permissions"
MANAGE_ORG = "/api/v1/actions/organization/managePermissions"
UM = "/api/v1/actions/userManagement"
INVITE = "/api/v1/actions/invite"
OUTBOX = "/_emulator/outbox"
ADMIN_MANAGE = {"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"}


@pytest.fixture
def baseline(emulator: Emulator) -> Emulator:
    cassettes.seed(emulator)
    return emulator


def call(
    emu: Emulator, method: str, path: str, body: Any = None, token: str = DEFAULT_TOKEN
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, emu.url + path, json=body, headers=headers, timeout=10)


def assert_problem(r: requests.Response, status: int, fragment: str = "") -> None:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert set(problem) == {"detail", "status", "title", "traceId"}
    assert problem["status"] == status and problem["traceId"] == r.headers["X-GDC-TRACE-ID"]
    assert fragment in problem["detail"]


# -- organization permissions ------------------------------------------------------------------------------


def test_organization_permissions_get_returns_what_was_put(baseline: Emulator) -> None:
    demo2 = {"assignee": {"id": "demo2", "type": "user"}, "name": "SELF_CREATE_TOKEN"}
    visitors = {"assignee": {"id": "visitorsGroup", "type": "userGroup"}, "name": "BASE_UI_ACCESS"}
    assert call(baseline, "PUT", ORG, [visitors, demo2, ADMIN_MANAGE, ADMIN_MANAGE]).status_code == 204
    assert call(baseline, "GET", ORG).json() == [ADMIN_MANAGE, demo2, visitors]  # sorted, duplicates gone
    assert baseline.organization_permissions() == [ADMIN_MANAGE, demo2, visitors]
    # demo2 holds its own SELF_CREATE_TOKEN; it is in demoGroup (visitorsGroup's parent): no BASE_UI_ACCESS
    assert baseline.permissions_of("demo2") == ["SELF_CREATE_TOKEN"]
    assert baseline.permissions_of("demo") == ["MANAGE"]


def test_manage_permissions_replaces_the_named_assignees_only(baseline: Emulator) -> None:
    body = [{"assigneeIdentifier": {"id": "demo2", "type": "user"}, "permissions": ["BASE_UI_ACCESS"]}]
    assert call(baseline, "POST", MANAGE_ORG, body).status_code == 204
    body[0]["permissions"] = ["SELF_CREATE_TOKEN"]
    assert call(baseline, "POST", MANAGE_ORG, body).status_code == 204
    demo2 = {"assignee": {"id": "demo2", "type": "user"}, "name": "SELF_CREATE_TOKEN"}
    assert call(baseline, "GET", ORG).json() == [ADMIN_MANAGE, demo2]
    body[0]["permissions"] = []
    assert call(baseline, "POST", MANAGE_ORG, body).status_code == 204
    assert call(baseline, "GET", ORG).json() == [ADMIN_MANAGE]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"permissions": []}, "expected a JSON array"),
        ([ADMIN_MANAGE, {"assignee": {"id": "demo", "type": "user"}, "name": "OWN"}], "[1].name: 'OWN'"),
        (
            [ADMIN_MANAGE, {"assignee": {"id": "ghost", "type": "user"}, "name": "MANAGE"}],
            "'ghost' does not exist",
        ),
        ([ADMIN_MANAGE, {"assignee": {"id": "demo", "type": "robot"}, "name": "MANAGE"}], "is not one of"),
        ([ADMIN_MANAGE, {"name": "MANAGE"}], "'assignee' is required"),
        ([{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "SELF_CREATE_TOKEN"}], "must keep"),
        ([], "must keep the MANAGE permission"),
    ],
)
def test_invalid_organization_permissions_are_refused(baseline: Emulator, body: Any, fragment: str) -> None:
    before = baseline.organization_permissions()
    assert_problem(call(baseline, "PUT", ORG, body), 400, fragment)
    assert baseline.organization_permissions() == before


def test_invalid_manage_permissions_are_refused(baseline: Emulator) -> None:
    take = [{"assigneeIdentifier": {"id": "adminGroup", "type": "userGroup"}, "permissions": []}]
    assert_problem(call(baseline, "POST", MANAGE_ORG, take), 400, "must keep the MANAGE permission")
    ghost = [{"assigneeIdentifier": {"id": "ghost", "type": "userGroup"}, "permissions": ["MANAGE"]}]
    assert_problem(call(baseline, "POST", MANAGE_ORG, ghost), 400, "'ghost' does not exist")
    bad = [{"assigneeIdentifier": {"id": "demo", "type": "user"}, "permissions": ["VIEW"]}]
    assert_problem(call(baseline, "POST", MANAGE_ORG, bad), 400, "'VIEW' is not one of")
    assert_problem(call(baseline, "POST", MANAGE_ORG, [{"permissions": []}]), 400, "'assigneeIdentifier'")
    assert baseline.organization_permissions() == [ADMIN_MANAGE]


def test_deleting_a_principal_deletes_its_organization_permissions(baseline: Emulator) -> None:
    demo2 = {"assignee": {"id": "demo2", "type": "user"}, "name": "SELF_CREATE_TOKEN"}
    assert call(baseline, "PUT", ORG, [ADMIN_MANAGE, demo2]).status_code == 204
    assert call(baseline, "DELETE", "/api/v1/entities/users/demo2").status_code == 204
    assert call(baseline, "GET", ORG).json() == [ADMIN_MANAGE]
    user = {"data": {"id": "demo2", "type": "user", "attributes": {}}}
    r = requests.post(
        baseline.url + "/api/v1/entities/users",
        json=user,
        headers={**AUTH, "Content-Type": "application/vnd.gooddata.api+json"},
        timeout=10,
    )
    assert r.status_code == 201
    assert call(baseline, "GET", ORG).json() == [ADMIN_MANAGE]  # re-creating the user does not bring it back


def test_profile_follows_organization_permissions(baseline: Emulator) -> None:
    token = baseline.create_api_token("demo2", "t")
    assert call(baseline, "GET", "/api/v1/profile", token=token).json()["permissions"] == []
    body = [{"assigneeIdentifier": {"id": "demoGroup", "type": "userGroup"}, "permissions": ["MANAGE"]}]
    assert call(baseline, "POST", MANAGE_ORG, body).status_code == 204
    assert call(baseline, "GET", "/api/v1/profile", token=token).json()["permissions"] == ["MANAGE"]


# -- user management: one store, two views -----------------------------------------------------------------


def test_user_management_writes_show_in_the_layout_and_back(baseline: Emulator) -> None:
    body = {
        "workspaces": [{"id": "demo_west", "permissions": ["VIEW"], "hierarchyPermissions": ["ANALYZE"]}],
        "dataSources": [],
    }
    assert call(baseline, "POST", f"{UM}/users/demo/permissions", body).status_code == 204
    layout = call(baseline, "GET", "/api/v1/layout/workspaces/demo_west/permissions").json()
    assert layout == {
        "hierarchyPermissions": [{"assignee": {"id": "demo", "type": "user"}, "name": "ANALYZE"}],
        "permissions": [{"assignee": {"id": "demo", "type": "user"}, "name": "VIEW"}],
    }
    layout["permissions"].append({"assignee": {"id": "demo", "type": "user"}, "name": "EXPORT"})
    assert call(baseline, "PUT", "/api/v1/layout/workspaces/demo_west/permissions", layout).status_code == 204
    view = call(baseline, "GET", f"{UM}/users/demo/permissions").json()
    assert view == {
        "dataSources": [],
        "workspaces": [
            {
                "hierarchyPermissions": ["ANALYZE"],
                "id": "demo_west",
                "name": "Demo West",
                "permissions": ["EXPORT", "VIEW"],
            }
        ],
    }


def test_assign_and_revoke_touch_only_what_they_name(baseline: Emulator) -> None:
    body = {
        "assignees": [{"id": "demo", "type": "user"}, {"id": "visitorsGroup", "type": "userGroup"}],
        "workspaces": [{"id": "demo_west", "permissions": ["VIEW", "EXPORT"], "hierarchyPermissions": []}],
        "dataSources": [{"id": "demo-test-ds", "permissions": ["USE"]}],
    }
    assert call(baseline, "POST", f"{UM}/assignPermissions", body).status_code == 200
    for who in ("users/demo", "userGroups/visitorsGroup"):
        view = call(baseline, "GET", f"{UM}/{who}/permissions").json()
        assert view["workspaces"] == [
            {
                "hierarchyPermissions": [],
                "id": "demo_west",
                "name": "Demo West",
                "permissions": ["EXPORT", "VIEW"],
            }
        ]
        assert view["dataSources"] == [{"id": "demo-test-ds", "name": "demo-test-ds", "permissions": ["USE"]}]
    revoke = {**body, "assignees": [{"id": "demo", "type": "user"}]}
    revoke["workspaces"] = [{"id": "demo_west", "permissions": ["EXPORT"], "hierarchyPermissions": []}]
    assert call(baseline, "POST", f"{UM}/revokePermissions", revoke).status_code == 200
    demo = call(baseline, "GET", f"{UM}/users/demo/permissions").json()
    assert demo == {
        "dataSources": [],
        "workspaces": [
            {"hierarchyPermissions": [], "id": "demo_west", "name": "Demo West", "permissions": ["VIEW"]}
        ],
    }
    # demo2's permissions on the same data source are untouched
    assert call(baseline, "GET", f"{UM}/users/demo2/permissions").json()["dataSources"][0]["permissions"] == [
        "MANAGE"
    ]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("GET", f"{UM}/users/ghost/permissions", None, 404, "does not exist"),
        ("GET", f"{UM}/userGroups/ghost/permissions", None, 404, "does not exist"),
        ("POST", f"{UM}/users/ghost/permissions", {"workspaces": [], "dataSources": []}, 404, ""),
        ("POST", f"{UM}/users/demo/permissions", {"workspaces": []}, 400, "'dataSources' is required"),
        ("POST", f"{UM}/users/demo/permissions", [], 400, "must be an object"),
        (
            "POST",
            f"{UM}/users/demo/permissions",
            {
                "workspaces": [{"id": "demo", "permissions": ["OWN"], "hierarchyPermissions": []}],
                "dataSources": [],
            },
            400,
            "'OWN' is not one of",
        ),
        (
            "POST",
            f"{UM}/users/demo/permissions",
            {
                "workspaces": [{"id": "nope", "permissions": [], "hierarchyPermissions": []}],
                "dataSources": [],
            },
            404,
            "workspace 'nope'",
        ),
        (
            "POST",
            f"{UM}/users/demo/permissions",
            {"workspaces": [], "dataSources": [{"id": "nope", "permissions": ["USE"]}]},
            404,
            "data source 'nope'",
        ),
        ("POST", f"{UM}/assignPermissions", {"assignees": [], "workspaces": []}, 400, "non-empty array"),
        ("POST", f"{UM}/revokePermissions", {"assignees": [{"id": "ghost", "type": "user"}]}, 400, "'ghost'"),
        ("PUT", f"{UM}/users/demo/permissions", {}, 405, "'PUT' is not supported"),
        ("GET", f"{UM}/assignPermissions", None, 405, "'GET' is not supported"),
        ("DELETE", f"{UM}/revokePermissions", None, 405, ""),
    ],
)
def test_user_management_refusals(
    baseline: Emulator, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    before = [baseline.workspaces.get(w) for w in baseline.workspaces.ids()]
    r = call(baseline, method, path, body)
    assert_problem(r, status, fragment)
    if status == 405:
        assert r.headers["Allow"] in ("GET, POST", "POST")
    assert [baseline.workspaces.get(w) for w in baseline.workspaces.ids()] == before


# -- API tokens --------------------------------------------------------------------------------------------


def test_a_created_token_authenticates_as_its_user_until_deleted(baseline: Emulator) -> None:
    tokens = "/api/v1/entities/users/demo2/apiTokens"
    created = call(baseline, "POST", tokens, {"data": {"id": "ci", "type": "apiToken"}})
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/vnd.gooddata.api+json"
    bearer = created.json()["data"]["attributes"]["bearerToken"]
    profile = call(baseline, "GET", "/api/v1/profile", token=bearer).json()
    assert profile["userId"] == "demo2" and profile["links"]["user"].endswith("/api/v1/entities/users/demo2")
    # the token is shown once: neither the list nor the GET carries it
    assert bearer not in call(baseline, "GET", tokens).text + call(baseline, "GET", tokens + "/ci").text
    assert [t["id"] for t in call(baseline, "GET", tokens).json()["data"]] == ["ci"]
    assert call(baseline, "DELETE", tokens + "/ci").status_code == 204
    assert call(baseline, "GET", "/api/v1/profile", token=bearer).status_code == 401
    assert call(baseline, "GET", tokens).json()["data"] == []


def test_deleting_the_user_deletes_its_tokens(baseline: Emulator) -> None:
    bearer = baseline.create_api_token("demo2", "ci")
    assert call(baseline, "GET", "/api/v1/profile", token=bearer).status_code == 200
    assert call(baseline, "DELETE", "/api/v1/entities/users/demo2").status_code == 204
    assert call(baseline, "GET", "/api/v1/profile", token=bearer).status_code == 401
    assert baseline.api_tokens.dump() == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("GET", "/api/v1/entities/users/ghost/apiTokens", None, 404, "does not exist"),
        (
            "POST",
            "/api/v1/entities/users/ghost/apiTokens",
            {"data": {"id": "t", "type": "apiToken"}},
            404,
            "",
        ),
        ("GET", "/api/v1/entities/users/demo/apiTokens/nope", None, 404, "does not exist"),
        ("DELETE", "/api/v1/entities/users/demo/apiTokens/nope", None, 404, ""),
        (
            "POST",
            "/api/v1/entities/users/demo/apiTokens",
            {"data": {"id": "t", "type": "user"}},
            400,
            "'apiToken'",
        ),
        (
            "POST",
            "/api/v1/entities/users/demo/apiTokens",
            {"data": {"id": ".t", "type": "apiToken"}},
            400,
            "id",
        ),
        ("POST", "/api/v1/entities/users/demo/apiTokens", [], 400, "'data' object"),
        (
            "POST",
            "/api/v1/entities/users/demo/apiTokens",
            {"data": {"id": "dup", "type": "apiToken"}},
            409,
            "dup",
        ),
        ("PUT", "/api/v1/entities/users/demo/apiTokens/dup", {}, 405, "'PUT' is not supported"),
        ("DELETE", "/api/v1/entities/users/demo/apiTokens", None, 405, ""),
    ],
)
def test_api_token_refusals(
    baseline: Emulator, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    baseline.create_api_token("demo", "dup")
    assert_problem(call(baseline, method, path, body), status, fragment)
    assert [r["id"] for r in baseline.api_tokens.dump()] == ["dup"]


def test_malformed_json_is_400_and_a_wrong_media_type_415(baseline: Emulator) -> None:
    for path in (ORG, MANAGE_ORG, f"{UM}/assignPermissions", "/api/v1/entities/users/demo/apiTokens", INVITE):
        method = "PUT" if path == ORG else "POST"
        r = requests.request(
            method,
            baseline.url + path,
            data=b"{nope",
            headers={**AUTH, "Content-Type": "application/json"},
            timeout=10,
        )
        assert_problem(r, 400, "malformed JSON")
        r = requests.request(method, baseline.url + path, data=b"[]", headers=AUTH, timeout=10)
        assert_problem(r, 415, "not supported")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ORG),
        ("PUT", ORG),
        ("POST", MANAGE_ORG),
        ("GET", f"{UM}/users/demo/permissions"),
        ("POST", f"{UM}/assignPermissions"),
        ("GET", "/api/v1/entities/users/demo/apiTokens"),
        ("DELETE", "/api/v1/entities/users/demo/apiTokens/x"),
        ("POST", INVITE),
        ("GET", OUTBOX),
    ],
)
def test_a_bad_token_is_401_everywhere(baseline: Emulator, method: str, path: str) -> None:
    r = call(baseline, method, path, [], token="not-a-token")
    assert r.status_code == 401 and r.content == b""
    assert r.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_token_answers_follow_the_accept_header(baseline: Emulator) -> None:
    url = baseline.url + "/api/v1/entities/users/demo/apiTokens"
    for accept, media in [
        ("application/json", "application/json"),
        ("application/vnd.gooddata.api+json", "application/vnd.gooddata.api+json"),
        (None, "application/vnd.gooddata.api+json"),
    ]:
        headers = {**AUTH, "Accept": accept} if accept else AUTH
        assert requests.get(url, headers=headers, timeout=10).headers["Content-Type"] == media


# -- invitations -------------------------------------------------------------------------------------------


def test_invitations_land_in_the_outbox(baseline: Emulator) -> None:
    body = {"email": "demo2@example.com", "userId": "demo2", "firstName": "Demo", "lastName": "Two"}
    r = call(baseline, "POST", INVITE, body)
    assert r.status_code == 204 and r.content == b""
    call(baseline, "POST", INVITE, {"email": "d@example.com", "userId": "demo", "forceSend": True})
    [first, second] = baseline.outbox
    assert {k: v for k, v in first.items() if k != "sentAt"} == {
        **body,
        "forceSend": False,
        "sentBy": "admin",
    }
    assert second["forceSend"] is True and "firstName" not in second
    listed = call(baseline, "GET", OUTBOX)
    assert listed.status_code == 200 and listed.headers["Content-Type"] == "application/json"
    assert listed.json() == {"invitations": baseline.outbox}
    baseline.clear_outbox()
    assert call(baseline, "GET", OUTBOX).json() == {"invitations": []}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("POST", INVITE, {"userId": "demo"}, 400, "'email' is required"),
        ("POST", INVITE, {"email": "x@example.com"}, 400, "'userId' is required"),
        ("POST", INVITE, {"email": "nope", "userId": "demo"}, 400, "not an e-mail address"),
        ("POST", INVITE, {"email": "x@example.com", "userId": "demo", "forceSend": "yes"}, 400, "boolean"),
        ("POST", INVITE, {"email": "x@example.com", "userId": "demo", "cc": "y"}, 400, "unknown field 'cc'"),
        ("POST", INVITE, {"email": "x@example.com", "userId": "ghost"}, 404, "user 'ghost'"),
        ("GET", INVITE, None, 405, "'GET' is not supported"),
        ("POST", OUTBOX, {}, 405, "'POST' is not supported"),
    ],
)
def test_invitation_refusals(
    baseline: Emulator, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    assert_problem(call(baseline, method, path, body), status, fragment)
    assert baseline.outbox == []


def test_the_outbox_is_for_the_bootstrap_token_only(baseline: Emulator) -> None:
    token = baseline.create_api_token("demo", "t")  # demo is an admin, but not the emulator's bootstrap token
    assert_problem(call(baseline, "GET", OUTBOX, token=token), 403, "bootstrap token only")


def test_deleting_a_principal_deletes_its_data_source_permissions(baseline: Emulator) -> None:
    assert call(baseline, "DELETE", "/api/v1/entities/users/demo2").status_code == 204
    source = baseline.data_sources.get("demo-test-ds")
    assert source is not None
    assert source["permissions"] == [{"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "USE"}]
    with pytest.raises(ValueError, match="must be one of MANAGE, USE"):
        baseline.set_data_source_permissions(
            "ds", [{"name": "OWN", "assignee": {"id": "demo", "type": "user"}}]
        )
