"""The README quick start: two commands; the second is what CI runs, the first works on a fresh clone."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from reconcile_helpers import fresh_clone

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)


def test_ci_runs_the_readme_test_command() -> None:
    _, test_command = quick_start_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci


@pytest.mark.slow
def test_main_job_runs_on_a_fresh_clone(tmp_path: Path) -> None:
    main_job, _ = quick_start_commands()
    clone = fresh_clone(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOODDATA_", "VIRTUAL_ENV"))}
    proc = subprocess.run(
        ["bash", "-c", main_job],
        cwd=clone,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Apply complete:" in proc.stdout
    plan_shown, second_plan = proc.stdout.split("Apply complete:", 1)
    assert "to add" in plan_shown
    assert "No changes" in second_plan
    # The embedded organization keeps its data, and its uncommitted backup, in the git-ignored sandbox.
    assert (clone / ".reconciler" / "local" / "org.json").is_file()
    assert (clone / ".reconciler" / "local" / "backups" / "local" / "usersAndUserGroups.json").is_file()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_installs_are_pinned_by_the_constraints_file() -> None:
    """The test command installs exact versions; every dependency the project names is pinned there."""
    _, test_command = quick_start_commands()
    assert "-c constraints.txt" in test_command
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and re.fullmatch(r"[\w.+!-]+", version), f"not an exact pin: {line}"
            pins[name.lower().replace("_", "-")] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    named = _requirement_names(project["dependencies"] + project["optional-dependencies"]["test"])
    assert named - set(pins) == set()


def test_the_scheduled_job_tries_the_newest_releases() -> None:
    workflow = (ROOT / ".github" / "workflows" / "latest.yml").read_text(encoding="utf-8")
    assert "bash .ci/run --latest" in workflow
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    latest = ci.split('"--latest"', 1)[1].split("\nfi\n", 1)[0]
    assert "constraints.txt -e" not in latest and "--upgrade -e '.[test]'" in latest


def test_quick_start_claims_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the quick start's text says its output shows, in-process (the slow test runs the commands)."""
    from click.testing import CliRunner

    from reconciler.cli import cli

    text = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    clone = fresh_clone(tmp_path / "clone")
    monkeypatch.chdir(clone)
    env = {"GOODDATA_HOST": None, "GOODDATA_TOKEN": None, "NO_COLOR": "1"}

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    applied = run("apply", "--auto-approve", "--no-commit")
    summary = re.search(r"`(Plan: \d+ to add, \d+ to change, \d+ to destroy\.)`", " ".join(text.split()))
    assert summary and summary.group(1) in applied
    assert "joins the bootstrap group adminGroup" in applied and "organization MANAGE" in applied
    assert "No changes" in run("plan")
    # svc-ci is live, undeclared, and kept by policy.ignore: without the glob the plan deletes it.
    assert "svc-ci" in text and '`users: ["svc-*"]`' in text
    assert "svc-ci" in (clone / ".reconciler" / "local" / "org.json").read_text(encoding="utf-8")
    config = clone / "reconciler.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('users: ["svc-*"]', "users: []"), "utf-8")
    assert "- destroy user svc-ci" in text and "- destroy user svc-ci" in run("plan")
