"""gooddata-sdk against the emulator seeded with the SDK tests' baseline (issue 11, acceptance 2, this part):
`catalog_workspace.list_workspaces`, and the declarative users/groups stored to, loaded from and put back
from a directory (which needs the organization endpoint to name the folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cassettes
import pytest

from reconciler.emulator import DEFAULT_TOKEN, Emulator

gooddata_sdk = pytest.importorskip(
    "gooddata_sdk",
    reason="gooddata-sdk is not installed (pip install -e '.[test]'); SDK conformance not checked",
)


@pytest.fixture
def baseline(emulator: Emulator) -> Emulator:
    cassettes.require()
    cassettes.seed(emulator)
    return emulator


def sdk_for(emu: Emulator) -> Any:
    return gooddata_sdk.GoodDataSdk.create(host_=emu.url, token_=DEFAULT_TOKEN)


def test_list_workspaces_has_the_recorded_names_and_parents(baseline: Emulator) -> None:
    listed = sdk_for(baseline).catalog_workspace.list_workspaces()
    assert sorted((w.id, w.name, w.parent_id) for w in listed) == [
        ("demo", "Demo", None),
        ("demo_west", "Demo West", "demo"),
        ("demo_west_california", "Demo West California", "demo_west"),
    ]


def test_workspaces_created_renamed_and_deleted_through_the_sdk(baseline: Emulator) -> None:
    workspaces = sdk_for(baseline).catalog_workspace
    workspaces.create_or_update(gooddata_sdk.CatalogWorkspace("east", "East", parent_id="demo"))
    workspaces.create_or_update(gooddata_sdk.CatalogWorkspace("east", "Demo East", parent_id="demo"))
    got = workspaces.get_workspace("east")
    assert (got.name, got.parent_id) == ("Demo East", "demo")
    with pytest.raises(ValueError, match="parent"):  # the SDK itself refuses to delete a parent
        workspaces.delete_workspace("demo")
    workspaces.delete_workspace("east")
    assert baseline.workspaces.ids() == ["demo", "demo_west", "demo_west_california"]


def test_store_writes_the_recorded_folder_and_load_reads_it_back(baseline: Emulator, tmp_path: Path) -> None:
    catalog = sdk_for(baseline).catalog_user
    catalog.store_declarative_users_user_groups(tmp_path)
    catalog.store_declarative_users(tmp_path / "users_only")
    catalog.store_declarative_user_groups(tmp_path / "groups_only")
    folder = tmp_path / "gooddata_layouts" / "default"  # the organization's id names it
    assert (folder / "users" / "users.yaml").is_file()
    assert (folder / "user_groups" / "user_groups.yaml").is_file()
    assert (tmp_path / "users_only" / "gooddata_layouts" / "default" / "users" / "users.yaml").is_file()
    loaded = catalog.load_declarative_users_user_groups(tmp_path)
    assert loaded == catalog.get_declarative_users_user_groups()
    assert catalog.load_declarative_users(tmp_path / "users_only") == catalog.get_declarative_users()
    assert (
        catalog.load_declarative_user_groups(tmp_path / "groups_only")
        == catalog.get_declarative_user_groups()
    )


@pytest.mark.parametrize("what", ["users_user_groups", "users", "user_groups"])
def test_load_and_put_restores_what_was_stored(baseline: Emulator, tmp_path: Path, what: str) -> None:
    catalog = sdk_for(baseline).catalog_user
    stored = baseline.document()
    getattr(catalog, f"store_declarative_{what}")(tmp_path)
    changed = {
        "users": [u for u in stored["users"] if u["id"] != "demo2"],
        "userGroups": [g for g in stored["userGroups"] if g["id"] != "visitorsGroup"],
    }
    baseline.replace_document(changed)
    if what == "users":  # the stored users name demoGroup only; the groups stay as changed
        expected = {"users": stored["users"], "userGroups": changed["userGroups"]}
    elif what == "user_groups":
        expected = {"users": changed["users"], "userGroups": stored["userGroups"]}
    else:
        expected = stored
    getattr(catalog, f"load_and_put_declarative_{what}")(tmp_path)
    assert baseline.document() == expected
