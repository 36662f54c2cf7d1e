"""Issue 10 §4, acceptance 4: every global option after every subcommand, and each takes effect there.

Each test puts the option *after* the subcommand (and its own arguments) and checks what the option does,
not only that it is accepted. The commands run on the embedded `local` target of a throwaway repository.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_sandbox import Sandbox, dump, run_on_terminal

from reconciler import __version__
from reconciler.cli import cli

# Every command that reads reconciler.yaml, with the arguments that make it do its work unattended.
COMMANDS: dict[str, list[str]] = {
    "validate": [],
    "render": [],
    "plan": [],
    "apply": ["--auto-approve"],
    "import": ["--out", "imported"],
    "backups": [],
    "restore": ["--file", "doc.json", "--auto-approve"],
    "load": ["records.csv", "--kind", "users", "--mode", "incremental", "--dry-run"],
    "expire": [],
    "history": ["jane"],
    "review": [],
    "adopt": ["--dry-run"],
    "access": [],
}
RESOLVE_THE_TARGET = [
    "plan",
    "apply",
    "import",
    "backups",
    "restore",
    "adopt",
    "access",
]  # validate and render stay offline
COLORED = ["plan", "apply", "restore"]  # the commands whose output has colors on a terminal
ESC = "\x1b["


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = Sandbox(tmp_path / "repo").setup()
    monkeypatch.chdir(box.root)
    box.write_restore_file()
    (box.root / "records.csv").write_text("user_id,email,is_active\njane,jane@example.org,true\n")
    return box


def prepare(sandbox: Sandbox, name: str) -> None:
    """Give `backups` something to list (one apply first), and `history` and `review` a commit."""
    if name == "backups":
        assert sandbox.run("apply", "--auto-approve").exit_code == 0
    if name in ("history", "review"):  # they read the commits of the state
        git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com"]
        subprocess.run([*git, "add", "state"], cwd=sandbox.root, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "state"], cwd=sandbox.root, check=True)


# Commands outside the matrix: the emulator reads no reconciler.yaml; init writes it (its --target names the
# target it creates, tests/test_init.py).
OUTSIDE = ["emulator", "init", "invite"]  # invite: tests/test_invitations.py


def test_the_matrix_covers_every_command() -> None:
    assert sorted(cli.commands) == sorted([*COMMANDS, *OUTSIDE])


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_help_lists_the_global_options(name: str) -> None:
    result = Sandbox(Path(".")).run(name, "--help")
    assert result.exit_code == 0
    own, _, shared = result.stdout.partition("Global options:")
    expected = ["-v, --verbose", "-q, --quiet", "--no-color", "--version"]
    if name != "emulator":  # reads no reconciler.yaml
        expected += ["--config PATH", "--target NAME"]
    for option in expected:
        assert option in shared, (name, option)
        assert option not in own, (name, option)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_version_after_the_command(name: str) -> None:
    result = Sandbox(Path(".")).run(name, "--version")
    assert result.exit_code == 0 and result.stdout == f"reconciler, version {__version__}\n"


@pytest.mark.parametrize("name", COMMANDS)
def test_config_after_the_command_reads_that_config(sandbox: Sandbox, name: str) -> None:
    result = sandbox.run(name, *COMMANDS[name], "--config", "other/reconciler.yaml")
    assert result.exit_code == 3, result.output
    assert "invalid config: other/reconciler.yaml:1:17: default_target: 'nowhere'" in result.stderr
    assert not (sandbox.root / ".reconciler").exists()  # nothing ran against the target
    assert not (sandbox.root / "imported").exists()


def test_config_after_the_command_is_used_when_valid(sandbox: Sandbox) -> None:
    (sandbox.root / "other" / "reconciler.yaml").write_text("state: ../state\n", encoding="utf-8")
    result = sandbox.run("validate", "--config", "other/reconciler.yaml")
    assert "outside the directory of the configuration" in result.stderr  # it read other/reconciler.yaml
    (sandbox.root / "other" / "reconciler.yaml").write_text("state: mine\n", encoding="utf-8")
    dump(sandbox.root / "other" / "mine" / "users.yaml", {"users": [{"id": "solo"}]})
    result = sandbox.run("validate", "--config", "other/reconciler.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 1 user, 0 groups in 1 file\n"  # its state, relative to its directory


@pytest.mark.parametrize("name", COMMANDS)
def test_an_unknown_target_after_the_command_is_a_config_error_naming_it(sandbox: Sandbox, name: str) -> None:
    result = sandbox.run(name, *COMMANDS[name], "--target", "nosuch")
    assert result.exit_code == 3, result.output
    assert "unknown target 'nosuch' (targets: local, remote)" in result.stderr
    assert str(sandbox.root / "reconciler.yaml") in result.stderr
    assert not (sandbox.root / ".reconciler").exists()


@pytest.mark.parametrize("name", RESOLVE_THE_TARGET)
def test_target_after_the_command_chooses_the_target(sandbox: Sandbox, name: str) -> None:
    result = sandbox.run(name, *COMMANDS[name], "--target", "remote")
    assert result.exit_code == 3, result.output
    assert "target 'remote' reads the environment variable SANDBOX_NO_SUCH_TOKEN" in result.stderr


def test_the_later_value_wins(sandbox: Sandbox) -> None:
    assert sandbox.run("--target", "nosuch", "plan", "--target", "local").exit_code == 0
    assert sandbox.run("--target", "local", "plan", "--target", "nosuch").exit_code == 3
    later = sandbox.run("--config", "other/reconciler.yaml", "validate", "--config", "reconciler.yaml")
    assert later.exit_code == 0, later.output
    assert "config:" in sandbox.run("-q", "validate", "-v").stderr  # -v after -q: verbose
    assert sandbox.run("-v", "validate", "-q").stderr == ""  # -q after -v: quiet
    both = sandbox.run("validate", "-q", "-v")
    assert both.exit_code == 64 and "contradict" in both.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_verbose_after_the_command_adds_diagnostics(sandbox: Sandbox, name: str) -> None:
    prepare(sandbox, name)
    line = f"config: {sandbox.root / 'reconciler.yaml'}"
    quiet = sandbox.run(name, *COMMANDS[name])
    assert line not in quiet.stderr
    if name == "import":
        (sandbox.root / "imported").rename(sandbox.root / "imported-before")
    loud = sandbox.run(name, *COMMANDS[name], "-v")
    assert loud.exit_code == quiet.exit_code, loud.output
    assert line in loud.stderr
    if name in RESOLVE_THE_TARGET and name != "backups":  # backups reads git only
        assert "INFO reconciler.engine: target local:" in loud.stderr


def _quiet_effect(sandbox: Sandbox, name: str) -> None:
    """What -q after `name` leaves out, compared with the same run without it."""
    prepare(sandbox, name)
    args = COMMANDS[name]
    if name in ("apply", "restore"):
        result = sandbox.run(name, *args, "-q")
        assert result.exit_code == 0, result.output
        assert result.stdout == "Apply complete: 3 added, 0 changed, 1 destroyed.\n"  # no plan body
        assert result.stderr == ""  # no backup line
        return
    normal = sandbox.run(name, *args)
    assert normal.exit_code == 0, normal.output
    if name == "import":
        (sandbox.root / "imported").rename(sandbox.root / "imported-before")
    result = sandbox.run(name, *args, "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    if name == "validate":
        assert "warning: user 'joe'" in normal.stdout
        assert result.stdout == "ok: 2 users, 1 group in 2 files (1 warning)\n"
    elif name == "plan":
        assert len(normal.stdout.splitlines()) > 1
        assert result.stdout == "Plan: 3 to add, 0 to change, 1 to destroy.\n"
    elif name == "import":
        assert "imported 2 users and 1 groups" in normal.stderr
        assert result.stdout == normal.stdout.replace("imported-before", "imported")
    elif name == "load":
        assert "+  email: jane@example.org" in normal.stdout  # the diff
        assert result.stdout == "Load (dry run): 0 to add, 1 to change, 0 to remove; nothing written.\n"
    elif name == "adopt":
        assert "+- id: svc-ci" in normal.stdout  # the diff
        assert result.stdout == "Adopt (dry run): 1 to add, 0 to change, 3 to remove; nothing written.\n"
    else:  # render and backups: the result stays, only diagnostics go
        assert result.stdout == normal.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_quiet_after_the_command_leaves_only_the_result(sandbox: Sandbox, name: str) -> None:
    _quiet_effect(sandbox, name)


@pytest.mark.parametrize("name", COLORED)
def test_no_color_after_the_command_on_a_terminal(sandbox: Sandbox, name: str) -> None:
    code, colored, _ = run_on_terminal([name, *COMMANDS[name]], sandbox.root)
    assert code == 0 and ESC in colored
    if name != "plan":  # the first run applied; start from an empty organization again
        subprocess.run(["rm", "-rf", str(sandbox.root / ".reconciler")], check=True)
    code, plain, err = run_on_terminal([name, *COMMANDS[name], "--no-color"], sandbox.root)
    assert code == 0, plain + err
    assert ESC not in plain and "Plan: 3 to add, 0 to change, 1 to destroy." in plain


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - set(COLORED)))
def test_no_color_after_a_command_without_colors_changes_nothing(sandbox: Sandbox, name: str) -> None:
    prepare(sandbox, name)
    normal = sandbox.run(name, *COMMANDS[name])
    if name == "import":
        (sandbox.root / "imported").rename(sandbox.root / "imported-before")
    result = sandbox.run(name, *COMMANDS[name], "--no-color")
    assert result.exit_code == normal.exit_code == 0, result.output
    assert ESC not in result.output
    assert result.stdout == normal.stdout.replace("imported-before", "imported")


def _emulator(*options: str) -> tuple[str, str]:
    """Start `reconciler emulator --port 0 OPTIONS`, stop it; its first stderr line and the rest."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", *options],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()  # not communicate(timeout=…): it would skip what readline() buffered
    assert proc.wait(timeout=60) == 0, first + rest
    return first, rest


def test_output_options_after_the_emulator() -> None:
    first, normal = _emulator()
    assert first.startswith("listening on http://127.0.0.1:")
    assert "token:" in normal and "emulator stopped" in normal and "settings:" not in normal
    first, quiet = _emulator("-q")
    assert first.startswith("listening on http://127.0.0.1:")  # the result: where it listens
    assert quiet == ""
    _, verbose = _emulator("-v")
    assert "settings: bootstrap user admin, group adminGroup" in verbose
    _, plain = _emulator("--no-color")
    assert ESC not in plain and "emulator stopped" in plain


@pytest.mark.parametrize("option", [["--config", "reconciler.yaml"], ["--target", "prod"]])
def test_config_and_target_do_not_apply_to_the_emulator(option: list[str]) -> None:
    after = Sandbox(Path(".")).run("emulator", *option)
    assert after.exit_code == 64 and f"No such option '{option[0]}'" in after.stderr
    before = Sandbox(Path(".")).run(*option, "emulator")
    assert before.exit_code == 64 and f"{option[0]} does not apply to `reconciler emulator`" in before.stderr


def test_option_values_that_look_like_options_and_the_double_dash(sandbox: Sandbox) -> None:
    result = sandbox.run("plan", "--out", "-v", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "config:" not in result.stderr  # -v was the value of --out
    assert json.loads((sandbox.root / "-v").read_text())["summary"].startswith("Plan: 3 to add")
    dashed = sandbox.run("validate", "--", "-q")
    assert dashed.exit_code == 64 and "'-q' does not exist" in dashed.stderr  # a FILE, not the option
