"""A token that expires in the middle of an apply on the older platform (issue 16, acceptance 3): the client
renews it (or logs in again, when the session expired too) and the apply goes through and verifies."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from reconcile_helpers import git

from reconciler.cli import cli
from reconciler.emulator.faults import Fault, FaultQueue
from reconciler.emulator.platform import PlatformEmulator

ADMIN = "root@acme.example"
PASSWORD = "pw-tokens-5Gk1"
PID = "p0000000000000000000000000000000"
MEMBERS = f"/gdc/projects/{PID}/users"


@dataclass
class ExpireAt(FaultQueue):
    """The emulator's fault queue, which also ends the tokens when `method path` first arrives, so that very
    request meets the 401 challenge (the emulator checks the token after its faults)."""

    emulator: Any = None
    method: str = ""
    path: str = ""
    sst: bool = False
    fired: bool = False
    _once: threading.Lock = field(default_factory=threading.Lock)

    def take(self, method: str, path: str) -> Fault | None:
        with self._once:
            if not self.fired and method == self.method and path == self.path:
                self.fired = True
                self.emulator.expire_tokens(tt=True, sst=self.sst)
        return super().take(method, path)


@pytest.fixture
def emu() -> Iterator[PlatformEmulator]:
    with PlatformEmulator(admin_login=ADMIN, admin_password=PASSWORD) as emulator:
        emulator.add_project(PID, "Sales")
        emulator.add_member(PID, ADMIN, "adminRole")
        emulator.add_domain_user("old@acme.example")
        emulator.add_member(PID, "old@acme.example", "editorRole")
        yield emulator


def repo(root: Path, emu: PlatformEmulator) -> Path:
    (root / "state").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "admin@example.com")
    git(root, "config", "user.name", "Admin")
    config = {
        "state": "state",
        "default_target": "legacy",
        "targets": {
            "legacy": {
                "platform": "gooddata-platform",
                "host": emu.url,
                "domain": emu.domain,
                "login": ADMIN,
                "password": "$LEGACY_PASSWORD",
                "projects": {"sales": PID},
            }
        },
        "policy": {"max_deletions": {"users": 10, "groups": 5, "percent": 90}},
    }
    users = [{"id": "root", "email": ADMIN}] + [
        {"id": f"u{i}", "email": f"u{i}@acme.example", "firstname": f"U{i}", "lastname": "X"}
        for i in range(5)
    ]
    grants = [{"user": "root", "grant": ["MANAGE"]}] + [
        {"user": f"u{i}", "grant": ["ANALYZE", "EXPORT"]} for i in range(5)
    ]
    files = {
        "reconciler.yaml": config,
        "state/users.yaml": {"users": users},
        "state/workspaces.yaml": {"workspaces": [{"id": "sales", "permissions": grants}]},
        "state/roles.yaml": {"roles": {"adminRole": ["MANAGE"], "editorRole": ["ANALYZE", "EXPORT"]}},
    }
    for rel, data in files.items():
        (root / rel).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "state")
    return root


def apply(root: Path) -> Result:
    env = {"LEGACY_PASSWORD": PASSWORD, "NO_COLOR": "1", "GOODDATA_HOST": None, "GOODDATA_TOKEN": None}
    return CliRunner().invoke(
        cli,
        ["--config", str(root / "reconciler.yaml"), "apply", "--auto-approve"],
        env=env,
        catch_exceptions=False,
    )


def statuses(emu: PlatformEmulator, method: str, path: str) -> list[int | None]:
    return [r.status for r in emu.request_log if r.method == method and r.path == path]


@pytest.mark.parametrize("session_too", [False, True], ids=["tt", "tt-and-sst"])
def test_a_token_expiring_mid_apply_is_renewed_and_the_apply_completes(
    tmp_path: Path, emu: PlatformEmulator, session_too: bool
) -> None:
    root = repo(tmp_path / "org", emu)
    emu.faults = ExpireAt(emulator=emu, method="POST", path=MEMBERS, sst=session_too)
    result = apply(root)
    assert result.exit_code == 0, result.output
    assert emu.faults.fired  # the tokens did expire between the domain users and the memberships
    by_login = {m["login"]: m for m in emu.members(PID)}
    assert {
        (by_login[f"u{i}@acme.example"]["roles"][0], by_login[f"u{i}@acme.example"]["status"])
        for i in range(5)
    } == {("editorRole", "ENABLED")}
    assert by_login["old@acme.example"]["status"] == "DISABLED"
    posts = statuses(emu, "POST", MEMBERS)
    assert posts[:2] == [401, 200] and set(posts[2:]) <= {200}  # the challenged batch, sent again
    tokens = statuses(emu, "GET", "/gdc/account/token")
    logins = statuses(emu, "POST", "/gdc/account/login")
    if session_too:
        assert logins == [200, 200] and tokens == [200, 401, 200]  # the TT renewal met the SST's challenge
    else:
        assert logins == [200] and tokens == [200, 200]  # exactly one renewal
    assert statuses(emu, "DELETE", f"/gdc/account/login/{emu.admin_id}")[-1:] == [204]
    again = CliRunner().invoke(
        cli,
        ["--config", str(root / "reconciler.yaml"), "plan", "--detailed-exitcode"],
        env={"LEGACY_PASSWORD": PASSWORD, "NO_COLOR": "1", "GOODDATA_HOST": None, "GOODDATA_TOKEN": None},
    )
    assert again.exit_code == 0, again.output
