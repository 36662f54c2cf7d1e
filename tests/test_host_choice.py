"""Always the organization the user named (issue 10 §3): GOODDATA_HOST never redirects a target with a host.

Two emulators over real HTTP: `mine` is the host reconciler.yaml names for target `test`, `other` is the one
the environment points at (as GoodData's own SDK docs suggest exporting).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from reconcile_helpers import Repo, running, user

from reconciler.emulator import Emulator

MINE = "tok-mine-Hq2-5521"
OTHER = "tok-other-Zt8-9034"
USERS = [user("jane")]


@pytest.fixture
def mine() -> Iterator[Emulator]:
    yield from running(MINE)


@pytest.fixture
def other() -> Iterator[Emulator]:
    yield from running(OTHER)


@pytest.fixture
def repo(tmp_path: Path, mine: Emulator) -> Repo:
    return Repo.with_state(tmp_path / "org", mine, MINE, users=USERS)


def user_ids(emulator: Emulator) -> list[str]:
    return [u["id"] for u in emulator.document()["users"]]


def test_goodata_host_never_redirects_a_target_with_its_own_host(
    repo: Repo, mine: Emulator, other: Emulator
) -> None:
    env: dict[str, str | None] = {"GOODDATA_HOST": other.url, "GOODDATA_TOKEN": OTHER}
    result = repo.run("apply", "--auto-approve", env=env)
    assert result.exit_code == 0, result.output
    assert user_ids(mine) == ["admin", "jane"]
    assert user_ids(other) == ["admin"]
    assert not other.request_log  # not even read
    assert f"$GOODDATA_HOST ({other.url}) is ignored: target 'test' names its own host ({mine.url})" in (
        result.stderr
    )
    assert OTHER not in result.output and MINE not in result.output
    assert len(repo.backup_commits()) == 1
    again = repo.run("plan", "--detailed-exitcode", env=env)
    assert again.exit_code == 0, again.output


def test_a_goodata_token_for_another_host_is_never_sent_to_the_target(
    repo: Repo, mine: Emulator, other: Emulator
) -> None:
    config = yaml.safe_load((repo.root / "reconciler.yaml").read_text())
    del config["targets"]["test"]["token"]  # the target leaves its token open
    (repo.root / "reconciler.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")

    refused = repo.run("plan", env={"GOODDATA_HOST": other.url, "GOODDATA_TOKEN": OTHER})
    assert refused.exit_code == 3, refused.output
    assert mine.url in refused.stderr and other.url in refused.stderr
    assert "refusing to send it there" in refused.stderr
    assert OTHER not in refused.output
    assert not mine.request_log and not other.request_log

    # Without GOODDATA_HOST the environment's token fills in what the target leaves open.
    filled = repo.run("plan", "--detailed-exitcode", env={"GOODDATA_TOKEN": MINE})
    assert filled.exit_code == 2, filled.output
    assert not other.request_log


def test_a_flag_that_overrides_the_configured_host_is_stated(
    repo: Repo, mine: Emulator, other: Emulator
) -> None:
    result = repo.run(
        "apply",
        "--auto-approve",
        "--host",
        other.url,
        "--token-env",
        "OTHER_TOKEN",
        env={"OTHER_TOKEN": OTHER},
    )
    assert result.exit_code == 0, result.output
    assert f"--host overrides the host of target 'test': using {other.url}, not {mine.url}" in result.stderr
    assert user_ids(other) == ["admin", "jane"]
    assert user_ids(mine) == ["admin"]


def test_goodata_host_fills_in_a_target_without_a_host_and_says_so(
    repo: Repo, mine: Emulator, other: Emulator
) -> None:
    result = repo.run(
        "--target",
        "local",
        "plan",
        "--detailed-exitcode",
        env={"GOODDATA_HOST": other.url, "GOODDATA_TOKEN": OTHER},
    )
    assert result.exit_code == 2, result.output
    assert f"target 'local' names no host of its own: using $GOODDATA_HOST ({other.url})" in result.stderr
    assert other.request_log and not mine.request_log
