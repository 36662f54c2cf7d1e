"""Large organizations: problems in big files keep their exact lines; 100,000 users in 20 files validate."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.source import validate_state

USER_LINES = 7  # lines per generated user


def users_yaml(start: int, count: int, groups: int = 50) -> str:
    out = ["users:"]
    for i in range(start, start + count):
        out.append(
            f"  - id: user{i}\n    email: user{i}@acme.com\n    firstname: First{i}\n    lastname: Last{i}\n"
            f'    authId: "oidc|{i:08x}"\n    userGroups: [team{i % groups}, everyone]\n'
            "    systemAccount: false"
        )
    return "\n".join(out) + "\n"


def groups_yaml(groups: int = 50) -> str:
    return "groups:\n  - id: everyone\n" + "".join(
        f"  - id: team{i}\n    name: Team {i}\n    parents: [everyone]\n" for i in range(groups)
    )


def test_problems_in_a_file_of_10000_users_have_the_right_lines(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "groups.yaml").write_text(groups_yaml())
    lines = users_yaml(0, 10_000).split("\n")
    # user 7777 starts at line 2 + 7777 * 7; break its email and one of user 9001's group references
    email_line = 2 + 7777 * USER_LINES + 1
    assert lines[email_line - 1] == "    email: user7777@acme.com"
    lines[email_line - 1] = "    email: [user7777@acme.com]"
    groups_line = 2 + 9001 * USER_LINES + 5
    lines[groups_line - 1] = "    userGroups: [team1, everyone, tema1]"
    (tmp_path / "state" / "users.yaml").write_text("\n".join(lines))
    result = validate_state(load_config(cwd=tmp_path))
    assert [str(p) for p in result.problems] == [
        f"state/users.yaml:{email_line}:12: error: users[7777].email: ['user7777@acme.com'] is not of type "
        "'string', 'null'",
        f"state/users.yaml:{groups_line}:35: error: user 'user9001': userGroups names unknown group "
        "'tema1' (not declared, not the bootstrap group, not matched by policy.ignore.groups); "
        "did you mean 'team1'?",
    ]
    assert len(result.state.users) == 10_000


@pytest.mark.slow
def test_100000_users_in_20_files_validate(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "users").mkdir(parents=True)
    (state / "groups.yaml").write_text(groups_yaml(500))
    for f in range(20):
        (state / "users" / f"part{f:02d}.yaml").write_text(users_yaml(f * 5_000, 5_000, groups=500))
    started = time.perf_counter()
    result = validate_state(load_config(cwd=tmp_path))
    elapsed = time.perf_counter() - started
    print(f"\nvalidate: 100,000 users, 501 groups in 21 files: {elapsed:.1f} s")
    assert result.problems == ()
    assert (len(result.state.users), len(result.state.groups), len(result.state.files)) == (100_000, 501, 21)
    assert result.state.users["user99999"].location.path == "state/users/part19.yaml"
