"""The emulator's workspace entities, workspace layout, organization and dataSources endpoints: what they
answer, what they refuse (as problem+json), and what --data keeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator, rules

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
VND = "application/vnd.gooddata.api+json"
WORKSPACES = "/api/v1/entities/workspaces"


def call(emu: Emulator, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
    sent = {**AUTH, **headers}
    data = None
    if body is not None:
        sent.setdefault("Content-Type", VND)
        data = json.dumps(body)
    return requests.request(method, emu.url + path, headers=sent, data=data, timeout=10)


def workspace(workspace_id: str, name: str | None = None, parent: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": workspace_id, "type": "workspace", "attributes": {}}
    if name is not None:
        data["attributes"]["name"] = name
    if parent is not None:
        data["relationships"] = {"parent": {"data": {"id": parent, "type": "workspace"}}}
    return {"data": data}


def test_workspace_crud_answers_as_recorded(emulator: Emulator) -> None:
    created = call(emulator, "POST", WORKSPACES, workspace("demo", "Demo"))
    assert created.status_code == 201 and created.headers["Content-Type"] == VND
    child = call(
        emulator, "POST", WORKSPACES, workspace("west", "West", parent="demo"), Accept="application/json"
    )
    assert child.headers["Content-Type"] == "application/json"
    assert child.json() == {
        "data": {"attributes": {"name": "West"}, "id": "west", "type": "workspace"},
        "links": {"self": f"{emulator.url}{WORKSPACES}/west"},
    }
    got = call(emulator, "GET", f"{WORKSPACES}/west?include=workspaces").json()
    assert got["data"]["relationships"] == {"parent": {"data": {"id": "demo", "type": "workspace"}}}
    assert "links" not in got["data"]
    assert got["included"] == [
        {
            "attributes": {"name": "Demo"},
            "id": "demo",
            "links": {"self": f"{emulator.url}{WORKSPACES}/demo"},
            "type": "workspace",
        }
    ]
    patched = call(emulator, "PATCH", f"{WORKSPACES}/west", {"data": {"id": "west", "type": "workspace"}})
    assert patched.status_code == 200 and emulator.workspaces.entity("west") == {
        "id": "west",
        "name": "West",
        "parent": "demo",
    }
    assert call(emulator, "PUT", f"{WORKSPACES}/west", workspace("west", "W")).status_code == 200
    assert emulator.workspaces.entity("west") == {"id": "west", "name": "W"}  # PUT replaces: no parent now
    deleted = call(emulator, "DELETE", f"{WORKSPACES}/west")
    assert deleted.status_code == 204 and deleted.headers["Content-Type"] == VND and not deleted.content
    assert emulator.workspaces.ids() == ["demo"]


def test_listing_pages_with_next_and_parents_included(emulator: Emulator) -> None:
    emulator.add_workspace("a", name="A")
    emulator.add_workspace("b", name="B", parent="a")
    emulator.add_workspace("c", name="C", parent="b")
    first = call(emulator, "GET", f"{WORKSPACES}?include=workspaces&page=0&size=2").json()
    assert [w["id"] for w in first["data"]] == ["a", "b"]
    assert [w["id"] for w in first["included"]] == ["a"]
    assert first["links"]["next"].endswith(f"{WORKSPACES}?include=workspaces&page=1&size=2")
    assert "meta" not in first
    last = call(emulator, "GET", f"{WORKSPACES}?page=1&size=2&metaInclude=page").json()
    assert [w["id"] for w in last["data"]] == ["c"] and "included" not in last
    assert last["meta"]["page"] == {"number": 1, "size": 2, "totalElements": 3, "totalPages": 2}


def test_workspace_rules(emulator: Emulator) -> None:
    emulator.add_workspace("demo")
    emulator.add_workspace("west", parent="demo")
    assert call(emulator, "POST", WORKSPACES, workspace("demo")).status_code == 409
    assert call(emulator, "POST", WORKSPACES, workspace("x", parent="nope")).status_code == 400
    cycle = call(emulator, "PUT", f"{WORKSPACES}/demo", workspace("demo", parent="west"))
    assert cycle.status_code == 400 and "cycle" in cycle.json()["detail"]
    # The SDK documents deleting a parent as refused ("Workspace is a parent of a workspace"); so here too.
    parent = call(emulator, "DELETE", f"{WORKSPACES}/demo")
    assert parent.status_code == 400 and "west" in parent.json()["detail"]
    with pytest.raises(rules.InvalidDocument):
        emulator.add_workspace("y", parent="nope")


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", f"{WORKSPACES}/nope", None, 404),
        ("PUT", f"{WORKSPACES}/nope", workspace("nope"), 404),
        ("DELETE", f"{WORKSPACES}/nope", None, 404),
        ("GET", "/api/v1/layout/workspaces/nope", None, 404),
        ("PUT", "/api/v1/layout/workspaces/nope/permissions", {"permissions": []}, 404),
        ("GET", "/api/v1/entities/admin/organizations/other", None, 404),
        ("POST", WORKSPACES, {"data": {"id": "x", "type": "user"}}, 400),
        ("POST", WORKSPACES, "not an object", 400),
        ("PUT", f"{WORKSPACES}/demo", workspace("other"), 400),
        ("POST", WORKSPACES, {"data": {"id": "x", "type": "workspace", "attributes": {"prefix": "p"}}}, 400),
        ("GET", f"{WORKSPACES}?size=many", None, 400),
        ("PUT", "/api/v1/layout/dataSources", {"dataSources": "x"}, 400),
        ("PUT", "/api/v1/layout/dataSources", {"dataSources": [{"id": "pg", "type": "POSTGRESQL"}]}, 400),
        ("DELETE", WORKSPACES, None, 405),
        ("POST", f"{WORKSPACES}/demo", workspace("demo"), 405),
        ("PUT", "/api/v1/layout/workspaces/demo", {}, 405),
        ("DELETE", "/api/v1/layout/workspaces/demo/permissions", None, 405),
        ("POST", "/api/v1/entities/organization", None, 405),
        ("PATCH", "/api/v1/entities/admin/organizations/default", {}, 405),
        ("DELETE", "/api/v1/layout/dataSources", None, 405),
    ],
)
def test_refusals_are_problem_json(
    emulator: Emulator, method: str, path: str, body: Any, status: int
) -> None:
    emulator.add_workspace("demo")
    headers = {"Content-Type": "application/json"} if path.startswith("/api/v1/layout/") else {}
    r = call(emulator, method, path, body, **headers)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status and problem["detail"] and len(problem["traceId"]) == 32
    if status == 405:
        assert method not in r.headers["Allow"]


def test_malformed_json_is_400_and_a_bad_token_is_401(emulator: Emulator) -> None:
    emulator.add_workspace("demo")
    for method, path, media in (
        ("POST", WORKSPACES, VND),
        ("PATCH", f"{WORKSPACES}/demo", VND),
        ("PUT", "/api/v1/layout/workspaces/demo/permissions", "application/json"),
        ("PUT", "/api/v1/layout/dataSources", "application/json"),
    ):
        sent = {**AUTH, "Content-Type": media}
        r = requests.request(method, emulator.url + path, data=b"{", headers=sent, timeout=10)
        assert r.status_code == 400 and r.headers["Content-Type"] == "application/problem+json", path
        assert "malformed JSON" in r.json()["detail"]
    for path in (
        WORKSPACES,
        f"{WORKSPACES}/demo",
        "/api/v1/layout/workspaces/demo",
        "/api/v1/entities/organization",
        "/api/v1/entities/admin/organizations/default",
        "/api/v1/layout/dataSources",
    ):
        bad = requests.get(emulator.url + path, headers={"Authorization": "Bearer nope"}, timeout=10)
        assert bad.status_code == 401 and "invalid_token" in bad.headers["WWW-Authenticate"]


def test_organization_redirects_to_its_entity(emulator: Emulator) -> None:
    r = requests.get(emulator.url + "/api/v1/entities/organization", headers=AUTH, timeout=10)
    assert r.history[0].status_code == 302
    assert r.history[0].headers["Location"] == "/api/v1/entities/admin/organizations/default"
    assert r.status_code == 200 and r.headers["Content-Type"] == VND
    assert r.json()["data"]["id"] == "default" and r.json()["data"]["attributes"]["hostname"] == "127.0.0.1"
    for name, value in (("Expires", "0"), ("Pragma", "no-cache"), ("X-Content-Type-Options", "nosniff")):
        assert r.headers[name] == value


def test_data_sources_are_an_empty_list(emulator: Emulator) -> None:
    r = call(emulator, "GET", "/api/v1/layout/dataSources")
    assert r.status_code == 200 and r.json() == {"dataSources": []}
    put = call(
        emulator,
        "PUT",
        "/api/v1/layout/dataSources",
        {"dataSources": []},
        **{"Content-Type": "application/json"},
    )
    assert put.status_code == 204


def test_data_file_keeps_workspaces_and_their_permissions(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.add_workspace("demo", name="Demo")
        assert call(emu, "POST", WORKSPACES, workspace("west", "West", parent="demo")).status_code == 201
        perms = {"permissions": [{"name": "VIEW", "assignee": {"id": "adminGroup", "type": "userGroup"}}]}
        r = call(
            emu,
            "PUT",
            "/api/v1/layout/workspaces/west/permissions",
            perms,
            **{"Content-Type": "application/json"},
        )
        assert r.status_code == 204
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temp file and a rename
    saved = json.loads(data.read_text())
    assert [w["id"] for w in saved["workspaces"]] == ["demo", "west"]
    with Emulator(data_file=data) as again:
        assert again.workspaces.entity("west") == {"id": "west", "name": "West", "parent": "demo"}
        assert again.workspaces.get("west") == {
            "hierarchyPermissions": [],
            "permissions": [{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "VIEW"}],
        }
        got = call(again, "GET", "/api/v1/layout/usersAndUserGroups").json()
        assert set(got) == {"users", "userGroups"}  # the layout does not show the workspaces


def test_a_data_file_with_bad_workspaces_does_not_load(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data):
        pass
    doc = json.loads(data.read_text())
    doc["workspaces"] = [{"id": "w", "parent": "missing", "permissions": [], "hierarchyPermissions": []}]
    data.write_text(json.dumps(doc))
    with pytest.raises(rules.InvalidDocument, match="missing"):
        Emulator(data_file=data)
