"""`reconciler emulator`: help, startup line, token hygiene, signals and startup errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from click.testing import CliRunner
from emulator_process import certificate

from reconciler.cli import cli
from reconciler.emulator import DEFAULT_TOKEN, Emulator

ROOT = Path(__file__).resolve().parent.parent
FULL = "/api/v1/layout/usersAndUserGroups"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", *args],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def url_of(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    first = proc.stderr.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:"), first
    return first.removeprefix("listening on ")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    assert proc.stdout is not None and proc.stderr is not None
    # Read through the same buffered streams as url_of(): communicate() would skip what they buffered.
    return code, proc.stdout.read(), proc.stderr.read()


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "reconciler emulator --port 3000" in result.output
    for option in ("--host", "--port", "--token", "--data", "--fail-rate", "--latency", "--seed"):
        assert option in result.output


def test_serves_until_sigterm_and_never_prints_a_custom_token(tmp_path: Path) -> None:
    token = "a-secret-token-1234567890"
    proc = run("--port", "0", "--data", str(tmp_path / "org.json"), env={"RECONCILER_EMULATOR_TOKEN": token})
    try:
        url = url_of(proc)
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(url + FULL, headers=headers, timeout=10).status_code == 200
        bad = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        assert requests.get(url + FULL, headers=bad, timeout=10).status_code == 401
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert out == ""
    assert token not in err
    assert "emulator stopped" in err
    assert (tmp_path / "org.json").exists()


def test_default_token_is_shown_and_fail_rate_applies() -> None:
    proc = run("--port", "0", "--fail-rate", "1", "--seed", "7")
    try:
        url = url_of(proc)
        r = requests.get(url + FULL, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10)
        assert r.status_code == 503
    finally:
        code, _out, err = stop(proc)
    assert code == 0
    assert f"token: {DEFAULT_TOKEN}" in err


def test_bad_options_are_usage_errors() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--fail-rate", "2"])
    assert result.exit_code == 64
    assert "--fail-rate" in result.output


def test_unreadable_data_file_exits_1(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    data.write_text("{broken")
    result = CliRunner().invoke(cli, ["emulator", "--port", "0", "--data", str(data)])
    assert result.exit_code == 1
    assert f"error: emulator: cannot load {data}" in result.output


def test_port_in_use_exits_1() -> None:
    with Emulator() as busy:
        port = busy.url.rsplit(":", 1)[1]
        # A second listener on the same port must fail even with SO_REUSEADDR while the first is open.
        result = CliRunner().invoke(cli, ["emulator", "--port", port])
    assert result.exit_code == 1
    assert "error: emulator: cannot listen on 127.0.0.1:" in result.output


def test_serves_https_with_a_certificate(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    proc = run("--port", "0", "--certfile", str(cert), "--keyfile", str(key))
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().strip()
        assert first.startswith("listening on https://127.0.0.1:"), first
        url = first.removeprefix("listening on ")
        r = requests.get(
            url + FULL, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, verify=str(cert), timeout=10
        )
        assert r.status_code == 200
    finally:
        code, _out, _err = stop(proc)
    assert code == 0


def test_keyfile_needs_certfile(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    key.write_text("x")
    result = CliRunner().invoke(cli, ["emulator", "--keyfile", str(key)])
    assert result.exit_code == 64
    assert "--keyfile needs --certfile" in result.output
