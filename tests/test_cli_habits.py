"""Issue 10 §4: -q/-v/-vv, a declined prompt, reconciler.yaml found from a subdirectory, `validate FILE…`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_sandbox import Sandbox, dump, run_on_terminal


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = Sandbox(tmp_path / "repo").setup()
    monkeypatch.chdir(box.root)
    return box


# -- verbosity -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "traceback"),
    [
        (["plan", "--target", "nosuch"], False),
        (["plan", "--target", "nosuch", "-q"], False),
        (["plan", "--target", "nosuch", "-v"], False),
        (["-v", "plan", "--target", "nosuch"], False),
        (["plan", "--target", "nosuch", "-vv"], True),
        (["-v", "plan", "--target", "nosuch", "-v"], True),  # the counts add up
        (["--verbose", "--verbose", "validate", "--target", "nosuch"], True),
    ],
)
def test_a_traceback_only_at_vv(sandbox: Sandbox, args: list[str], traceback: bool) -> None:
    result = sandbox.run(*args)
    assert result.exit_code == 3
    assert "error: invalid config: unknown target 'nosuch'" in result.stderr  # -q keeps errors
    assert ("Traceback (most recent call last)" in result.stderr) is traceback


def test_verbose_levels_add_diagnostics(sandbox: Sandbox) -> None:
    default, v, vv = (sandbox.run("plan", *extra).stderr for extra in ([], ["-v"], ["-vv"]))
    assert "INFO" not in default and "DEBUG" not in default
    assert "INFO reconciler.engine: target local:" in v and "DEBUG" not in v
    assert "DEBUG" in vv


def test_quiet_apply_still_shows_the_summary_before_asking(sandbox: Sandbox) -> None:
    code, out, err = run_on_terminal(["apply", "-q"], sandbox.root, stdin_text="n\n")
    assert code == 6, err
    assert out == "Plan: 3 to add, 0 to change, 1 to destroy.\n"  # what is asked about, in one line
    assert "Apply these changes to local (embedded emulator)? [y/N]" in err


# -- a declined prompt ---------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["n\n", "\n", "\x04"], ids=["no", "enter", "ctrl-d"])
def test_declining_apply_is_cancelled_exit_6_and_writes_nothing(sandbox: Sandbox, answer: str) -> None:
    code, out, err = run_on_terminal(["apply"], sandbox.root, stdin_text=answer)
    assert code == 6, err
    assert "Plan: 3 to add" in out
    assert err.rstrip().endswith("Apply cancelled.")
    assert "error" not in err.lower() and "aborted" not in err
    assert sandbox.run("plan", "--detailed-exitcode").exit_code == 2  # still everything to do


def test_declining_restore_is_cancelled_too(sandbox: Sandbox) -> None:
    doc = sandbox.write_restore_file()
    code, _, err = run_on_terminal(["restore", "--file", str(doc)], sandbox.root, stdin_text="n\n")
    assert code == 6, err
    assert err.rstrip().endswith("Restore cancelled.")
    assert sandbox.run("plan", "--detailed-exitcode").exit_code == 2


# -- finding reconciler.yaml ---------------------------------------------------------------------------


def test_runs_from_a_subdirectory_with_paths_relative_to_the_config(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = sandbox.root / "state" / "deep" / "er"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = sandbox.run("validate", "-v")
    assert result.exit_code == 0, result.output
    assert f"config: {sandbox.root / 'reconciler.yaml'}" in result.stderr
    assert result.stdout.endswith("ok: 2 users, 1 group in 2 files (1 warning)\n")
    assert sandbox.run("plan", "-q").stdout == "Plan: 3 to add, 0 to change, 1 to destroy.\n"


def test_the_search_stops_at_the_repository_root_and_the_error_names_where_it_looked(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = sandbox.root.parent
    (sandbox.root / "reconciler.yaml").rename(outer / "reconciler.yaml")  # above the repository: not ours
    (sandbox.root / "state").rename(sandbox.root / "desired")  # nothing here says "a project" any more
    sub = sandbox.root / "docs"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = sandbox.run("validate")
    assert result.exit_code == 3
    assert (
        f"the state directory {sub / 'state'} does not exist, and there is no reconciler.yaml in {sub} or "
        f"{sandbox.root} (the search stops at the repository root): run reconciler inside the repository "
        "that holds reconciler.yaml, or give --config PATH"
    ) in result.stdout
    plan = sandbox.run("plan")
    assert plan.exit_code == 3 and f"no reconciler.yaml in {sub} or {sandbox.root}" in plan.stderr


def test_a_missing_state_directory_names_it_and_its_config(sandbox: Sandbox) -> None:
    dump(sandbox.root / "reconciler.yaml", {"state": "nowhere"})
    result = sandbox.run("validate")
    assert result.exit_code == 3
    assert (
        f"nowhere: error: the state directory {sandbox.root / 'nowhere'} does not exist (the state "
        f"directory of {sandbox.root / 'reconciler.yaml'})"
    ) in result.stdout


def test_a_missing_config_file_names_the_path_it_tried(sandbox: Sandbox) -> None:
    result = sandbox.run("validate", "--config", "conf/reconciler.yaml")
    assert result.exit_code == 3
    assert f"conf/reconciler.yaml: cannot read {sandbox.root / 'conf' / 'reconciler.yaml'}" in result.stderr


# -- validate FILE… ------------------------------------------------------------------------------------


def _break_users(sandbox: Sandbox) -> None:
    """users.yaml gets an error (an undeclared group) and keeps its warning; groups.yaml stays clean."""
    users = yaml.safe_load((sandbox.root / "state" / "users.yaml").read_text())
    users["users"][0]["userGroups"] = ["analysts", "nosuch"]
    dump(sandbox.root / "state" / "users.yaml", users)


def test_validate_files_reports_only_their_problems(sandbox: Sandbox) -> None:
    _break_users(sandbox)
    assert sandbox.run("validate").exit_code == 3
    clean = sandbox.run("validate", "state/groups.yaml")
    assert clean.exit_code == 0, clean.output
    assert "users.yaml" not in clean.stdout
    assert clean.stdout.startswith("ok: ")
    assert (
        "note: other state files have 1 error and 1 warning, not shown (`reconciler validate` without "
        "files lists them)"
    ) in clean.stderr
    broken = sandbox.run("validate", "state/users.yaml", "state/groups.yaml")
    assert broken.exit_code == 3
    assert "state/users.yaml:" in broken.stdout and "nosuch" in broken.stdout
    assert "note:" not in broken.stderr


def test_validate_files_uses_the_whole_state_for_the_cross_file_rules(sandbox: Sandbox) -> None:
    dump(sandbox.root / "state" / "groups.yaml", {"groups": []})  # analysts now undeclared
    only_users = sandbox.run("validate", "state/users.yaml")
    assert only_users.exit_code == 3
    assert "analysts" in only_users.stdout
    dump(sandbox.root / "state" / "groups.yaml", {"groups": [{"id": "analysts"}]})
    assert sandbox.run("validate", "state/users.yaml").exit_code == 0  # declared in the other file


def test_validate_files_from_a_subdirectory_json_and_quiet(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_users(sandbox)
    monkeypatch.chdir(sandbox.root / "state")
    result = sandbox.run("validate", "groups.yaml", "--format", "json")
    assert result.exit_code == 0
    assert '"valid": true' in result.stdout and '"problems": []' in result.stdout
    quiet = sandbox.run("validate", "users.yaml", "-q")
    assert quiet.exit_code == 3
    assert ": error: " in quiet.stdout and ": warning: " not in quiet.stdout  # the warning is left out
    assert quiet.stderr == ""


def test_validate_files_naming_the_config_reports_everything(sandbox: Sandbox) -> None:
    _break_users(sandbox)
    result = sandbox.run("validate", "reconciler.yaml", "state/groups.yaml")
    assert result.exit_code == 3  # the rules depend on reconciler.yaml: every problem is its problem
    assert result.stdout == sandbox.run("validate").stdout
    assert "note:" not in result.stderr


def test_validate_files_that_are_not_state_files(sandbox: Sandbox) -> None:
    (sandbox.root / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    result = sandbox.run("validate", "notes.yaml")
    assert result.exit_code == 0, result.output
    assert f"note: notes.yaml is not a state file (*.yaml, *.yml under {sandbox.root / 'state'})" in (
        result.stderr
    )
    missing = sandbox.run("validate", "state/gone.yaml")
    assert missing.exit_code == 64 and "does not exist" in missing.stderr
