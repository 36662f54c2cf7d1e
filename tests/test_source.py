"""source: state files → DesiredState with field ownership and locations; problems; load_state."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import Config, load_config
from reconciler.errors import StateError
from reconciler.source import Location, Problem, Validation, load_state, validate_state

REPO = Path(__file__).resolve().parent.parent


def make(tmp_path: Path, files: dict[str, str], config: str | None = None) -> Config:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if config is not None:
        (tmp_path / "reconciler.yaml").write_text(config)
    return load_config(cwd=tmp_path)


def test_the_example_organization_is_valid_even_strictly() -> None:
    result = validate_state(load_config(REPO / "reconciler.yaml", cwd=REPO))
    assert result.problems == ()
    assert result.ok(strict=True)
    state = result.state
    assert (len(state.users), len(state.groups)) == (25, 8)
    assert "admin" not in state.users and "adminGroup" not in state.groups  # kept automatically
    assert not any(uid.startswith("svc-") for uid in state.users)  # svc-ci is ignored, managed outside git
    assert sum(1 for e in state.users.values() if e.fields.get("settings")) == 1
    assert state.users["jane.doe"].fields["settings"] == [
        {"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}}
    ]
    parents = {gid: tuple(e.fields.get("parents", ())) for gid, e in state.groups.items()}
    tops = {gid for gid, p in parents.items() if not p}
    assert tops and all(set(p) <= tops for p in parents.values())  # two levels


def test_fields_hold_exactly_what_the_yaml_wrote(tmp_path: Path) -> None:
    config = make(
        tmp_path,
        {
            "state/s.yaml": (
                "groups:\n"
                "  - id: g\n"
                "users:\n"
                "  - id: jane\n"
                "    email: null\n"
                "    userGroups: [g]\n"
                "    systemAccount: false\n"
                "  - id: john\n"
            )
        },
    )
    state = load_state(config)
    jane = state.users["jane"]
    assert dict(jane.fields) == {"email": None, "userGroups": ["g"], "systemAccount": False}
    assert jane.owns("email") and not jane.owns("firstname")
    assert jane.kind == "user" and jane.id == "jane"
    assert jane.location == Location("state/s.yaml", 4, 5)
    assert dict(jane.field_locations) == {
        "email": Location("state/s.yaml", 5, 5),
        "userGroups": Location("state/s.yaml", 6, 5),
        "systemAccount": Location("state/s.yaml", 7, 5),
    }
    assert dict(state.users["john"].fields) == {}
    assert state.groups["g"].kind == "group"
    assert state.files == ("state/s.yaml",)


def test_files_are_found_recursively_sorted_and_backups_skipped(tmp_path: Path) -> None:
    config = make(
        tmp_path,
        {
            "state/z.yml": "users: [{id: z}]\n",
            "state/a/b.yaml": "users: [{id: b}]\n",
            "state/backups/prod/x.yaml": "not: [valid\n",
            "state/elsewhere/old/x.yaml": "not: [valid\n",
            "state/notes.txt": "x: [\n",
        },
        config="backups: state/elsewhere\n",
    )
    result = validate_state(config)
    assert result.problems == ()
    assert result.state.files == ("state/a/b.yaml", "state/z.yml")
    assert list(result.state.users) == ["b", "z"]


def test_a_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    config = make(tmp_path, {"state/teams/a.yaml": "users: [{id: a}]\n"})
    (tmp_path / "state" / "teams" / "loop").symlink_to(tmp_path / "state")
    result = validate_state(config)
    assert result.problems == ()
    assert result.state.files == ("state/teams/a.yaml",)


def test_duplicates_keep_the_first_declaration(tmp_path: Path) -> None:
    config = make(
        tmp_path,
        {
            "state/a.yaml": "users: [{id: x, firstname: First}]\n",
            "state/b.yaml": "users: [{id: x, firstname: Second}]\n",
        },
    )
    result = validate_state(config)
    assert result.state.users["x"].fields == {"firstname": "First"}
    assert [p.rule for p in result.problems] == ["duplicate-id"]


def test_problem_str_and_ordering(tmp_path: Path) -> None:
    config = make(
        tmp_path,
        {
            "state/b.yaml": "users:\n  - id: x\n    userGroups: [nope]\n",
            "state/a.yaml": "users:\n  - id: 'bad id'\n",
        },
    )
    result = validate_state(config)
    assert [str(p) for p in result.problems] == [
        "state/a.yaml:2:9: error: users[0].id: 'bad id' is not a valid GoodData id: use letters, digits, "
        "'.', '_' or '-', no spaces, not starting with '.'",
        "state/b.yaml:3:18: error: user 'x': userGroups names unknown group 'nope' (not declared, not the "
        "bootstrap group, not matched by policy.ignore.groups)",
    ]
    assert str(Problem(Location("state"), "warning", "m", "r")) == "state: warning: m"


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    config = make(tmp_path, {"state/a.yaml": "users: [{id: a, email: X@y.z}, {id: b, email: x@Y.z}]\n"})
    result = validate_state(config)
    assert [p.severity for p in result.problems] == ["warning"]
    assert result.ok() and not result.ok(strict=True)
    assert load_state(config).users.keys() == {"a", "b"}
    with pytest.raises(StateError) as e:
        load_state(config, strict=True)
    assert str(e.value) == "invalid state: 0 errors, 1 warning (run `reconciler validate` for details)"
    assert e.value.problems == result.problems


def test_load_state_raises_with_every_problem(tmp_path: Path) -> None:
    config = make(tmp_path, {"state/a.yaml": "users: [{id: a, userGroups: [x]}, {id: b, userGroups: [y]}]\n"})
    with pytest.raises(StateError) as e:
        load_state(config)
    assert str(e.value) == "invalid state: 2 errors (run `reconciler validate` for details)"
    assert [p.rule for p in e.value.problems] == ["unknown-group", "unknown-group"]
    assert e.value.exit_code == 3


def test_references_to_bootstrap_and_ignored_groups_resolve(tmp_path: Path) -> None:
    config = make(
        tmp_path,
        {"state/a.yaml": "users: [{id: a, userGroups: [adminGroup, legacy-x]}]\n"},
        config="policy: {ignore: {groups: [legacy-*]}}\n",
    )
    assert validate_state(config).problems == ()


def test_bootstrap_user_rule_applies_only_when_memberships_are_managed(tmp_path: Path) -> None:
    ok = make(tmp_path, {"state/a.yaml": "users: [{id: admin, email: a@b.c}]\n"})
    assert validate_state(ok).problems == ()
    (tmp_path / "state/a.yaml").write_text("users: [{id: admin, userGroups: []}]\n")
    assert [p.rule for p in validate_state(ok).problems] == ["bootstrap-membership"]
    (tmp_path / "state/a.yaml").write_text("users: [{id: admin, userGroups: [adminGroup]}]\n")
    assert validate_state(ok).problems == ()


def test_a_long_cycle_is_found_in_linear_time(tmp_path: Path) -> None:
    n = 5_000
    groups = "".join(f"  - {{id: g{i}, parents: [g{(i + 1) % n}]}}\n" for i in range(n))
    result = validate_state(make(tmp_path, {"state/g.yaml": "groups:\n" + groups}))
    assert [p.rule for p in result.problems] == ["parent-cycle"]
    assert result.problems[0].message.startswith("group parents form a cycle: g0 -> g1 -> g2 -> ")
    assert result.problems[0].message.endswith(f" -> g{n - 1} -> g0")


def test_missing_state_dir_and_empty_state(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert [(p.rule, p.severity) for p in validate_state(config).problems] == [("state-dir", "error")]
    (tmp_path / "state").mkdir()
    result = validate_state(config)
    assert [(p.rule, p.severity) for p in result.problems] == [("no-state", "warning")]
    assert isinstance(result, Validation) and result.ok() and not result.ok(strict=True)
