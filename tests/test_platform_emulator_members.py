"""Platform emulator, projects and members (API.md §3): list, bulk POST with per-item failures, one member."""

from __future__ import annotations

from platform_calls import Gdc, member_item

from reconciler.emulator.platform import PlatformEmulator

USERS = "/gdc/projects/p1/users"
EDITOR = "/gdc/projects/p1/roles/5"
ADMIN = "/gdc/projects/p1/roles/2"


def test_project_has_state_and_links(platform_emulator: PlatformEmulator) -> None:
    project = Gdc(platform_emulator).get("/gdc/projects/p1").json()["project"]
    assert project["content"]["state"] == "ENABLED" and project["meta"]["title"] == "Project One"
    assert project["links"]["users"] == "/gdc/projects/p1/users?link=1&offset=0&limit=100"
    assert {"roles", "invitations", "userRoles", "userPermissions", "self"} <= set(project["links"])
    missing = Gdc(platform_emulator).get("/gdc/projects/nope")
    assert missing.status_code == 404 and missing.json()["error"]["parameters"] == ["nope"]


def test_list_shows_enabled_and_disabled_members_in_the_recorded_shape(
    platform_emulator: PlatformEmulator,
) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com", first_name="Jane", last_name="Doe")
    platform_emulator.add_member("p1", "jane@example.com", "editorRole")
    platform_emulator.add_domain_user("bob@example.com")
    platform_emulator.add_member("p1", "bob@example.com", "readOnlyUserRole", "DISABLED")
    r = Gdc(platform_emulator).get(USERS)
    assert r.status_code == 200 and set(r.json()) == {"users"}  # no paging object
    first = r.json()["users"][0]["user"]
    assert first["content"] == {
        "email": "jane@example.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "login": "jane@example.com",
        "phonenumber": None,
        "status": "ENABLED",
        "userRoles": [EDITOR],
    }
    assert first["links"]["self"] == f"/gdc/account/profile/{jane}"
    assert first["links"]["projectRelUri"] == f"/gdc/projects/p1/users/{jane}"
    assert first["meta"]["title"] == "Jane Doe"
    assert [u["user"]["content"]["status"] for u in r.json()["users"]] == ["ENABLED", "DISABLED"]


def test_list_pages_by_offset_until_a_short_page(platform_emulator: PlatformEmulator) -> None:
    logins = [f"m{i}@example.com" for i in range(5)]
    for login in logins:
        platform_emulator.add_domain_user(login)
        platform_emulator.add_member("p1", login)
    gdc = Gdc(platform_emulator)
    pages = [gdc.get(f"{USERS}?offset={o}&limit=2").json()["users"] for o in (0, 2, 4)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [u["user"]["content"]["login"] for p in pages for u in p] == logins
    assert gdc.get(f"{USERS}?offset=x").status_code == 400


def test_bulk_post_adds_changes_and_disables_and_reports_per_item_failures_in_a_200(
    platform_emulator: PlatformEmulator,
) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    bob = platform_emulator.add_domain_user("bob@example.com")
    platform_emulator.add_member("p1", "bob@example.com", "editorRole")
    carol = platform_emulator.add_domain_user("carol@example.com")
    platform_emulator.add_member("p1", "carol@example.com", "editorRole")
    body = {
        "users": [
            member_item(f"/gdc/account/profile/{jane}", roles=[EDITOR]),
            member_item(f"/gdc/account/profile/{bob}", roles=[ADMIN]),
            member_item(f"/gdc/account/profile/{carol}", "DISABLED"),
            member_item("/gdc/account/profile/ghost@example.com", roles=[EDITOR]),
            member_item("/gdc/account/profile/0123456789abcdef0123456789abcdef", roles=[EDITOR]),
        ]
    }
    r = Gdc(platform_emulator).post(USERS, body)
    assert r.status_code == 200
    result = r.json()["projectUsersUpdateResult"]
    assert result["successful"] == [f"/gdc/account/profile/{u}" for u in (jane, bob, carol)]
    assert result["failed"] == [
        {
            "user": "/gdc/account/profile/ghost@example.com",
            "message": "Cannot add user to project. User doesn't exist",
        },
        {
            "user": "/gdc/account/profile/0123456789abcdef0123456789abcdef",
            "message": "Cannot add user to project. User doesn't exist",
        },
    ]
    assert platform_emulator.members("p1") == [
        {"id": bob, "login": "bob@example.com", "roles": ["adminRole"], "status": "ENABLED"},
        {"id": carol, "login": "carol@example.com", "roles": ["editorRole"], "status": "DISABLED"},
        {"id": jane, "login": "jane@example.com", "roles": ["editorRole"], "status": "ENABLED"},
    ]


def test_every_item_failing_is_still_200(platform_emulator: PlatformEmulator) -> None:
    body = {"users": [member_item("/gdc/account/profile/ghost@example.com", roles=[EDITOR])]}
    r = Gdc(platform_emulator).post(USERS, body)
    assert r.status_code == 200
    assert r.json()["projectUsersUpdateResult"]["successful"] == []
    assert len(r.json()["projectUsersUpdateResult"]["failed"]) == 1


def test_single_form_and_login_form_uri_are_accepted_and_echoed(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.add_domain_user("jane@example.com")
    r = Gdc(platform_emulator).post(
        USERS, member_item("/gdc/account/profile/jane@example.com", roles=[EDITOR])
    )
    assert r.json()["projectUsersUpdateResult"] == {
        "successful": ["/gdc/account/profile/jane@example.com"],
        "failed": [],
    }
    assert platform_emulator.members("p1")[0]["roles"] == ["editorRole"]


def test_bulk_post_refusals_of_the_emulators_own(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    gdc = Gdc(platform_emulator)
    uri = f"/gdc/account/profile/{jane}"
    other = f"/gdc/account/profile/{platform_emulator.user_id}"
    body = {
        "users": [
            member_item(uri, roles=["/gdc/projects/p2/roles/5"]),
            member_item(uri, roles=[]),
            member_item(uri, "DISABLED"),
            member_item(other, roles=[EDITOR]),
        ]
    }
    failed = gdc.post(USERS, body).json()["projectUsersUpdateResult"]["failed"]
    assert [f["message"] for f in failed] == [
        "Cannot add user to project. Invalid role /gdc/projects/p2/roles/5",
        "Cannot add user to project. No role specified",
        "Cannot disable user. User is not a member of the project",
        "Cannot add user to project. User is not in the domain of the domain admin",
    ]
    assert platform_emulator.members("p1") == []
    assert (
        gdc.post(
            USERS, {"users": [{"user": {"content": {"status": "MAYBE"}, "links": {"self": uri}}}]}
        ).status_code
        == 400
    )
    assert gdc.post(USERS, {"nonsense": 1}).status_code == 400


def test_single_member_get_shows_disabled_and_404_after_delete(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_member("p1", "jane@example.com", "editorRole", "DISABLED")
    platform_emulator.add_group("p1", "Sales", ["jane@example.com"])
    gdc = Gdc(platform_emulator)
    r = gdc.get(f"{USERS}/{jane}")
    assert r.status_code == 200 and r.json()["user"]["content"]["status"] == "DISABLED"
    deleted = gdc.delete(f"{USERS}/{jane}")
    assert deleted.status_code == 200 and deleted.content == b""
    gone = gdc.get(f"{USERS}/{jane}")
    assert gone.status_code == 404
    error = gone.json()["error"]
    assert error["errorClass"] == "GDC::Exception::NotFound"
    assert error["message"] % tuple(error["parameters"]) == f"User uid {jane} doesn't exist."
    assert gdc.delete(f"{USERS}/{jane}").status_code == 404
    assert platform_emulator.groups("p1")[0]["members"] == []


def test_the_only_admin_cannot_be_removed(platform_emulator: PlatformEmulator) -> None:
    boss = platform_emulator.add_domain_user("boss@example.com")
    platform_emulator.add_member("p1", "boss@example.com", "adminRole")
    assert Gdc(platform_emulator).delete(f"{USERS}/{boss}").status_code == 403


def test_member_roles_and_permissions(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_member("p1", "jane@example.com", "editorRole")
    gdc = Gdc(platform_emulator)
    assert gdc.get(f"{USERS}/{jane}/roles").json() == {
        "associatedRoles": {
            "roles": [EDITOR],
            "links": {"project": "/gdc/projects/p1/", "user": f"/gdc/account/profile/{jane}"},
        }
    }
    permissions = gdc.get(f"{USERS}/{jane}/permissions").json()["associatedPermissions"]["permissions"]
    assert permissions["canCreateReport"] == "1" and permissions["canManageProject"] == "0"


def test_a_non_admin_may_not_change_members(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.add_member("p1", platform_emulator.user_login, "editorRole")
    gdc = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    assert gdc.get(USERS).status_code == 200
    r = gdc.post(USERS, member_item(f"/gdc/account/profile/{platform_emulator.user_id}", roles=[ADMIN]))
    assert r.status_code == 403
    assert platform_emulator.members("p1")[0]["roles"] == ["editorRole"]
    outsider = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    platform_emulator.add_project("p2")
    assert outsider.get("/gdc/projects/p2/users").status_code == 403
