"""`reconciler emulator --platform gooddata-platform`: serves /gdc, seeds projects, hides the password."""

from __future__ import annotations

import requests
from click.testing import CliRunner
from test_emulator_cli import run, stop, url_of

from reconciler.cli import cli
from reconciler.emulator.platform import ADMIN_LOGIN, ADMIN_PASSWORD


def login(url: str, password: str) -> requests.Response:
    body = {"postUserLogin": {"login": ADMIN_LOGIN, "password": password, "remember": 1, "verify_level": 2}}
    return requests.post(url + "/gdc/account/login", json=body, timeout=10)


def test_serves_the_platform_with_seeded_projects_until_sigterm() -> None:
    proc = run(
        "--platform", "gooddata-platform", "--port", "0", "--project", "sales=Sales", "--project", "ops"
    )
    try:
        url = url_of(proc)
        r = login(url, ADMIN_PASSWORD)
        assert r.status_code == 200
        tt = {"X-GDC-AuthTT": r.headers["X-GDC-AuthTT"]}
        project = requests.get(url + "/gdc/projects/sales", headers=tt, timeout=10).json()["project"]
        assert project["meta"]["title"] == "Sales"
        assert requests.get(url + "/gdc/projects/ops", headers=tt, timeout=10).status_code == 200
        assert requests.get(url + "/api/v1/profile", timeout=10).status_code == 401
    finally:
        code, out, err = stop(proc)
    assert code == 0 and out == ""
    assert f"admin: {ADMIN_LOGIN}, password {ADMIN_PASSWORD}" in err
    assert "projects: sales, ops" in err and "emulator stopped" in err


def test_a_custom_password_works_and_is_never_printed() -> None:
    secret = "a-secret-password-123"
    proc = run(
        "--platform", "gooddata-platform", "--port", "0", "-v", env={"RECONCILER_EMULATOR_PASSWORD": secret}
    )
    try:
        url = url_of(proc)
        assert login(url, secret).status_code == 200
        assert login(url, ADMIN_PASSWORD).status_code == 401
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert secret not in err and secret not in out
    assert "settings: fail rate 0.0, latency 0.0 s, seed None" in err


def test_fail_rate_and_latency_apply() -> None:
    proc = run("--platform", "gooddata-platform", "--port", "0", "--fail-rate", "1", "--latency", "0.01")
    try:
        url = url_of(proc)
        assert login(url, ADMIN_PASSWORD).status_code == 503
    finally:
        code, _, _ = stop(proc)
    assert code == 0


def test_options_of_the_other_platform_are_refused() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--platform", "gooddata-platform", "--data", "x.json"])
    assert result.exit_code != 0 and "--data does not apply to --platform gooddata-platform" in result.output
    result = CliRunner().invoke(cli, ["emulator", "--project", "p1"])
    assert result.exit_code != 0 and "--project does not apply to --platform gooddata-cloud" in result.output
    result = CliRunner().invoke(cli, ["emulator", "--platform", "gooddata-platform", "--project", "=x"])
    assert result.exit_code != 0 and "expected ID or ID=TITLE" in result.output


def test_help_names_the_platform_option() -> None:
    result = CliRunner().invoke(cli, ["emulator", "--help"])
    assert result.exit_code == 0
    for option in ("--platform", "gooddata-platform", "--project", "--admin-login", "--domain"):
        assert option in result.output
