"""PermissionProvisioner: code written for gooddata-pipelines runs with only its import line changed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from emulator_process import certificate as make_certificate

from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context

# The one line a user of gooddata-pipelines changes:
from reconciler.provisioning import (  # was: from gooddata_pipelines import ...
    EntityType,
    PermissionFullLoad,
    PermissionIncrementalLoad,
    PermissionProvisioner,
    ProvisioningError,
)

ORGANIZATION = {
    "users": [
        {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]},
        {"id": "jane.doe", "userGroups": [{"id": "sales", "type": "userGroup"}]},
        {"id": "john.roe", "userGroups": []},
    ],
    "userGroups": [{"id": "adminGroup"}, {"id": "sales"}, {"id": "emea"}],
}


def seed(emu: Emulator) -> None:
    """Users, groups, two workspaces (one a child), and a hierarchy grant a full load must keep."""
    emu.replace_document(ORGANIZATION)
    emu.add_workspace("sales", name="Sales")
    emu.add_workspace("sales-emea", name="Sales EMEA", parent="sales")
    emu.set_workspace_permissions(
        "sales",
        [
            {"name": "ANALYZE", "assignee": {"id": "john.roe", "type": "user"}},
            {"name": "VIEW", "assignee": {"id": "emea", "type": "userGroup"}},
        ],
        [{"name": "MANAGE", "assignee": {"id": "jane.doe", "type": "user"}}],
    )


def grants(emu: Emulator, workspace: str) -> dict[str, set[tuple[str, str, str]]]:
    doc = emu.workspaces.get(workspace) or {}
    return {
        key: {(p["assignee"]["type"], p["assignee"]["id"], p["name"]) for p in doc.get(key, [])}
        for key in ("permissions", "hierarchyPermissions")
    }


ROWS: list[dict[str, Any]] = [
    {"permission": "ANALYZE", "workspace_id": "sales", "entity_id": "sales", "entity_type": "userGroup"},
    {"permission": "EXPORT", "workspace_id": "sales", "entity_id": "sales", "entity_type": "userGroup"},
    {"permission": "VIEW", "workspace_id": "sales-emea", "entity_id": "jane.doe", "entity_type": "user"},
]


def test_full_then_incremental_load_as_pipelines_code_writes_it(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed(emulator)
    provisioner = PermissionProvisioner.create(
        host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b"
    )
    logger = logging.getLogger("hr-sync")
    provisioner.logger.subscribe(logger)
    emulator.clear_request_log()
    with caplog.at_level(logging.INFO, logger="hr-sync"):
        provisioner.full_load([PermissionFullLoad(**r) for r in ROWS])
    # the records are each named workspace's complete direct permissions; hierarchyPermissions are kept
    assert grants(emulator, "sales") == {
        "permissions": {("userGroup", "sales", "ANALYZE"), ("userGroup", "sales", "EXPORT")},
        "hierarchyPermissions": {("user", "jane.doe", "MANAGE")},
    }
    assert grants(emulator, "sales-emea")["permissions"] == {("user", "jane.doe", "VIEW")}
    puts = [r.path for r in emulator.request_log if r.method == "PUT"]
    assert sorted(puts) == [
        "/api/v1/layout/workspaces/sales-emea/permissions",
        "/api/v1/layout/workspaces/sales/permissions",
    ]  # one PUT per workspace, none of the users layout
    messages = [r.getMessage() for r in caplog.records]
    assert "update workspace sales" in messages and "Provisioning completed." in messages
    assert any(m.startswith("Backup of the organization before the load: ") for m in messages)

    provisioner.incremental_load(
        [
            PermissionIncrementalLoad(
                permission="EXPORT",
                workspace_id="sales",
                entity_id="sales",
                entity_type="userGroup",
                is_active=False,
            ),
            PermissionIncrementalLoad(
                permission="VIEW",
                workspace_id="sales",
                entity_id="john.roe",
                entity_type=EntityType.user,
                is_active=True,
            ),
        ]
    )
    assert grants(emulator, "sales") == {
        "permissions": {("userGroup", "sales", "ANALYZE"), ("user", "john.roe", "VIEW")},
        "hierarchyPermissions": {("user", "jane.doe", "MANAGE")},
    }
    assert grants(emulator, "sales-emea")["permissions"] == {("user", "jane.doe", "VIEW")}  # not named


def test_bad_permission_records_fail_clearly_and_write_nothing(emulator: Emulator, tmp_path: Path) -> None:
    seed(emulator)
    with pytest.raises(ValueError, match="'READ' is not a workspace permission"):
        PermissionFullLoad(permission="READ", workspace_id="sales", entity_id="x", entity_type="user")
    with pytest.raises(ValueError, match="entity_type 'group' is not user or userGroup"):
        PermissionFullLoad(permission="VIEW", workspace_id="sales", entity_id="x", entity_type="group")
    with pytest.raises(ValueError, match="workspace_id 'a b' is not a valid GoodData id"):
        PermissionFullLoad(permission="VIEW", workspace_id="a b", entity_id="x", entity_type="user")
    with pytest.raises(ValueError, match="field is_active is required"):
        PermissionIncrementalLoad(permission="VIEW", workspace_id="s", entity_id="x", entity_type="user")
    with pytest.raises(ValueError, match="unknown field extra"):
        PermissionFullLoad(permission="VIEW", workspace_id="s", entity_id="x", entity_type="user", extra=1)
    before = emulator.workspaces.get("sales")
    provisioner = PermissionProvisioner.create(
        host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b"
    )
    ghost = {"permission": "VIEW", "workspace_id": "sales", "entity_id": "ghost", "entity_type": "user"}
    with pytest.raises(ProvisioningError, match="user 'ghost' does not exist"):
        provisioner.full_load([PermissionFullLoad(**ROWS[0]), PermissionFullLoad(**ghost)])
    nowhere = {**ROWS[0], "workspace_id": "nowhere"}
    with pytest.raises(ProvisioningError, match="workspace 'nowhere' does not exist"):
        provisioner.full_load([PermissionFullLoad(**nowhere)])
    assert emulator.workspaces.get("sales") == before


pipelines = pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")


def test_the_same_records_leave_the_same_permissions_as_gooddata_pipelines_except_where_safer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    theirs, ours = Emulator(), Emulator()
    theirs_url = theirs.start(ssl_context=tls_context(cert, key))
    ours_url = ours.start()
    try:
        seed(theirs)
        seed(ours)
        mine = PermissionProvisioner.create(host=ours_url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b")
        p = pipelines.PermissionProvisioner.create(host=theirs_url, token=DEFAULT_TOKEN)
        p.full_load([pipelines.PermissionFullLoad(**r) for r in ROWS])
        mine.full_load([PermissionFullLoad(**r) for r in ROWS])
        for w in ("sales", "sales-emea"):
            assert grants(ours, w)["permissions"] == grants(theirs, w)["permissions"]
        # deliberately safer: the library's PUT drops hierarchyPermissions, ours keeps them
        assert grants(theirs, "sales")["hierarchyPermissions"] == set()
        assert grants(ours, "sales")["hierarchyPermissions"] == {("user", "jane.doe", "MANAGE")}

        incremental = [
            {**ROWS[1], "is_active": False},  # sales loses EXPORT (and keeps ANALYZE: named below)
            {**ROWS[0], "is_active": True},
            {
                "permission": "VIEW",
                "workspace_id": "sales",
                "entity_id": "emea",
                "entity_type": "userGroup",
                "is_active": True,
            },
        ]
        p.incremental_load([pipelines.PermissionIncrementalLoad(**r) for r in incremental])
        mine.incremental_load([PermissionIncrementalLoad(**r) for r in incremental])
        for w in ("sales", "sales-emea"):
            assert grants(ours, w)["permissions"] == grants(theirs, w)["permissions"]

        # deliberately safer: an incremental record adds to what an assignee holds; the library replaces
        # the assignee's permissions with the records' (jane.doe's VIEW on sales-emea is lost there)
        more = [
            {
                "permission": "EXPORT",
                "workspace_id": "sales-emea",
                "entity_id": "jane.doe",
                "entity_type": "user",
                "is_active": True,
            }
        ]
        p.incremental_load([pipelines.PermissionIncrementalLoad(**r) for r in more])
        mine.incremental_load([PermissionIncrementalLoad(**r) for r in more])
        assert grants(theirs, "sales-emea")["permissions"] == {("user", "jane.doe", "EXPORT")}
        assert grants(ours, "sales-emea")["permissions"] == {
            ("user", "jane.doe", "EXPORT"),
            ("user", "jane.doe", "VIEW"),
        }
    finally:
        theirs.stop()
        ours.stop()
