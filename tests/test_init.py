"""`reconciler init` (issue 10 §8): onboard the recorded organization into a copy of this repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from reconcile_helpers import fresh_clone, git

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.emulator import Emulator
from reconciler.onboard import real_targets

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-init-Qx7-distinctive-5521"
RECORDED_ORGS = [
    "GET_usersAndUserGroups_2026-03-11_09f2917b.json",
    "GET_usersAndUserGroups_2023-02-28_25a75f63.json",
]
EXAMPLE_STATE = sorted(
    p.relative_to(ROOT).as_posix() for p in (ROOT / "state").rglob("*.yaml") if "backups" not in p.parts
)


@pytest.fixture
def emu() -> Any:
    with Emulator(token=TOKEN) as e:
        yield e


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of this repository (tracked files), committed, with a committed backup of some target."""
    root = fresh_clone(tmp_path / "clone")
    backup = root / "state" / "backups" / "prod" / "usersAndUserGroups.json"
    backup.parent.mkdir(parents=True)
    backup.write_text('{"userGroups": [], "users": []}\n', encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=a@example.com", "-c", "user.name=A", "add", "-A")
    git(root, "-c", "user.email=a@example.com", "-c", "user.name=A", "commit", "-qm", "fork")
    monkeypatch.chdir(root)
    return root


def run(*args: str, **env: str | None) -> Result:
    base: dict[str, str | None] = {"GOODDATA_HOST": None, "GOODDATA_TOKEN": None, "CI": None, "NO_COLOR": "1"}
    return CliRunner().invoke(cli, list(args), env={**base, **env}, catch_exceptions=False)


def tracked_text(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".git" not in p.relative_to(root).parts:
            out[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8", errors="replace")
    return out


def test_the_example_config_names_no_real_target() -> None:
    """So `init` on a fresh fork needs no --force: the example's prod and dev are recognized as made up."""
    assert real_targets(load_config(ROOT / "reconciler.yaml", cwd=ROOT)) == []
    assert EXAMPLE_STATE  # the example state the test below replaces


@pytest.mark.parametrize("recorded_org", RECORDED_ORGS)
def test_init_onboards_the_recorded_organization(
    clone: Path, emu: Emulator, recorded: Any, recorded_org: str
) -> None:
    emu.replace_document(recorded(recorded_org))
    live = emu.document()
    backup_before = (clone / "state" / "backups" / "prod" / "usersAndUserGroups.json").read_bytes()
    before = tracked_text(clone)

    result = run("init", "--host", emu.url, "--token-env", "ACME_TOKEN", ACME_TOKEN=TOKEN)
    assert result.exit_code == 0, result.output

    config = yaml.safe_load((clone / "reconciler.yaml").read_text(encoding="utf-8"))
    assert config["default_target"] == "prod"
    assert config["targets"] == {"local": {}, "prod": {"host": emu.url, "token": "$ACME_TOKEN"}}
    # The example state is gone, the organization's users and groups are there, the backups are untouched.
    assert sorted(p.relative_to(clone).as_posix() for p in (clone / "state").rglob("*.yaml")) == [
        "state/groups.yaml",
        "state/users.yaml",
    ]
    assert not (clone / "state" / "users").exists()
    assert (clone / "state" / "backups" / "prod" / "usersAndUserGroups.json").read_bytes() == backup_before
    users = yaml.safe_load((clone / "state" / "users.yaml").read_text(encoding="utf-8"))["users"]
    assert [u["id"] for u in users] == [u["id"] for u in live["users"]]
    assert "No changes" in result.stderr and "Next steps" in result.stderr
    assert "ACME_TOKEN" in result.stderr and "secrets.ACME_TOKEN" in result.stderr
    # Nothing was written to the organization, and the token is in no file.
    assert not [r for r in emu.request_log if r.method != "GET"]
    assert emu.document() == live
    changed = {n: t for n, t in tracked_text(clone).items() if before.get(n) != t}
    assert "reconciler.yaml" in changed and "state/users.yaml" in changed
    assert not [name for name, text in changed.items() if TOKEN in text]
    assert TOKEN not in result.output

    # The repository it leaves: validate passes and plan is empty (fresh processes of the CLI).
    assert run("validate", "--strict").exit_code == 0
    plan = run("plan", "--detailed-exitcode", ACME_TOKEN=TOKEN)
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.stdout


def test_without_a_terminal_the_flags_are_required(clone: Path, emu: Emulator) -> None:
    before = tracked_text(clone)
    nothing = run("init")
    assert nothing.exit_code == 64
    assert "--host" in nothing.stderr and "--profile" in nothing.stderr
    host_only = run("init", "--host", emu.url, CI="true")
    assert host_only.exit_code == 64
    assert "--token-env" in host_only.stderr and "--host" not in host_only.stderr.split("needs", 1)[1]
    assert tracked_text(clone) == before
    assert emu.request_log == []


def test_refuses_a_config_with_real_targets_unless_forced(clone: Path, emu: Emulator) -> None:
    first = run("init", "--host", emu.url, "--token-env", "ACME_TOKEN", ACME_TOKEN=TOKEN)
    assert first.exit_code == 0, first.output
    before = tracked_text(clone)
    again = run("--target", "staging", "init", "--host", emu.url, "--token-env", "T2", T2=TOKEN)
    assert again.exit_code == 4
    assert "prod" in again.stderr and "--force" in again.stderr
    assert tracked_text(clone) == before

    forced = run("--target", "staging", "init", "--host", emu.url, "--token-env", "T2", "--force", T2=TOKEN)
    assert forced.exit_code == 0, forced.output
    config = yaml.safe_load((clone / "reconciler.yaml").read_text(encoding="utf-8"))
    assert config["default_target"] == "staging" and sorted(config["targets"]) == ["local", "staging"]
    assert "RECONCILER_TARGETS" in forced.stderr  # a target other than prod needs the variable


def test_a_rejected_token_writes_nothing(clone: Path, emu: Emulator) -> None:
    before = tracked_text(clone)
    result = run("init", "--host", emu.url, "--token-env", "ACME_TOKEN", ACME_TOKEN="wrong-token")
    assert result.exit_code == 1, result.output
    assert tracked_text(clone) == before
    missing_var = run("init", "--host", emu.url, "--token-env", "NOT_SET_ANYWHERE")
    assert missing_var.exit_code == 3 and "NOT_SET_ANYWHERE" in missing_var.stderr
    assert tracked_text(clone) == before


def test_profile_target(clone: Path, emu: Emulator, tmp_path: Path) -> None:
    doc = emu.document()
    doc["users"].append({"id": "svc-bot", "systemAccount": True})
    emu.replace_document(doc)
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(json.dumps({"acme": {"host": emu.url, "token": TOKEN}}), encoding="utf-8")
    result = run("init", "--profile", "acme", "--split", GOODDATA_PROFILES_FILE=str(profiles))
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((clone / "reconciler.yaml").read_text(encoding="utf-8"))
    assert config["targets"]["prod"] == {"profile": "acme"}
    assert "CI has no ~/.gooddata/profiles.yaml" in result.stderr
    # The example's policy.ignore (svc-*) is kept: the service account stays out of the state files.
    assert "policy.ignore" in result.stderr and "user svc-bot" in result.stderr
    assert not [p for p in (clone / "state").rglob("*.yaml") if "svc-bot" in p.read_text(encoding="utf-8")]
    assert run("plan", "--detailed-exitcode", GOODDATA_PROFILES_FILE=str(profiles)).exit_code == 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_on_a_terminal_init_asks(clone: Path, emu: Emulator) -> None:
    """On a terminal the host and the token variable are asked for (the variable has a default)."""
    main, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOODDATA_", "CI"))}
    env["GOODDATA_TOKEN_PROD"] = TOKEN
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "reconciler"), "init"],
        cwd=clone,
        env=env,
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(secondary)
    try:
        os.write(main, f"{emu.url}\n\n".encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out + err
    assert "GoodData host URL" in err and "[GOODDATA_TOKEN_PROD]" in err
    config = yaml.safe_load((clone / "reconciler.yaml").read_text(encoding="utf-8"))
    assert config["targets"]["prod"] == {"host": emu.url, "token": "$GOODDATA_TOKEN_PROD"}
