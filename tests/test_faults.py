"""apply under injected faults (issue 6): it ends with the desired organization, or a clear error, exit 1, the
organization equal to the committed backup. Each case is one row of the README's fault matrix."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from reconcile_helpers import Repo, layout_user, seeded, user

from reconciler import backup
from reconciler.emulator import Emulator, Fault
from reconciler.layout import canonical

TOKEN = "tok-faults-5521"
LAYOUT = "/api/v1/layout/usersAndUserGroups"
GROUPS = [{"id": "everyone", "name": "Everyone"}]
USERS = [user("jane", "everyone"), user("joe", "everyone")]
BEFORE = seeded(layout_user("old", "adminGroup"))
# Tiny waits so the suite stays fast; the bounds themselves are what is tested.
FAST = ("--retries", "6", "--retry-backoff", "0.01", "--retry-max-time", "5", "--timeout", "2")


def make_repo(tmp_path: Path, emu: Emulator) -> Repo:
    emu.replace_document(BEFORE)
    repo = Repo(tmp_path / "org", emu, TOKEN).setup()
    repo.write_state(groups=GROUPS, users=USERS)
    return repo


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as e:
        yield e


@pytest.fixture
def repo(tmp_path: Path, emu: Emulator) -> Repo:
    return make_repo(tmp_path, emu)


def desired_ids(doc: dict[str, Any]) -> list[str]:
    return sorted(u["id"] for u in doc["users"])


def apply(repo: Repo, *extra: str) -> Any:
    return repo.run("-v", "apply", "--auto-approve", *FAST, *extra)


def assert_applied(repo: Repo, result: Any) -> None:
    assert result.exit_code == 0, result.output
    assert desired_ids(repo.emulator.document()) == ["admin", "jane", "joe"]
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0
    assert len(repo.backup_commits()) == 1
    assert json.loads(repo.backup_file.read_text()) == canonical(BEFORE)


def assert_failed_with_backup(repo: Repo, result: Any, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert error, result.stderr
    for phrase in phrases:
        assert phrase in error[-1], error[-1]
    # The organization is the backup, and the backup is committed.
    assert canonical(repo.emulator.document()) == json.loads(repo.backup_file.read_text())
    assert canonical(repo.emulator.document()) == canonical(BEFORE)
    assert len(repo.backup_commits()) == 1


def assert_failed_before_writing(repo: Repo, result: Any, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    assert canonical(repo.emulator.document()) == canonical(BEFORE)
    assert repo.puts() == 0
    assert not repo.backup_file.exists()


def test_30_percent_503s_end_applied_and_the_retries_are_logged(tmp_path: Path) -> None:
    with Emulator(token=TOKEN, fail_rate=0.3, seed=20261123) as emu:
        repo = make_repo(tmp_path, emu)
        result = apply(repo, "--retries", "10")
        failed = [r for r in emu.request_log if r.status == 503]
        assert failed, "the seed must produce some 503s"
        assert "retrying in" in result.stderr and "503" in result.stderr
        emu.random_failures.rate = 0.0
        assert_applied(repo, result)


def test_429_with_retry_after_is_waited_out(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.status(429, retry_after=0.2), method="GET", path=LAYOUT, times=2)
    repo.emulator.faults.add(Fault.status(429, retry_after=0.2), method="PUT", times=1)
    result = apply(repo)
    assert "429" in result.stderr and "retrying in 0.2 s" in result.stderr
    assert_applied(repo, result)


def test_429_past_the_time_budget_on_put_fails_with_the_backup(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.status(429, retry_after=30), method="PUT", times=50)
    result = apply(repo, "--retry-max-time", "1")
    assert_failed_with_backup(repo, result, "429", "time budget is 1 s", "unchanged, equal to the backup")


def test_dropped_connections_on_get_are_retried(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.drop(), method="GET", path=LAYOUT, times=3)
    result = apply(repo)
    assert "connection dropped" in result.stderr
    assert_applied(repo, result)


def test_dropped_connections_on_put_are_retried(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.drop(), method="PUT", times=2)
    result = apply(repo)
    assert_applied(repo, result)
    assert repo.puts() == 3  # two dropped, one answered


def test_every_put_dropped_fails_with_the_backup(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.drop(), method="PUT", times=100)
    result = apply(repo, "--retries", "3")
    assert_failed_with_backup(
        repo, result, "connection dropped", "after 4 attempts", "unchanged, equal to the backup"
    )


def test_put_applied_but_answer_lost_is_retried_and_verified(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.drop_after_apply(), method="PUT", times=1)
    result = apply(repo)
    assert_applied(repo, result)


def test_put_applied_every_time_but_answers_lost_reads_back_and_succeeds(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.drop_after_apply(), method="PUT", times=100)
    result = apply(repo, "--retries", "2")
    assert "reads back as sent" in result.stderr
    assert_applied(repo, result)


def test_slow_get_past_the_read_timeout_is_retried(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.delay(1.0), method="GET", path=LAYOUT, times=1)
    result = apply(repo, "--timeout", "0.3")
    assert "read timed out" in result.stderr
    assert_applied(repo, result)


def test_slow_put_past_the_read_timeout_is_retried(repo: Repo) -> None:
    # The slow PUT lands late with the same body: the PUT is idempotent, so the end state is the same.
    repo.emulator.faults.add(Fault.delay(0.8), method="PUT", times=1)
    result = apply(repo, "--timeout", "0.3")
    assert "read timed out" in result.stderr
    assert_applied(repo, result)


def test_a_server_that_is_always_too_slow_fails_before_writing(repo: Repo) -> None:
    repo.emulator.faults.add(Fault.delay(0.6), method="GET", path=LAYOUT, times=100)
    result = apply(repo, "--timeout", "0.2", "--retries", "2")
    assert_failed_before_writing(repo, result, "read timed out", "after 3 attempts")


def test_server_down_from_the_start_fails_before_writing(repo: Repo) -> None:
    repo.emulator.stop()
    result = apply(repo, "--retries", "1")
    assert_failed_before_writing(repo, result, "connection refused")


def after_backup(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run `action` right after the backup commit, i.e. between the backup and the PUT."""
    real = backup.commit_backup

    def commit_then(path: Path, message: str, *args: Any, **kw: Any) -> str | None:
        rev = real(path, message, *args, **kw)
        action()
        return rev

    monkeypatch.setattr(backup, "commit_backup", commit_then)


def test_server_goes_away_between_backup_and_put(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    after_backup(monkeypatch, repo.emulator.stop)
    result = apply(repo, "--retries", "1")
    assert_failed_with_backup(repo, result, "connection refused", "nothing was written, the backup is")


def test_server_goes_away_during_the_put(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    def drop_everything_after_the_recheck() -> None:
        repo.emulator.faults.add(Fault.delay(0), method="GET", path=LAYOUT, times=1)  # the re-check passes
        repo.emulator.faults.add(Fault.drop(), times=1000)

    after_backup(monkeypatch, drop_everything_after_the_recheck)
    result = apply(repo, "--retries", "2")
    assert_failed_with_backup(repo, result, "connection dropped", "cannot be read either", "backup")
    assert repo.puts() == 3
