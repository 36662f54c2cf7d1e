"""Target resolution: precedence of flags, environment and reconciler.yaml; profiles.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.targets import (
    ResolvedTarget,
    TargetSpec,
    load_profile,
    resolve_target,
    same_host,
)

SECRET = "s3cr3t-token-value-9f8e"
TARGETS = {
    "local": TargetSpec(name="local"),
    "prod": TargetSpec(name="prod", host="https://prod.example.com", token="$PROD_TOKEN"),
    "dev": TargetSpec(name="dev", profile="dev"),
    "bare": TargetSpec(name="bare", host="https://bare.example.com"),  # leaves its token open
}
NEW_FORMAT = """\
profiles:
  dev:
    host: https://dev.example.com
    token: $DEV_TOKEN
    ssl_ca_cert: ~/ca/dev.pem
    custom_headers: {X-Team: bi}
  cli:
    host: https://cli.example.com
    token: literal-cli-token
default_profile: dev
"""
LEGACY_FORMAT = """\
dev:
  host: https://legacy-dev.example.com
  token: legacy-dev-token
other:
  host: https://other.example.com
  token: other-token
"""


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    path = tmp_path / "profiles.yaml"
    path.write_text(NEW_FORMAT, encoding="utf-8")
    return path


ENV = {
    "PROD_TOKEN": "prod-tok",
    "DEV_TOKEN": "dev-tok",
    "FLAG_TOKEN": "flag-tok",
    "GOODDATA_HOST": "https://env.example.com",
    "GOODDATA_TOKEN": "env-tok",
}
NO_GD_ENV = {k: v for k, v in ENV.items() if not k.startswith("GOODDATA_")}


@pytest.mark.parametrize(
    ("target", "env", "flags", "expected_host", "expected_token"),
    [
        # reconciler.yaml alone
        ("prod", NO_GD_ENV, {}, "https://prod.example.com", "prod-tok"),
        ("dev", NO_GD_ENV, {}, "https://dev.example.com", "dev-tok"),
        # the environment never redirects a target that names its own host (or profile), nor its token
        ("prod", ENV, {}, "https://prod.example.com", "prod-tok"),
        ("prod", {**NO_GD_ENV, "GOODDATA_TOKEN": "env-tok"}, {}, "https://prod.example.com", "prod-tok"),
        ("dev", ENV, {}, "https://dev.example.com", "dev-tok"),
        # it fills in only what the target leaves open
        ("local", ENV, {}, "https://env.example.com", "env-tok"),
        ("bare", {**NO_GD_ENV, "GOODDATA_TOKEN": "env-tok"}, {}, "https://bare.example.com", "env-tok"),
        (
            "bare",
            {**ENV, "GOODDATA_HOST": "HTTPS://Bare.Example.com:443/"},
            {},
            "https://bare.example.com",
            "env-tok",
        ),
        # flags beat the target
        ("prod", ENV, {"host": "https://flag.example.com"}, "https://flag.example.com", "prod-tok"),
        ("prod", ENV, {"token_env": "FLAG_TOKEN"}, "https://prod.example.com", "flag-tok"),
        ("prod", ENV, {"profile": "cli"}, "https://cli.example.com", "literal-cli-token"),
        # --host / --token-env beat --profile
        (
            "prod",
            ENV,
            {"profile": "cli", "host": "https://flag.example.com"},
            "https://flag.example.com",
            "literal-cli-token",
        ),
        ("prod", ENV, {"profile": "cli", "token_env": "FLAG_TOKEN"}, "https://cli.example.com", "flag-tok"),
        (
            "local",
            NO_GD_ENV,
            {"host": "https://flag.example.com", "token_env": "FLAG_TOKEN"},
            "https://flag.example.com",
            "flag-tok",
        ),
    ],
)
def test_precedence(
    profiles: Path,
    target: str,
    env: dict[str, str],
    flags: dict[str, str],
    expected_host: str,
    expected_token: str,
) -> None:
    resolved = resolve_target(TARGETS, target, env=env, profiles_path=profiles, **flags)
    assert (resolved.host, resolved.token, resolved.is_local) == (expected_host, expected_token, False)
    assert resolved.name == target
    assert resolved.source.startswith("host from ")


def test_source_says_where_host_and_token_came_from() -> None:
    resolved = resolve_target(TARGETS, "bare", env={**NO_GD_ENV, "GOODDATA_TOKEN": "env-tok"})
    assert resolved.source == "host from reconciler.yaml target 'bare'; token from $GOODDATA_TOKEN"
    assert resolved.notes == ()


def test_an_ignored_goodata_host_is_stated(profiles: Path) -> None:
    prod = resolve_target(TARGETS, "prod", env=ENV)
    assert prod.notes == (
        "$GOODDATA_HOST (https://env.example.com) is ignored: target 'prod' names its own host "
        "(https://prod.example.com)",
    )
    dev = resolve_target(TARGETS, "dev", env=ENV, profiles_path=profiles)
    assert dev.notes == (
        "$GOODDATA_HOST (https://env.example.com) is ignored: target 'dev' names its own host "
        "(https://dev.example.com)",
    )
    same = resolve_target(TARGETS, "prod", env={**ENV, "GOODDATA_HOST": "https://prod.example.com/"})
    assert same.notes == ()


def test_a_host_taken_from_the_environment_is_stated() -> None:
    resolved = resolve_target(TARGETS, "local", env=ENV)
    assert resolved.notes == (
        "target 'local' names no host of its own: using $GOODDATA_HOST (https://env.example.com)",
    )


def test_a_flag_that_overrides_the_configured_host_is_stated(profiles: Path) -> None:
    by_host = resolve_target(TARGETS, "prod", env=NO_GD_ENV, host="https://flag.example.com")
    assert by_host.notes == (
        "--host overrides the host of target 'prod': using https://flag.example.com, "
        "not https://prod.example.com",
    )
    by_profile = resolve_target(TARGETS, "dev", env=NO_GD_ENV, profile="cli", profiles_path=profiles)
    assert by_profile.notes == (
        "--profile cli overrides the host of target 'dev': using https://cli.example.com, "
        "not https://dev.example.com of profile 'dev'",
    )
    # The target's profile need not be readable when flags replace it entirely.
    flags = {"host": "https://f.example.com", "token_env": "FLAG_TOKEN"}
    unread = resolve_target(TARGETS, "dev", env=NO_GD_ENV, profiles_path=profiles.parent / "absent", **flags)
    assert unread.notes == (
        "--host overrides the host of target 'dev': using https://f.example.com, "
        "not the host of profile 'dev'",
    )
    # The same host given again overrides nothing; a target without a host has nothing to override.
    assert resolve_target(TARGETS, "prod", env=NO_GD_ENV, host="https://PROD.example.com/").notes == ()
    flagged = resolve_target(
        TARGETS, "local", env=NO_GD_ENV, host="https://f.example.com", token_env="FLAG_TOKEN"
    )
    assert flagged.notes == ()


@pytest.mark.parametrize("flags", [{}, {"host": "https://flag.example.com"}])
def test_a_goodata_token_meant_for_another_host_is_refused(flags: dict[str, str]) -> None:
    env = {**NO_GD_ENV, "GOODDATA_HOST": "https://env.example.com", "GOODDATA_TOKEN": SECRET}
    with pytest.raises(ConfigError) as info:
        resolve_target(TARGETS, "bare", env=env, **flags)
    message = str(info.value)
    assert message.startswith("invalid config: target 'bare' connects to ")
    assert flags.get("host", "https://bare.example.com") in message
    assert "https://env.example.com" in message
    assert SECRET not in message
    assert info.value.exit_code == 3


def test_same_host_ignores_case_default_port_and_trailing_slash() -> None:
    assert same_host("https://a.example.com", "HTTPS://A.example.com:443/")
    assert same_host("http://127.0.0.1:3000/", "http://127.0.0.1:3000")
    assert not same_host("http://127.0.0.1:3000", "http://127.0.0.1:3001")
    assert not same_host("https://a.example.com", "http://a.example.com")
    assert not same_host("https://a.example.com", "https://b.example.com")


def test_local_target_is_the_embedded_organization() -> None:
    resolved = resolve_target(TARGETS, "local", env={"GOODDATA_TOKEN": "ignored"})
    assert resolved == ResolvedTarget(
        name="local", host=None, token=None, is_local=True, source="embedded organization"
    )
    assert resolve_target({}, "local", env={}).is_local  # needs no declaration at all


def test_token_env_flag_without_any_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="--token-env given"):
        resolve_target(TARGETS, "local", env=NO_GD_ENV, token_env="FLAG_TOKEN")


def test_missing_variable_is_named_without_any_value() -> None:
    env = {"GOODDATA_HOST": "https://env.example.com", "OTHER": SECRET}
    with pytest.raises(ConfigError) as info:
        resolve_target(TARGETS, "prod", env=env)
    assert str(info.value) == (
        "invalid config: the token of target 'prod' reads the environment variable PROD_TOKEN, "
        "which is not set"
    )
    with pytest.raises(ConfigError, match="--token-env reads the environment variable NOPE"):
        resolve_target(TARGETS, "prod", env=env, token_env="NOPE")


def test_empty_variable_counts_as_unset() -> None:
    with pytest.raises(ConfigError, match="PROD_TOKEN, which is not set"):
        resolve_target(TARGETS, "prod", env={"PROD_TOKEN": "  "})


def test_braced_reference_is_read_too() -> None:
    targets = {"x": TargetSpec(name="x", host="https://x.example.com", token="${X_TOKEN}")}
    assert resolve_target(targets, "x", env={"X_TOKEN": "xt"}).token == "xt"


def test_literal_token_in_reconciler_yaml_is_refused() -> None:
    targets = {"x": TargetSpec(name="x", host="https://x.example.com", token=SECRET)}
    with pytest.raises(ConfigError, match="a literal token in reconciler.yaml is refused") as info:
        resolve_target(targets, "x", env={})
    assert SECRET not in str(info.value)


def test_host_without_a_token_is_refused() -> None:
    targets = {"x": TargetSpec(name="x", host="https://x.example.com")}
    with pytest.raises(ConfigError, match="no token for target 'x'"):
        resolve_target(targets, "x", env={})


def test_unknown_target_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_target(TARGETS, "staging", env={})
    assert str(info.value) == "invalid config: unknown target 'staging' (targets: bare, dev, local, prod)"


def test_profile_target_without_a_profiles_file_is_refused() -> None:
    with pytest.raises(ConfigError, match="no profiles file"):
        resolve_target(TARGETS, "dev", env=NO_GD_ENV)


def test_resolved_target_never_shows_the_token() -> None:
    resolved = resolve_target(TARGETS, "prod", env={"PROD_TOKEN": SECRET})
    assert resolved.token == SECRET
    assert SECRET not in repr(resolved)
    assert SECRET not in str(resolved)
    assert SECRET not in resolved.source
    assert str(resolved) == "prod (https://prod.example.com)"


# -- profiles.yaml -----------------------------------------------------------------------------------


def test_new_format_profile_reads_the_token_variable(profiles: Path) -> None:
    assert load_profile(profiles, "dev", env={"DEV_TOKEN": "dev-tok"}) == (
        "https://dev.example.com",
        "dev-tok",
    )
    assert load_profile(profiles, "cli", env={}) == ("https://cli.example.com", "literal-cli-token")


def test_new_format_default_profile(profiles: Path) -> None:
    assert load_profile(profiles, "default", env={"DEV_TOKEN": "d"}) == ("https://dev.example.com", "d")


def test_new_format_ssl_ca_cert_reaches_the_resolved_target(profiles: Path) -> None:
    resolved = resolve_target(TARGETS, "dev", env=NO_GD_ENV, profiles_path=profiles)
    assert resolved.ca_bundle == str(Path("~/ca/dev.pem").expanduser())


def test_new_format_missing_variable(profiles: Path) -> None:
    with pytest.raises(ConfigError, match="reads the environment variable DEV_TOKEN, which is not set"):
        load_profile(profiles, "dev", env={})


def test_legacy_format(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text(LEGACY_FORMAT, encoding="utf-8")
    assert load_profile(path, "dev", env={}) == ("https://legacy-dev.example.com", "legacy-dev-token")
    with pytest.raises(ConfigError) as info:
        load_profile(path, "prod", env={})
    assert str(info.value) == f"invalid config: profile 'prod' not found in {path} (profiles: dev, other)"


def test_unknown_profile_lists_the_known_ones(profiles: Path) -> None:
    with pytest.raises(ConfigError, match=r"profile 'qa' not found in .* \(profiles: cli, dev\)"):
        load_profile(profiles, "qa", env={})


def test_missing_profiles_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GoodData profiles file .* not found"):
        load_profile(tmp_path / "absent.yaml", "dev", env={})


def test_profiles_file_with_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("profiles:\n  dev: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^invalid config: {path}:\d+:\d+: "):
        load_profile(path, "dev", env={})


def test_profile_without_host_or_token(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("profiles:\n  a: {token: t}\n  b: {host: https://b.example.com}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="profile 'a' .* has no host"):
        load_profile(path, "a", env={})
    with pytest.raises(ConfigError, match="profile 'b' .* has no token"):
        load_profile(path, "b", env={})
