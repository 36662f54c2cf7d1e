"""reconciler.provisioning: code written for gooddata-pipelines runs with only its import line changed."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest
from emulator_process import certificate as make_certificate

from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context

# The one line a user of gooddata-pipelines changes:
from reconciler.provisioning import (  # was: from gooddata_pipelines import ...
    ProvisioningError,
    UserFullLoad,
    UserGroupFullLoad,
    UserGroupIncrementalLoad,
    UserGroupProvisioner,
    UserIncrementalLoad,
    UserProvisioner,
)

ROWS: list[dict[str, Any]] = [
    {
        "user_id": "jane.doe",
        "firstname": "Jane",
        "lastname": "Doe",
        "email": "jane@acme.com",
        "auth_id": "",  # no authId yet
        "user_groups": ["sales", "emea"],  # neither group exists yet
        "is_active": True,
    },
    {
        "user_id": "john.roe",
        "firstname": "John",
        "lastname": "Roe",
        "email": "john@acme.com",
        "auth_id": "oidc|1",
        "user_groups": ["sales"],
        "is_active": True,
    },
]


def users_of(emu: Emulator) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in emu.document()["users"]}


def groups_of(emu: Emulator) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in emu.document()["userGroups"]}


def test_incremental_then_full_load_as_the_pipelines_readme_writes_it(
    emulator: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    provisioner = UserProvisioner.create(host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b")
    logger = logging.getLogger("hr-sync")
    provisioner.logger.subscribe(logger)
    data = [UserIncrementalLoad(**row) for row in ROWS]
    with caplog.at_level(logging.INFO, logger="hr-sync"):
        provisioner.incremental_load(data)
    users, groups = users_of(emulator), groups_of(emulator)
    assert sorted(users) == ["admin", "jane.doe", "john.roe"]
    assert "authId" not in users["jane.doe"] and users["john.roe"]["authId"] == "oidc|1"
    assert [g["id"] for g in users["jane.doe"]["userGroups"]] == ["emea", "sales"]
    assert groups["sales"]["name"] == "sales" and groups["emea"]["name"] == "emea"  # created, named by id
    messages = [r.getMessage() for r in caplog.records]
    assert "User group sales does not exist: it is created (a record names it)" in messages
    assert "create user jane.doe" in messages and "create group emea" in messages
    assert messages[-1] == "Provisioning completed."
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in messages
    puts = [r for r in emulator.request_log if r.method == "PUT"]
    assert len(puts) == 1  # one write for the whole load
    assert (tmp_path / "b").is_dir() and list((tmp_path / "b").rglob("usersAndUserGroups.json"))

    # A full load of one user deletes the other (not admin, the bootstrap user; not the token's user).
    full = [UserFullLoad(**{k: v for k, v in ROWS[1].items() if k != "is_active"})]
    provisioner.full_load(full)
    assert sorted(users_of(emulator)) == ["admin", "john.roe"]

    # is_active false deletes; others are untouched.
    provisioner.incremental_load([UserIncrementalLoad(**{**ROWS[1], "is_active": False})])
    assert sorted(users_of(emulator)) == ["admin"]


def test_bad_records_fail_with_clear_errors_and_write_nothing(emulator: Emulator, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="UserIncrementalLoad: unknown field login"):
        UserIncrementalLoad(**{**ROWS[0], "login": "x"})
    with pytest.raises(ValueError, match="user_id 'jane doe' is not a valid GoodData id: use letters"):
        UserIncrementalLoad(**{**ROWS[0], "user_id": "jane doe"})
    with pytest.raises(ValueError, match="user_groups must be a list of group ids, not 'sales|emea'"):
        UserIncrementalLoad(**{**ROWS[0], "user_groups": "sales|emea"})
    with pytest.raises(ValueError, match="field email is required"):
        UserFullLoad(user_id="a", firstname="A", lastname="B", auth_id=None, user_groups=[])
    strict = UserProvisioner.create(
        host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path, create_missing_groups=False
    )
    with pytest.raises(ProvisioningError, match="user_groups: group 'sales' does not exist"):
        strict.incremental_load([UserIncrementalLoad(**ROWS[0])])
    with pytest.raises(
        ProvisioningError, match="Not all elements in source data are instances of UserFullLoad"
    ):
        strict.full_load([UserIncrementalLoad(**ROWS[0])])
    assert not [r for r in emulator.request_log if r.method == "PUT"]


def test_group_loads_and_the_deletion_guard(emulator: Emulator, tmp_path: Path) -> None:
    groups = UserGroupProvisioner.create(host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path)
    groups.full_load(
        [
            UserGroupFullLoad(user_group_id="everyone", user_group_name="Everyone", parent_user_groups=[]),
            UserGroupFullLoad(user_group_id="sales", user_group_name="", parent_user_groups=["everyone"]),
        ]
    )
    found = groups_of(emulator)
    assert sorted(found) == ["adminGroup", "everyone", "sales"]  # the bootstrap group stays
    assert found["sales"]["name"] == "sales" and found["sales"]["parents"] == [
        {"id": "everyone", "type": "userGroup"}
    ]
    groups.incremental_load(
        [UserGroupIncrementalLoad(user_group_id="adminGroup", user_group_name="x", is_active=False)]
    )
    assert "adminGroup" in groups_of(emulator)  # protected: never deleted
    users = UserProvisioner.create(host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path)
    many = [
        UserIncrementalLoad(
            user_id=f"u{i}",
            firstname=None,
            lastname=None,
            email=None,
            auth_id=None,
            user_groups=[],
            is_active=True,
        )
        for i in range(30)
    ]
    users.incremental_load(many)
    with pytest.raises(ProvisioningError, match=r"refused: plan deletes 30 users \(limit 10\)"):
        users.full_load([])
    assert len(users_of(emulator)) == 31
    trusted = UserProvisioner.create(
        host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path, allow_deletions=30
    )
    trusted.full_load([])
    assert sorted(users_of(emulator)) == ["admin"]


pipelines = pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")


def test_the_same_records_leave_the_same_organization_as_gooddata_pipelines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    theirs, ours = Emulator(), Emulator()
    theirs_url = theirs.start(ssl_context=tls_context(cert, key))
    ours_url = ours.start()
    try:
        rows = [{**r, "auth_id": r["auth_id"] or None} for r in ROWS]
        p = pipelines.UserProvisioner.create(host=theirs_url, token=DEFAULT_TOKEN)
        p.incremental_load([pipelines.UserIncrementalLoad(**r) for r in rows])
        UserProvisioner.create(
            host=ours_url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b"
        ).incremental_load([UserIncrementalLoad(**r) for r in rows])
        assert ours.document() == theirs.document()
        full = [{k: v for k, v in r.items() if k != "is_active"} for r in rows[1:]]
        p.full_load([pipelines.UserFullLoad(**r) for r in full])
        UserProvisioner.create(host=ours_url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b").full_load(
            [UserFullLoad(**r) for r in full]
        )
        assert ours.document() == theirs.document()
    finally:
        theirs.stop()
        ours.stop()


def test_the_same_group_records_leave_the_same_organization_as_gooddata_pipelines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    theirs, ours = Emulator(), Emulator()
    theirs_url = theirs.start(ssl_context=tls_context(cert, key))
    ours_url = ours.start()
    try:
        rows = [
            {"user_group_id": "everyone", "user_group_name": "Everyone", "parent_user_groups": []},
            {"user_group_id": "sales", "user_group_name": "", "parent_user_groups": ["everyone"]},
            {"user_group_id": "emea", "user_group_name": "EMEA", "parent_user_groups": ["sales"]},
        ]
        p = pipelines.UserGroupProvisioner.create(host=theirs_url, token=DEFAULT_TOKEN)
        mine = UserGroupProvisioner.create(host=ours_url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b")
        p.incremental_load([pipelines.UserGroupIncrementalLoad(**r, is_active=True) for r in rows])
        mine.incremental_load([UserGroupIncrementalLoad(**r, is_active=True) for r in rows])
        assert ours.document() == theirs.document()
        p.full_load([pipelines.UserGroupFullLoad(**r) for r in rows[:2]])  # emea is not named: deleted
        mine.full_load([UserGroupFullLoad(**r) for r in rows[:2]])
        assert ours.document() == theirs.document()
        assert "emea" not in {g["id"] for g in ours.document()["userGroups"]}
    finally:
        theirs.stop()
        ours.stop()


def test_a_backup_in_a_git_work_tree_is_committed(emulator: Emulator, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    provisioner = UserProvisioner.create(
        host=emulator.url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "backups"
    )
    provisioner.incremental_load([UserIncrementalLoad(**ROWS[1])])
    log = subprocess.run(["git", "log", "--format=%s"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "reconciler: backup of" in log
    assert DEFAULT_TOKEN not in repr(provisioner)


def test_a_private_ca_reaches_the_client(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    emu = Emulator()
    url = emu.start(ssl_context=tls_context(cert, key))
    try:
        untrusted = UserProvisioner.create(host=url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "a")
        with pytest.raises(ProvisioningError, match="TLS failed"):
            untrusted.incremental_load([UserIncrementalLoad(**ROWS[1])])
        trusted = UserProvisioner.create(
            host=url, token=DEFAULT_TOKEN, backups_dir=tmp_path / "b", ca_bundle=str(cert)
        )
        trusted.incremental_load([UserIncrementalLoad(**ROWS[1])])
        assert "john.roe" in users_of(emu)
    finally:
        emu.stop()
