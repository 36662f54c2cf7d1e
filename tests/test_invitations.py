"""`invite: true` and `status: disabled` (issue 12, the older platform's invitations and DISABLED users)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reconcile_helpers import Repo, layout_user, seeded, user

from reconciler.emulator import DEFAULT_TOKEN, Emulator, Fault

GROUPS = [{"id": "sales", "name": "Sales"}]


@pytest.fixture
def repo(tmp_path: Path, emulator: Emulator) -> Repo:
    return Repo.with_state(tmp_path / "org", emulator, DEFAULT_TOKEN)


def invited(emu: Emulator) -> list[str]:
    return [m["userId"] for m in emu.outbox]


def test_a_new_user_with_invite_is_invited_once(repo: Repo) -> None:
    repo.write_state(groups=GROUPS, users=[user("jane", "sales", invite=True, firstname="Jane"), user("joe")])
    plan = repo.run("plan")
    assert "user jane will be e-mailed an invitation (jane@example.com)" in plan.stdout
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Invitations e-mailed to: jane" in applied.stderr
    (sent,) = repo.emulator.outbox
    assert (sent["userId"], sent["email"], sent["firstName"]) == ("jane", "jane@example.com", "Jane")
    # invite is the state's own field: the organization's user has no such attribute
    assert "invite" not in next(u for u in repo.emulator.document()["users"] if u["id"] == "jane")
    again = repo.run("apply", "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.stdout
    assert invited(repo.emulator) == ["jane"]  # re-running the apply sends none
    resent = repo.run("invite", "jane", "--resend")
    assert resent.exit_code == 0 and invited(repo.emulator) == ["jane", "jane"]
    assert repo.emulator.outbox[-1]["forceSend"] is True
    missing = repo.run("invite", "nobody")
    assert missing.exit_code == 3 and "user 'nobody' does not exist on the target" in missing.stderr


def test_a_server_without_the_invitation_endpoint_is_a_warning(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.status(404), method="POST", path="/api/v1/actions/invite")
    repo.write_state(groups=[], users=[user("jane", invite=True)])
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "warning: the server has no invitation endpoint (GoodData.CN has none): jane was not invited" in (
        applied.stderr
    )
    assert "jane" in {u["id"] for u in repo.emulator.document()["users"]} and not repo.emulator.outbox


def test_invite_needs_an_email(repo: Repo) -> None:
    repo.write_state(groups=[], users=[{"id": "jane", "invite": True}])
    result = repo.run("validate")
    assert result.exit_code == 3
    assert "user 'jane': invite needs an email (the invitation is e-mailed to it)" in result.stdout


def test_disable_removes_memberships_and_grants_and_keeps_the_user_enable_restores(repo: Repo) -> None:
    emu = repo.emulator
    emu.add_workspace("sales-ws", name="Sales")
    emu.add_workspace("other", name="Other")
    emu.set_workspace_permissions(  # a grant the state does not declare: disabling removes it too
        "other", permissions=[{"name": "VIEW", "assignee": {"id": "jane", "type": "user"}}]
    )
    workspaces = (
        "workspaces:\n  - id: sales-ws\n    permissions:\n      - {user: jane, grant: [ANALYZE]}\n"
        "      - {group: sales, grant: [VIEW]}\n"
    )
    repo.write_state(groups=GROUPS, users=[user("jane", "sales")])
    (repo.root / "state" / "workspaces.yaml").write_text(workspaces, encoding="utf-8")
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert ("user", "jane", "ANALYZE") in _grants(emu, "sales-ws")

    repo.write_state(groups=GROUPS, users=[user("jane", "sales", status="disabled")])
    (repo.root / "state" / "workspaces.yaml").write_text(workspaces, encoding="utf-8")
    plan = repo.run("plan")
    assert "user jane is disabled: it keeps its account but loses every group membership" in plan.stdout
    assert repo.run("apply", "--auto-approve").exit_code == 0
    jane = next(u for u in emu.document()["users"] if u["id"] == "jane")
    assert "userGroups" not in jane and jane["authId"] == "auth0|jane"  # kept, without memberships
    assert "status" not in jane
    assert not [g for g in _grants(emu, "sales-ws") if g[1] == "jane"]
    assert not [g for g in _grants(emu, "other") if g[1] == "jane"]  # undeclared grants go too
    assert ("userGroup", "sales", "VIEW") in _grants(emu, "sales-ws")  # others' grants stay
    assert "No changes" in repo.run("plan").stdout

    repo.write_state(groups=GROUPS, users=[user("jane", "sales")])  # enabled again
    (repo.root / "state" / "workspaces.yaml").write_text(workspaces, encoding="utf-8")
    assert repo.run("apply", "--auto-approve").exit_code == 0
    jane = next(u for u in emu.document()["users"] if u["id"] == "jane")
    assert jane["userGroups"] == [{"id": "sales", "type": "userGroup"}]
    assert ("user", "jane", "ANALYZE") in _grants(emu, "sales-ws")  # what the state declares comes back
    assert not [g for g in _grants(emu, "other") if g[1] == "jane"]  # what it never declared does not


def _grants(emu: Emulator, workspace: str) -> set[tuple[str, str, str]]:
    doc = emu.workspaces.get(workspace) or {}
    return {(p["assignee"]["type"], p["assignee"]["id"], p["name"]) for p in doc.get("permissions", [])}


def test_a_disabled_user_is_not_invited(repo: Repo) -> None:
    repo.emulator.replace_document(seeded(layout_user("old")))
    repo.write_state(groups=[], users=[user("new", invite=True, status="disabled")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert not repo.emulator.outbox


def test_cloud_invites_only_users_the_apply_creates(repo: Repo) -> None:
    """No invitation-only plan on GoodData Cloud: a live user is not invited, nor one `policy.ignore` keeps
    the apply from creating; the plan stays "No changes" and nothing is sent."""
    repo.emulator.replace_document(seeded(layout_user("old", authId="auth0|old", email="old@example.com")))
    repo.write_config(ignore={"users": ["skip*"]})
    repo.write_state(groups=[], users=[user("old", invite=True), user("skipped", invite=True)])
    plan = repo.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0 and "No changes" in plan.stdout, plan.output
    assert "e-mailed an invitation" not in plan.stdout
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0 and "Nothing to apply." in applied.stdout, applied.output
    assert not repo.emulator.outbox
