"""Platform emulator, roles (API.md §4): the internal list, the public list, one role, its users."""

from __future__ import annotations

from platform_calls import Gdc

from reconciler.emulator.platform import PlatformEmulator

IDENTIFIERS = {
    "unverifiedAdminRole",
    "adminRole",
    "dashboardOnlyRole",
    "readOnlyUserRole",
    "editorRole",
    "superAdminRole",
    "connectorsSystemRole",
    "explorerRole",
    "explorerOnlyRole",
    "editorInviteRole",
    "editorUserAdminRole",
    "readOnlyNoExportRole",
}


def test_internal_list_embeds_the_twelve_roles_by_identifier(platform_emulator: PlatformEmulator) -> None:
    r = Gdc(platform_emulator).get("/gdc/internal/projects/p1/roles")
    assert r.status_code == 200
    body = r.json()["internalProjectRoles"]
    assert body["links"] == {"project": "/gdc/projects/p1"}
    metas = [role["projectRole"]["meta"] for role in body["roles"]]
    assert {m["identifier"] for m in metas} == IDENTIFIERS
    by_identifier = {m["identifier"]: m for m in metas}
    assert by_identifier["adminRole"]["uri"] == "/gdc/projects/p1/roles/2"
    assert by_identifier["readOnlyUserRole"]["title"] == "Viewer"
    permissions = body["roles"][0]["projectRole"]["permissions"]
    assert set(permissions.values()) <= {"0", "1"}


def test_internal_list_order_varies_between_calls(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    orders = {
        tuple(
            r["projectRole"]["meta"]["identifier"]
            for r in gdc.get(path).json()["internalProjectRoles"]["roles"]
        )
        for path in ["/gdc/internal/projects/p1/roles"] * 3
    }
    assert len(orders) == 3


def test_public_list_is_uris_only(platform_emulator: PlatformEmulator) -> None:
    body = Gdc(platform_emulator).get("/gdc/projects/p1/roles").json()["projectRoles"]
    assert body["roles"] == [f"/gdc/projects/p1/roles/{n}" for n in range(1, 13)]
    assert body["links"] == {"project": "/gdc/projects/p1"}


def test_one_role_has_links_and_no_meta_uri(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    role = gdc.get("/gdc/projects/p1/roles/5").json()["projectRole"]
    assert role["links"] == {"roleUsers": "/gdc/projects/p1/roles/5/users"}
    assert role["meta"]["identifier"] == "editorRole" and "uri" not in role["meta"]
    assert gdc.get("/gdc/projects/p1/roles/99").status_code == 404


def test_role_users(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_member("p1", "jane@example.com", "editorRole")
    platform_emulator.add_domain_user("bob@example.com")
    platform_emulator.add_member("p1", "bob@example.com", "adminRole")
    body = Gdc(platform_emulator).get("/gdc/projects/p1/roles/5/users").json()
    assert body == {
        "associatedUsers": {
            "users": [f"/gdc/account/profile/{jane}"],
            "links": {"project": "/gdc/projects/p1/", "role": "/gdc/projects/p1/roles/5/"},
        }
    }


def test_roles_of_an_unknown_project_are_404_and_of_a_foreign_one_403(
    platform_emulator: PlatformEmulator,
) -> None:
    assert Gdc(platform_emulator).get("/gdc/internal/projects/nope/roles").status_code == 404
    outsider = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    assert outsider.get("/gdc/projects/p1/roles").status_code == 403
