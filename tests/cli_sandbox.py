"""A throwaway repository on the embedded `local` target (no server, no token), driven through the CLI."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from reconciler.cli import cli

CONFIG = {
    "state": "state",
    "default_target": "local",
    "targets": {
        "local": {},
        "remote": {"host": "http://127.0.0.1:9", "token": "$SANDBOX_NO_SUCH_TOKEN"},
    },
    "policy": {"max_deletions": {"percent": 100}},
}
GROUPS = {"groups": [{"id": "analysts", "name": "Analysts"}]}
USERS = {  # joe's e-mail repeats jane's: a validation warning
    "users": [
        {"id": "jane", "email": "jane@example.com", "userGroups": ["analysts"]},
        {"id": "joe", "email": "jane@example.com", "userGroups": ["analysts"]},
    ]
}
ENV: dict[str, str | None] = {
    "NO_COLOR": None,
    "GOODDATA_HOST": None,
    "GOODDATA_TOKEN": None,
    "SANDBOX_NO_SUCH_TOKEN": None,
}


def dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@dataclass
class Sandbox:
    """`root` holds .git, reconciler.yaml, state/ and other/reconciler.yaml (an invalid second config)."""

    root: Path

    def setup(self) -> Sandbox:
        self.root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=self.root, check=True)
        dump(self.root / "reconciler.yaml", CONFIG)
        dump(self.root / "state" / "groups.yaml", GROUPS)
        dump(self.root / "state" / "users.yaml", USERS)
        (self.root / "other").mkdir()
        (self.root / "other" / "reconciler.yaml").write_text("default_target: nowhere\n", encoding="utf-8")
        return self

    def run(self, *args: str) -> Result:
        """`reconciler ARGS` in-process, from the current directory (the tests chdir)."""
        return CliRunner().invoke(cli, list(args), env=ENV, catch_exceptions=False)

    def write_restore_file(self) -> Path:
        """The rendered state as a layout document, for `restore --file`."""
        rendered = self.run("render")
        assert rendered.exit_code == 0, rendered.output
        path = self.root / "doc.json"
        path.write_text(rendered.stdout, encoding="utf-8")
        return path


def run_on_terminal(args: list[str], cwd: Path, *, stdin_text: str | None = None) -> tuple[int, str, str]:
    """`python -m reconciler ARGS` with a terminal as stdout (or, given `stdin_text`, as stdin instead).

    Returns the exit code, stdout and stderr.
    """
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    primary, secondary = pty.openpty()
    try:
        if stdin_text is not None:
            os.write(primary, stdin_text.encode())
            proc = subprocess.run(
                [sys.executable, "-m", "reconciler", *args],
                cwd=cwd,
                stdin=secondary,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            return proc.returncode, proc.stdout, proc.stderr
        with subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            os.close(secondary)
            secondary = -1
            chunks = []
            while True:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            assert child.stderr is not None
            err = child.stderr.read()
            code = child.wait(timeout=120)
        return code, b"".join(chunks).decode(), err
    finally:
        os.close(primary)
        if secondary != -1:
            os.close(secondary)
