"""The reconcile loop end to end through the CLI against the emulator over real HTTP (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reconcile_helpers import Repo, git, layout_user, seeded, user

from reconciler.emulator import Emulator, Fault
from reconciler.layout import canonical

TOKEN = "tok-Zq9-distinctive-8731"
GROUPS = [
    {"id": "everyone", "name": "Everyone"},
    {"id": "analysts", "name": "Analysts", "parents": ["everyone"]},
]
USERS = [user("jane", "analysts"), user("joe", "everyone")]


@pytest.fixture
def emu() -> Emulator:
    with Emulator(token=TOKEN) as e:
        yield e


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    return Repo(tmp_path / "org", emu, TOKEN).setup()


def test_plan_apply_then_no_changes(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    first = repo.run("plan", "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert "Plan: 4 to add, 0 to change, 0 to destroy." in first.stdout

    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 4 added, 0 changed, 0 destroyed." in applied.stdout
    ids = [u["id"] for u in repo.emulator.document()["users"]]
    assert ids == ["admin", "jane", "joe"]

    again = repo.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout


def test_same_state_twice_writes_one_backup(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    live_before = repo.emulator.document()
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert repo.run("apply", "--auto-approve").exit_code == 0
    commits = repo.backup_commits()
    assert len(commits) == 1
    assert repo.puts() == 1
    # The backup is the live document before the apply: canonical, sorted, one entity per line.
    text = repo.backup_file.read_text()
    assert json.loads(text) == canonical(live_before)
    entity_lines = [line for line in text.splitlines() if line.startswith("    {")]
    assert len(entity_lines) == len(live_before["users"]) + len(live_before["userGroups"])
    _rev, message = commits[0].split(" ", 1)
    plan = json.loads(repo.run("plan", "--format", "json").stdout)
    assert "test" in message and "4 to add" in message
    assert plan["target"] == "test"


def test_backup_commit_names_target_fingerprint_counts(repo: Repo, tmp_path: Path) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    out = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(out)).exit_code == 0
    fingerprint = json.loads(out.read_text())["fingerprint"]
    assert repo.run("apply", "--plan", str(out)).exit_code == 0
    (_rev_msg,) = repo.backup_commits()
    assert (
        "test" in _rev_msg
        and fingerprint[:12] in _rev_msg
        and "4 to add, 0 to change, 0 to destroy" in _rev_msg
    )


def test_field_ownership(repo: Repo) -> None:
    settings = [{"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}}]
    repo.emulator.replace_document(
        seeded(
            layout_user(
                "jane",
                "adminGroup",
                authId="auth0|jane",
                firstname="Jane",
                lastname="Doe",
                email="old@example.com",
                settings=settings,
                systemAccount=False,
                someNewField="kept",
            ),
        )
    )
    # The YAML manages only email and userGroups: everything else is carried over.
    repo.write_state(
        groups=[], users=[{"id": "jane", "email": "jane@example.com", "userGroups": ["adminGroup"]}]
    )
    assert repo.run("apply", "--auto-approve").exit_code == 0
    jane = next(u for u in repo.emulator.document()["users"] if u["id"] == "jane")
    assert jane["email"] == "jane@example.com"
    assert jane["authId"] == "auth0|jane"
    assert (jane["firstname"], jane["lastname"]) == ("Jane", "Doe")
    assert jane["settings"] == settings
    assert jane["systemAccount"] is False
    assert jane["someNewField"] == "kept"

    # null removes a field.
    repo.write_state(groups=[], users=[{"id": "jane", "firstname": None, "settings": None}])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    jane = next(u for u in repo.emulator.document()["users"] if u["id"] == "jane")
    assert "firstname" not in jane
    assert jane["settings"] == []
    assert jane["lastname"] == "Doe" and jane["someNewField"] == "kept"


def test_protected_principals_survive_a_state_that_omits_them(repo: Repo) -> None:
    owner_token = "tok-owner-5521"
    repo.emulator.replace_document(
        seeded(layout_user("ci-bot", "adminGroup"), layout_user("old", "adminGroup"))
    )
    repo.emulator.add_token(owner_token, "ci-bot")
    repo.write_state(groups=[], users=[])
    result = repo.run("apply", "--auto-approve", token=owner_token)
    assert result.exit_code == 0, result.output
    doc = repo.emulator.document()
    assert [u["id"] for u in doc["users"]] == ["admin", "ci-bot"]
    assert [g["id"] for g in doc["userGroups"]] == ["adminGroup"]


def test_deleting_a_protected_principal_is_refused(repo: Repo, tmp_path: Path) -> None:
    owner_token = "tok-owner-5521"
    repo.emulator.replace_document(seeded(layout_user("ci-bot", "adminGroup")))
    repo.emulator.add_token(owner_token, "ci-bot")
    without_owner = tmp_path / "old-backup.json"
    without_owner.write_text(json.dumps(seeded()))
    result = repo.run("restore", "--file", str(without_owner), "--auto-approve", token=owner_token)
    assert result.exit_code == 4, result.output
    assert "ci-bot" in result.stderr
    assert repo.puts() == 0


def test_max_deletions_guard(repo: Repo) -> None:
    extra = [layout_user(f"u{i:02}", "adminGroup") for i in range(12)]
    repo.emulator.replace_document(seeded(*extra))
    refused = repo.run("apply", "--auto-approve")
    assert refused.exit_code == 4, refused.output
    assert "12" in refused.stderr and "--allow-deletions" in refused.stderr
    wrong = repo.run("apply", "--auto-approve", "--allow-deletions", "11")
    assert wrong.exit_code == 4
    assert repo.puts() == 0
    exact = repo.run("apply", "--auto-approve", "--allow-deletions", "12")
    assert exact.exit_code == 0, exact.output
    assert [u["id"] for u in repo.emulator.document()["users"]] == ["admin"]


def test_stale_saved_plan_is_refused(repo: Repo, tmp_path: Path) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    out = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(out)).exit_code == 0
    repo.emulator.replace_document(seeded(layout_user("sneaky", "adminGroup")))
    result = repo.run("apply", "--plan", str(out))
    assert result.exit_code == 4, result.output
    assert "stale" in result.stderr
    assert repo.puts() == 0


def test_restore_from_a_backup_revision(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    state_a = repo.emulator.document()
    repo.write_state(groups=GROUPS, users=[user("jane", "everyone"), user("max", "analysts")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert repo.emulator.document() != state_a

    listed = repo.run("backups")
    assert listed.exit_code == 0
    rows = listed.stdout.splitlines()
    assert len(rows) == 2
    newest = rows[0].split()[0]  # the backup taken before the second apply = state A
    restored = repo.run("restore", "--from", newest, "--auto-approve")
    assert restored.exit_code == 0, restored.output
    assert repo.emulator.document() == state_a
    repo.write_state(groups=GROUPS, users=USERS)
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0
    assert len(repo.backup_commits()) == 3  # restore backed up the state it replaced


def test_verification_mismatch_exits_5(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    repo.emulator.faults.add(Fault.ignore_field("email"), method="PUT")
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 5, result.output
    assert "email" in result.stderr and "jane" in result.stderr


def test_rollback_on_mismatch_restores_the_backup(repo: Repo) -> None:
    before = repo.emulator.document()
    repo.write_state(groups=GROUPS, users=USERS)
    repo.emulator.faults.add(Fault.ignore_field("email"), method="PUT")
    result = repo.run("apply", "--auto-approve", "--rollback-on-mismatch")
    assert result.exit_code == 5
    assert repo.emulator.document() == before
    assert json.loads(repo.backup_file.read_text()) == canonical(before)


def test_recorded_organizations_round_trip(repo: Repo, recorded, tmp_path: Path) -> None:
    for name in (
        "GET_usersAndUserGroups_2026-03-11_09f2917b.json",
        "GET_usersAndUserGroups_2023-02-28_25a75f63.json",
    ):
        repo.emulator.replace_document(recorded(name))
        imported = repo.run("import", "--force")
        assert imported.exit_code == 0, imported.output
        plan = repo.run("plan", "--detailed-exitcode")
        assert plan.exit_code == 0, f"{name}: {plan.output}"
        # apply then plan is empty too, and nothing was written.
        assert repo.run("apply", "--auto-approve").exit_code == 0
        assert repo.puts() == 0


def test_import_refuses_a_non_empty_state_dir(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    result = repo.run("import")
    assert result.exit_code == 4
    assert "--force" in result.stderr


def test_exit_codes(repo: Repo, tmp_path: Path) -> None:
    assert repo.run("plan").exit_code == 0
    repo.write_state(groups=GROUPS, users=USERS)
    assert repo.run("plan", "--detailed-exitcode").exit_code == 2
    assert repo.run("--bogus-flag", "plan").exit_code == 64
    assert repo.run("apply", "--allow-deletions", "x").exit_code == 64

    (repo.root / "state" / "users.yaml").write_text("users:\n  - id: 'not valid'\n")
    assert repo.run("plan").exit_code == 3
    repo.write_state(groups=GROUPS, users=USERS)

    repo.emulator.faults.add(Fault.ignore_field("email"), method="PUT")
    assert repo.run("apply", "--auto-approve").exit_code == 5

    repo.emulator.replace_document(seeded(*[layout_user(f"u{i}", "adminGroup") for i in range(20)]))
    assert repo.run("apply", "--auto-approve").exit_code == 4

    repo.emulator.stop()
    down = repo.run("plan")
    assert down.exit_code == 1
    assert "error:" in down.stderr


def test_token_never_appears_anywhere(repo: Repo, tmp_path: Path) -> None:
    outputs = []
    repo.write_state(groups=GROUPS, users=USERS)
    plan_file = tmp_path / "plan.json"
    for args in (
        ("-v", "validate"),
        ("-vv", "plan", "--out", str(plan_file)),
        ("-v", "plan", "--format", "markdown"),
        ("-v", "apply", "--plan", str(plan_file)),
        ("-v", "backups"),
        ("-v", "render", "--live"),
    ):
        r = repo.run(*args)
        outputs += [r.stdout, r.stderr]
    bad = repo.run("-vv", "plan", token="wrong-token-0000")
    assert bad.exit_code == 1
    outputs += [bad.stdout, bad.stderr]
    outputs.append(plan_file.read_text())
    outputs.append(repo.backup_file.read_text())
    outputs.append(git(repo.root, "log", "-p", "--all"))
    for text in outputs:
        assert TOKEN not in text
        assert "wrong-token-0000" not in text


def test_render_offline_and_live(repo: Repo) -> None:
    repo.emulator.replace_document(
        seeded(layout_user("jane", "adminGroup", authId="auth0|live", lastname="Doe"))
    )
    repo.write_state(
        groups=[], users=[{"id": "jane", "email": "jane@example.com", "userGroups": ["adminGroup"]}]
    )
    offline = repo.run("render")
    assert offline.exit_code == 0, offline.output
    doc = json.loads(offline.stdout)
    jane = next(u for u in doc["users"] if u["id"] == "jane")
    assert jane == {
        "email": "jane@example.com",
        "id": "jane",
        "permissions": [],
        "settings": [],
        "userGroups": [{"id": "adminGroup", "type": "userGroup"}],
    }
    assert repo.puts() == 0 and not [r for r in repo.emulator.request_log if r.method == "GET"]

    live = json.loads(repo.run("render", "--live").stdout)
    jane = next(u for u in live["users"] if u["id"] == "jane")
    assert (jane["authId"], jane["lastname"], jane["email"]) == ("auth0|live", "Doe", "jane@example.com")


def test_import_split_writes_a_file_per_group_and_round_trips(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    result = repo.run("import", "--split", "--force")
    assert result.exit_code == 0, result.output
    written = sorted(
        p.relative_to(repo.root / "state").as_posix() for p in (repo.root / "state").rglob("*.yaml")
    )
    # the organization's permissions too (issue 12): the emulator grants adminGroup MANAGE
    assert written == [
        "groups.yaml",
        "organization.yaml",
        "users/adminGroup.yaml",
        "users/analysts.yaml",
        "users/everyone.yaml",
    ]
    assert "jane" in (repo.root / "state" / "users" / "analysts.yaml").read_text()
    first_line = (repo.root / "state" / "users" / "analysts.yaml").read_text().splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")
    assert repo.run("validate").exit_code == 0
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_apply_asks_without_auto_approve(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    result = repo.run("apply")  # standard input is not a terminal here
    assert result.exit_code == 64
    assert "--auto-approve" in result.stderr
    assert repo.puts() == 0


@pytest.mark.parametrize(("answer", "code", "puts"), [("y", 0, 1), ("n", 6, 0)])
def test_interactive_confirmation_on_a_terminal(repo: Repo, answer: str, code: int, puts: int) -> None:
    import os
    import pty
    import subprocess
    import sys

    repo.write_state(groups=GROUPS, users=USERS)
    primary, secondary = pty.openpty()
    try:
        os.write(primary, f"{answer}\n".encode())
        env = {**os.environ, "RECONCILER_TEST_TOKEN": TOKEN, "NO_COLOR": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", "--config", str(repo.root / "reconciler.yaml"), "apply"],
            stdin=secondary,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(primary)
        os.close(secondary)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert f"Apply these changes to test ({repo.emulator.url})? [y/N]" in proc.stderr
    assert proc.stdout.startswith(f"Target: test ({repo.emulator.url})\n")
    assert repo.puts() == puts


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_plan_format_names_the_target_and_its_host(repo: Repo, fmt: str) -> None:
    repo.write_state(groups=GROUPS, users=USERS)
    result = repo.run("plan", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        assert (data["target"], data["host"], data["embedded"]) == ("test", repo.emulator.url, False)
    else:
        assert f"\nTarget: test ({repo.emulator.url})\n" in "\n" + result.stdout
    local = repo.run("--target", "local", "plan", "--format", fmt)
    assert local.exit_code == 0, local.output
    if fmt == "json":
        data = json.loads(local.stdout)
        assert (data["target"], data["host"], data["embedded"]) == ("local", "", True)
    else:
        assert "Target: local (embedded emulator)\n" in local.stdout
        assert "127.0.0.1" not in local.stdout  # the embedded server's port means nothing to the user


def test_policy_ignore_wins_over_a_declaration(repo: Repo) -> None:
    repo.write_config(ignore={"users": ["svc-*"], "groups": []})
    repo.emulator.replace_document(seeded(layout_user("svc-ci", "adminGroup", firstname="CI")))
    declared = {"id": "svc-ci", "firstname": "Changed", "userGroups": ["adminGroup"]}
    repo.write_state(groups=[], users=[declared])
    result = repo.run("plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert "svc-ci" in result.stdout and "policy.ignore" in result.stdout
    assert repo.run("apply", "--auto-approve").exit_code == 0
    svc = next(u for u in repo.emulator.document()["users"] if u["id"] == "svc-ci")
    assert svc["firstname"] == "CI"


def test_deleting_a_holder_of_workspace_permissions_warns(repo: Repo) -> None:
    repo.emulator.replace_document(seeded(layout_user("bob", "adminGroup")))
    repo.emulator.set_workspace_permissions(
        "sales", permissions=[{"name": "ANALYZE", "assignee": {"id": "bob", "type": "user"}}]
    )
    repo.emulator.clear_request_log()
    result = repo.run("plan")
    assert result.exit_code == 0
    assert "- destroy user bob" in result.stdout
    warning = next(line for line in result.stdout.splitlines() if "bob" in line and "workspace" in line)
    assert "sales" in warning
    # the effective access the deletion takes away
    assert "bob loses MANAGE on every workspace (via adminGroup, organization MANAGE)" in result.stdout
    # Each workspace's permissions are read once per plan (the warning and the access lines share them) ...
    reads = [r for r in repo.emulator.request_log if r.path == "/api/v1/layout/workspaces/sales/permissions"]
    assert len(reads) == 1
    # ... and not at all for a plan without changes: the lookup costs one request per workspace.
    repo.write_state(groups=[], users=[user("bob", "adminGroup")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    repo.emulator.clear_request_log()
    assert "No changes" in repo.run("plan").stdout
    assert not [r for r in repo.emulator.request_log if "workspaces" in r.path]
