"""The apply's freshness checks (issue 14): the plan's own read is the backup when nothing ran in between,
the layout's raw body is hashed before the PUT, and a changed document is still refused; the permissions
documents are read and written `--concurrency` at a time."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from reconcile_helpers import TOKEN_VAR, Repo, git, layout_user, seeded, user

from reconciler import freshness
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.client import GoodDataClient
from reconciler.config import load_config
from reconciler.emulator import Emulator
from reconciler.engine import Session, TargetChoice, load_desired, open_session
from reconciler.errors import StalePlanError
from reconciler.layout import canonical
from reconciler.lock import target_lock
from reconciler.resources import by_keys
from reconciler.resources.base import workspace_key
from reconciler.resources.reading import read_documents

TOKEN = "tok-fresh-4411"
LAYOUT = "/api/v1/layout/usersAndUserGroups"
BEFORE = seeded(layout_user("old", "adminGroup"))
GRANT = [{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "VIEW"}]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as e:
        e.replace_document(BEFORE)
        for ws in ("sales", "hr", "ops"):
            e.set_workspace_permissions(ws, GRANT)
        yield e


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    r = Repo(tmp_path / "org", emu, TOKEN).setup()
    r.write_state(groups=[], users=[user("jane", "adminGroup")])
    workspaces = [
        {"id": ws, "permissions": [{"group": "adminGroup", "grant": ["VIEW", "ANALYZE"]}]}
        for ws in ("sales", "hr", "ops")
    ]
    (r.root / "state" / "access.yaml").write_text(
        yaml.safe_dump({"workspaces": workspaces}), encoding="utf-8"
    )
    git(r.root, "add", "-A")
    git(r.root, "commit", "-qm", "state")
    return r


def gets(repo: Repo, path: str) -> int:
    return sum(1 for r in repo.emulator.request_log if r.method == "GET" and r.path == path)


def session_for(repo: Repo) -> Any:
    config = load_config(repo.root / "reconciler.yaml", cwd=repo.root)
    return open_session(config, TargetChoice(name="test", env={TOKEN_VAR: TOKEN}))


def plan_of(session: Session) -> Any:
    return session.plan_state(load_desired(session.config))


def test_the_apply_backs_up_what_its_plan_read_and_reads_once_more_before_the_put(repo: Repo) -> None:
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    # plan, the check right before the PUT, the verification: no second read before the backup
    assert gets(repo, LAYOUT) == 3
    assert gets(repo, "/api/v1/layout/workspaces/sales/permissions") == 3
    assert json.loads(repo.backup_file.read_text()) == canonical(BEFORE)
    backup = repo.backup_file.parent / "workspaces" / "sales.permissions.json"
    assert json.loads(backup.read_text())["permissions"] == GRANT


def test_a_saved_plan_is_checked_before_the_backup_is_written(repo: Repo) -> None:
    saved = repo.root / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    repo.emulator.replace_document(seeded(layout_user("bob", "adminGroup")))
    result = repo.run("apply", "--plan", str(saved))
    assert result.exit_code == 4, result.output
    assert "stale plan, noticed before the backup" in result.stderr
    assert not repo.backup_file.exists() and repo.backup_commits() == []
    assert repo.puts() == 0


def test_an_apply_that_waited_for_the_lock_reads_everything_again_before_the_backup(repo: Repo) -> None:
    with session_for(repo) as session:
        plan = plan_of(session)
        held = threading.Event()

        def other_apply() -> None:
            with target_lock(repo.root, "test"):
                held.set()
                repo.emulator.replace_document(seeded(layout_user("bob", "adminGroup")))
                threading.Event().wait(0.3)

        t = threading.Thread(target=other_apply)
        t.start()
        held.wait(5)
        with pytest.raises(StalePlanError, match="noticed before the backup"):
            apply_plan(session, plan, ApplyOptions(lock_wait=10))
        t.join(5)
    assert not repo.backup_file.exists()
    assert repo.puts() == 0


def test_a_permissions_document_changed_after_the_plan_is_refused_before_the_put(repo: Repo) -> None:
    with session_for(repo) as session:
        plan = plan_of(session)
        # the layout's body stays the same bytes: only the workspace document tells
        repo.emulator.set_workspace_permissions("hr", [])
        with pytest.raises(StalePlanError, match="noticed right before the PUT"):
            apply_plan(session, plan, ApplyOptions())
    assert repo.puts() == 0
    assert json.loads(repo.backup_file.read_text()) == canonical(BEFORE)  # the plan's read, still the backup


def test_the_same_body_is_not_parsed_and_another_body_is_compared_by_content(repo: Repo) -> None:
    with session_for(repo) as session:
        client = session.client
        doc, sha = client.read_layout()
        assert doc is not None
        assert client.read_layout(sha) == (None, sha)  # the same bytes: not parsed
        resources = by_keys([workspace_key("sales")], session.config)
        read = freshness.read_live(client, session.read_documents, resources)
        plan = type("P", (), {"live_digest": read.live_digest})()
        freshness.check_again(client, session.read_documents, resources, plan, read, "now")  # type: ignore[arg-type]
        # A body the server serialized differently (another hash) holding the same document is still fresh.
        read.users_sha256 = "0" * 64
        freshness.check_again(client, session.read_documents, resources, plan, read, "now")  # type: ignore[arg-type]
        repo.emulator.replace_document(seeded(layout_user("bob", "adminGroup")))
        with pytest.raises(StalePlanError, match="noticed now"):
            freshness.check_again(client, session.read_documents, resources, plan, read, "now")  # type: ignore[arg-type]


def test_documents_are_read_at_most_concurrency_at_a_time(repo: Repo) -> None:
    for i in range(12):
        repo.emulator.set_workspace_permissions(f"w{i:02}", GRANT)
    made: list[GoodDataClient] = []

    def factory() -> GoodDataClient:
        c = GoodDataClient(repo.emulator.url, TOKEN, target_name="test")
        made.append(c)
        return c

    config = load_config(repo.root / "reconciler.yaml", cwd=repo.root)
    resources = by_keys([workspace_key(f"w{i:02}") for i in range(12)], config)
    with GoodDataClient(repo.emulator.url, TOKEN) as client:
        docs = read_documents(resources, client, factory, workers=3)
    assert sorted(docs) == sorted(r.key for r in resources)
    assert all(d["permissions"] == GRANT for d in docs.values())
    assert 1 <= len(made) <= 3


def test_concurrency_is_a_bounded_option(repo: Repo) -> None:
    result = repo.run("apply", "--auto-approve", "--concurrency", "1")
    assert result.exit_code == 0, result.output
    refused = repo.run("plan", "--concurrency", "0")
    assert refused.exit_code == 64 and "--concurrency" in refused.output  # a usage error
