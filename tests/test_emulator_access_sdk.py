"""GoodData's official clients against the emulator's permission, user-management and token endpoints, with
the outcomes the recordings show (issue 11, acceptance 2): gooddata-sdk's catalog_user and
catalog_permission, and gooddata-pipelines' PermissionProvisioner (over TLS: it rewrites http:// hosts;
it checks each workspace through the entity API).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import cassettes
import pytest
import requests
from emulator_process import certificate as make_certificate

from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context

gooddata_sdk = pytest.importorskip("gooddata_sdk", reason="gooddata-sdk is not installed")
from gooddata_api_client.exceptions import ApiException, NotFoundException  # noqa: E402
from gooddata_sdk import (  # noqa: E402
    CatalogAssigneeIdentifier,
    CatalogDeclarativeOrganizationPermission,
    CatalogDeclarativeWorkspacePermissions,
    CatalogOrganizationPermissionAssignment,
    CatalogPermissionsAssignment,
    CatalogUser,
    CatalogUserGroup,
)

ADMIN_GROUP = CatalogAssigneeIdentifier(id="adminGroup", type="userGroup")


@pytest.fixture
def sdk(emulator: Emulator) -> Any:
    cassettes.seed(emulator)
    return gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=DEFAULT_TOKEN)


def test_get_user_and_group_permissions(sdk: Any) -> None:
    user = sdk.catalog_user.get_user_permissions("demo2")
    assert [(w.id, w.name, w.permissions, w.hierarchy_permissions) for w in user.workspaces] == [
        ("demo", "Demo", ["ANALYZE"], ["MANAGE"])
    ]
    assert [(d.id, d.name, d.permissions) for d in user.data_sources] == [
        ("demo-test-ds", "demo-test-ds", ["MANAGE"])
    ]
    group = sdk.catalog_user.get_user_group_permissions("demoGroup")
    assert [(w.id, w.name, w.permissions, w.hierarchy_permissions) for w in group.workspaces] == [
        ("demo", "Demo", ["VIEW"], ["ANALYZE"])
    ]
    assert [(d.id, d.permissions) for d in group.data_sources] == [("demo-test-ds", ["USE"])]


def test_manage_user_and_group_permissions(sdk: Any) -> None:
    origin = sdk.catalog_user.get_user_permissions("demo2")
    changed = copy.deepcopy(origin)
    changed.data_sources[0].permissions = ["USE"]
    changed.workspaces[0].permissions = ["MANAGE"]
    sdk.catalog_user.manage_user_permissions("demo2", changed)
    updated = sdk.catalog_user.get_user_permissions("demo2")
    assert updated.data_sources[0].permissions == ["USE"]
    assert (updated.workspaces[0].permissions, updated.workspaces[0].hierarchy_permissions) == (
        ["MANAGE"],
        ["MANAGE"],
    )
    sdk.catalog_user.manage_user_permissions("demo2", origin)
    assert sdk.catalog_user.get_user_permissions("demo2") == origin

    group = sdk.catalog_user.get_user_group_permissions("demoGroup")
    changed = copy.deepcopy(group)
    changed.data_sources[0].permissions = ["MANAGE"]
    sdk.catalog_user.manage_user_group_permissions("demoGroup", changed)
    updated = sdk.catalog_user.get_user_group_permissions("demoGroup")
    assert updated.data_sources[0].permissions == ["MANAGE"]
    assert (updated.workspaces[0].permissions, updated.workspaces[0].hierarchy_permissions) == (
        ["VIEW"],
        ["ANALYZE"],
    )
    # the layout view sees the same change: one store
    layout = sdk.catalog_permission.get_declarative_permissions("demo")
    assert {(p.assignee.id, p.name) for p in layout.permissions} == {
        ("demo2", "ANALYZE"),
        ("demoGroup", "VIEW"),
    }


def test_assign_and_revoke_permissions_bulk(sdk: Any) -> None:
    user = sdk.catalog_user.get_user_permissions("demo2")
    group = sdk.catalog_user.get_user_group_permissions("demoGroup")
    sdk.catalog_user.assign_permissions_bulk(
        CatalogPermissionsAssignment(
            assignees=[
                CatalogAssigneeIdentifier(id="demo2", type="user"),
                CatalogAssigneeIdentifier(id="demoGroup", type="userGroup"),
            ],
            workspaces=group.workspaces,
            data_sources=user.data_sources,
        )
    )
    new_user = sdk.catalog_user.get_user_permissions("demo2")
    new_group = sdk.catalog_user.get_user_group_permissions("demoGroup")
    assert new_user.workspaces == new_group.workspaces == group.workspaces
    assert new_user.data_sources == new_group.data_sources == user.data_sources

    sdk.catalog_user.revoke_permissions_bulk(
        CatalogPermissionsAssignment(
            assignees=[CatalogAssigneeIdentifier(id="demo2", type="user")],
            workspaces=new_user.workspaces,
            data_sources=new_user.data_sources,
        )
    )
    revoked = sdk.catalog_user.get_user_permissions("demo2")
    assert (revoked.workspaces, revoked.data_sources) == ([], [])
    assert sdk.catalog_user.get_user_group_permissions("demoGroup") == new_group


def test_api_tokens_list_create_get_delete(sdk: Any, emulator: Emulator) -> None:
    assert sdk.catalog_user.list_user_api_tokens("demo") == []
    token = sdk.catalog_user.create_user_api_token("demo", "test_token")
    assert token.id == "test_token" and token.bearer_token
    again = sdk.catalog_user.get_user_api_token("demo", "test_token")
    assert (again.id, again.bearer_token) == ("test_token", None)
    assert [(t.id, t.bearer_token) for t in sdk.catalog_user.list_user_api_tokens("demo")] == [
        ("test_token", None)
    ]
    # the created token is a working credential for its user, through the SDK too
    as_demo = gooddata_sdk.GoodDataSdk.create(host_=emulator.url, token_=token.bearer_token)
    assert as_demo.catalog_user.get_user("demo").id == "demo"
    profile = requests.get(
        emulator.url + "/api/v1/profile",
        headers={"Authorization": f"Bearer {token.bearer_token}"},
        timeout=10,
    )
    assert profile.json()["userId"] == "demo"
    sdk.catalog_user.delete_user_api_token("demo", "test_token")
    assert sdk.catalog_user.list_user_api_tokens("demo") == []
    with pytest.raises(NotFoundException):
        sdk.catalog_user.get_user_api_token("demo", "test_token")


def test_declarative_workspace_permissions_get_and_put(sdk: Any) -> None:
    demo = sdk.catalog_permission.get_declarative_permissions("demo")
    assert {(p.assignee.id, p.name) for p in demo.hierarchy_permissions} == {
        ("demo2", "MANAGE"),
        ("demoGroup", "ANALYZE"),
    }
    assert {(p.assignee.id, p.name) for p in demo.permissions} == {
        ("demo2", "ANALYZE"),
        ("demoGroup", "VIEW"),
    }
    west = sdk.catalog_permission.get_declarative_permissions("demo_west")
    assert (west.permissions, west.hierarchy_permissions) == ([], [])
    sdk.catalog_permission.put_declarative_permissions("demo_west", demo)
    assert sdk.catalog_permission.get_declarative_permissions("demo_west") == demo
    empty = CatalogDeclarativeWorkspacePermissions(permissions=[], hierarchy_permissions=[])
    sdk.catalog_permission.put_declarative_permissions("demo_west", empty)
    assert sdk.catalog_permission.get_declarative_permissions("demo_west") == empty


def test_declarative_organization_permissions_get_put_and_manage(sdk: Any) -> None:
    both = [
        CatalogDeclarativeOrganizationPermission(name="MANAGE", assignee=ADMIN_GROUP),
        CatalogDeclarativeOrganizationPermission(name="SELF_CREATE_TOKEN", assignee=ADMIN_GROUP),
    ]
    sdk.catalog_permission.put_declarative_organization_permissions(both)
    got = sdk.catalog_permission.get_declarative_organization_permissions()
    assert {(p.assignee.id, p.name) for p in got} == {
        ("adminGroup", "MANAGE"),
        ("adminGroup", "SELF_CREATE_TOKEN"),
    }
    sdk.catalog_permission.put_declarative_organization_permissions(both[:1])
    assert [
        (p.assignee.id, p.name) for p in sdk.catalog_permission.get_declarative_organization_permissions()
    ] == [("adminGroup", "MANAGE")]
    sdk.catalog_permission.manage_organization_permissions(
        [
            CatalogOrganizationPermissionAssignment(
                assignee_identifier=ADMIN_GROUP, permissions=["MANAGE", "SELF_CREATE_TOKEN"]
            )
        ]
    )
    got = sdk.catalog_permission.get_declarative_organization_permissions()
    assert {p.name for p in got} == {"MANAGE", "SELF_CREATE_TOKEN"}
    with pytest.raises(ApiException) as refused:  # the bootstrap group keeps MANAGE
        sdk.catalog_permission.put_declarative_organization_permissions(both[1:])
    assert refused.value.status == 400 and "must keep the MANAGE permission" in refused.value.body


def test_users_and_groups_list_get_create_update_delete(sdk: Any) -> None:
    assert {u.id for u in sdk.catalog_user.list_users()} == {"admin", "demo", "demo2"}
    assert [g.id for g in sdk.catalog_user.get_user("demo2").user_groups] == ["demoGroup"]
    groups = sdk.catalog_user.list_user_groups()
    assert {g.id for g in groups} == {"adminGroup", "adminQA1Group", "demoGroup", "visitorsGroup"}
    assert {g.name for g in groups} == {"demo group", "visitors", None}
    assert sdk.catalog_user.get_user_group("demoGroup").id == "demoGroup"

    sdk.catalog_user.create_or_update_user_group(
        CatalogUserGroup.init(
            user_group_id="newGroup", user_group_name="NEW", user_group_parent_ids=["demoGroup"]
        )
    )
    group = sdk.catalog_user.get_user_group("newGroup")
    assert group.name == "NEW" and [p.id for p in group.relationships.parents.data] == ["demoGroup"]
    user = CatalogUser.init(
        user_id="john",
        firstname="john",
        lastname="doe",
        email="john.doe@email.com",
        authentication_id="john_auth_id",
        user_group_ids=["newGroup"],
    )
    sdk.catalog_user.create_or_update_user(user)
    got = sdk.catalog_user.get_user("john")
    assert (got.attributes.firstname, got.attributes.email, got.attributes.authentication_id) == (
        "john",
        "john.doe@email.com",
        "john_auth_id",
    )
    assert [g.id for g in got.user_groups] == ["newGroup"]
    assert len(sdk.catalog_user.list_users()) == 4
    updated = CatalogUser.init(
        user_id="john", firstname="Michael", user_group_ids=["demoGroup", "visitorsGroup"]
    )
    sdk.catalog_user.create_or_update_user(updated)
    got = sdk.catalog_user.get_user("john")
    assert got.attributes.firstname == "Michael" and {g.id for g in got.user_groups} == {
        "demoGroup",
        "visitorsGroup",
    }
    sdk.catalog_user.delete_user("john")
    sdk.catalog_user.delete_user_group("newGroup")
    assert len(sdk.catalog_user.list_users()) == 3 and len(sdk.catalog_user.list_user_groups()) == 4


# -- gooddata-pipelines PermissionProvisioner --------------------------------------------------------------


@pytest.fixture
def tls_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    emu = Emulator()
    emu.start(ssl_context=tls_context(cert, key))
    try:
        cassettes.seed(emu)
        yield emu
    finally:
        emu.stop()


def _layout(emu: Emulator, workspace_id: str) -> dict[str, set[tuple[str, str, str]]]:
    doc = emu.workspaces.get(workspace_id) or {}
    return {
        key: {(p["assignee"]["type"], p["assignee"]["id"], p["name"]) for p in doc.get(key, [])}
        for key in ("permissions", "hierarchyPermissions")
    }


def test_permission_provisioner_full_load(tls_emulator: Emulator) -> None:
    import gooddata_pipelines as pipelines

    provisioner = pipelines.PermissionProvisioner.create(host=tls_emulator.url, token=DEFAULT_TOKEN)
    rows = [
        ("VIEW", "demo_west", "demo", "user"),
        ("ANALYZE", "demo_west", "demoGroup", "userGroup"),
        ("MANAGE", "demo", "demo2", "user"),
        ("VIEW", "demo", "ghost", "user"),  # refers to no user: skipped, logged
    ]
    provisioner.full_load(
        [
            pipelines.PermissionFullLoad(permission=p, workspace_id=w, entity_id=e, entity_type=t)
            for p, w, e, t in rows
        ]
    )
    assert _layout(tls_emulator, "demo_west")["permissions"] == {
        ("user", "demo", "VIEW"),
        ("userGroup", "demoGroup", "ANALYZE"),
    }
    demo = _layout(tls_emulator, "demo")
    # a full load is the whole truth for each workspace it names; it wipes hierarchyPermissions (API.md §6)
    assert demo == {"permissions": {("user", "demo2", "MANAGE")}, "hierarchyPermissions": set()}
    assert _layout(tls_emulator, "demo_west_california") == {
        "permissions": set(),
        "hierarchyPermissions": set(),
    }
    # the user-management view shows the same store
    view = tls_emulator.url + "/api/v1/actions/userManagement/users/demo2/permissions"
    listed = requests.get(view, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10).json()
    assert [(w["id"], w["permissions"], w["hierarchyPermissions"]) for w in listed["workspaces"]] == [
        ("demo", ["MANAGE"], [])
    ]


def test_permission_provisioner_incremental_load(tls_emulator: Emulator) -> None:
    import gooddata_pipelines as pipelines

    tls_emulator.set_workspace_permissions(
        "demo",
        [
            {"name": "ANALYZE", "assignee": {"id": "demo2", "type": "user"}},
            {"name": "VIEW", "assignee": {"id": "demoGroup", "type": "userGroup"}},
            {"name": "VIEW", "assignee": {"id": "demo", "type": "user"}},
        ],
        [{"name": "MANAGE", "assignee": {"id": "demo2", "type": "user"}}],
    )
    provisioner = pipelines.PermissionProvisioner.create(host=tls_emulator.url, token=DEFAULT_TOKEN)
    rows = [
        ("EXPORT", "demo", "demo2", "user", True),
        ("VIEW", "demo", "demoGroup", "userGroup", False),
        ("VIEW", "demo_west", "visitorsGroup", "userGroup", True),
        ("VIEW", "demo_west", "ghost", "user", True),  # refers to no user: skipped, logged
    ]
    provisioner.incremental_load(
        [
            pipelines.PermissionIncrementalLoad(
                permission=p, workspace_id=w, entity_id=e, entity_type=t, is_active=a
            )
            for p, w, e, t, a in rows
        ]
    )
    # The library's documented upsert: an assignee named in the input gets exactly its active input rows
    # (demo2 loses ANALYZE, demoGroup loses VIEW); assignees not named (demo) keep theirs; the PUT carries no
    # hierarchyPermissions, so they are wiped (API.md §6).
    assert _layout(tls_emulator, "demo") == {
        "permissions": {("user", "demo2", "EXPORT"), ("user", "demo", "VIEW")},
        "hierarchyPermissions": set(),
    }
    assert _layout(tls_emulator, "demo_west")["permissions"] == {("userGroup", "visitorsGroup", "VIEW")}
