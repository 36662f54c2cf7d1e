"""`reconciler load --kind permissions`: an export becomes minimal edits of the `workspaces:` entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from test_load import changed, commit_all, diff, repo, run  # noqa: F401  (repo: the fixture)

from reconciler.emulator import DEFAULT_TOKEN

TOOLS = "user_id,ug_id,ws_id,ws_permissions,is_active\n"
WORKSPACES = """\
# yaml-language-server: $schema=../schemas/state-file.schema.json
# Who may do what in which workspace.
workspaces:
  # the sales team's workspace
  - id: sales
    permissions:
      - {group: sales, grant: [ANALYZE]}   # analysts
      - {user: robert.king, role: viewer}  # the sales director reads only
    hierarchyPermissions:
      - {group: finance, grant: [VIEW]}

  # marketing: permissions managed in the UI for now
  - id: marketing
roles:
  viewer: [VIEW]
"""


def with_workspaces(root: Path) -> Path:
    path = root / "state" / "workspaces.yaml"
    path.write_text(WORKSPACES)
    commit_all(root)
    return path


def workspaces(path: Path) -> dict[str, dict[str, Any]]:
    return {w["id"]: w for w in yaml.safe_load(path.read_text())["workspaces"]}


def test_incremental_load_edits_only_the_permissions_of_the_named_workspaces(repo: Path) -> None:  # noqa: F811
    path = with_workspaces(repo)
    csv = repo / "perms.csv"
    csv.write_text(
        TOOLS
        + ",sales,sales,EXPORT|VIEW,true\n"  # several permissions split on the inner delimiter
        + "amelia.scott,,sales,ANALYZE,TRUE\n"
        + ",finance,support,VIEW,true\n"  # a workspace the state does not list: a new entry
    )
    result = run(repo, "load", str(csv), "--kind", "permissions", "--mode", "incremental")
    assert result.exit_code == 0, result.output
    assert "1 to add, 1 to change, 0 to remove" in result.output
    ws = workspaces(path)
    assert ws["sales"]["permissions"] == [
        {"group": "sales", "grant": ["ANALYZE", "EXPORT", "VIEW"]},
        {"user": "robert.king", "role": "viewer"},  # untouched: kept as written
        {"user": "amelia.scott", "grant": ["ANALYZE"]},
    ]
    assert ws["sales"]["hierarchyPermissions"] == [{"group": "finance", "grant": ["VIEW"]}]
    assert ws["support"] == {"id": "support", "permissions": [{"group": "finance", "grant": ["VIEW"]}]}
    assert "marketing" in ws and "permissions" not in ws["marketing"]
    text = path.read_text()
    for comment in ("# the sales team's workspace", "# marketing: permissions managed in the UI for now"):
        assert comment in text
    # the entries that stay keep their lines, the edited one its comment
    assert "      - {user: robert.king, role: viewer}  # the sales director reads only\n" in text
    assert "      - {group: sales, grant: [ANALYZE, EXPORT, VIEW]} # analysts\n" in text
    assert "workspace support: the state did not manage its permissions" in result.output

    # removing: is_active anything but true takes the permission away; robert.king's role entry stays
    csv.write_text(TOOLS + ",sales,sales,EXPORT|VIEW,false\namelia.scott,,sales,ANALYZE,no\n")
    result = run(repo, "load", str(csv), "--kind", "permissions", "--mode", "incremental")
    assert result.exit_code == 0, result.output
    assert workspaces(path)["sales"]["permissions"] == [
        {"group": "sales", "grant": ["ANALYZE"]},
        {"user": "robert.king", "role": "viewer"},
    ]


def test_full_load_replaces_the_direct_permissions_and_keeps_the_hierarchy(repo: Path) -> None:  # noqa: F811
    path = with_workspaces(repo)
    records = repo / "perms.yaml"
    records.write_text(
        "- {permission: MANAGE, workspace_id: sales, entity_id: sales, entity_type: userGroup}\n"
        "- {permission: VIEW, workspace_id: marketing, entity_id: marketing, entity_type: userGroup}\n"
    )
    result = run(repo, "load", str(records), "--kind", "permissions", "--mode", "full")
    assert result.exit_code == 0, result.output
    ws = workspaces(path)
    assert ws["sales"]["permissions"] == [{"group": "sales", "grant": ["MANAGE"]}]
    assert ws["sales"]["hierarchyPermissions"] == [{"group": "finance", "grant": ["VIEW"]}]
    assert ws["marketing"]["permissions"] == [{"group": "marketing", "grant": ["VIEW"]}]
    # only the two edited entries' lines change; the comments and the roles stay
    lines = changed(repo)
    assert all("hierarchyPermissions" not in ln and "#" not in ln.split("{")[0] for ln in lines), lines
    assert "roles:\n  viewer: [VIEW]\n" in path.read_text()
    # the same load again changes nothing
    commit_all(repo)
    again = run(repo, "load", str(records), "--kind", "permissions", "--mode", "full")
    assert "0 to add, 0 to change, 0 to remove" in again.output
    assert diff(repo) == ""
    assert run(repo, "validate").exit_code == 0


def test_bad_permission_records_list_every_row_as_file_row_column(repo: Path) -> None:  # noqa: F811
    path = with_workspaces(repo)
    before = path.read_text()
    csv = repo / "perms.csv"
    csv.write_text(
        TOOLS
        + ",sales,sales,READ,true\n"  # line 2: unknown permission (column 4)
        + "amelia.scott,sales,sales,VIEW,true\n"  # line 3: both user and group
        + ",,sales,VIEW,true\n"  # line 4: neither
        + ",sales,bad workspace,VIEW,true\n"  # line 5: bad workspace id (column 3)
        + ",sales,sales,VIEW\n"  # line 6: a column short
    )
    result = run(repo, "load", str(csv), "--kind", "permissions", "--mode", "incremental")
    assert result.exit_code != 0
    out = result.output
    assert f"{csv}:2:4" in out and "'READ' is not a workspace permission" in out
    assert f"{csv}:3:1" in out and "both user_id and ug_id" in out
    assert f"{csv}:4:1" in out and "neither user_id nor ug_id" in out
    assert f"{csv}:5:3" in out and "ws_id: 'bad workspace' is not a valid GoodData id" in out
    assert f"{csv}:6:1" in out and "has 4 columns" in out
    assert "5 bad records; nothing was changed" in out
    # the pipelines' spelling, and an assignee the state does not declare
    records = repo / "perms.json"
    records.write_text(
        '[{"permission": "VIEW", "workspace_id": "sales", "entity_id": "ghost", "entity_type": "user"},'
        ' {"permission": "VIEW", "workspace_id": "sales", "entity_id": "x", "entity_type": "group"}]'
    )
    result = run(repo, "load", str(records), "--kind", "permissions", "--mode", "full")
    assert result.exit_code != 0
    assert (
        f"{records}:2:0" in result.output and "entity_type: 'group' is not user or userGroup" in result.output
    )
    records.write_text(
        '[{"permission": "VIEW", "workspace_id": "sales", "entity_id": "ghost", "entity_type": "user"}]'
    )
    result = run(repo, "load", str(records), "--kind", "permissions", "--mode", "full")
    assert result.exit_code != 0
    assert f"{records}:1:0" in result.output and "user 'ghost' is not declared in the state" in result.output
    assert path.read_text() == before


def test_load_permissions_apply_goes_through_the_plan_and_keeps_the_hierarchy(
    emulator: Any, tmp_path: Path
) -> None:
    from reconcile_helpers import Repo

    live = Repo(tmp_path / "r", emulator, "").setup()
    live.token = DEFAULT_TOKEN
    emulator.add_workspace("sales", name="Sales")
    emulator.set_workspace_permissions(
        "sales",
        [{"name": "VIEW", "assignee": {"id": "adminGroup", "type": "userGroup"}}],
        [{"name": "MANAGE", "assignee": {"id": "admin", "type": "user"}}],
    )
    csv = tmp_path / "perms.csv"
    csv.write_text(TOOLS + "admin,,sales,ANALYZE,true\n")
    result = live.run(
        "load", str(csv), "--kind", "permissions", "--mode", "full", "--apply", "--auto-approve"
    )
    assert result.exit_code == 0, result.output
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in result.output
    doc = emulator.workspaces.get("sales")
    assert doc["permissions"] == [{"name": "ANALYZE", "assignee": {"id": "admin", "type": "user"}}]
    assert doc["hierarchyPermissions"] == [{"name": "MANAGE", "assignee": {"id": "admin", "type": "user"}}]
    assert live.backup_file.is_file()
    missing = tmp_path / "missing.csv"
    missing.write_text(TOOLS + "admin,,nowhere,VIEW,true\n")
    refused = live.run(
        "load", str(missing), "--kind", "permissions", "--mode", "full", "--apply", "--auto-approve"
    )
    assert refused.exit_code != 0
    assert f"{missing}:2:3" in refused.output and "workspace 'nowhere' does not exist" in refused.output


def test_new_workspaces_go_into_the_named_file_and_a_dry_run_writes_nothing(repo: Path) -> None:  # noqa: F811
    with_workspaces(repo)
    csv = repo / "perms.csv"
    csv.write_text(
        "permission;workspace_id;entity_id;entity_type;is_active\nVIEW;support;finance;userGroup;true\n"
    )
    args = ("load", str(csv), "--kind", "permissions", "--mode", "incremental", "-d", ";")
    dry = run(repo, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+  - id: support" in dry.output and diff(repo) == ""
    into = repo / "state" / "access" / "support.yaml"
    result = run(repo, *args, "--into", str(into))
    assert result.exit_code == 0, result.output
    assert workspaces(into) == {
        "support": {"id": "support", "permissions": [{"group": "finance", "grant": ["VIEW"]}]}
    }
    assert run(repo, "validate").exit_code == 0
