"""The emulator's workspace API: list, permissions GET/PUT, and the cascade when a principal is deleted."""

from __future__ import annotations

import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
PERMS = {
    "permissions": [{"name": "ANALYZE", "assignee": {"id": "demo", "type": "user"}}],
    "hierarchyPermissions": [{"name": "VIEW", "assignee": {"id": "demoGroup", "type": "userGroup"}}],
}


def put(emu: Emulator, path: str, body: object) -> requests.Response:
    return requests.put(emu.url + path, json=body, headers=AUTH, timeout=10)


def org(*users: str) -> dict:
    return {
        "userGroups": [{"id": "adminGroup"}, {"id": "demoGroup"}],
        "users": [{"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}]
        + [{"id": u, "userGroups": [{"id": "demoGroup", "type": "userGroup"}]} for u in users],
    }


def test_list_and_permissions_round_trip(emulator: Emulator) -> None:
    emulator.replace_document(org("demo"))
    emulator.add_workspace("demo", name="Demo")
    assert put(emulator, "/api/v1/layout/workspaces/demo/permissions", PERMS).status_code == 204
    emulator.set_workspace_permissions("sales", permissions=[])
    url = emulator.url + "/api/v1/entities/workspaces?size=1&metaInclude=page"
    listing = requests.get(url, headers=AUTH, timeout=10).json()
    assert [w["id"] for w in listing["data"]] == ["demo"]
    assert listing["meta"]["page"]["totalElements"] == 2 and "next" in listing["links"]
    got = requests.get(emulator.url + "/api/v1/layout/workspaces/demo/permissions", headers=AUTH, timeout=10)
    assert got.status_code == 200
    assert got.json() == {
        "hierarchyPermissions": [{"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "VIEW"}],
        "permissions": [{"assignee": {"id": "demo", "type": "user"}, "name": "ANALYZE"}],
    }


def test_unknown_workspace_is_404_and_bad_body_is_400(emulator: Emulator) -> None:
    r = requests.get(emulator.url + "/api/v1/layout/workspaces/nope/permissions", headers=AUTH, timeout=10)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/problem+json")
    bad = put(emulator, "/api/v1/layout/workspaces/demo/permissions", {"permissions": [{"name": "OWN"}]})
    assert bad.status_code == 400
    assert requests.get(emulator.url + "/api/v1/entities/workspaces", timeout=10).status_code == 401


@pytest.mark.parametrize("how", ["layout", "entity"])
def test_deleting_a_principal_cascades_its_workspace_permissions(emulator: Emulator, how: str) -> None:
    emulator.replace_document(org("demo", "other"))
    emulator.set_workspace_permissions(
        "demo",
        permissions=[
            {"name": "ANALYZE", "assignee": {"id": "demo", "type": "user"}},
            {"name": "VIEW", "assignee": {"id": "other", "type": "user"}},
        ],
    )
    if how == "layout":
        assert put(emulator, "/api/v1/layout/usersAndUserGroups", org("other")).status_code == 204
    else:
        r = requests.delete(emulator.url + "/api/v1/entities/users/demo", headers=AUTH, timeout=10)
        assert r.status_code == 204
    remaining = emulator.workspaces.get("demo")
    assert remaining is not None
    assert remaining["permissions"] == [{"assignee": {"id": "other", "type": "user"}, "name": "VIEW"}]
