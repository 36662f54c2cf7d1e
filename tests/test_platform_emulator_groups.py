"""Platform emulator, user groups (API.md §6): list by project, create, get, update, members, modify."""

from __future__ import annotations

from typing import Any

from platform_calls import Gdc

from reconciler.emulator.platform import PlatformEmulator

PAGING = {"offset": None, "limit": 1000, "next": None}


def group(name: str, pid: str = "p1", description: str = "") -> dict[str, Any]:
    return {
        "userGroup": {
            "content": {"name": name, "description": description, "project": f"/gdc/projects/{pid}"}
        }
    }


def test_create_is_201_with_uri_and_no_location_and_lists_by_project(
    platform_emulator: PlatformEmulator,
) -> None:
    platform_emulator.add_project("p2")
    gdc = Gdc(platform_emulator)
    r = gdc.post("/gdc/userGroups", group("Sales", description="the sellers"))
    assert r.status_code == 201 and "Location" not in r.headers
    uri = r.json()["uri"]
    assert r.json() == {"uri": uri} and uri.startswith("/gdc/userGroups/")
    group_id = uri.rsplit("/", 1)[1]
    gdc.post("/gdc/userGroups", group("Other", "p2"))
    listed = gdc.get("/gdc/userGroups?project=p1").json()["userGroups"]
    assert listed["paging"] == PAGING
    assert listed["items"] == [
        {
            "userGroup": {
                "content": {
                    "name": "Sales",
                    "id": group_id,
                    "description": "the sellers",
                    "domain": None,
                    "project": "/gdc/projects/p1",
                },
                "meta": listed["items"][0]["userGroup"]["meta"],
                "links": {"self": uri, "members": f"{uri}/members", "modifyMembers": f"{uri}/modifyMembers"},
            }
        }
    ]
    assert set(listed["items"][0]["userGroup"]["meta"]) == {"created", "updated"}
    assert gdc.get(uri).json() == listed["items"][0]


def test_duplicate_name_is_409(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    assert gdc.post("/gdc/userGroups", group("Sales")).status_code == 201
    assert gdc.post("/gdc/userGroups", group("sales")).status_code == 409
    assert [g["name"] for g in platform_emulator.groups("p1")] == ["Sales"]


def test_update_is_204(platform_emulator: PlatformEmulator) -> None:
    group_id = platform_emulator.add_group("p1", "Sales")
    gdc = Gdc(platform_emulator)
    r = gdc.put(f"/gdc/userGroups/{group_id}", group("Sellers"))
    assert r.status_code == 204 and r.content == b""
    assert gdc.get(f"/gdc/userGroups/{group_id}").json()["userGroup"]["content"]["name"] == "Sellers"


def test_modify_members_add_remove_set_and_members_list(platform_emulator: PlatformEmulator) -> None:
    ids = {name: platform_emulator.add_domain_user(f"{name}@example.com", first_name=name) for name in "abc"}
    uris = {name: f"/gdc/account/profile/{user_id}" for name, user_id in ids.items()}
    group_id = platform_emulator.add_group("p1", "Sales")
    gdc = Gdc(platform_emulator)
    path = f"/gdc/userGroups/{group_id}"

    def modify(operation: str, *names: str) -> None:
        r = gdc.post(
            f"{path}/modifyMembers",
            {"modifyMembers": {"operation": operation, "items": [uris[n] for n in names]}},
        )
        assert r.status_code == 204 and r.content == b""

    def members() -> list[str]:
        body = gdc.get(f"{path}/members").json()["userGroupMembers"]
        assert body["paging"] == PAGING
        return [item["user"]["content"]["firstName"] for item in body["items"]]

    modify("ADD", "a", "b")
    assert members() == ["a", "b"]
    modify("REMOVE", "a")
    assert members() == ["b"]
    modify("SET", "c", "a")
    assert members() == ["c", "a"]
    item = gdc.get(f"{path}/members").json()["userGroupMembers"]["items"][0]
    assert item == {"user": {"content": {"firstName": "c", "lastName": "Last"}, "links": {"self": uris["c"]}}}
    modify("SET")
    assert members() == []


def test_modify_members_refuses_groups_and_unknown_users(platform_emulator: PlatformEmulator) -> None:
    group_id = platform_emulator.add_group("p1", "Sales")
    gdc = Gdc(platform_emulator)
    for items in [[f"/gdc/userGroups/{group_id}"], ["/gdc/account/profile/nobody"]]:
        body = {"modifyMembers": {"operation": "ADD", "items": items}}
        assert gdc.post(f"/gdc/userGroups/{group_id}/modifyMembers", body).status_code == 400
    bad = {"modifyMembers": {"operation": "MERGE", "items": []}}
    assert gdc.post(f"/gdc/userGroups/{group_id}/modifyMembers", bad).status_code == 400


def test_user_filter_unknown_group_and_missing_project(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_group("p1", "Sales", ["jane@example.com"])
    platform_emulator.add_group("p1", "Empty")
    gdc = Gdc(platform_emulator)
    listed = gdc.get(f"/gdc/userGroups?project=p1&user={jane}").json()["userGroups"]["items"]
    assert [g["userGroup"]["content"]["name"] for g in listed] == ["Sales"]
    assert gdc.get("/gdc/userGroups/nope").status_code == 404
    assert gdc.get("/gdc/userGroups").status_code == 400


def test_a_non_admin_reads_groups_of_its_project_but_may_not_change_them(
    platform_emulator: PlatformEmulator,
) -> None:
    group_id = platform_emulator.add_group("p1", "Sales")
    platform_emulator.add_member("p1", platform_emulator.user_login, "editorRole")
    viewer = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    assert viewer.get("/gdc/userGroups?project=p1").status_code == 200
    assert viewer.post("/gdc/userGroups", group("Mine")).status_code == 403
    assert viewer.put(f"/gdc/userGroups/{group_id}", group("Renamed")).status_code == 403
