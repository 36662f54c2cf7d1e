"""The gooddata-platform target kind in reconciler.yaml: its keys, their checks with file:line, resolution."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import ConfigError, ExitCode
from reconciler.platform_targets import (
    DEFAULT_PLATFORM_HOST,
    PlatformTarget,
    is_platform,
    platform_findings,
    resolve_platform_target,
)
from reconciler.targets import TargetSpec, resolve_target

PASSWORD = "pw-SECRET-r7Kq2-distinctive"
LEGACY = """\
targets:
  legacy:
    platform: gooddata-platform
    domain: acme
    login: admin@acme.com
    password: $GDC_PASSWORD
    projects:
      sales: a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reconciler.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text), cwd=tmp_path)
    assert e.value.exit_code == ExitCode.INVALID
    return str(e.value)


def test_a_platform_target_is_read_with_its_keys(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, LEGACY), cwd=tmp_path)
    spec = config.targets["legacy"]
    assert spec == TargetSpec(
        "legacy",
        platform="gooddata-platform",
        domain="acme",
        login="admin@acme.com",
        password="$GDC_PASSWORD",
        projects=(("sales", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"),),
    )
    assert is_platform(spec) and not spec.is_local
    assert not is_platform(config.targets["local"])


def test_resolving_reads_the_password_and_defaults_the_host(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, LEGACY), cwd=tmp_path)
    target = resolve_platform_target(config.targets, "legacy", env={"GDC_PASSWORD": PASSWORD})
    assert target.host == DEFAULT_PLATFORM_HOST
    assert (target.domain, target.login, target.password) == ("acme", "admin@acme.com", PASSWORD)
    assert target.project_id("sales") == "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4"
    assert target.project_id("p0000000000000000000000000000001") == "p0000000000000000000000000000001"
    assert target.workspace_id("a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4") == "sales"
    assert PASSWORD not in repr(target) and PASSWORD not in str(target) and PASSWORD not in target.source
    assert "$GDC_PASSWORD" in target.source
    flagged = resolve_platform_target(
        config.targets, "legacy", env={"GDC_PASSWORD": PASSWORD}, host="http://127.0.0.1:9"
    )
    assert flagged.host == "http://127.0.0.1:9"


def test_a_missing_password_variable_names_it_and_nothing_else(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, LEGACY), cwd=tmp_path)
    with pytest.raises(
        ConfigError, match=r"password of target 'legacy' reads .*GDC_PASSWORD, which is not set"
    ):
        resolve_platform_target(config.targets, "legacy", env={})


def test_cloud_flags_and_the_cloud_resolver_refuse_a_platform_target(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, LEGACY), cwd=tmp_path)
    env = {"GDC_PASSWORD": PASSWORD, "GOODDATA_TOKEN": "t"}
    with pytest.raises(ConfigError, match="--token-env is for GoodData Cloud targets"):
        resolve_platform_target(config.targets, "legacy", env=env, token_env="X")
    with pytest.raises(ConfigError, match="is a gooddata-platform target"):
        resolve_target(config.targets, "legacy", env=env)
    with pytest.raises(ConfigError, match="is not a gooddata-platform target"):
        resolve_platform_target(config.targets, "local", env=env)


def test_a_literal_password_is_refused_at_its_line_without_echoing_it(tmp_path: Path) -> None:
    message = refusal(tmp_path, LEGACY.replace("$GDC_PASSWORD", PASSWORD))
    assert PASSWORD not in message
    assert message == (
        "invalid config: reconciler.yaml:6:15: targets.legacy.password: a literal password is refused; "
        "write $NAME to read it from the environment variable NAME"
    )


def test_a_platform_target_needs_domain_login_and_password(tmp_path: Path) -> None:
    message = refusal(tmp_path, "targets:\n  legacy:\n    platform: gooddata-platform\n    domain: acme\n")
    assert message == (
        "invalid config:\n"
        "  reconciler.yaml:2:3: targets.legacy: a gooddata-platform target needs `login`\n"
        "  reconciler.yaml:2:3: targets.legacy: a gooddata-platform target needs `password: $NAME`"
    )


def test_keys_of_the_other_kind_are_refused_where_they_stand(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        LEGACY + "    token: $GOODDATA_TOKEN\n  prod:\n    host: https://x.example.com\n    domain: acme\n",
    )
    assert message == (
        "invalid config:\n"
        "  reconciler.yaml:9:5: targets.legacy.token: a gooddata-platform target logs in with `login` and "
        "`password`; `token` is for GoodData Cloud targets\n"
        "  reconciler.yaml:12:5: targets.prod.domain: only a `platform: gooddata-platform` target has "
        "`domain`"
    )


def test_an_unknown_platform_and_two_workspaces_on_one_project_are_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, LEGACY.replace("platform: gooddata-platform", "platform: gooddata-old"))
    assert message.startswith("invalid config: reconciler.yaml:3:15: targets.legacy.platform: ")
    message = refusal(tmp_path, LEGACY + "      north: a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4\n")
    assert message == (
        "invalid config: reconciler.yaml:9:14: targets.legacy.projects.north: project "
        "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4 is already the project of workspace sales; each workspace needs a "
        "project of its own"
    )
    message = refusal(tmp_path, LEGACY + "      north: ../x\n")
    assert message.startswith("invalid config: reconciler.yaml:9:14: targets.legacy.projects.north: ")


def test_a_platform_target_without_a_host_is_not_the_embedded_organization() -> None:
    target = PlatformTarget("legacy", DEFAULT_PLATFORM_HOST, "acme", "a@b.c", PASSWORD)
    assert target.project_id("x") == "x"
    assert not TargetSpec("legacy", platform="gooddata-platform").is_local


@pytest.mark.parametrize("reference", ["$PW", "${PW}"])
def test_the_password_is_read_by_the_tokens_rule_and_a_literal_refused_in_the_same_words(
    reference: str,
) -> None:
    spec = TargetSpec(name="legacy", platform="gooddata-platform", domain="acme", login="a@acme.com")
    read = resolve_platform_target({"legacy": replace(spec, password=reference)}, "legacy", env={"PW": "pw"})
    assert read.password == "pw" and read.source.endswith("password from $PW")
    for key, target in (
        ("password", replace(spec, password=PASSWORD)),
        ("token", TargetSpec("x", "h", PASSWORD)),
    ):
        resolve = resolve_platform_target if key == "password" else resolve_target
        with pytest.raises(ConfigError) as info:
            resolve({target.name: target}, target.name, env={})
        assert str(info.value) == (
            f"invalid config: target {target.name!r}: a literal {key} in reconciler.yaml is refused; write "
            f"`{key}: $ENV_VAR` and put the {key} in that environment variable"
        )


def test_the_findings_name_paths_and_config_places_them_in_the_file(tmp_path: Path) -> None:
    data = {
        "targets": {
            "legacy": {"platform": "gooddata-platform", "token": "$T", "projects": {"a": "p", "b": "p"}}
        }
    }
    found = platform_findings(data)
    assert [(f.path, f.at_key) for f in found] == [
        (("targets", "legacy"), True),
        (("targets", "legacy"), True),
        (("targets", "legacy"), True),
        (("targets", "legacy", "token"), True),
        (("targets", "legacy", "projects", "b"), False),
    ]
    text = "targets:\n  legacy:\n    platform: gooddata-platform\n    domain: acme\n    login: a@acme.com\n"
    assert refusal(tmp_path, text + "    password: $P\n    profile: dev\n").startswith(
        "invalid config: reconciler.yaml:7:5: targets.legacy.profile: a gooddata-platform target logs in"
    )


def test_the_platform_targets_module_does_not_need_the_state_loader() -> None:
    code = (
        "import sys, reconciler.platform_targets\n"
        "print(sorted(m for m in sys.modules if m.startswith('reconciler.source')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
