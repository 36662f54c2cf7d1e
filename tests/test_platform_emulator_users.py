"""Platform emulator, domain users (API.md §2): create, list (offset/limit, ?login=), get, update, delete."""

from __future__ import annotations

from typing import Any

from platform_calls import Gdc

from reconciler.emulator.platform import PlatformEmulator


def users_path(emu: PlatformEmulator) -> str:
    return f"/gdc/account/domains/{emu.domain}/users"


def new_user(login: str, **extra: Any) -> dict[str, Any]:
    setting = {
        "login": login,
        "email": login,
        "firstName": "Jane",
        "lastName": "Doe",
        "password": "s3cret-pass",
        "verifyPassword": "s3cret-pass",
        "language": "en-US",
        **extra,
    }
    return {"accountSetting": setting}


def test_create_is_201_with_location_and_uri_only(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    r = gdc.post(users_path(platform_emulator), new_user("jane@example.com", companyName="Acme"))
    assert r.status_code == 201
    uri = r.json()["uri"]
    assert r.json() == {"uri": uri} and r.headers["Location"] == uri
    profile_id = uri.rsplit("/", 1)[1]
    assert len(profile_id) == 32 and all(c in "0123456789abcdef" for c in profile_id)
    setting = gdc.get(uri).json()["accountSetting"]
    assert setting["login"] == "jane@example.com" and setting["companyName"] == "Acme"
    assert setting["links"]["domain"] == f"/gdc/domains/{platform_emulator.domain}"
    assert "password" not in setting


def test_create_of_a_registered_login_is_400_login_name_already_registered(
    platform_emulator: PlatformEmulator,
) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.add_domain_user("jane@example.com")
    for login in ["jane@example.com", "JANE@example.com", platform_emulator.user_login]:
        r = gdc.post(users_path(platform_emulator), new_user(login))
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["errorClass"] == (
            "com.gooddata.webapp.service.userprovisioning.LoginNameAlreadyRegisteredException"
        )
        assert (
            error["message"] % tuple(error["parameters"]) == f"User with login {login} is already registered"
        )


def test_create_refuses_what_the_documents_require(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    for body in [
        {"login": "x@example.com"},
        new_user("x@example.com", firstName=""),
        new_user("x@example.com", password="short", verifyPassword="short"),
        new_user("x@example.com", verifyPassword="different1"),
        new_user("", firstName="A"),
    ]:
        r = gdc.post(users_path(platform_emulator), body)
        assert r.status_code == 400, body
        assert r.json()["error"]["errorClass"].endswith("MalformedMessageException")
    assert [u["login"] for u in platform_emulator.domain_users()] == [platform_emulator.admin_login]


def test_list_pages_by_offset_and_limit(platform_emulator: PlatformEmulator) -> None:
    logins = [f"user{i:02}@example.com" for i in range(7)]
    for login in logins:
        platform_emulator.add_domain_user(login)
    gdc = Gdc(platform_emulator)
    seen: list[str] = []
    offset = 0
    while True:
        r = gdc.get(f"{users_path(platform_emulator)}?offset={offset}&limit=3")
        assert r.status_code == 200
        body = r.json()["accountSettings"]
        assert body["paging"]["offset"] == offset and body["paging"]["count"] == len(body["items"])
        seen += [item["accountSetting"]["login"] for item in body["items"]]
        if len(body["items"]) < 3:
            assert "next" not in body["paging"]
            break
        offset += 3
    assert seen == [platform_emulator.admin_login, *logins]


def test_list_with_a_large_limit_is_one_page_with_count(platform_emulator: PlatformEmulator) -> None:
    for i in range(4):
        platform_emulator.add_domain_user(f"u{i}@example.com", first_name=f"F{i}", last_name=f"L{i}")
    body = Gdc(platform_emulator).get(users_path(platform_emulator) + "?limit=1000").json()["accountSettings"]
    assert body["paging"] == {"offset": 0, "count": 5}
    item = body["items"][1]["accountSetting"]
    assert {item[k] for k in ("login", "email", "firstName", "lastName")} == {"u0@example.com", "F0", "L0"}
    assert set(item["links"]) == {"self", "projects"}


def test_list_by_login_finds_zero_or_one(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.add_domain_user("jane+test@example.com")
    gdc = Gdc(platform_emulator)
    one = gdc.get(users_path(platform_emulator) + "?login=jane%2Btest%40example.com").json()[
        "accountSettings"
    ]
    assert (
        one["paging"]["count"] == 1 and one["items"][0]["accountSetting"]["login"] == "jane+test@example.com"
    )
    none = gdc.get(users_path(platform_emulator) + "?login=nobody%40example.com").json()["accountSettings"]
    assert none == {"items": [], "paging": {"offset": 0, "count": 0}}


def test_a_non_domain_admin_gets_the_recorded_403(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    for method in ["GET", "POST"]:
        r = gdc.call(
            method, users_path(platform_emulator) + "?login=x%40example.com", new_user("x@example.com")
        )
        assert r.status_code == 403
        error = r.json()["error"]
        assert error["errorClass"] == "com.gooddata.security.authorization.AuthorizationFailedException"
        assert error["errorCode"] == "gdc.security.authorization"
        assert error["message"] == "Can be accessed only by domain admin" and error["component"] == "Webapp"
    admin_profile = f"/gdc/account/profile/{platform_emulator.admin_id}"
    assert gdc.get(admin_profile).status_code == 403
    assert gdc.delete(admin_profile).status_code == 403
    assert gdc.get(f"/gdc/account/profile/{platform_emulator.user_id}").status_code == 200


def test_update_is_200_with_the_profile(platform_emulator: PlatformEmulator) -> None:
    user_id = platform_emulator.add_domain_user("jane@example.com")
    gdc = Gdc(platform_emulator)
    body = {
        "accountSetting": {
            "firstName": "Janet",
            "lastName": "Doe",
            "email": "janet@example.com",
            "ssoProvider": "",
        }
    }
    r = gdc.put(f"/gdc/account/profile/{user_id}", body)
    assert r.status_code == 200
    setting = r.json()["accountSetting"]
    assert (setting["firstName"], setting["email"], setting["ssoProvider"]) == (
        "Janet",
        "janet@example.com",
        "",
    )
    assert setting["links"]["self"] == f"/gdc/account/profile/{user_id}"
    assert platform_emulator.domain_users()[1]["firstName"] == "Janet"
    changed_login = {"accountSetting": {"login": "other@example.com", "firstName": "J", "lastName": "D"}}
    assert gdc.put(f"/gdc/account/profile/{user_id}", changed_login).status_code == 400


def test_delete_is_200_empty_and_the_user_is_gone(platform_emulator: PlatformEmulator) -> None:
    user_id = platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_member("p1", "jane@example.com", "editorRole")
    gdc = Gdc(platform_emulator)
    r = gdc.delete(f"/gdc/account/profile/{user_id}")
    assert r.status_code == 200 and r.content == b""
    missing = gdc.get(f"/gdc/account/profile/{user_id}")
    assert missing.status_code == 404
    assert missing.json()["error"]["parameters"] == [user_id]
    assert platform_emulator.members("p1") == []


def test_a_domain_that_is_not_the_callers_is_403(platform_emulator: PlatformEmulator) -> None:
    assert Gdc(platform_emulator).get("/gdc/account/domains/elsewhere/users").status_code == 403


def test_a_users_projects_are_its_enabled_memberships_paged_with_total_count_and_next(
    platform_emulator: PlatformEmulator,
) -> None:
    emu = platform_emulator
    for pid in ("p2", "p3", "p4"):
        emu.add_project(pid)
    for pid, status in (("p1", "ENABLED"), ("p3", "DISABLED"), ("p4", "ENABLED"), ("p2", "ENABLED")):
        emu.add_member(pid, emu.admin_login, "adminRole", status)
    gdc = Gdc(emu)
    path: str | None = f"/gdc/account/profile/{emu.admin_id}/projects?offset=0&limit=2"
    pages = []
    while path:
        r = gdc.get(path)
        assert r.status_code == 200
        pages.append(r.json()["projects"])
        path = pages[-1]["paging"]["next"]
    assert [p["paging"] for p in pages] == [
        {"offset": 0, "limit": 2, "count": 2, "totalCount": 3, "next": pages[0]["paging"]["next"]},
        {"offset": 2, "limit": 2, "count": 1, "totalCount": 3, "next": None},
    ]
    listed = [i["project"]["links"]["self"] for p in pages for i in p["items"]]
    assert listed == ["/gdc/projects/p1", "/gdc/projects/p2", "/gdc/projects/p4"]  # creation order
    assert pages[0]["items"][0]["project"]["meta"]["title"] == "Project One"
    other = Gdc(emu, emu.user_login, emu.user_password)
    assert other.get(f"/gdc/account/profile/{emu.admin_id}/projects").status_code == 403
    own = other.get(f"/gdc/account/profile/{emu.user_id}/projects").json()["projects"]
    assert (own["items"], own["paging"]["totalCount"]) == ([], 0)
    assert gdc.post(f"/gdc/account/profile/{emu.admin_id}/projects", {}).status_code == 405
