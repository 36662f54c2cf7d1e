"""Two applies to one target at once (issue 6): one wins; the other stops with exit 4 and never overwrites a
change it has not seen. The local lock serializes applies from one machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from reconcile_helpers import TOKEN_VAR, Repo, git, layout_user, seeded, user

from reconciler import backup
from reconciler.apply import ApplyOptions, apply_plan
from reconciler.config import load_config
from reconciler.emulator import Emulator, Fault
from reconciler.engine import TargetChoice, open_session
from reconciler.errors import GuardError, StalePlanError
from reconciler.layout import canonical
from reconciler.lock import LockedError, lock_path, target_lock

TOKEN = "tok-races-7310"
ROOT = Path(__file__).resolve().parents[1]
BEFORE = seeded(layout_user("old", "adminGroup"))
DOC_A = seeded(layout_user("alice", "adminGroup"))
DOC_B = seeded(layout_user("bob", "adminGroup"))


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as e:
        e.replace_document(BEFORE)
        yield e


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    return Repo(tmp_path / "org", emu, TOKEN).setup()


def ids(doc: dict[str, Any]) -> list[str]:
    return sorted(u["id"] for u in doc["users"])


# -- the lock ------------------------------------------------------------------------------------------


def test_a_held_lock_refuses_a_second_holder_and_names_the_pid(tmp_path: Path) -> None:
    with target_lock(tmp_path, "prod"):
        assert lock_path(tmp_path, "prod").read_text().strip() == str(os.getpid())
        busy = rf"another apply to prod is running \(pid {os.getpid()}\)"
        with pytest.raises(LockedError, match=busy), target_lock(tmp_path, "prod", wait=0.1):
            pass
        with target_lock(tmp_path, "dev", wait=0):  # another target is not blocked
            pass
    with target_lock(tmp_path, "prod", wait=0):  # released
        pass
    assert LockedError.exit_code == 4


HOLD = """
import sys, time
from pathlib import Path
from reconciler.lock import target_lock
with target_lock(Path(sys.argv[1]), "prod"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        pid = rf"\(pid {proc.pid}\)"
        with pytest.raises(LockedError, match=pid), target_lock(tmp_path, "prod", wait=0.1):
            pass
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    with target_lock(tmp_path, "prod", wait=1):
        pass


def test_apply_while_another_holds_the_lock_exits_4(repo: Repo) -> None:
    repo.write_state(groups=[], users=[user("jane", "adminGroup")])
    with target_lock(repo.root, "test"):
        result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert f"refused: another apply to test is running (pid {os.getpid()})" in result.stderr
    assert repo.puts() == 0
    assert repo.run("apply", "--auto-approve").exit_code == 0


# -- staleness right before the PUT ---------------------------------------------------------------------


def test_a_change_during_the_backup_commit_is_noticed_before_the_put(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write_state(groups=[], users=[user("jane", "adminGroup")])
    real = backup.commit_backup

    def commit_while_someone_writes(path: Path, message: str, *args: Any, **kw: Any) -> str | None:
        rev = real(path, message, *args, **kw)
        repo.emulator.replace_document(DOC_B)  # another writer slips in between the backup and the PUT
        return rev

    monkeypatch.setattr(backup, "commit_backup", commit_while_someone_writes)
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert "stale plan, noticed right before the PUT" in result.stderr
    assert repo.puts() == 0
    assert canonical(repo.emulator.document()) == canonical(DOC_B)  # the other change is not overwritten
    # The backup still is the live state that was compared with the plan.
    assert json.loads(repo.backup_file.read_text()) == canonical(BEFORE)


# -- two applies at once --------------------------------------------------------------------------------


def session_for(repo: Repo) -> Any:
    config = load_config(repo.root / "reconciler.yaml", cwd=repo.root)
    return open_session(config, TargetChoice(name="test", env={TOKEN_VAR: TOKEN}))


@pytest.mark.parametrize("lock_wait", [10.0, 0.05], ids=["waits-then-stale", "lock-busy"])
def test_two_threads_one_wins_the_other_is_refused(repo: Repo, lock_wait: float) -> None:
    repo.emulator.faults.add(Fault.delay(0.5), method="PUT", times=2)  # the winner holds the lock a while
    planned = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def run(name: str, doc: dict[str, Any]) -> None:
        with session_for(repo) as session:
            plan = session.plan_document(doc)
            planned.wait()  # both plans are made against the same live organization
            try:
                apply_plan(session, plan, ApplyOptions(lock_wait=lock_wait))
                outcomes[name] = "applied"
            except GuardError as e:
                outcomes[name] = e

    threads = [threading.Thread(target=run, args=a) for a in (("a", DOC_A), ("b", DOC_B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [n for n, o in outcomes.items() if o == "applied"]
    assert len(winners) == 1, outcomes
    (loser,) = {"a", "b"} - set(winners)
    error = outcomes[loser]
    if lock_wait > 1:
        assert isinstance(error, StalePlanError) and "changed since the plan" in str(error)
    else:
        assert isinstance(error, LockedError) and "another apply to test is running" in str(error)
    assert canonical(repo.emulator.document()) == canonical(DOC_A if winners == ["a"] else DOC_B)
    assert repo.puts() == 1


def cli_repo(repo: Repo, name: str, users: list[dict[str, Any]]) -> Path:
    """A second reconciler.yaml in the same root with its own state directory (so its own backups)."""
    config = yaml.safe_load((repo.root / "reconciler.yaml").read_text())
    config["state"] = f"state-{name}"
    path = repo.root / f"reconciler-{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    state = repo.root / f"state-{name}"
    state.mkdir()
    (state / "users.yaml").write_text(yaml.safe_dump({"users": users}), encoding="utf-8")
    return path


def test_two_cli_processes_never_overwrite_an_unseen_change(repo: Repo) -> None:
    configs = {
        "a": cli_repo(repo, "a", [user("alice", "adminGroup")]),
        "b": cli_repo(repo, "b", [user("bob", "adminGroup")]),
    }
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "two configs")
    # Slow layout GETs make both plans overlap; a slow PUT keeps the winner inside its lock for a while.
    layout = "/api/v1/layout/usersAndUserGroups"
    repo.emulator.faults.add(Fault.delay(0.8), method="GET", path=layout, times=2)
    repo.emulator.faults.add(Fault.delay(0.5), method="PUT", times=2)
    env = {**os.environ, TOKEN_VAR: TOKEN, "NO_COLOR": "1"}
    env.pop("GOODDATA_HOST", None)
    env.pop("GOODDATA_TOKEN", None)
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "reconciler", "--config", str(path), "apply", "--auto-approve"],
            cwd=repo.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, path in configs.items()
    }
    results = {name: (p.wait(60), p.communicate()[1]) for name, p in procs.items()}
    codes = sorted(code for code, _err in results.values())
    final = ids(repo.emulator.document())
    backups = {n: repo.root / f"state-{n}" / "backups" / "test" / "usersAndUserGroups.json" for n in configs}
    if codes == [0, 4]:
        (winner,) = [n for n, (code, _e) in results.items() if code == 0]
        (loser,) = set(configs) - {winner}
        assert "stale plan" in results[loser][1] or "another apply to test is running" in results[loser][1]
        assert final == ["admin", "alice" if winner == "a" else "bob"]
        assert json.loads(backups[winner].read_text()) == canonical(BEFORE)
    else:
        # Both applied: then the second one planned after the first had written, so its backup is the
        # first one's result (it saw that change before replacing it).
        assert codes == [0, 0], results
        first_backup = [n for n in configs if json.loads(backups[n].read_text()) == canonical(BEFORE)]
        assert len(first_backup) == 1, results
        (second,) = set(configs) - set(first_backup)
        assert ids(json.loads(backups[second].read_text())) == (
            ["admin", "alice"] if first_backup == ["a"] else ["admin", "bob"]
        )
