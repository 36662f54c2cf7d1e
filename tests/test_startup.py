"""Issue 14, instant small runs: a cheap command imports only what it uses (an import budget, not a timing).

Each command runs in a fresh interpreter, as `reconciler …` does, and reports the modules it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler import __version__
from reconciler.cli.registry import MODULES, LazyCommands

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import json, sys
from reconciler.cli import main
try:
    main(sys.argv[2:])
except SystemExit as e:
    code = e.code
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""

NETWORK = ["requests", "urllib3", "http.client", "ssl", "socket", "reconciler.client.transport"]
EMULATOR = ["reconciler.emulator", "http.server"]
HEAVY = ["jsonschema", "deepdiff", "ruamel.yaml", "reconciler.engine", "reconciler.plan"]


def imported(tmp_path: Path, *args: str, cwd: Path = ROOT) -> tuple[int, set[str], str]:
    """Run `reconciler ARGS` in a new interpreter: its exit code, the modules it imported and its stdout."""
    report = tmp_path / "modules.json"
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(report), *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    result = json.loads(report.read_text(encoding="utf-8"))
    return result["code"], set(result["modules"]), out.stdout


def test_version_is_answered_before_click_is_imported(tmp_path: Path) -> None:
    code, modules, stdout = imported(tmp_path, "--version")
    assert code == 0 and stdout == f"reconciler, version {__version__}\n"
    assert {m for m in modules if m.startswith("reconciler")} == {"reconciler", "reconciler.cli"}
    assert "click" not in modules


def test_version_through_click_imports_no_command(tmp_path: Path) -> None:
    code, modules, stdout = imported(tmp_path, "-v", "--version")
    assert code == 0 and stdout == f"reconciler, version {__version__}\n"
    for name in [*NETWORK, *EMULATOR, *HEAVY, "yaml", "reconciler.config", *set(MODULES.values())]:
        assert name not in modules, name


def test_validate_of_the_example_needs_no_network_emulator_or_jsonschema(tmp_path: Path) -> None:
    code, modules, stdout = imported(tmp_path, "validate")
    assert code == 0 and stdout.startswith("ok: 25 users"), stdout
    for name in [
        *NETWORK,
        *EMULATOR,
        *HEAVY,
        "reconciler.client",
        "reconciler.cli.reconcile",
        "reconciler.cli.emulator",
    ]:
        assert name not in modules, name


def test_render_stays_offline(tmp_path: Path) -> None:
    code, modules, stdout = imported(tmp_path, "render")
    assert code == 0 and stdout.startswith("{"), stdout
    for name in [*NETWORK, *EMULATOR, "jsonschema", "reconciler.cli.emulator"]:
        assert name not in modules, name


def test_invalid_state_still_gets_jsonschema_messages(tmp_path: Path) -> None:
    state = tmp_path / "repo" / "state"
    state.mkdir(parents=True)
    (state / "users.yaml").write_text("users:\n  - id: a\n    colour: blue\n", encoding="utf-8")
    code, modules, _ = imported(tmp_path, "validate", cwd=tmp_path / "repo")
    assert code == 3 and "jsonschema" in modules


def test_each_command_is_imported_only_when_asked_for() -> None:
    commands = LazyCommands(MODULES)
    assert sorted(commands) == sorted(MODULES) and len(commands) == len(MODULES) and "plan" in commands
    assert commands.get("no-such-command") is None
    for name, module in MODULES.items():
        command = commands[name]
        assert command.name == name and command.callback is not None
        assert sys.modules[module].COMMANDS.count(command) == 1


def test_every_command_a_module_defines_is_registered() -> None:
    for module in set(MODULES.values()):
        __import__(module)
        for command in sys.modules[module].COMMANDS:
            assert MODULES.get(command.name) == module, (module, command.name)


@pytest.mark.parametrize(
    "argv", [["--version"], ["plan", "--version"], ["-v", "--version"], ["--version", "plan"]]
)
def test_version_is_the_same_everywhere(
    argv: list[str],
) -> None:  # the first without click, the rest through it
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (out.returncode, out.stdout, out.stderr) == (0, f"reconciler, version {__version__}\n", "")


def _close_stdout() -> None:
    os.close(1)


@pytest.mark.parametrize("argv", [["--version"], ["-v", "--version"]])
def test_version_with_stdout_closed_is_quiet_as_click_is(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", *argv],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        preexec_fn=_close_stdout,  # the interpreter starts with sys.stdout = None
    )
    assert (out.returncode, out.stderr) == (0, "")
