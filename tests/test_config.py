"""config: reconciler.yaml → Config, with defaults, locations in errors, and no literal tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import Bootstrap, Config, MaxDeletions, Policy, find_config, load_config
from reconciler.errors import ConfigError, ExitCode
from reconciler.targets import TargetSpec

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reconciler.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config == Config(
        path=None,
        root=tmp_path.resolve(),
        state_dir=tmp_path.resolve() / "state",
        backups_dir=tmp_path.resolve() / "state" / "backups",
        default_target="local",
        targets={"local": TargetSpec("local")},
        bootstrap=Bootstrap(),
        policy=Policy(),
    )
    assert config.policy.max_deletions == MaxDeletions(users=10, groups=5, percent=25.0)


def test_cwd_reconciler_yaml_is_used_when_present(tmp_path: Path) -> None:
    write(tmp_path, "state: desired\n")
    config = load_config(cwd=tmp_path)
    assert config.path == (tmp_path / "reconciler.yaml").resolve()
    assert config.state_dir == (tmp_path / "desired").resolve()
    assert config.backups_dir == (tmp_path / "desired" / "backups").resolve()


def test_the_example_reconciler_yaml() -> None:
    config = load_config(REPO / "reconciler.yaml", cwd=Path("/"))
    assert config.root == REPO
    assert config.state_dir == REPO / "state"
    assert config.backups_dir == REPO / "state" / "backups"
    assert config.default_target == "local"
    assert config.targets == {
        "local": TargetSpec("local"),
        "prod": TargetSpec("prod", host="https://acme.cloud.gooddata.com", token="$GOODDATA_TOKEN_PROD"),
        "dev": TargetSpec("dev", profile="dev"),
    }
    assert config.bootstrap == Bootstrap(user="admin", group="adminGroup")
    assert config.policy == Policy(
        prune=True,
        ignore_users=("svc-*",),
        ignore_groups=(),
        max_deletions=MaxDeletions(users=10, groups=5, percent=25.0),
    )


def test_paths_resolve_against_the_config_directory(tmp_path: Path) -> None:
    sub = tmp_path / "conf"
    sub.mkdir()
    write(
        sub, "state: org/../desired\nbackups: keep/gd\npolicy: {max_deletions: {users: null, percent: 10}}\n"
    )
    config = load_config(Path("conf/reconciler.yaml"), cwd=tmp_path)
    assert config.root == sub.resolve()
    assert config.state_dir == (sub / "desired").resolve()
    assert config.backups_dir == (sub / "keep" / "gd").resolve()
    assert config.policy.max_deletions == MaxDeletions(users=None, groups=5, percent=10.0)


def test_an_empty_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "# nothing yet\n"), cwd=tmp_path)
    assert config.policy == Policy() and config.default_target == "local"


def test_a_literal_token_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write(tmp_path, "targets:\n  prod:\n    host: https://x.example\n    token: s3cr3t-t0ken\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, cwd=tmp_path)
    message = str(e.value)
    assert "s3cr3t" not in message
    assert message == (
        "invalid config: reconciler.yaml:4:12: targets.prod.token: a literal token is refused; "
        "write $NAME to read it from the environment variable NAME"
    )
    assert e.value.exit_code == ExitCode.INVALID


@pytest.mark.parametrize("target", ["prod: s3cr3t", "prod: {token: 12345678}", "prod: {token: [s3cr3t]}"])
def test_no_token_shape_is_echoed(tmp_path: Path, target: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, f"targets:\n  {target}\n"), cwd=tmp_path)
    assert "s3cr3t" not in str(e.value) and "12345678" not in str(e.value)


def test_bad_keys_are_reported_at_their_location(tmp_path: Path) -> None:
    path = write(tmp_path, "state: state\npolicy:\n  prune: true\n  ignore: {user: [x]}\nbogus: 1\n")
    with pytest.raises(ConfigError) as e:
        load_config(path, cwd=tmp_path)
    assert str(e.value) == (
        "invalid config:\n"
        "  reconciler.yaml:4:12: policy.ignore: unknown key 'user' "
        "(expected one of: groups, users, workspaces)\n"
        "  reconciler.yaml:5:1: unknown key 'bogus' (expected one of: backups, bootstrap, default_target, "
        "policy, state, targets)"
    )


def test_default_target_must_exist(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"reconciler.yaml:1:17: default_target: 'prod' is not one of the "
        r"targets \(local\)",
    ):
        load_config(write(tmp_path, "default_target: prod\n"), cwd=tmp_path)


def test_yaml_errors_and_missing_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"reconciler.yaml:2:1: "):
        load_config(write(tmp_path, "state: [x\n"), cwd=tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml", cwd=tmp_path)
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(write(tmp_path, "- a\n"), cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"reconciler.yaml:2:1: duplicate key 'state'"):
        load_config(write(tmp_path, "state: a\nstate: b\n"), cwd=tmp_path)


def test_relative_is_posix_and_relative_to_root(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.relative(tmp_path / "state" / "a" / "b.yaml") == "state/a/b.yaml"
    assert config.relative(Path("/elsewhere/x.yaml")) == "/elsewhere/x.yaml"


def test_find_config_walks_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path.resolve() / "repo"
    deep = repo / "docs" / "a" / "b"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    write(tmp_path, "state: above\n")  # above the repository: never used
    nothing = find_config(deep)
    assert (nothing.config, nothing.root) == (None, None)
    assert nothing.searched == (deep, deep.parent, repo / "docs", repo)
    assert nothing.describe() == (
        f"no reconciler.yaml in {deep}, {deep.parent}, {repo / 'docs'} or {repo} "
        "(the search stops at the repository root)"
    )
    write(repo, "state: state\n")
    found = find_config(deep)
    assert (found.config, found.root, found.searched) == (repo / "reconciler.yaml", repo, nothing.searched)
    config = load_config(cwd=deep)
    assert (config.path, config.root, config.state_dir) == (repo / "reconciler.yaml", repo, repo / "state")


def test_a_directory_with_a_state_directory_ends_the_search_with_the_defaults(tmp_path: Path) -> None:
    repo = tmp_path.resolve()
    write(repo, "state: elsewhere\n")
    project = repo / "nested" / "project"
    (project / "state" / "users").mkdir(parents=True)
    config = load_config(cwd=project / "state" / "users")
    assert (config.path, config.root, config.state_dir) == (None, project, project / "state")
    assert config.describe_search() == (
        f"no reconciler.yaml in {project / 'state' / 'users'}, {project / 'state'} or {project} "
        f"(the defaults apply: {project} holds a state directory)"
    )


def test_find_config_outside_a_repository_walks_to_the_filesystem_root(tmp_path: Path) -> None:
    search = find_config(tmp_path)
    if search.root is None:  # a stray reconciler.yaml or state/ above would end the search early: right
        assert search.searched[0] == tmp_path.resolve()
        assert search.searched[-1] == Path(tmp_path.resolve().anchor)
        assert search.stop == "the search stops at the filesystem root"
