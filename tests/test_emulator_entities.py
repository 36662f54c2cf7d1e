"""The JSON:API entity endpoints: GoodData's shapes (recorded), CRUD semantics, and one organization shared
with the layout endpoints.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
JSONAPI = {**AUTH, "Content-Type": "application/vnd.gooddata.api+json"}
USERS = "/api/v1/entities/users"
GROUPS = "/api/v1/entities/userGroups"


def call(
    emu: Emulator,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] = JSONAPI,
) -> requests.Response:
    data = None if body is None else json.dumps(body)
    return requests.request(method, emu.url + path, data=data, headers=headers, timeout=10)


def user_doc(user_id: str, groups: list[str] = (), **attributes: Any) -> dict[str, Any]:  # type: ignore[assignment]
    data: dict[str, Any] = {"id": user_id, "type": "user", "attributes": attributes}
    if groups:
        data["relationships"] = {"userGroups": {"data": [{"id": g, "type": "userGroup"} for g in groups]}}
    return {"data": data}


def group_doc(group_id: str, parents: list[str] = (), **attributes: Any) -> dict[str, Any]:  # type: ignore[assignment]
    data: dict[str, Any] = {"id": group_id, "type": "userGroup", "attributes": attributes}
    if parents:
        data["relationships"] = {"parents": {"data": [{"id": p, "type": "userGroup"} for p in parents]}}
    return {"data": data}


def assert_problem(r: requests.Response, status: int, fragment: str = "") -> None:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert set(body) == {"detail", "status", "title", "traceId"}
    assert fragment in body["detail"]


def test_user_list_with_included_groups_matches_the_recorded_shape(emulator: Emulator, recorded: Any) -> None:
    emulator.replace_document(recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json"))
    r = call(emulator, "GET", USERS + "?include=userGroups&page=0&size=500", headers=AUTH)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.gooddata.api+json"
    expected = json.loads(
        json.dumps(recorded("GET_entities_users_include_userGroups_09f2917b.json")).replace(
            "http://localhost:3000", emulator.url
        )
    )
    assert json.dumps(r.json()) == json.dumps(expected)


def test_missing_entity_is_the_recorded_404(emulator: Emulator, recorded: Any) -> None:
    r = call(emulator, "GET", USERS + "/newUser", headers=AUTH)
    assert_problem(r, 404, recorded("ERROR_404_GET_entities_users_newUser_09f2917b.json")["detail"])


def test_paging_walks_every_user_once(emulator: Emulator) -> None:
    doc = emulator.document()
    doc["users"] += [{"id": f"u{i:02d}"} for i in range(25)]
    emulator.replace_document(doc)
    seen, page = [], 0
    while True:
        data = call(emulator, "GET", f"{USERS}?page={page}&size=10", headers=AUTH).json()["data"]
        seen += [u["id"] for u in data]
        if len(data) < 10:
            break
        page += 1
    assert seen == ["admin"] + [f"u{i:02d}" for i in range(25)]
    assert_problem(call(emulator, "GET", f"{USERS}?page=x", headers=AUTH), 400, "page")


def test_create_update_patch_delete_a_user(emulator: Emulator) -> None:
    assert call(emulator, "POST", GROUPS, group_doc("analysts", name="Analysts")).status_code == 201
    r = call(
        emulator,
        "POST",
        USERS,
        user_doc("jane", ["analysts"], firstname="Jane", email="j@example.com", authenticationId="auth0|1"),
    )
    assert r.status_code == 201
    assert r.json()["data"]["attributes"] == {
        "authenticationId": "auth0|1",
        "email": "j@example.com",
        "firstname": "Jane",
    }
    layout_jane = emulator.document()["users"][1]
    assert layout_jane == {
        "authId": "auth0|1",
        "email": "j@example.com",
        "firstname": "Jane",
        "id": "jane",
        "permissions": [],
        "settings": [],
        "userGroups": [{"id": "analysts", "type": "userGroup"}],
    }
    assert_problem(call(emulator, "POST", USERS, user_doc("jane")), 409, "already exists")

    # Settings are not part of the entity: a PUT keeps them while it replaces the attributes it carries.
    doc = emulator.document()
    doc["users"][1]["settings"] = [{"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}}]
    emulator.replace_document(doc)
    r = call(emulator, "PUT", USERS + "/jane", user_doc("jane", ["analysts", "adminGroup"], lastname="Doe"))
    assert r.status_code == 200
    jane = emulator.document()["users"][1]
    assert (jane.get("firstname"), jane["lastname"], jane["settings"][0]["id"]) == (None, "Doe", "locale")
    assert [g["id"] for g in jane["userGroups"]] == ["adminGroup", "analysts"]

    r = call(
        emulator,
        "PATCH",
        USERS + "/jane",
        {"data": {"id": "jane", "type": "user", "attributes": {"email": "new@example.com"}}},
    )
    assert r.status_code == 200
    jane = emulator.document()["users"][1]
    assert (jane["email"], jane["lastname"], len(jane["userGroups"])) == ("new@example.com", "Doe", 2)

    r = call(emulator, "DELETE", USERS + "/jane")
    assert (r.status_code, r.content) == (204, b"")
    assert [u["id"] for u in emulator.document()["users"]] == ["admin"]
    assert_problem(call(emulator, "DELETE", USERS + "/jane"), 404)


def test_deleting_a_group_cascades_memberships_parents_and_permissions(emulator: Emulator) -> None:
    doc = emulator.document()
    doc["userGroups"] += [
        {
            "id": "child",
            "parents": [{"id": "doomed", "type": "userGroup"}, {"id": "adminGroup", "type": "userGroup"}],
        },
        {"id": "doomed"},
    ]
    doc["users"].append(
        {
            "id": "jane",
            "userGroups": [{"id": "doomed", "type": "userGroup"}],
            "permissions": [{"name": "SEE", "assignee": {"id": "doomed", "type": "userGroup"}}],
        }
    )
    emulator.replace_document(doc)
    assert call(emulator, "DELETE", GROUPS + "/doomed").status_code == 204
    after = emulator.document()
    assert [g["id"] for g in after["userGroups"]] == ["adminGroup", "child"]
    assert after["userGroups"][1]["parents"] == [{"id": "adminGroup", "type": "userGroup"}]
    assert after["users"][1] == {"id": "jane", "permissions": [], "settings": []}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("DELETE", USERS + "/admin", None, 400, "bootstrap user 'admin' cannot be deleted"),
        ("DELETE", GROUPS + "/adminGroup", None, 400, "bootstrap userGroup 'adminGroup' cannot be deleted"),
        ("PUT", USERS + "/admin", user_doc("admin"), 400, "must be in the bootstrap userGroup"),
        ("POST", USERS, user_doc("bob", ["nope"]), 400, "unknown userGroup 'nope'"),
        ("POST", USERS, user_doc("bad id"), 400, "is not a valid id"),
        ("POST", USERS, user_doc("bob", email=7), 400, "email: expected a string"),
        ("POST", USERS, user_doc("bob", color="red"), 400, "unknown attributes"),
        ("POST", USERS, {"data": {"id": "bob", "type": "userGroup"}}, 400, "data.type must be 'user'"),
        ("POST", USERS, {"users": []}, 400, "'data' object"),
        ("PUT", USERS + "/admin", user_doc("other", ["adminGroup"]), 400, "the id in the path"),
        ("POST", GROUPS, group_doc("g", ["nope"]), 400, "unknown userGroup 'nope' in parents"),
        ("PATCH", GROUPS + "/adminGroup", group_doc("adminGroup", ["adminGroup"]), 400, "cycle in parents"),
        ("PUT", USERS, user_doc("x"), 405, ""),
        ("POST", USERS + "/admin", user_doc("x"), 405, ""),
    ],
)
def test_refused_entity_writes_change_nothing(
    emulator: Emulator, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    before = emulator.document()
    assert_problem(call(emulator, method, path, body), status, fragment)
    assert emulator.document() == before


def test_a_cycle_through_an_existing_chain_is_refused(emulator: Emulator) -> None:
    assert call(emulator, "POST", GROUPS, group_doc("a")).status_code == 201
    assert call(emulator, "POST", GROUPS, group_doc("b", ["a"])).status_code == 201
    assert call(emulator, "POST", GROUPS, group_doc("c", ["b"])).status_code == 201
    before = emulator.document()
    assert_problem(call(emulator, "PATCH", GROUPS + "/a", group_doc("a", ["c"])), 400, "cycle in parents")
    assert emulator.document() == before


def test_entity_writes_need_json_and_auth(emulator: Emulator) -> None:
    r = call(emulator, "POST", USERS, user_doc("bob"), headers={**AUTH, "Content-Type": "text/plain"})
    assert_problem(r, 415)
    assert (
        call(
            emulator, "POST", USERS, user_doc("bob"), headers={**AUTH, "Content-Type": "application/json"}
        ).status_code
        == 201
    )
    r = call(emulator, "GET", USERS, headers={})
    assert (r.status_code, r.content) == (401, b"")
    assert_problem(call(emulator, "GET", GROUPS + "/x/y", headers=AUTH), 404)


def test_entity_and_layout_endpoints_share_one_organization(emulator: Emulator) -> None:
    assert call(emulator, "POST", GROUPS, group_doc("analysts", name="Analysts")).status_code == 201
    layout = requests.get(emulator.url + "/api/v1/layout/userGroups", headers=AUTH, timeout=10).json()
    assert layout["userGroups"][1] == {"id": "analysts", "name": "Analysts", "permissions": []}
    r = call(emulator, "GET", GROUPS + "/analysts?include=ALL", headers=AUTH)
    assert r.json()["data"]["attributes"] == {"name": "Analysts"}
