"""The command line as a whole: every command has help with an example; global options; usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from reconciler import __version__
from reconciler.cli import cli

COMMANDS = sorted(cli.commands)


def test_the_commands_the_spec_names_exist() -> None:
    assert COMMANDS == [
        "access",
        "adopt",
        "apply",
        "backups",
        "emulator",
        "expire",
        "history",
        "import",
        "init",
        "invite",
        "load",
        "plan",
        "render",
        "restore",
        "review",
        "validate",
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"reconciler {name}" in result.output or f"reconciler --target prod {name}" in result.output


def test_version_and_python_dash_m() -> None:
    out = subprocess.run([sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip() == f"reconciler, version {__version__}"


@pytest.mark.parametrize(
    "args", [["no-such-command"], ["--bogus"], ["plan", "--format", "yaml"], ["restore", "--auto-approve"]]
)
def test_usage_errors_exit_64(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 64, result.output
