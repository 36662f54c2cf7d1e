"""A throwaway GitOps repository wired to an emulator, driven through the real CLI (CliRunner)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from reconciler.cli import cli
from reconciler.emulator import Emulator


def running(token: str) -> Iterator[Emulator]:
    """An emulator with `token` for the length of a fixture (`yield from running(TOKEN)`)."""
    with Emulator(token=token) as emu:
        yield emu


TOKEN_VAR = "RECONCILER_TEST_TOKEN"


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return out.stdout


@dataclass
class Repo:
    """A git work tree with reconciler.yaml pointing at `emulator` (target `test`) and a state/ directory."""

    root: Path
    emulator: Any
    token: str
    policy: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def with_state(
        cls,
        root: Path,
        emulator: Any,
        token: str,
        *,
        groups: list[dict[str, Any]] | None = None,
        users: list[dict[str, Any]] | None = None,
    ) -> Repo:
        """A set-up repository under `root` whose state declares `groups` and `users` (committed: none)."""
        repo = cls(root, emulator, token).setup()
        if groups is not None or users is not None:
            repo.write_state(groups=groups or [], users=users or [])
        return repo

    def setup(self) -> Repo:
        self.root.mkdir(parents=True, exist_ok=True)
        git(self.root, "init", "-q", "-b", "main")
        git(self.root, "config", "user.email", "admin@example.com")
        git(self.root, "config", "user.name", "Admin")
        self.write_config()
        self.write_state(groups=[], users=[])
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", "init")
        return self

    def write_config(self, **policy: Any) -> None:
        self.policy.update(policy)
        config = {
            "state": "state",
            "default_target": "test",
            "targets": {"local": {}, "test": {"host": self.emulator.url, "token": f"${TOKEN_VAR}"}},
            "bootstrap": {"user": "admin", "group": "adminGroup"},
            "policy": {
                "prune": True,
                "max_deletions": {"users": 10, "groups": 5, "percent": 90},
                **self.policy,
            },
        }
        (self.root / "reconciler.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def write_state(self, *, groups: list[dict[str, Any]], users: list[dict[str, Any]]) -> None:
        state = self.root / "state"
        state.mkdir(exist_ok=True)
        for old in state.glob("*.yaml"):
            old.unlink()
        (state / "groups.yaml").write_text(
            yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8"
        )
        (state / "users.yaml").write_text(yaml.safe_dump({"users": users}, sort_keys=False), encoding="utf-8")

    def run(
        self,
        *args: str,
        token: str | None = None,
        input: str | None = None,
        env: dict[str, str | None] | None = None,
    ) -> Result:
        runner = CliRunner()
        env = {
            TOKEN_VAR: token or self.token,
            "GOODDATA_HOST": None,
            "GOODDATA_TOKEN": None,
            "NO_COLOR": "1",
            **(env or {}),
        }
        return runner.invoke(
            cli,
            ["--config", str(self.root / "reconciler.yaml"), *args],
            env=env,
            input=input,
            catch_exceptions=False,
        )

    @property
    def backup_file(self) -> Path:
        return self.root / "state" / "backups" / "test" / "usersAndUserGroups.json"

    def backup_commits(self) -> list[str]:
        out = git(self.root, "log", "--format=%H %s", "--", "state/backups/test/usersAndUserGroups.json")
        return out.splitlines()

    def puts(self) -> int:
        return sum(1 for r in self.emulator.request_log if r.method == "PUT")


def user(uid: str, *groups: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "authId": f"auth0|{uid}",
        "email": f"{uid}@example.com",
        "userGroups": list(groups),
        **fields,
    }


def layout_user(uid: str, *groups: str, **fields: Any) -> dict[str, Any]:
    return {"id": uid, "userGroups": [{"id": g, "type": "userGroup"} for g in groups], **fields}


def seeded(*extra_users: dict[str, Any], groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A live document: the bootstrap pair plus the given users and groups."""
    return {
        "userGroups": [{"id": "adminGroup"}, *(groups or [])],
        "users": [layout_user("admin", "adminGroup"), *extra_users],
    }


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True)


def fresh_clone(dest: Path, source: Path | None = None) -> Path:
    """The tracked files of `source` (default: this repository) as they are in its work tree: what a clone
    of this commit would hold."""
    source = source or Path(__file__).resolve().parent.parent
    files = subprocess.run(["git", "ls-files", "-z"], cwd=source, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src = source / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest
