"""`reconciler load`: an HR export becomes minimal edits of the state files, for review (issue 13)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.emulator import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parent.parent
HEADER = "user_id,firstname,lastname,email,auth_id,user_groups,is_active\n"


def commit_all(root: Path) -> None:
    """`root` becomes a git repository with everything in it committed."""
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.email=a@x", "-c", "user.name=A", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the example repository (its commented state files), in git."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(ROOT / "state", root / "state", ignore=shutil.ignore_patterns("backups"))
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copy(ROOT / "reconciler.yaml", root / "reconciler.yaml")
    commit_all(root)
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(root / "reconciler.yaml"), *args], catch_exceptions=False)


def diff(root: Path) -> str:
    return subprocess.run(
        ["git", "diff", "-U0", "--no-color"], cwd=root, capture_output=True, text=True
    ).stdout


def changed(root: Path) -> list[str]:
    return [
        line for line in diff(root).splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def state_users(root: Path) -> dict[str, dict[str, object]]:
    out = {}
    for path in (root / "state").rglob("*.yaml"):
        for u in (yaml.safe_load(path.read_text()) or {}).get("users", []):
            out[u["id"]] = u
    return out


def test_incremental_load_edits_adds_and_removes_only_those_entries(repo: Path) -> None:
    csv = repo / "hr.csv"
    csv.write_text(
        HEADER
        + "olivia.chen,Olivia,Chen-Li,olivia.chen@acme-analytics.com,oidc|a1f3c9e0d2b4,"
        + "engineering|adminGroup,true\n"
        + "new.hire,New,Hire,new.hire@acme-analytics.com,,engineering,true\n"
        + "marcus.weber,,,,,,false\n"
    )
    result = run(
        repo,
        "load",
        str(csv),
        "--kind",
        "users",
        "--mode",
        "incremental",
        "--into",
        str(repo / "state/users/hr.yaml"),
    )
    assert result.exit_code == 0, result.output
    assert "Load complete: 1 to add, 1 to change, 1 to remove." in result.output
    assert changed(repo) == [
        "-    lastname: Chen",
        "+    lastname: Chen-Li",
        "-  - id: marcus.weber",
        "-    email: marcus.weber@acme-analytics.com",
        "-    firstname: Marcus",
        "-    lastname: Weber",
        '-    authId: "oidc|b27d41e8f6a0"',
        "-    userGroups: [engineering]",
    ]
    assert (repo / "state/users/hr.yaml").read_text() == (
        "users:\n  - id: new.hire\n    email: new.hire@acme-analytics.com\n    firstname: New\n"
        "    lastname: Hire\n    userGroups: [engineering]\n"
    )
    assert run(repo, "validate").exit_code == 0


def test_a_full_load_removes_what_the_export_omits_but_never_the_ignored_or_bootstrap(repo: Path) -> None:
    users = state_users(repo)
    keep = sorted(users)[:3]
    rows = "".join(
        f"{u},{users[u].get('firstname', '')},{users[u].get('lastname', '')},{users[u].get('email', '')},"
        f"{users[u].get('authId', '')},{'|'.join(users[u].get('userGroups', []))},true\n"  # type: ignore[arg-type]
        for u in keep
    )
    csv = repo / "all.csv"
    csv.write_text(HEADER + rows + "admin,,,,,,true\nsvc-ci,,,,,,true\n")
    result = run(repo, "load", str(csv), "--kind", "users", "--mode", "full")
    assert result.exit_code == 0, result.output
    assert sorted(state_users(repo)) == keep
    assert "admin is the bootstrap user: the load leaves it as it is" in result.output
    assert "svc-ci matches policy.ignore: the load leaves it as it is" in result.output
    assert f"0 to add, 0 to change, {len(users) - 3} to remove" in result.output


def test_unknown_groups_are_added_with_a_warning_or_refused(repo: Path) -> None:
    csv = repo / "u.csv"
    csv.write_text(HEADER + "a.b,A,B,a@b.c,,robotics|engineering,true\nc.d,C,D,c@d.e,,robotics,true\n")
    refused = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental", "--no-create-groups")
    assert refused.exit_code == 3
    assert f"{csv}:2:6: error: user_groups: group 'robotics' is not declared in the state" in refused.output
    assert f"{csv}:3:6: error: user_groups: group 'robotics' is not declared in the state" in refused.output
    assert diff(repo) == ""
    added = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental")
    assert added.exit_code == 0, added.output
    assert (
        f"warning: {csv}:2:1: group 'robotics' is not declared: the load adds it (a.b names it)"
        in added.output
    )
    assert "+  - id: robotics" in changed(repo)
    assert run(repo, "validate").exit_code == 0


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path) -> None:
    csv = repo / "u.csv"
    csv.write_text("user_id,firstname,is_active\nolivia.chen,Liv,true\n")  # only the columns it has are set
    result = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental", "--dry-run")
    assert result.exit_code == 0
    assert "\n-    firstname: Olivia\n+    firstname: Liv\n     lastname: Chen\n" in result.output
    assert "nothing written" in result.output and diff(repo) == ""


def test_bad_records_and_a_load_that_would_break_the_state_write_nothing(repo: Path) -> None:
    bad = repo / "bad.csv"
    bad.write_text(HEADER + "priya raman,,,,,,true\n")
    result = run(repo, "load", str(bad), "--kind", "users", "--mode", "incremental")
    assert (
        result.exit_code == 3
        and f"{bad}:2:1: error: user_id: 'priya raman' is not a valid GoodData id" in result.output
    )
    groups = repo / "groups.csv"
    groups.write_text("user_group_id,user_group_name,parent_user_groups\nemployees,All employees,\n")
    dangling = run(repo, "load", str(groups), "--kind", "groups", "--mode", "full")
    assert dangling.exit_code == 3
    assert "userGroups: names 'engineering', which the load deletes" in dangling.output
    assert diff(repo) == ""


def test_an_empty_value_leaves_the_field_unmanaged_and_an_empty_list_empties_it(repo: Path) -> None:
    csv = repo / "u.csv"
    csv.write_text(HEADER + "olivia.chen,Olivia,Chen,olivia.chen@acme-analytics.com,,,true\n")
    assert run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental").exit_code == 0
    assert changed(repo) == [
        '-    authId: "oidc|a1f3c9e0d2b4"',
        "-    userGroups: [engineering, adminGroup]     # an organization admin besides the bootstrap user",
        "+    userGroups: []                            # an organization admin besides the bootstrap user",
    ]


def test_a_group_load_edits_names_and_parents(repo: Path) -> None:
    groups = repo / "g.yaml"
    groups.write_text(
        "- {user_group_id: sales, user_group_name: Sales EMEA, parent_user_groups: [employees],"
        " is_active: true}\n"
        "- {user_group_id: robotics, user_group_name: Robotics, parent_user_groups: [engineering],"
        " is_active: true}\n"
    )
    result = run(repo, "load", str(groups), "--kind", "groups", "--mode", "incremental")
    assert result.exit_code == 0, result.output
    assert changed(repo) == [
        "-    name: Sales",
        "+    name: Sales EMEA",
        "+  - id: robotics",
        "+    name: Robotics",
        "+    parents: [engineering]",
    ]


def _generated_repo(root: Path, users: int, files: int) -> dict[str, dict[str, str]]:
    """`users` users over `files` commented state files, and the config of a local-target repository."""
    (root / "state" / "users").mkdir(parents=True)
    (root / "reconciler.yaml").write_text(
        "state: state\ndefault_target: local\ntargets:\n  local: {}\n"
        "policy:\n  max_deletions: {users: 1000, groups: 10, percent: 50}\n"
    )
    (root / "state" / "groups.yaml").write_text(
        "# teams\ngroups:\n"
        + "".join(f"  - id: team{g}  # team {g}\n    name: Team {g}\n" for g in range(10))
    )
    people: dict[str, dict[str, str]] = {}
    per_file = users // files
    for f in range(files):
        lines = [f"# file {f}: people of part {f}\nusers:\n"]
        for n in range(f * per_file, (f + 1) * per_file):
            uid = f"user{n:05d}"
            people[uid] = {"lastname": f"Last{n}", "email": f"{uid}@acme.com", "group": f"team{n % 10}"}
            lines.append(
                f"  # {uid} joined in week {n % 52}\n  - id: {uid}\n    email: {uid}@acme.com\n"
                f"    firstname: First{n}\n    lastname: Last{n}   # as on the badge\n"
                f"    userGroups: [team{n % 10}]\n"
            )
        (root / "state" / "users" / f"part{f}.yaml").write_text("".join(lines))
    commit_all(root)
    return people


def _plan_counts(root: Path) -> dict[str, int]:
    import json

    result = run(root, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["counts"])


@pytest.mark.slow
def test_a_1000_row_load_into_5000_users_touches_only_those_entries_and_plans_exactly_them(
    tmp_path: Path,
) -> None:
    root = tmp_path / "big"
    people = _generated_repo(root, 5000, 5)
    applied = run(root, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    comments_before = sorted(
        line for p in (root / "state").rglob("*.yaml") for line in p.read_text().splitlines() if "#" in line
    )
    ids = sorted(people)
    rows = [
        f"{u},First{u[4:].lstrip('0') or 0},Changed,{u}@acme.com,,{people[u]['group']},true"
        for u in ids[:300]
    ]
    rows += [f"{u},,,,,,false" for u in ids[300:500]]
    rows += [f"new{n:04d},New,Person,new{n}@acme.com,,team{n % 10},true" for n in range(500)]
    csv = root / "hr.csv"
    csv.write_text(HEADER + "\n".join(rows) + "\n")
    result = run(
        root,
        "load",
        str(csv),
        "--kind",
        "users",
        "--mode",
        "incremental",
        "--into",
        str(root / "state/users/hr.yaml"),
    )
    assert result.exit_code == 0, result.output
    lines = changed(root)
    # 300 lastnames edited (one line out, one in, the comment kept), 200 entries of 5 lines removed
    assert sum(1 for line in lines if line.startswith("-    lastname: ")) == 300 + 200
    assert (
        sum(1 for line in lines if re.fullmatch(r"\+    lastname: Changed +# as on the badge", line)) == 300
    )
    assert sum(1 for line in lines if line.startswith("-  - id: ")) == 200
    assert len(lines) == 300 * 2 + 200 * 5
    comments_after = sorted(
        line for p in (root / "state").rglob("*.yaml") for line in p.read_text().splitlines() if "#" in line
    )
    # every comment stays: the entries' own comment lines go with the 200 removed (their lastname lines)
    assert len(comments_after) == len(comments_before) - 200
    assert set(c for c in comments_before if c.startswith(("# ", "  # "))) <= set(comments_after)
    assert run(root, "validate").exit_code == 0
    counts = _plan_counts(root)
    assert counts == {"add": 500, "change": 300, "destroy": 200}


@pytest.mark.slow
def test_a_full_load_of_an_export_of_the_organization_plans_nothing(tmp_path: Path) -> None:
    root = tmp_path / "rt"
    people = _generated_repo(root, 1000, 4)
    assert run(root, "apply", "--auto-approve").exit_code == 0
    rows = [
        f"{u},First{int(u[4:])},{p['lastname']},{p['email']},,{p['group']},true"
        for u, p in sorted(people.items())
    ]
    csv = root / "export.csv"
    csv.write_text(
        "user_id,firstname,lastname,email,user_groups,is_active\n".replace(",is_active", "")
        + "\n".join(r.replace(",,", ",").rsplit(",", 1)[0] for r in rows)
        + "\n"
    )
    result = run(root, "load", str(csv), "--kind", "users", "--mode", "full")
    assert result.exit_code == 0, result.output
    assert "0 to add, 0 to change, 0 to remove" in result.output
    assert diff(root) == ""
    assert sum(_plan_counts(root).values()) == 0


def test_load_apply_writes_the_records_to_the_organization_not_the_state_files(
    emulator: Any, tmp_path: Path
) -> None:
    from reconcile_helpers import Repo

    repo = Repo(tmp_path / "r", emulator, "").setup()
    repo.token = emulator.token if hasattr(emulator, "token") else DEFAULT_TOKEN
    csv = tmp_path / "hr.csv"
    csv.write_text(HEADER + "jane.doe,Jane,Doe,jane@acme.com,,sales,true\n")
    result = repo.run(
        "load", str(csv), "--kind", "users", "--mode", "incremental", "--apply", "--auto-approve"
    )
    assert result.exit_code == 0, result.output
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in result.output
    assert "warning: group 'sales' does not exist: the load creates it (a record names it)" in result.output
    assert "Apply complete: 2 added" in result.output
    users = {u["id"]: u for u in emulator.document()["users"]}
    assert users["jane.doe"]["userGroups"] == [{"id": "sales", "type": "userGroup"}]
    assert repo.backup_file.is_file() and len(repo.backup_commits()) == 1
    assert "jane.doe" not in (repo.root / "state" / "users.yaml").read_text()
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "john.roe,John,Roe,john@acme.com,,sales,true\n")
    denied = repo.run("load", str(other), "--kind", "users", "--mode", "full", "--apply")
    assert denied.exit_code == 64  # it would delete jane.doe, and there is no terminal to confirm on
    assert "- destroy user jane.doe" in denied.output


def test_a_load_checked_in_memory_writes_what_validate_then_accepts(repo: Path) -> None:
    from reconciler.config import load_config
    from reconciler.editcheck import read_for_edit
    from reconciler.load import LoadOptions, plan_load
    from reconciler.records import read_records
    from reconciler.source import validate_state

    csv = repo / "u.csv"
    csv.write_text(HEADER + "olivia.chen,Olivia,Chen-Park,olivia.chen@acme-analytics.com,,employees,true\n")
    config = load_config(repo / "reconciler.yaml", cwd=repo)
    state, read = read_for_edit(config)
    records = read_records([csv], "users", "incremental")
    result = plan_load(config, state, records, LoadOptions(kind="users", mode="incremental"), read)
    assert result.checked and result.files
    for path, text in result.files.items():
        path.write_text(text, encoding="utf-8")
    assert validate_state(config).ok()
    assert state_users(repo)["olivia.chen"]["lastname"] == "Chen-Park"


def test_a_load_that_makes_a_cycle_is_refused_with_the_lines_and_writes_nothing(repo: Path) -> None:
    groups = repo / "groups.csv"
    groups.write_text(
        "user_group_id,user_group_name,parent_user_groups,is_active\n"
        "sales,Sales,finance,true\nfinance,Finance,sales,true\n"
    )
    result = run(repo, "load", str(groups), "--kind", "groups", "--mode", "incremental")
    assert result.exit_code == 3 and "cycle" in result.output and "state/groups.yaml:" in result.output
    assert diff(repo) == ""


def test_a_state_invalid_before_the_load_fails_as_validate_does_and_nothing_is_written(repo: Path) -> None:
    path = repo / "state" / "groups.yaml"
    path.write_text(
        path.read_text() + "  - id: loop-a\n    parents: [loop-b]\n  - id: loop-b\n    parents: [loop-a]\n"
    )
    commit_all(repo)
    csv = repo / "u.csv"
    csv.write_text(HEADER + "olivia.chen,Olivia,Chen-Park,olivia.chen@acme-analytics.com,,employees,true\n")
    result = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental")
    assert result.exit_code == 3 and "invalid state: " in result.output
    assert diff(repo) == ""
