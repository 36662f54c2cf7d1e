"""reconciler.editcheck: the state a load would write is checked in memory; a rule across files still refuses
an edit that breaks it, with the file and line (the load then takes the slow path, which words them)."""

from __future__ import annotations

from pathlib import Path

from reconciler.config import load_config
from reconciler.editcheck import read_for_edit
from reconciler.load import LoadOptions, plan_load
from reconciler.records import read_records
from tests.test_load import HEADER, diff, repo, run

__all__ = ["repo"]  # the fixture, shared with tests/test_load.py

# olivia.chen (state/users/engineering.yaml) given the authId of jane.doe (state/users/data-analytics.yaml:7)
JANES_AUTH_ID = "olivia.chen,Olivia,Chen,olivia.chen@acme-analytics.com,oidc|0a7c296d3ebf,,true\n"


def planned(root: Path, rows: str, mode: str = "incremental") -> bool:
    """Whether the in-memory check passed the load of `rows` (users)."""
    csv = root / "u.csv"
    csv.write_text(HEADER + rows)
    config = load_config(root / "reconciler.yaml", cwd=root)
    state, read = read_for_edit(config)
    options = LoadOptions(kind="users", mode=mode)  # type: ignore[arg-type]
    result = plan_load(config, state, read_records([csv], "users", options.mode), options, read)
    assert result.files
    return result.checked


def test_an_edit_in_place_is_checked_against_every_untouched_entry(repo: Path) -> None:
    assert planned(repo, "olivia.chen,Olivia,Chen,olivia.chen@acme-analytics.com,,,true\n")
    assert not planned(repo, JANES_AUTH_ID)  # only entries edited in place, and a rule across files broken


def test_an_edit_in_place_that_repeats_an_untouched_users_authid_is_refused_with_its_line(repo: Path) -> None:
    csv = repo / "u.csv"
    csv.write_text(HEADER + JANES_AUTH_ID)
    result = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental")
    assert result.exit_code == 3, result.output
    assert "state/users/engineering.yaml:" in result.output
    assert "is also the authId of user 'jane.doe' (state/users/data-analytics.yaml:7:5)" in result.output
    assert diff(repo) == ""


def test_deleting_a_user_that_a_workspace_grants_to_is_refused_with_the_grants_line(repo: Path) -> None:
    access = repo / "state" / "access.yaml"
    access.write_text(
        "workspaces:\n  - id: sales\n    permissions:\n      - {user: jane.doe, grant: [VIEW]}\n"
    )
    assert run(repo, "validate").exit_code == 0
    csv = repo / "u.csv"
    csv.write_text(HEADER + "jane.doe,,,,,,false\n")
    assert not planned(repo, "jane.doe,,,,,,false\n")
    result = run(repo, "load", str(csv), "--kind", "users", "--mode", "incremental")
    assert result.exit_code == 3, result.output
    assert "state/access.yaml:4:" in result.output and "jane.doe" in result.output
    assert "state/users/data-analytics.yaml" not in diff(repo)
