"""Conformance with GoodData's official Python SDK (issue 2, acceptance 7): the SDK, given the emulator's URL
and token, reads the organization and writes it back, and the emulator then holds what it sent.

Organizations here carry no user setting `content`: gooddata-sdk cannot read one (API.md §5, the SDK's bug).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reconciler.emulator import DEFAULT_TOKEN, Emulator, rules

gooddata_sdk = pytest.importorskip(
    "gooddata_sdk",
    reason="gooddata-sdk is not installed (pip install -e '.[test]'); SDK conformance not checked",
)
from gooddata_api_client.exceptions import ApiException  # noqa: E402
from gooddata_sdk.catalog.identifier import CatalogDeclarativeUserGroupIdentifier  # noqa: E402

FULL = "/api/v1/layout/usersAndUserGroups"


def sent_documents(emu: Emulator) -> list[dict[str, Any]]:
    """The bodies of the layout PUTs the emulator received, parsed."""
    return [json.loads(r.body) for r in emu.request_log if r.method == "PUT" and r.path == FULL and r.body]


def normalized(doc: dict[str, Any]) -> dict[str, Any]:
    built = rules.build_document(
        doc["users"], doc["userGroups"], bootstrap_user="admin", bootstrap_group="adminGroup"
    )
    return json.loads(json.dumps(built, sort_keys=True))  # type: ignore[no-any-return]


def test_sdk_reads_and_writes_back_the_recorded_organization(emulator: Emulator, recorded: Any) -> None:
    emulator.replace_document(recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json"))
    before = emulator.document()
    sdk = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)

    layout = sdk.catalog_user.get_declarative_users_user_groups()
    assert sorted(u.id for u in layout.users) == ["admin", "demo", "demo2"]
    assert sorted(g.id for g in layout.user_groups) == [
        "adminGroup",
        "adminQA1Group",
        "demoGroup",
        "visitorsGroup",
    ]
    sdk.catalog_user.put_declarative_users_user_groups(layout)

    [sent] = sent_documents(emulator)
    assert sent == layout.to_dict()
    assert emulator.document() == normalized(sent)
    assert emulator.document() == before  # a lossless round trip for what the SDK models
    assert [(r.method, r.status) for r in emulator.request_log] == [("GET", 200), ("PUT", 204)]


def test_sdk_changes_land_in_the_emulator(emulator: Emulator) -> None:
    sdk = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)
    layout = sdk.catalog_user.get_declarative_users_user_groups()
    analysts = CatalogDeclarativeUserGroupIdentifier(id="analysts", type="userGroup")
    layout.user_groups.append(gooddata_sdk.CatalogDeclarativeUserGroup(id="analysts", name="Analysts"))
    layout.users.append(
        gooddata_sdk.CatalogDeclarativeUser(
            id="jane.doe",
            email="jane@example.com",
            firstname="Jane",
            lastname="Doe",
            auth_id="auth0|jane",
            user_groups=[analysts],
        )
    )
    sdk.catalog_user.put_declarative_users_user_groups(layout)

    [sent] = sent_documents(emulator)
    assert emulator.document() == normalized(sent)
    jane = emulator.document()["users"][1]
    assert jane == {
        "authId": "auth0|jane",
        "email": "jane@example.com",
        "firstname": "Jane",
        "id": "jane.doe",
        "lastname": "Doe",
        "permissions": [],
        "settings": [],
        "userGroups": [{"id": "analysts", "type": "userGroup"}],
    }
    again = sdk.catalog_user.get_declarative_users_user_groups()
    assert normalized(again.to_dict()) == emulator.document()


def test_sdk_round_trip_drops_system_account(emulator: Emulator) -> None:
    # API.md §5: the SDK's user model has no systemAccount, so GET → SDK → PUT loses it.
    doc = emulator.document()
    doc["users"].append(
        {"id": "svc", "systemAccount": True, "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}
    )
    emulator.replace_document(doc)
    sdk = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)
    sdk.catalog_user.put_declarative_users_user_groups(sdk.catalog_user.get_declarative_users_user_groups())
    assert "systemAccount" not in emulator.document()["users"][1]


def test_sdk_errors_surface_for_a_rejected_put(emulator: Emulator) -> None:
    sdk = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)
    layout = sdk.catalog_user.get_declarative_users_user_groups()
    before = emulator.document()
    layout.users[0].user_groups = []  # the bootstrap admin out of adminGroup: the server refuses
    with pytest.raises(ApiException) as raised:
        sdk.catalog_user.put_declarative_users_user_groups(layout)
    assert raised.value.status == 400
    assert "must be in the bootstrap userGroup" in raised.value.body
    assert emulator.document() == before


def test_sdk_reads_and_writes_the_users_and_the_groups_halves(emulator: Emulator, recorded: Any) -> None:
    emulator.replace_document(recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json"))
    before = emulator.document()
    sdk = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)
    users = sdk.catalog_user.get_declarative_users()
    groups = sdk.catalog_user.get_declarative_user_groups()
    assert sorted(u.id for u in users.users) == sorted(u["id"] for u in before["users"])
    assert sorted(g.id for g in groups.user_groups) == sorted(g["id"] for g in before["userGroups"])
    sdk.catalog_user.put_declarative_user_groups(groups)
    sdk.catalog_user.put_declarative_users(users)
    assert emulator.document() == before  # each half written back changes nothing
    puts = [r.path for r in emulator.request_log if r.method == "PUT"]
    assert puts == ["/api/v1/layout/userGroups", "/api/v1/layout/users"]
    # a new group written through the groups half, then a user in it through the users half
    groups.user_groups.append(type(groups.user_groups[0])(id="newGroup", name="New group"))
    sdk.catalog_user.put_declarative_user_groups(groups)
    assert "newGroup" in {g["id"] for g in emulator.document()["userGroups"]}
