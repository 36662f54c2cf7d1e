"""The older platform's password never shows in any command's output, log (-vv), file or commit (issue 16,
acceptance 4): import, validate, plan, apply, apply --plan, backups and restore against a gooddata-platform
target, and the failures (a wrong password, an unset variable, invalid state, a server error on a read and on
a write, the server gone)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.emulator.faults import Fault
from reconciler.emulator.platform import DOMAIN, PlatformEmulator

PASSWORD = "pw-SECRET-c9Vb3-distinctive"
WRONG = "pw-WRONG-t5Nw1-distinctive"
ADMIN = "root@acme.example"
PID = "p0000000000000000000000000000001"
VAR = "RECONCILER_TEST_PASSWORD"
CONFIG = """\
state: state
default_target: legacy
targets:
  legacy:
    platform: gooddata-platform
    host: {url}
    domain: {domain}
    login: {login}
    password: ${var}
policy: {{max_deletions: {{users: 10, groups: 5, percent: 90}}}}
"""


@pytest.fixture
def emu() -> Iterator[PlatformEmulator]:
    with PlatformEmulator(admin_login=ADMIN, admin_password=PASSWORD) as emulator:
        emulator.add_project(PID, "Sales")
        emulator.add_domain_user("ann@acme.example", first_name="Ann", last_name="Acme")
        emulator.add_member(PID, ADMIN, "adminRole")
        emulator.add_member(PID, "ann@acme.example", "editorRole")
        yield emulator


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def every_file(root: Path) -> Iterator[str]:
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(root).parts:
            yield path.read_bytes().decode("utf-8", "replace")


def test_no_command_shows_the_password_on_any_path(emu: PlatformEmulator, tmp_path: Path) -> None:
    root = tmp_path / "org"
    (root / "state").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "admin@example.com")
    git(root, "config", "user.name", "Admin")
    (root / "reconciler.yaml").write_text(CONFIG.format(url=emu.url, domain=DOMAIN, login=ADMIN, var=VAR))
    plan_file = tmp_path / "plan.json"
    texts: list[str] = []
    codes: dict[str, int] = {}

    def run(name: str, *args: str, password: str | None = PASSWORD) -> None:
        env = {VAR: password, "NO_COLOR": "1", "GOODDATA_HOST": None, "GOODDATA_TOKEN": None}
        result = CliRunner().invoke(cli, ["--config", str(root / "reconciler.yaml"), "-vv", *args], env=env)
        codes[name] = result.exit_code
        texts.extend([result.stdout, result.stderr, repr(result.exception)])

    run("import", "import", "--out", str(root / "state"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "imported")
    run("validate", "validate")
    for fmt in ("text", "markdown", "json"):
        run(f"plan-{fmt}", "plan", "--format", fmt)
    users = root / "state" / "users.yaml"
    users.write_text(users.read_text().replace("firstname: Ann", "firstname: Anna"))
    git(root, "commit", "-qam", "rename ann")
    run("plan-out", "plan", "--out", str(plan_file))
    run("apply-plan", "apply", "--plan", str(plan_file))
    users.write_text(users.read_text().replace("firstname: Anna", "firstname: Annie"))
    git(root, "commit", "-qam", "rename ann again")
    run("apply", "apply", "--auto-approve")
    run("backups", "backups")
    rev = git(root, "log", "-1", "--format=%H", "--", "state/backups").strip()
    assert rev  # the backup of the apply, committed
    run("restore", "restore", "--from", rev, "--auto-approve")
    assert [u["firstName"] for u in emu.domain_users() if u["login"] == "ann@acme.example"] == ["Anna"]
    # failure paths
    run("wrong-password", "plan", password=WRONG)
    run("unset-password", "plan", password=None)
    (root / "state" / "bad.yaml").write_text("users:\n  - id: 'not valid'\n", encoding="utf-8")
    run("invalid-state", "plan")
    (root / "state" / "bad.yaml").unlink()
    emu.faults.add(Fault.status(500), method="GET", path=f"/gdc/account/domains/{DOMAIN}/users")
    run("server-error", "plan", "--retries", "0")
    users.write_text(users.read_text().replace("firstname: Annie", "firstname: Ann"))
    emu.faults.add(Fault.status(500), method="PUT", times=5)
    run("apply-error", "apply", "--auto-approve", "--retries", "0")
    emu.stop()
    run("server-gone", "plan", "--retries", "0")

    assert codes == {
        "import": 0,
        "validate": 0,
        "plan-text": 0,
        "plan-markdown": 0,
        "plan-json": 0,
        "plan-out": 0,
        "apply-plan": 0,
        "apply": 0,
        "backups": 0,
        "restore": 0,
        "wrong-password": 1,
        "unset-password": 3,
        "invalid-state": 3,
        "server-error": 1,
        "apply-error": 1,
        "server-gone": 1,
    }, "\n".join(texts)
    texts += list(every_file(root))
    texts.append(plan_file.read_text())
    texts.append(git(root, "log", "-p", "--all"))
    assert any("Bad Login or Password!" in t for t in texts)  # the failures really ran
    assert any(f"{VAR}, which is not set" in t for t in texts)
    assert any("api error: 500" in t for t in texts)
    for text in texts:
        assert PASSWORD not in text
        assert WRONG not in text
