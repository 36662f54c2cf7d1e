"""The local sandbox rehearses everything, including restore (issue 10 §7).

Its backups live in `.reconciler/local/backups`, a git repository of its own: `backups` and `restore --from`
work there as on a real target, and nothing is ever committed to the user's clone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from reconcile_helpers import git, user

from reconciler.cli import cli

CONFIG = {
    "state": "state",
    "default_target": "local",
    "targets": {"local": {}},
    "policy": {"ignore": {"users": ["svc-*"]}, "max_deletions": {"users": 10, "groups": 5, "percent": 90}},
}
FIRST = {"groups": [{"id": "everyone", "name": "Everyone"}], "users": [user("jane", "everyone")]}
SECOND = {"groups": FIRST["groups"], "users": [*FIRST["users"], user("joe", "everyone")]}


class Clone:
    """A user's clone whose default target is the local sandbox; git has no identity outside the clone."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.home = root, home
        root.mkdir()
        home.mkdir()
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.email", "admin@example.com")
        git(root, "config", "user.name", "Admin")
        (root / ".gitignore").write_text(".reconciler/\n")
        (root / "reconciler.yaml").write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
        self.write_state(FIRST)
        git(root, "add", "-A")
        git(root, "commit", "-qm", "init")

    def write_state(self, state: dict[str, Any]) -> None:
        (self.root / "state").mkdir(exist_ok=True)
        for key in ("groups", "users"):
            text = yaml.safe_dump({key: state[key]}, sort_keys=False)
            (self.root / "state" / f"{key}.yaml").write_text(text, encoding="utf-8")

    def run(self, *args: str) -> Result:
        env = {
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": str(self.home / "no-gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GOODDATA_HOST": None,
            "GOODDATA_TOKEN": None,
            "NO_COLOR": "1",
        }
        return CliRunner().invoke(
            cli, ["--config", str(self.root / "reconciler.yaml"), *args], env=env, catch_exceptions=False
        )

    def commits(self) -> list[str]:
        return git(self.root, "log", "--format=%H").split()


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    return Clone(tmp_path / "clone", tmp_path / "home")


def live_ids(clone: Clone) -> tuple[list[str], list[str]]:
    """User and group ids of the local organization, from its data file (the emulator's layout document)."""
    doc = json.loads((clone.root / ".reconciler" / "local" / "org.json").read_text())
    return sorted(u["id"] for u in doc["users"]), sorted(g["id"] for g in doc["userGroups"])


def test_apply_twice_list_restore_and_plan_on_the_local_target(clone: Clone) -> None:
    commits_before = clone.commits()
    assert clone.run("apply", "--auto-approve").exit_code == 0  # backs up the seeded organization
    clone.write_state(SECOND)
    assert clone.run("apply", "--auto-approve").exit_code == 0  # backs up FIRST

    listed = clone.run("backups")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert len(lines) == 2, listed.output
    assert all(" reconciler: backup of local before apply " in line for line in lines)

    restored = clone.run("restore", "--from", "HEAD~1", "--auto-approve")
    assert restored.exit_code == 0, restored.output
    assert "Apply complete: 0 added, 0 changed, 3 destroyed." in restored.stdout
    assert "reconciler import --force" in restored.stderr
    assert "WARNING" not in restored.stderr  # its backups record their source: the embedded organization
    assert live_ids(clone) == (["admin", "svc-ci"], ["adminGroup"])  # the seeded organization, as it was

    # The state (SECOND) against the restored organization: everything the two applies added, again.
    planned = clone.run("plan", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in planned.stdout

    history = clone.run("backups").stdout.splitlines()
    assert len(history) == 3
    assert " reconciler: backup of local before restore of HEAD~1, plan " in history[0]
    sandbox = clone.root / ".reconciler" / "local" / "backups"
    authors = git(sandbox, "log", "--format=%an <%ae>").splitlines()
    assert authors == ["reconciler <reconciler@localhost>"] * 3  # git had no identity of its own here

    # Nothing was committed to the user's clone, and nothing in it changed but what the test wrote.
    assert clone.commits() == commits_before
    assert git(clone.root, "status", "--porcelain").splitlines() == [" M state/users.yaml"]


def test_restore_before_any_backup_says_so_once(clone: Clone) -> None:
    result = clone.run("restore", "--from", "HEAD", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "the local organization has no backups yet" in result.stderr
    assert result.stderr.count("backup error") == 1


def test_a_bad_revision_is_named_once(clone: Clone) -> None:
    assert clone.run("apply", "--auto-approve").exit_code == 0
    result = clone.run("restore", "--from", "no-such-rev", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "backup error: no backup at revision 'no-such-rev'" in result.stderr
    assert result.stderr.count("backup error") == 1


def test_organization_permissions_are_backed_up_and_restored_on_the_local_target(clone: Clone) -> None:
    # issue 12: the sandbox's own history holds every document an apply read, and restore puts them back
    org = {"group": "adminGroup", "grant": ["MANAGE", "SELF_CREATE_TOKEN"]}
    jane = {"user": "jane", "grant": ["SELF_CREATE_TOKEN"]}
    access = clone.root / "state" / "organization.yaml"
    access.write_text(yaml.safe_dump({"organization": {"permissions": [org, jane]}}), encoding="utf-8")
    assert clone.run("apply", "--auto-approve").exit_code == 0
    access.write_text(yaml.safe_dump({"organization": {"permissions": [org]}}), encoding="utf-8")
    second = clone.run("apply", "--auto-approve")
    assert second.exit_code == 0, second.output
    backups = clone.root / ".reconciler" / "local" / "backups"
    shown = git(backups, "show", "--name-only", "--format=", "HEAD").split()
    assert "local/organization.permissions.json" in shown
    restored = clone.run("restore", "--from", "HEAD", "--auto-approve")
    assert restored.exit_code == 0, restored.output
    data = json.loads((clone.root / ".reconciler" / "local" / "org.json").read_text())
    assert "jane" in json.dumps(data.get("organizationPermissions"))
    assert len(clone.commits()) == 1  # nothing was committed to the user's clone
