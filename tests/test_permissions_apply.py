"""Issue 12: workspace and organization permissions in the state, the plan, the apply, the backup, restore and
import, end to end through the CLI against the emulator over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from reconcile_helpers import Repo, git, user

from reconciler.emulator import Emulator, Fault
from reconciler.emulator.state import DEFAULT_TOKEN

WS_PATH = "/api/v1/layout/workspaces/demo/permissions"
ORG_PATH = "/api/v1/layout/organization/permissions"


def write_access(repo: Repo, data: dict[str, Any]) -> None:
    (repo.root / "state" / "access.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, baseline: Emulator) -> Repo:
    # The recorder normalized every authId to one value: give each user its own, or validation (rightly)
    # refuses the imported state's shared authId.
    doc = baseline.document()
    for u in doc["users"]:
        if u.get("authId"):
            u["authId"] = f"auth|{u['id']}"
    baseline.replace_document(doc)
    return Repo(tmp_path / "org", baseline, DEFAULT_TOKEN).setup()


def test_import_then_plan_is_empty_on_the_cassette_organization(repo: Repo) -> None:
    result = repo.run("import", "--force")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (repo.root / "state").glob("*.yaml"))
    assert files == ["groups.yaml", "organization.yaml", "users.yaml", "workspaces.yaml"]
    workspaces = yaml.safe_load((repo.root / "state" / "workspaces.yaml").read_text())["workspaces"]
    assert workspaces == [
        {
            "id": "demo",
            "permissions": [
                {"user": "demo2", "grant": ["ANALYZE"]},
                {"group": "demoGroup", "grant": ["VIEW"]},
            ],
            "hierarchyPermissions": [
                {"user": "demo2", "grant": ["MANAGE"]},
                {"group": "demoGroup", "grant": ["ANALYZE"]},
            ],
        }
    ]
    plan = repo.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.output


def test_import_then_plan_is_empty_for_2000_workspaces_in_three_levels(
    tmp_path: Path, emulator: Emulator
) -> None:
    emulator.replace_document(
        {
            "userGroups": [{"id": "adminGroup"}, {"id": "readers"}],
            "users": [{"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}],
        }
    )
    for r in range(20):
        emulator.add_workspace(f"r{r}", name=f"Root {r}")
        for c in range(10):
            emulator.add_workspace(f"r{r}c{c}", parent=f"r{r}")
            for g in range(9):
                wid = f"r{r}c{c}g{g}"
                emulator.add_workspace(wid, parent=f"r{r}c{c}")
                if g % 3 == 0:
                    view = [{"name": "VIEW", "assignee": {"id": "readers", "type": "userGroup"}}]
                    emulator.set_workspace_permissions(wid, view)
        emulator.set_workspace_permissions(
            f"r{r}", [], [{"name": "MANAGE", "assignee": {"id": "admin", "type": "user"}}]
        )
    repo = Repo(tmp_path / "org", emulator, DEFAULT_TOKEN).setup()
    assert repo.run("import", "--force").exit_code == 0
    workspaces = yaml.safe_load((repo.root / "state" / "workspaces.yaml").read_text())["workspaces"]
    assert len(workspaces) == 20 + 20 * 10 * 3
    plan = repo.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.output


def test_plan_and_apply_change_grants_and_verify_every_document(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    write_access(repo, {})
    (repo.root / "state" / "workspaces.yaml").write_text(
        yaml.safe_dump(
            {
                "roles": {"editor": ["ANALYZE", "EXPORT"]},
                "workspaces": [{"id": "demo", "permissions": [{"group": "demoGroup", "role": "editor"}]}],
            }
        )
    )
    saved = repo.root / "plan.json"
    plan = repo.run("plan", "--format", "json", "--out", str(saved))
    assert plan.exit_code == 0, plan.output
    assert '"kind": "workspace"' in plan.output
    data = json.loads(saved.read_text())
    changes = [c for c in data["changes"] if c["kind"] == "workspace"]
    assert changes == [
        {
            "op": "update",
            "kind": "workspace",
            "id": "demo",
            "fields": [
                {
                    "field": "permissions[user:demo2]",
                    "old": None,
                    "new": None,
                    "added": [],
                    "removed": ["ANALYZE"],
                },
                {
                    "field": "permissions[group:demoGroup]",
                    "old": None,
                    "new": None,
                    "added": ["ANALYZE", "EXPORT"],
                    "removed": ["VIEW"],
                },
            ],
        }
    ]
    assert data["revoked_grants"] == 2
    text = repo.run("plan").output
    assert (
        "~ update workspace demo" in text and "permissions[group:demoGroup]: +ANALYZE +EXPORT -VIEW" in text
    )
    markdown = repo.run("plan", "--format", "markdown").output
    assert "workspace demo" in markdown
    assert repo.run("apply", "--auto-approve").exit_code == 0
    perms = json.loads(_get(repo, WS_PATH))
    assert sorted((p["assignee"]["id"], p["name"]) for p in perms["permissions"]) == [
        ("demoGroup", "ANALYZE"),
        ("demoGroup", "EXPORT"),
    ]
    again = repo.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    backups = repo.root / "state" / "backups" / "test"
    assert (backups / "workspaces" / "demo.permissions.json").is_file()
    assert json.loads((backups / "workspaces" / "demo.permissions.json").read_text())["permissions"][0] == {
        "assignee": {"id": "demo2", "type": "user"},
        "name": "ANALYZE",
    }


def _get(repo: Repo, path: str) -> str:
    import requests

    resp = requests.get(
        repo.emulator.url + path, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10
    )
    resp.raise_for_status()
    return resp.text


def test_removing_the_bootstrap_groups_organization_manage_is_refused(repo: Repo) -> None:
    write_access(
        repo, {"organization": {"permissions": [{"group": "adminGroup", "grant": ["SELF_CREATE_TOKEN"]}]}}
    )
    assert repo.run("import", "--out", str(repo.root / "imported")).exit_code == 0  # users and groups as live
    for name in ("users.yaml", "groups.yaml"):
        (repo.root / "state" / name).write_text((repo.root / "imported" / name).read_text())
    puts = repo.puts()
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert "removes organization MANAGE from group adminGroup" in result.output
    assert repo.puts() == puts
    assert not repo.backup_file.exists()


def test_unknown_assignees_roles_and_permissions_are_reported_with_their_lines(repo: Repo) -> None:
    write_access(
        repo,
        {
            "workspaces": [
                {"id": "demo", "permissions": [{"group": "nobody", "grant": ["VIEW", "TELEPORT"]}]},
                {"id": "demo", "hierarchyPermissions": [{"user": "admin", "role": "ghost"}]},
            ]
        },
    )
    result = repo.run("validate")
    assert result.exit_code != 0
    out = result.output
    assert "state/access.yaml:4:" in out and "group 'nobody' is unknown" in out
    assert "'TELEPORT' is not a permission this version knows" in out
    assert "duplicate workspace id 'demo'" in out


def test_a_workspace_that_does_not_exist_is_a_clear_plan_time_error(repo: Repo) -> None:
    write_access(repo, {"workspaces": [{"id": "nowhere", "permissions": []}]})
    result = repo.run("plan")
    assert result.exit_code != 0
    assert "state/access.yaml:2:" in result.output and "workspace 'nowhere'" in result.output
    assert "do not exist on the target" in result.output


def test_failure_between_the_users_put_and_a_workspace_put_names_what_was_written_and_restores(
    repo: Repo,
) -> None:
    assert repo.run("import", "--force").exit_code == 0
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "imported")
    before_layout = _get(repo, "/api/v1/layout/usersAndUserGroups")
    before_ws = _get(repo, WS_PATH)
    users = yaml.safe_load((repo.root / "state" / "users.yaml").read_text())["users"]
    users.append(user("newbie", "demoGroup"))
    (repo.root / "state" / "users.yaml").write_text(yaml.safe_dump({"users": users}))
    ws = yaml.safe_load((repo.root / "state" / "workspaces.yaml").read_text())
    ws["workspaces"][0]["permissions"].append({"user": "newbie", "grant": ["VIEW"]})
    (repo.root / "state" / "workspaces.yaml").write_text(yaml.safe_dump(ws))
    repo.emulator.faults.add(Fault.status(500), method="PUT", path=WS_PATH)
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code != 0
    assert "written before the failure: the users and groups" in result.output
    assert "not written: the permissions of workspace demo" in result.output
    assert _get(repo, "/api/v1/layout/usersAndUserGroups") != before_layout
    shown = git(repo.root, "show", "--name-only", "--format=", "HEAD").split()
    assert "state/backups/test/usersAndUserGroups.json" in shown
    assert "state/backups/test/workspaces/demo.permissions.json" in shown
    assert "state/backups/test/organization.permissions.json" in shown  # imported: the state declares it
    restored = repo.run("restore", "--from", "HEAD", "--auto-approve")
    assert restored.exit_code == 0, restored.output
    assert json.loads(_get(repo, "/api/v1/layout/usersAndUserGroups")) == json.loads(before_layout)
    assert json.loads(_get(repo, WS_PATH)) == json.loads(before_ws)


def _drop_user(repo: Repo, uid: str) -> None:
    path = repo.root / "state" / "users.yaml"
    users = yaml.safe_load(path.read_text())["users"]
    path.write_text(yaml.safe_dump({"users": [u for u in users if u["id"] != uid]}))


def test_deleting_a_user_whose_grants_the_state_does_not_mention_warns_about_the_cascade(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    (repo.root / "state" / "workspaces.yaml").unlink()  # the state no longer mentions workspace demo
    _drop_user(repo, "demo2")
    plan = repo.run("plan")
    assert "deleting user demo2 also removes its permissions in workspace(s) demo" in plan.output
    assert repo.run("apply", "--auto-approve").exit_code == 0
    again = repo.run("plan", "--detailed-exitcode")  # apply's result is what the plan said
    assert again.exit_code == 0, again.output
    perms = json.loads(_get(repo, WS_PATH))
    assert "demo2" not in json.dumps(perms)


def test_grants_of_a_deleted_user_that_the_state_drops_are_revoked_before_the_user_is_deleted(
    repo: Repo,
) -> None:
    assert repo.run("import", "--force").exit_code == 0
    path = repo.root / "state" / "workspaces.yaml"
    ws = yaml.safe_load(path.read_text())
    for name in ("permissions", "hierarchyPermissions"):
        ws["workspaces"][0][name] = [g for g in ws["workspaces"][0][name] if g.get("user") != "demo2"]
    path.write_text(yaml.safe_dump(ws))
    _drop_user(repo, "demo2")
    repo.emulator.clear_request_log()
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    puts = [r.path for r in repo.emulator.request_log if r.method == "PUT"]
    assert puts == [WS_PATH, "/api/v1/layout/usersAndUserGroups"]
    # verification read every document written back after the last PUT
    after = [r.path for r in repo.emulator.request_log[-6:] if r.method == "GET"]
    assert WS_PATH in after and "/api/v1/layout/usersAndUserGroups" in after
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_new_assignees_are_created_before_their_grants_are_written(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    path = repo.root / "state" / "users.yaml"
    users = yaml.safe_load(path.read_text())["users"]
    path.write_text(yaml.safe_dump({"users": [*users, user("newbie")]}))
    org = {
        "organization": {
            "permissions": [
                {"group": "adminGroup", "grant": ["MANAGE"]},
                {"user": "newbie", "grant": ["SELF_CREATE_TOKEN"]},
            ]
        }
    }
    (repo.root / "state" / "organization.yaml").write_text(yaml.safe_dump(org))
    ws = yaml.safe_load((repo.root / "state" / "workspaces.yaml").read_text())
    ws["workspaces"][0]["permissions"].append({"user": "newbie", "grant": ["VIEW"]})
    (repo.root / "state" / "workspaces.yaml").write_text(yaml.safe_dump(ws))
    repo.emulator.clear_request_log()
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    puts = [r.path for r in repo.emulator.request_log if r.method == "PUT"]
    assert puts == ["/api/v1/layout/usersAndUserGroups", WS_PATH, ORG_PATH]
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_revoking_more_grants_than_max_deletions_grants_needs_allow_deletions(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    repo.write_config(max_deletions={"users": 10, "groups": 5, "percent": 90, "grants": 1})
    (repo.root / "state" / "workspaces.yaml").write_text(
        yaml.safe_dump({"workspaces": [{"id": "demo", "permissions": []}]})
    )
    refused = repo.run("apply", "--auto-approve")
    assert refused.exit_code == 4, refused.output
    assert "2 revoked grants (limit 1)" in refused.output and "--allow-deletions 2" in refused.output
    allowed = repo.run("apply", "--auto-approve", "--allow-deletions", "2")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(_get(repo, WS_PATH))["permissions"] == []


def test_a_saved_plan_with_permissions_applies_and_a_stale_one_is_refused(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    (repo.root / "state" / "workspaces.yaml").write_text(
        yaml.safe_dump(
            {"workspaces": [{"id": "demo", "permissions": [{"group": "demoGroup", "grant": ["VIEW"]}]}]}
        )
    )
    saved = repo.root / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    repo.emulator.set_workspace_permissions("demo", [], [])  # someone else changes the workspace
    stale = repo.run("apply", "--plan", str(saved))
    assert stale.exit_code != 0 and "stale plan" in stale.output
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    assert repo.run("apply", "--plan", str(saved)).exit_code == 0
    assert json.loads(_get(repo, WS_PATH))["permissions"] == [
        {"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "VIEW"}
    ]


def test_a_workspace_matched_by_policy_ignore_workspaces_is_left_untouched(repo: Repo) -> None:
    repo.write_config(ignore={"workspaces": ["demo*"]})
    write_access(repo, {"workspaces": [{"id": "demo", "permissions": []}]})
    plan = repo.run("plan", "--detailed-exitcode")
    assert "workspace demo is declared but matches policy.ignore.workspaces: left untouched" in plan.output
    assert "update workspace" not in plan.output


def test_malformed_grants_are_reported_in_words_at_their_lines(repo: Repo) -> None:
    write_access(
        repo,
        {
            "roles": {"viewer": ["VIEW"]},
            "workspaces": [
                {
                    "id": "demo",
                    "permissions": [
                        {"group": "demoGroup", "user": "admin", "grant": ["VIEW"]},
                        {"group": "demoGroup"},
                        {"user": "admin", "grant": ["VIEW", "VIEW"]},
                        {"user": "demo", "role": "viewer", "grant": ["EXPORT"]},
                    ],
                }
            ],
        },
    )
    out = repo.run("validate").output
    assert "state/access.yaml:7:" in out and "an entry names both group and user" in out
    assert "group 'demoGroup' is granted nothing" in out
    assert "user 'admin': VIEW is granted twice" in out
    assert "user 'demo' is unknown" in out  # the state declares no users: only the bootstrap user exists


def test_carried_over_grants_of_a_deleted_user_are_revoked_first_not_sent_after_it(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    path = repo.root / "state" / "workspaces.yaml"
    ws = yaml.safe_load(path.read_text())
    del ws["workspaces"][0]["permissions"]  # not managed: the live list is carried over
    ws["workspaces"][0]["hierarchyPermissions"] = [{"group": "demoGroup", "grant": ["ANALYZE"]}]
    path.write_text(yaml.safe_dump(ws))
    _drop_user(repo, "demo2")
    plan = repo.run("plan").output
    assert "permissions[user:demo2]: -ANALYZE" in plan and "hierarchyPermissions[user:demo2]: -MANAGE" in plan
    repo.emulator.clear_request_log()
    assert repo.run("apply", "--auto-approve").exit_code == 0
    puts = [r.path for r in repo.emulator.request_log if r.method == "PUT"]
    assert puts == [WS_PATH, "/api/v1/layout/usersAndUserGroups"]
    assert json.loads(_get(repo, WS_PATH))["permissions"] == [
        {"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "VIEW"}
    ]
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_verification_covers_the_permissions_documents_written(repo: Repo) -> None:
    # A saved plan whose workspace document holds a field the server drops: the PUT succeeds, the document
    # read back differs, and apply says so (exit 5) naming the workspace.
    from reconciler.plan_documents import desired_digest
    from reconciler.plan_model import fingerprint

    assert repo.run("import", "--force").exit_code == 0
    saved = repo.root / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    data = json.loads(saved.read_text())
    data["documents"]["workspaces/demo.permissions"]["futureField"] = "kept?"
    data["desired_digest"] = desired_digest(data["desired"], data["documents"])
    data["fingerprint"] = fingerprint(data["live_digest"], data["desired_digest"])
    data["changes"] = [{"op": "update", "kind": "workspace", "id": "demo", "fields": []}]
    saved.write_text(json.dumps(data))
    result = repo.run("apply", "--plan", str(saved))
    assert result.exit_code == 5, result.output
    assert "verification failed" in result.output and "workspace demo: futureField" in result.output
