"""Errors that help (issue 10 §5): the id rule in words, did-you-mean, e-mail warnings, uncommitted state."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from reconcile_helpers import Repo, git, user

from reconciler.cli import cli
from reconciler.config import load_config
from reconciler.emulator import Emulator
from reconciler.pattern_words import ID_PATTERN, id_problem
from reconciler.schema import load_schema
from reconciler.source import validate_state
from reconciler.source.suggest import BUDGET, Suggester
from reconciler.uncommitted import Uncommitted, uncommitted_state_files

RULE = "use letters, digits, '.', '_' or '-', no spaces, not starting with '.'"
UNKNOWN = "(not declared, not the bootstrap group, not matched by policy.ignore.groups)"
TOKEN = "tok-messages-4471"


def problems(tmp_path: Path, state: str, config: str | None = None) -> list[str]:
    (tmp_path / "state").mkdir(exist_ok=True)
    (tmp_path / "state" / "a.yaml").write_text(state, encoding="utf-8")
    if config is not None:
        (tmp_path / "reconciler.yaml").write_text(config, encoding="utf-8")
    return [str(p) for p in validate_state(load_config(cwd=tmp_path)).problems]


def validate(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "reconciler.yaml"), "validate", *args])
    return result.exit_code, result.stdout


# --- the id rule in words -------------------------------------------------------------------------------


def test_the_issue_example_in_words(tmp_path: Path) -> None:
    assert problems(tmp_path, "users:\n  - id: priya raman\n") == [
        f"state/a.yaml:2:9: error: users[0].id: 'priya raman' is not a valid GoodData id: {RULE}"
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("priya raman", RULE),
        (".hidden", RULE),
        ("sales/emea", f"{RULE} ('/' is not allowed)"),
        ("a:b,c", f"{RULE} (':' and ',' are not allowed)"),
        ("a\tb", f"{RULE} ('\\t' is not allowed)"),
        ("josé", f"{RULE} ('é' is not allowed; letters are A-Z and a-z only)"),
        ("!@#$%^&", f"{RULE} ('!', '@', '#', '$', '%' and 2 more are not allowed)"),
        ("", "it is empty (an id has 1 to 255 characters)"),
        ("x" * 256, "at most 255 characters, this one has 256"),
        (" " + "x" * 300, f"{RULE}; at most 255 characters, this one has 301"),
        (
            "x/" * 60_000,
            f"{RULE} ('/' is not allowed in its first 100000 characters); at most 255 characters, this one "
            "has 120000",
        ),
    ],
)
def test_why_an_id_is_not_valid(value: str, why: str) -> None:
    assert id_problem(value) == why


@pytest.mark.parametrize("value", ["a", "jane.doe", "A-Z_09", "x." * 127 + "x", "-", "_x", "a..b"])
def test_valid_ids_have_no_problem(value: str) -> None:
    assert id_problem(value) is None


def test_the_words_are_the_schemas_rule() -> None:
    """Every schema writes the id rule as ID_PATTERN, and id_problem accepts exactly what it accepts."""
    state, config = load_schema("state-file.schema.json"), load_schema("config.schema.json")
    layout = load_schema("layout.schema.json")
    assert state["$defs"]["id"]["pattern"] == ID_PATTERN
    assert config["properties"]["bootstrap"]["properties"]["user"]["pattern"] == ID_PATTERN
    assert layout["$defs"]["id"]["pattern"] == ID_PATTERN
    rng = random.Random(10)
    alphabet = "aZ09._- /é\n"
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    samples += ["x" * 255, "x" * 256, "." + "x" * 254]
    for s in samples:
        matches = re.search(ID_PATTERN, s) is not None and not s.endswith("\n")  # the ECMA `$` of the schema
        assert (id_problem(s) is None) == matches, repr(s)


def test_bootstrap_ids_of_the_config_in_words(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text("bootstrap:\n  user: my admin\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "reconciler.yaml"), "validate"])
    assert result.exit_code == 3
    assert (
        "reconciler.yaml:2:9: bootstrap.user: 'my admin' is not a valid GoodData id: " + RULE in result.stderr
    )


def test_a_setting_type_and_a_host_in_words(tmp_path: Path) -> None:
    settings = "users:\n  - id: a\n    settings: [{id: locale, type: locale}]\n"
    assert problems(tmp_path, settings) == [
        "state/a.yaml:3:35: error: users[0].settings[0].type: 'locale' is not a valid setting type: "
        "use upper-case letters A-Z, digits and '_', starting with a letter: did you mean 'LOCALE'?"
    ]
    (tmp_path / "reconciler.yaml").write_text("targets:\n  prod:\n    host: acme.com\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "reconciler.yaml"), "validate"])
    assert (
        "reconciler.yaml:3:11: targets.prod.host: 'acme.com' is not a host URL: write https:// (or http://) "
        "and the host name, e.g. https://acme.cloud.gooddata.com" in result.stderr
    )


def test_a_target_name_that_cannot_be_a_directory_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "targets:\n  local: {}\n  ../x:\n    host: https://acme.example.com\n    token: $T\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "reconciler.yaml"), "validate"])
    assert result.exit_code == 3
    assert (
        "targets: '../x' is not a valid target name: use letters, digits, '.', '_' or '-' (at most 63), "
        "starting with a letter or digit: the name is also the directory of its backups" in result.stderr
    )


# --- did you mean ---------------------------------------------------------------------------------------

GROUPS = (
    "groups:\n  - id: engineering\n  - id: analysts\n  - id: sales\n    parents: [enginering, sales-all]\n"
)


def test_a_users_unknown_group_suggests_the_closest(tmp_path: Path) -> None:
    found = problems(tmp_path, GROUPS + "users:\n  - id: jane\n    userGroups: [Engineering, analyst, eng]\n")
    assert found[2:] == [
        f"state/a.yaml:8:18: error: user 'jane': userGroups names unknown group 'Engineering' {UNKNOWN}; "
        "did you mean 'engineering'?",
        f"state/a.yaml:8:31: error: user 'jane': userGroups names unknown group 'analyst' {UNKNOWN}; "
        "did you mean 'analysts'?",
        f"state/a.yaml:8:40: error: user 'jane': userGroups names unknown group 'eng' {UNKNOWN}",
    ]


def test_a_groups_unknown_parent_suggests_the_closest_but_never_itself(tmp_path: Path) -> None:
    found = problems(tmp_path, GROUPS)
    assert found == [
        f"state/a.yaml:5:15: error: group 'sales': parents names unknown group 'enginering' {UNKNOWN}; "
        "did you mean 'engineering'?",
        f"state/a.yaml:5:27: error: group 'sales': parents names unknown group 'sales-all' {UNKNOWN}",
    ]


def test_the_bootstrap_group_and_permissions_are_suggested_too(tmp_path: Path) -> None:
    state = (
        "groups:\n  - id: analysts\n"
        "users:\n  - id: jane\n    userGroups: [admingroup]\n"
        "    permissions: [{name: SEE, assignee: {id: analyts, type: userGroup}}]\n"
    )
    assert problems(tmp_path, state) == [
        f"state/a.yaml:5:18: error: user 'jane': userGroups names unknown group 'admingroup' {UNKNOWN}; "
        "did you mean 'adminGroup'?",
        "state/a.yaml:6:19: error: user 'jane': permissions[0] names unknown group 'analyts'; "
        "did you mean 'analysts'?",
    ]


def test_several_close_ids_best_first() -> None:
    s = Suggester(["team-a", "team-b", "team-c", "team-d", "other"])
    assert s.hint("team-e") == "; did you mean 'team-a', 'team-b' or 'team-c'?"
    # only those about as close as the best: 'sales-emea' (0.89) and 'sales-eu' (0.88), not 'sales' (0.77)
    assert Suggester(["sales", "sales-eu", "sales-emea"]).hint("sales-em") == (
        "; did you mean 'sales-emea' or 'sales-eu'?"
    )
    assert Suggester(["team1", "team10", "team11"]).hint("tema1") == "; did you mean 'team1'?"
    assert s.hint("zzz") == ""
    assert Suggester(["Ops", "ops"]).closest("OPS") == ["Ops", "ops"]


def test_suggestions_have_a_budget() -> None:
    """Thousands of distinct unknown ids against thousands of groups stay fast: past the budget, no hint."""
    s = Suggester([f"group-{i}" for i in range(10_000)])
    hints = [s.hint(f"group-{i}x") for i in range(BUDGET // 10_000 + 5)]
    assert hints[0] == "; did you mean 'group-0'?"
    assert hints[BUDGET // 10_000 - 1] != "" and hints[BUDGET // 10_000 :] == [""] * 5


# --- e-mail addresses -----------------------------------------------------------------------------------

EMAILS = (
    "users:\n"
    "  - {id: a, email: jane.doe@acme.com}\n"
    "  - {id: b, email: jane.doe(at)acme.com}\n"
    "  - {id: c, email: 'jane doe@acme.com'}\n"
    "  - {id: d, email: jane@localhost}\n"
    "  - {id: e, email: ''}\n"
    "  - {id: f, email: null}\n"
    "  - {id: g, email: j+tag@mail.acme.co.uk}\n"
)
EMAIL_WARNINGS = [
    "state/a.yaml:3:13: warning: user 'b': email 'jane.doe(at)acme.com' is not an e-mail address "
    "(expected name@domain.tld, without spaces)",
    "state/a.yaml:4:13: warning: user 'c': email 'jane doe@acme.com' is not an e-mail address "
    "(expected name@domain.tld, without spaces)",
    "state/a.yaml:5:13: warning: user 'd': email 'jane@localhost' is not an e-mail address "
    "(expected name@domain.tld, without spaces)",
    "state/a.yaml:6:13: warning: user 'e': email '' is not an e-mail address "
    "(expected name@domain.tld, without spaces)",
]


def test_an_email_that_is_not_an_address_is_a_warning(tmp_path: Path) -> None:
    assert problems(tmp_path, EMAILS, "state: state\n") == EMAIL_WARNINGS
    code, out = validate(tmp_path)
    assert code == 0
    assert out == "\n".join(EMAIL_WARNINGS) + "\nok: 7 users, 0 groups in 1 file (4 warnings)\n"


def test_an_email_that_is_not_an_address_fails_with_strict(tmp_path: Path) -> None:
    problems(tmp_path, EMAILS, "state: state\n")
    code, out = validate(tmp_path, "--strict")
    assert code == 3
    assert out == "\n".join(EMAIL_WARNINGS) + "\n0 errors, 4 warnings in 1 file\n"


# --- applying state that git does not hold --------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    with Emulator(token=TOKEN) as emu:
        yield Repo(tmp_path / "org", emu, TOKEN).setup()


def commit(repo: Repo) -> None:
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-qm", "state")


def test_uncommitted_state_is_reported_per_file(repo: Repo) -> None:
    config = load_config(repo.root / "reconciler.yaml", cwd=repo.root)
    assert uncommitted_state_files(config) == []
    repo.write_state(groups=[{"id": "everyone"}], users=[])
    (repo.root / "state" / "new.yml").write_text("users: []\n")
    (repo.root / "state" / "notes.txt").write_text("not a state file\n")
    (repo.root / "state" / "backups" / "test").mkdir(parents=True)
    (repo.root / "state" / "backups" / "test" / "old.yaml").write_text("{}\n")
    assert uncommitted_state_files(config) == [
        Uncommitted("state/groups.yaml", "modified"),
        Uncommitted("state/new.yml", "untracked"),
    ]
    git(repo.root, "add", "state/groups.yaml", "state/new.yml")
    git(repo.root, "rm", "-q", "state/users.yaml")  # the same content as new.yml: git sees a rename
    assert uncommitted_state_files(config) == [
        Uncommitted("state/groups.yaml", "modified"),
        Uncommitted("state/new.yml", "renamed"),
        Uncommitted("state/users.yaml", "deleted"),
    ]
    (repo.root / "state" / "new.yml").write_text("groups: []\n")
    git(repo.root, "add", "state/new.yml")
    assert Uncommitted("state/new.yml", "added") in uncommitted_state_files(config)
    commit(repo)
    assert uncommitted_state_files(config) == []


def test_not_in_git_is_not_a_question_of_commits(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "a.yaml").write_text("users: []\n")
    assert uncommitted_state_files(load_config(cwd=tmp_path)) == []


def test_applying_uncommitted_state_to_a_real_target_warns(repo: Repo) -> None:
    repo.write_state(groups=[{"id": "everyone"}], users=[user("jane", "everyone")])
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 2 added, 0 changed, 0 destroyed." in result.stdout
    assert (
        "warning: uncommitted changes in the state files (state/groups.yaml modified, state/users.yaml "
        "modified): the state applied to test will not be in git; commit it so that git records what was "
        "applied\n"
    ) in result.stderr
    assert [u["id"] for u in repo.emulator.document()["users"]] == ["admin", "jane"]


def test_committed_state_applies_without_the_warning(repo: Repo) -> None:
    repo.write_state(groups=[{"id": "everyone"}], users=[user("jane", "everyone")])
    commit(repo)
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "uncommitted" not in result.stderr


def test_the_local_target_does_not_warn(repo: Repo) -> None:
    repo.write_state(groups=[{"id": "everyone"}], users=[user("jane", "everyone")])
    result = repo.run("--target", "local", "apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Apply complete: 2 added" in result.stdout
    assert "uncommitted" not in result.stderr


def test_quiet_apply_does_not_warn(repo: Repo) -> None:
    repo.write_state(groups=[{"id": "everyone"}], users=[])
    result = repo.run("-q", "apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "uncommitted" not in result.stderr


def test_without_git_the_question_never_fails(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write_state(groups=[{"id": "everyone"}], users=[])
    monkeypatch.setenv("PATH", str(repo.root / "no-such-bin"))
    assert uncommitted_state_files(load_config(repo.root / "reconciler.yaml", cwd=repo.root)) == []
