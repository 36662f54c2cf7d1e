"""`reconciler review`'s access column (issue 15 §2): the effective workspace and organization access each
membership gives, from reconciler/access — through nested groups, down the workspace hierarchy, with what
each permission includes — read from the state files of the reviewed commit (grants past `expires` on the
review's day give none)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from reconciler.access_review import access_of
from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.review_access import model_of
from reconciler.source import load_state

CONFIG = "state: state\ndefault_target: local\ntargets: {local: {}}\n"
STATE = """\
groups:
  - id: everyone
  - id: analysts
    parents: [everyone]
  - id: leads
    parents: [analysts]
  - id: auditors
users:
  - id: ann
    userGroups: [leads]
  - id: bob
    userGroups: [everyone, auditors]
workspaces:
  - id: sales
    permissions:
      - {group: analysts, grant: [ANALYZE]}
    hierarchyPermissions:
      - {group: everyone, grant: [VIEW]}
  - id: finance
    permissions:
      - {group: auditors, grant: [EXPORT], expires: 2026-06-30}
      - {user: ann, grant: [VIEW]}
organization:
  permissions:
    - {group: leads, grant: [MANAGE]}
"""


def git(root: Path, *args: str, date: str = "2026-01-01T10:00:00+00:00") -> str:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True, env=env)
    return done.stdout


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "state").mkdir(parents=True)
    (root / "reconciler.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "state" / "org.yaml").write_text(STATE, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=A", "-c", "user.email=a@x", "add", "-A")
    git(root, "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-qm", "the state")
    return root


def test_access_of_follows_nested_groups_the_hierarchy_and_what_permissions_include(tmp_path: Path) -> None:
    config = load_config(cwd=repo(tmp_path))
    state = load_state(config)
    groups = {g: frozenset(e.fields.get("parents") or ()) for g, e in state.groups.items()}
    tree = {"sales": None, "sales-emea": "sales", "finance": None}
    of = access_of(model_of(state, groups, tree))
    # leads: its own organization MANAGE, and analysts' and everyone's grants through its parents
    assert of("leads") == (
        "every workspace:ANALYZE",
        "every workspace:EXPORT",
        "every workspace:EXPORT_PDF",
        "every workspace:EXPORT_TABULAR",
        "every workspace:MANAGE",
        "every workspace:VIEW",
        "organization:BASE_UI_ACCESS",
        "organization:MANAGE",
        "organization:SELF_CREATE_TOKEN",
        "workspace:sales-emea:VIEW (hierarchy of sales)",
        "workspace:sales:ANALYZE",
        "workspace:sales:VIEW",
        "workspace:sales:VIEW (hierarchy of sales)",
    )
    assert of("everyone") == (
        "workspace:sales-emea:VIEW (hierarchy of sales)",
        "workspace:sales:VIEW (hierarchy of sales)",
    )
    assert "workspace:finance:EXPORT_PDF" in of("auditors")  # EXPORT includes it
    assert of("nosuch") == ()


def review(root: Path, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(
        cli,
        ["--config", str(root / "reconciler.yaml"), "review", "--format", "json", *args],
        env={"RECONCILER_TODAY": "2026-03-01"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)["memberships"]
    return rows


def test_the_review_lists_the_access_each_membership_gives(tmp_path: Path) -> None:
    root = repo(tmp_path)
    rows = {(r["user"], r["group"]): r for r in review(root)}
    ann = rows["ann", "leads"]
    assert ann["implies"] == ["analysts", "everyone"]
    assert "organization:MANAGE" in ann["access"] and "workspace:sales:ANALYZE" in ann["access"]
    assert "workspace:sales:VIEW (hierarchy of sales)" in ann["access"]  # offline: the tree is not known
    assert rows["bob", "everyone"]["access"] == ["workspace:sales:VIEW (hierarchy of sales)"]
    assert "workspace:finance:EXPORT" in rows["bob", "auditors"]["access"]
    # a grant to the user itself is a row of its own, with no group; bob has none
    assert rows["ann", None]["access"] == ["workspace:finance:VIEW"] and rows["ann", None]["implies"] == []
    assert ("bob", None) not in rows


def test_a_grant_past_its_expires_gives_no_access_on_the_review_day(tmp_path: Path) -> None:
    root = repo(tmp_path)
    later = {(r["user"], r["group"]): r for r in review(root, "--as-of", "2026-07-01")}
    assert later["bob", "auditors"]["access"] == []


def test_the_review_reads_the_grants_of_the_reviewed_commit(tmp_path: Path) -> None:
    root = repo(tmp_path)
    text = STATE.replace("{group: analysts, grant: [ANALYZE]}", "{group: analysts, grant: [MANAGE]}")
    (root / "state" / "org.yaml").write_text(text, encoding="utf-8")
    git(
        root,
        "-c",
        "user.name=B",
        "-c",
        "user.email=b@x",
        "commit",
        "-qam",
        "more",
        date="2026-02-01T10:00:00+00:00",
    )
    (root / "state" / "org.yaml").write_text("users: []\n", encoding="utf-8")  # uncommitted: not reviewed
    now = {(r["user"], r["group"]): r for r in review(root)}
    assert "workspace:sales:MANAGE" in now["ann", "leads"]["access"]
    before = {(r["user"], r["group"]): r for r in review(root, "--as-of", "2026-01-15")}
    access = before["ann", "leads"]["access"]
    assert "workspace:sales:ANALYZE" in access and "workspace:sales:MANAGE" not in access


def test_the_markdown_review_has_an_access_column_once_the_state_declares_grants(tmp_path: Path) -> None:
    root = repo(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["--config", str(root / "reconciler.yaml"), "review", "--format", "markdown"],
        env={"RECONCILER_TODAY": "2026-03-01"},
        catch_exceptions=False,
    )
    lines = result.stdout.splitlines()
    assert lines[2] == "| User | Group | Since | Commit | PR | Author | Implies | Access |"
    ann = next(line for line in lines if line.startswith("| ann | (the user itself) |"))
    assert ann.endswith("| workspace:finance:VIEW |")
    csv_out = CliRunner().invoke(
        cli, ["--config", str(root / "reconciler.yaml"), "review"], env={"RECONCILER_TODAY": "2026-03-01"}
    )
    assert "workspace:sales:VIEW (hierarchy of sales)" in csv_out.stdout
