"""The backup file format (issue 14): JSON with one entity per line, written by json's C encoder; `restore`
reads it and the former `indent=2` form alike."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from reconcile_helpers import Repo, git, user

from reconciler import backup
from reconciler.backup_format import entity_chunks, entity_lines
from reconciler.emulator import Emulator
from reconciler.emulator.state import DEFAULT_TOKEN
from reconciler.layout import canonical

WS_PATH = "/api/v1/layout/workspaces/demo/permissions"


def layout(n: int, *, renamed: str | None = None) -> dict[str, Any]:
    users = [
        {
            "id": f"u{i:03}",
            "email": f"u{i}@example.com",
            "firstname": "Zoë" if i == 3 else f"User {i}",
            "userGroups": [{"id": "g", "type": "userGroup"}],
        }
        for i in range(n)
    ]
    if renamed is not None:
        users[7]["firstname"] = renamed
    return canonical({"users": users, "userGroups": [{"id": "g", "name": "G"}]})


def test_the_text_is_the_document_with_one_entity_per_line() -> None:
    doc = layout(20)
    text = entity_lines(doc)
    assert json.loads(text) == doc
    lines = text.splitlines()
    assert len(lines) == 2 + 2 * 2 + 20 + 1  # braces, two lists' brackets, 20 users and 1 group
    assert '"firstname": "Zoë"' in text  # names stay readable, not \\u-escaped
    assert all(line.startswith('    {"') for line in lines if "u0" in line)


def test_a_large_document_is_written_in_pieces_that_make_the_same_text(tmp_path: Path) -> None:
    doc = layout(4500)  # more than two pieces of entities
    pieces = list(entity_chunks(doc))
    assert len(pieces) > 4 and max(len(p) for p in pieces) < len(entity_lines(doc)) / 2
    assert "".join(pieces) == entity_lines(doc)
    path = tmp_path / "usersAndUserGroups.json"
    backup.write_backup(path, doc)
    assert path.read_text(encoding="utf-8") == entity_lines(doc)
    assert (
        len(path.read_text(encoding="utf-8").splitlines()) == 4500 + 1 + 6
    )  # the entities, the braces and the brackets


def test_a_changed_user_is_one_changed_line_in_the_diff() -> None:
    before = entity_lines(layout(50)).splitlines()
    after = entity_lines(layout(50, renamed="Renamed")).splitlines()
    changed = [d for d in difflib.ndiff(before, after) if d[:1] in "+-"]
    assert len(changed) == 2 and all('"id": "u007"' in d for d in changed)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ([], "[]\n"),
        ({}, "{}\n"),
        ({"users": [], "userGroups": []}, '{\n  "userGroups": [],\n  "users": []\n}\n'),
        ([{"name": "MANAGE"}, {"name": "VIEW"}], '[\n  {"name": "MANAGE"},\n  {"name": "VIEW"}\n]\n'),
        ({"b": {"y": 1, "x": [1]}, "a": "s"}, '{\n  "a": "s",\n  "b": {"x": [1], "y": 1}\n}\n'),
    ],
    ids=["empty-array", "empty-object", "empty-lists", "bare-array", "scalars-and-objects"],
)
def test_small_shapes(data: Any, text: str) -> None:
    assert entity_lines(data) == text
    assert json.loads(text) == data


@pytest.fixture
def repo(tmp_path: Path, baseline: Emulator) -> Repo:
    doc = baseline.document()
    for u in doc["users"]:
        if u.get("authId"):
            u["authId"] = f"auth|{u['id']}"
    baseline.replace_document(doc)
    return Repo(tmp_path / "org", baseline, DEFAULT_TOKEN).setup()


def _live(repo: Repo) -> tuple[Any, Any]:
    resp = requests.get(
        repo.emulator.url + WS_PATH, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10
    )
    resp.raise_for_status()
    return canonical(repo.emulator.document()), resp.json()


def test_restore_reads_the_new_format_and_the_former_indent_2_format(repo: Repo) -> None:
    assert repo.run("import", "--force").exit_code == 0
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "imported")
    before = _live(repo)
    users = yaml.safe_load((repo.root / "state" / "users.yaml").read_text())["users"]
    (repo.root / "state" / "users.yaml").write_text(
        yaml.safe_dump({"users": [*users, user("newbie", "demoGroup")]})
    )
    ws = yaml.safe_load((repo.root / "state" / "workspaces.yaml").read_text())
    ws["workspaces"][0]["permissions"].append({"user": "newbie", "grant": ["VIEW"]})
    (repo.root / "state" / "workspaces.yaml").write_text(yaml.safe_dump(ws))
    assert repo.run("apply", "--auto-approve").exit_code == 0
    backups = repo.root / "state" / "backups" / "test"
    files = [backups / "usersAndUserGroups.json", backups / "workspaces" / "demo.permissions.json"]
    new_format = {f: f.read_text() for f in files}
    assert all('\n    {"' in text or '\n  {"' in text for text in new_format.values())  # one entity a line
    after = _live(repo)
    assert after != before

    # The new format, as this apply committed it.
    assert repo.run("restore", "--from", "HEAD", "--auto-approve").exit_code == 0
    assert _live(repo) == before

    # The same backup rewritten in the former format (json.dumps indent=2), committed, restored.
    assert repo.run("apply", "--auto-approve").exit_code == 0
    assert _live(repo) == after
    for f in files:  # this apply's backup (of `before` again), as committed
        f.write_text(
            json.dumps(json.loads(f.read_text()), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "the backup in the former format")
    assert json.loads(files[0].read_text()) == json.loads(new_format[files[0]])
    restored = repo.run("restore", "--from", "HEAD", "--auto-approve")
    assert restored.exit_code == 0, restored.output
    assert _live(repo) == before
