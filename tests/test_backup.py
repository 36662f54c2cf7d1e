"""Backups: the file form, atomic write, git commit of that file alone, listing, reading old revisions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reconciler import backup
from reconciler.errors import BackupError

DOC = {
    "users": [{"id": "b", "userGroups": [{"id": "g", "type": "userGroup"}]}, {"id": "a"}],
    "userGroups": [{"id": "g"}],
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "a@example.com")
    git(tmp_path, "config", "user.name", "A")
    return tmp_path


def test_backup_text_is_canonical_sorted_and_one_entity_per_line() -> None:
    text = backup.backup_text(DOC)
    data = json.loads(text)
    assert [u["id"] for u in data["users"]] == ["a", "b"]
    assert data["users"][0] == {"id": "a", "permissions": [], "settings": []}
    assert text == (
        "{\n"
        '  "userGroups": [\n'
        '    {"id": "g", "permissions": []}\n'
        "  ],\n"
        '  "users": [\n'
        '    {"id": "a", "permissions": [], "settings": []},\n'
        '    {"id": "b", "permissions": [], "settings": [], '
        '"userGroups": [{"id": "g", "type": "userGroup"}]}\n'
        "  ]\n"
        "}\n"
    )


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = backup.backup_path(tmp_path / "backups", "prod")
    backup.write_backup(path, DOC)
    backup.write_backup(path, {"users": [], "userGroups": []})
    assert json.loads(path.read_text()) == {"userGroups": [], "users": []}
    assert [p.name for p in path.parent.iterdir()] == ["usersAndUserGroups.json"]


def test_commit_only_the_backup_file(repo: Path) -> None:
    (repo / "other.txt").write_text("staged by the user\n")
    git(repo, "add", "other.txt")
    path = backup.backup_path(repo / "state" / "backups", "prod")
    backup.write_backup(path, DOC)
    rev = backup.commit_backup(path, "reconciler: backup of prod")
    assert rev is not None
    assert git(repo, "show", "--name-only", "--format=", rev).split() == [
        "state/backups/prod/usersAndUserGroups.json"
    ]
    assert "other.txt" in git(repo, "diff", "--cached", "--name-only")
    # Same content again: nothing to commit.
    backup.write_backup(path, DOC)
    assert backup.commit_backup(path, "again") is None


def test_commit_works_without_a_git_identity(repo: Path) -> None:
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "--unset", "user.name")
    path = backup.backup_path(repo / "b", "t")
    backup.write_backup(path, DOC)
    env_free = backup.commit_backup(path, "msg")
    assert env_free is not None


def test_list_and_read_revisions(repo: Path) -> None:
    path = backup.backup_path(repo / "state" / "backups", "prod")
    first = {"users": [{"id": "admin"}], "userGroups": []}
    second = {"users": [{"id": "admin"}, {"id": "x"}], "userGroups": []}
    backup.write_backup(path, first)
    rev1 = backup.commit_backup(path, "one")
    backup.write_backup(path, second)
    rev2 = backup.commit_backup(path, "two")
    entries = backup.list_backups(path)
    assert [(e.rev, e.message) for e in entries] == [(rev2, "two"), (rev1, "one")]
    assert backup.read_backup_rev(path, rev1)["users"] == [{"id": "admin", "permissions": [], "settings": []}]
    with pytest.raises(BackupError, match="no backup at revision"):
        backup.read_backup_rev(path, "0" * 40)


def test_outside_git_nothing_is_listed(tmp_path: Path) -> None:
    path = backup.backup_path(tmp_path, "prod")
    assert not backup.in_git_work_tree(path)
    assert backup.list_backups(path) == []


def test_a_file_that_is_not_a_layout_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"users": {}}')
    with pytest.raises(BackupError, match="not a usersAndUserGroups layout"):
        backup.read_backup_file(bad)
    bad.write_text("{oops")
    with pytest.raises(BackupError, match="is not a JSON layout document"):
        backup.read_backup_file(bad)


def test_many_documents_are_written_in_parallel_and_leave_no_temp_files(tmp_path: Path) -> None:
    directory = tmp_path / "backups" / "prod"
    docs = {f"workspaces/w{i:03}.permissions": {"permissions": [{"name": f"P{i}"}]} for i in range(40)}
    docs["organization.permissions"] = {"permissions": []}
    written, removed = backup.write_documents(directory, docs)
    assert removed == [] and len(written) == 41
    for key, doc in docs.items():
        assert json.loads((directory / f"{key}.json").read_text()) == doc
    assert sorted(p.name for p in (directory / "workspaces").iterdir()) == [
        f"w{i:03}.permissions.json" for i in range(40)
    ]
    # the next backup reads fewer documents: the others' files go
    written, removed = backup.write_documents(directory, {"workspaces/w000.permissions": {"permissions": []}})
    assert written == ["workspaces/w000.permissions.json"] and len(removed) == 40
