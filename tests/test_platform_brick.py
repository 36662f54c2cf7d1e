"""`reconciler load` reads the users brick's CSV columns (issue 16 §6): a team's brick input, unchanged,
becomes users and workspace permissions in the state files for review."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.permission_records import read_permission_records
from reconciler.records import RecordError, read_records

BRICK = (
    "Login,First_Name,Last_Name,Email,Role,User_Groups,Project_Id,Password,Company\n"
    'Jane.Doe@Acme.com,Jane,Doe,,editorRole,"Sales Team,Ops",sales,secret1,Acme\n'
    'jane.doe@acme.com,,,,admin,"Finance",finance,,\n'
    "joe@acme.com,Joe,Black,joe.black@mail.com,,,sales,,\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_brick_rows_become_one_user_per_login(tmp_path: Path) -> None:
    records = {r.id: r for r in read_records([write(tmp_path, BRICK)], "users", "full")}
    jane = records["jane.doe_at_acme.com"]
    assert dict(jane.fields) == {"email": "Jane.Doe@Acme.com", "firstname": "Jane", "lastname": "Doe"}
    assert jane.members == ("Sales_Team", "Ops", "Finance")  # the union of its rows, ids from the names
    assert jane.location.line == 2
    joe = records["joe_at_acme.com"]
    assert joe.fields["email"] == "joe.black@mail.com" and joe.members == ()  # an empty cell: no group


def test_brick_rows_become_each_users_role_on_its_project(tmp_path: Path) -> None:
    records = read_permission_records([write(tmp_path, BRICK)], "full")
    got = {(r.assignee, r.workspace): r.names for r in records}
    assert got == {
        ("jane.doe_at_acme.com", "sales"): ("ANALYZE", "EXPORT"),
        ("jane.doe_at_acme.com", "finance"): ("MANAGE",),  # `admin`: the identifier without `Role`
        ("joe_at_acme.com", "sales"): ("VIEW", "EXPORT"),  # no role: the brick's readOnlyUserRole
    }


def test_client_id_is_the_workspace_and_bad_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    text = "login,role,client_id\na@b.c,viewer,ws1\n,editorRole,ws1\nc@d.e,editor,\n"
    with pytest.raises(RecordError) as e:
        read_permission_records([write(tmp_path, text)], "full")
    problems = [str(p) for p in e.value.problems]
    assert problems[0].startswith(f"{tmp_path / 'users.csv'}:2:2: error: role: 'viewer' is not one of the")
    assert problems[1].startswith(f"{tmp_path / 'users.csv'}:3:1: error: login: missing")
    assert problems[2].startswith(f"{tmp_path / 'users.csv'}:4:3: error: client_id: missing")
    ok = read_permission_records([write(tmp_path, "login,role,client_id\na@b.c,dashboardOnly,ws1\n")], "full")
    assert [(r.workspace, r.names) for r in ok] == [("ws1", ("VIEW",))]


def test_an_unknown_column_of_a_brick_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="unknown column shoe_size; the users brick's columns are login"):
        read_records([write(tmp_path, "login,shoe_size\na@b.c,42\n")], "users", "full")


def test_load_writes_the_brick_csv_into_the_state_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "state").mkdir(parents=True)
    (root / "reconciler.yaml").write_text("state: state\n")
    (root / "state" / "groups.yaml").write_text(
        "groups:\n  - {id: Sales_Team}\n  - {id: Ops}\n  - {id: Finance}\n"
    )
    (root / "state" / "workspaces.yaml").write_text("workspaces:\n  - {id: sales, permissions: []}\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    csv = write(tmp_path, BRICK)

    def load(kind: str) -> None:
        result = CliRunner().invoke(
            cli,
            ["--config", str(root / "reconciler.yaml"), "load", str(csv), "--kind", kind, "--mode", "full"],
        )
        assert result.exit_code == 0, result.output

    load("users")
    users = {u["id"]: u for u in yaml.safe_load((root / "state" / "users.yaml").read_text())["users"]}
    assert users["jane.doe_at_acme.com"]["userGroups"] == ["Sales_Team", "Ops", "Finance"]
    load("permissions")
    workspaces = yaml.safe_load((root / "state" / "workspaces.yaml").read_text())["workspaces"]
    sales = next(w for w in workspaces if w["id"] == "sales")
    assert {"user": "joe_at_acme.com", "grant": ["VIEW", "EXPORT"]} in sales["permissions"]
