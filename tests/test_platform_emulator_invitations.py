"""Platform emulator, invitations (API.md §5, code/doc only): create, list, get, cancel, and the outbox."""

from __future__ import annotations

from typing import Any

from platform_calls import Gdc

from reconciler.emulator.platform import PlatformEmulator

INVITATIONS = "/gdc/projects/p1/invitations"
EDITOR = "/gdc/projects/p1/roles/5"


def invitation(email: str, role: str = EDITOR, **extra: Any) -> dict[str, Any]:
    return {"invitation": {"content": {"email": email, "role": role, **extra}}}


def test_create_is_201_with_uris_and_lands_in_the_outbox(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    body = {"invitations": [invitation("new@example.com", firstname="New", action={"setMessage": "Welcome"})]}
    r = gdc.post(INVITATIONS, body)
    assert r.status_code == 201
    created = r.json()["createdInvitations"]
    assert set(created) == {"uri"} and len(created["uri"]) == 1
    assert created["uri"][0].startswith(INVITATIONS + "/")
    assert platform_emulator.outbox == [
        {
            "email": "new@example.com",
            "firstname": "New",
            "lastname": None,
            "message": "Welcome",
            "project": "p1",
            "role": "editorRole",
            "uri": created["uri"][0],
        }
    ]
    platform_emulator.clear_outbox()
    assert platform_emulator.outbox == []


def test_members_are_reported_as_already_in_project_not_invited(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.add_domain_user("jane@example.com")
    platform_emulator.add_member("p1", "jane@example.com")
    body = {"invitations": [invitation("JANE@example.com"), invitation("new@example.com")]}
    created = Gdc(platform_emulator).post(INVITATIONS, body).json()["createdInvitations"]
    assert created["loginsAlreadyInProject"] == ["JANE@example.com"] and len(created["uri"]) == 1
    assert [m["email"] for m in platform_emulator.outbox] == ["new@example.com"]


def test_list_get_and_cancel(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    uri = gdc.post(INVITATIONS, {"invitations": [invitation("new@example.com")]}).json()[
        "createdInvitations"
    ]["uri"][0]
    listed = gdc.get(INVITATIONS).json()["invitations"]
    assert [i["invitation"]["content"] for i in listed] == [
        {"email": "new@example.com", "role": EDITOR, "status": "WAITING"}
    ]
    assert listed[0]["invitation"]["links"] == {"project": "/gdc/projects/p1", "self": uri}
    assert gdc.get(uri).json()["invitation"]["content"]["status"] == "WAITING"
    r = gdc.delete(uri)
    assert r.status_code == 204 and r.content == b""
    # [doc] the cancelled invitation stays, as CANCELED
    assert gdc.get(INVITATIONS).json()["invitations"][0]["invitation"]["content"]["status"] == "CANCELED"
    assert gdc.delete(INVITATIONS + "/nope").status_code == 404


def test_bad_invitations_are_refused_and_nothing_is_sent(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    assert (
        gdc.post(
            INVITATIONS, {"invitations": [invitation("x@example.com", "/gdc/projects/p2/roles/5")]}
        ).status_code
        == 400
    )
    assert gdc.post(INVITATIONS, {"invitations": [invitation("not-an-email")]}).status_code == 400
    assert gdc.post(INVITATIONS, {"invitations": []}).status_code == 400
    assert platform_emulator.outbox == []


def test_only_who_may_invite_can(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.add_member("p1", platform_emulator.user_login, "readOnlyUserRole")
    viewer = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    assert viewer.post(INVITATIONS, {"invitations": [invitation("x@example.com")]}).status_code == 403
    platform_emulator.add_member("p1", platform_emulator.user_login, "editorInviteRole")
    assert viewer.post(INVITATIONS, {"invitations": [invitation("x@example.com")]}).status_code == 201


def test_the_outbox_is_served_to_the_domain_admin_only(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    gdc.post(INVITATIONS, {"invitations": [invitation("new@example.com")]})
    assert gdc.get("/_emulator/outbox").json() == {"invitations": platform_emulator.outbox}
    viewer = Gdc(platform_emulator, platform_emulator.user_login, platform_emulator.user_password)
    assert viewer.get("/_emulator/outbox").status_code == 403
