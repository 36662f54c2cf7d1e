"""`reconciler validate`: the example state, the three output formats, strictness and exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.report.problems import REPORTERS, GithubReporter, escape_data, escape_property
from reconciler.source import DesiredState, Location, Problem, Validation

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_example_state_is_valid() -> None:
    code, out, err = invoke("--config", str(REPO / "reconciler.yaml"), "validate", "--strict")
    assert (code, out, err) == (0, "ok: 25 users, 8 groups in 5 files\n", "")


def test_json_of_the_example() -> None:
    code, out, _ = invoke("--config", str(REPO / "reconciler.yaml"), "validate", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "valid": True,
        "strict": False,
        "errors": 0,
        "warnings": 0,
        "files": 5,
        "users": 25,
        "groups": 8,
        "problems": [],
    }


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "a.yaml").write_text(
        "users:\n  - id: jane\n    email: J@x.io\n  - id: jim\n    email: j@X.io\n    userGroups: [ghost]\n"
    )
    (tmp_path / "reconciler.yaml").write_text("state: state\n")
    return tmp_path / "reconciler.yaml"


def test_json_shape_with_problems(tmp_path: Path) -> None:
    code, out, _ = invoke("--config", str(_tree(tmp_path)), "validate", "--format", "json")
    assert code == 3
    body = json.loads(out)
    assert body == {
        "valid": False,
        "strict": False,
        "errors": 1,
        "warnings": 1,
        "files": 1,
        "users": 2,
        "groups": 0,
        "problems": [
            {
                "file": "state/a.yaml",
                "line": 5,
                "column": 5,
                "severity": "warning",
                "rule": "duplicate-email",
                "message": "user 'jim': email 'j@X.io' is also the email of user 'jane' (state/a.yaml:3:5)",
            },
            {
                "file": "state/a.yaml",
                "line": 6,
                "column": 18,
                "severity": "error",
                "rule": "unknown-group",
                "message": "user 'jim': userGroups names unknown group 'ghost' (not declared, not the "
                "bootstrap group, not matched by policy.ignore.groups)",
            },
        ],
    }


def test_text_format_and_count_line(tmp_path: Path) -> None:
    code, out, _ = invoke("--config", str(_tree(tmp_path)), "validate")
    assert code == 3
    assert out.splitlines() == [
        "state/a.yaml:5:5: warning: user 'jim': email 'j@X.io' is also the email of user 'jane' "
        "(state/a.yaml:3:5)",
        "state/a.yaml:6:18: error: user 'jim': userGroups names unknown group 'ghost' (not declared, not the "
        "bootstrap group, not matched by policy.ignore.groups)",
        "1 error, 1 warning in 1 file",
    ]


def test_github_format_exact(tmp_path: Path) -> None:
    code, out, _ = invoke("--config", str(_tree(tmp_path)), "validate", "--format", "github")
    assert code == 3
    assert out == (
        "::warning file=state/a.yaml,line=5,col=5,title=reconciler validate (duplicate-email)::"
        "user 'jim': email 'j@X.io' is also the email of user 'jane' (state/a.yaml:3:5)\n"
        "::error file=state/a.yaml,line=6,col=18,title=reconciler validate (unknown-group)::user 'jim': "
        "userGroups names unknown group 'ghost' (not declared, not the bootstrap group, not matched by "
        "policy.ignore.groups)\n"
    )


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("dir:a,b/100%\n.yaml") == "dir%3Aa%2Cb/100%25%0A.yaml"
    problems = (
        Problem(Location("state/we,ird:name%.yaml", 3, 7), "error", "50% of\nthe: text, here", "schema"),
        Problem(Location("state"), "warning", "no state files", "no-state"),
    )
    stream = io.StringIO()
    GithubReporter(stream).report(Validation(DesiredState({}, {}), problems), strict=True)
    assert stream.getvalue() == (
        "::error file=state/we%2Cird%3Aname%25.yaml,line=3,col=7,title=reconciler validate (schema)::"
        "50%25 of%0Athe: text, here\n"
        "::error file=state,title=reconciler validate (no-state)::no state files\n"
    )


def test_strict_turns_warnings_into_failures(tmp_path: Path) -> None:
    config = _tree(tmp_path)
    (tmp_path / "state" / "a.yaml").write_text("users: [{id: a, email: x@y.z}, {id: b, email: X@Y.Z}]\n")
    code, out, _ = invoke("--config", str(config), "validate")
    assert code == 0 and out.endswith("ok: 2 users, 0 groups in 1 file (1 warning)\n")
    code, out, _ = invoke("--config", str(config), "validate", "--strict")
    assert code == 3 and out.endswith("0 errors, 1 warning in 1 file\n")
    code, out, _ = invoke("--config", str(config), "validate", "--strict", "--format", "github")
    assert code == 3 and out.startswith("::error ")


def test_a_config_error_exits_3_and_names_the_location(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text("targets:\n  prod: {token: hunter2}\n")
    code, out, err = invoke("--config", str(tmp_path / "reconciler.yaml"), "validate")
    assert code == 3 and out == ""
    assert "reconciler.yaml:2:17: targets.prod.token: a literal token is refused" in err
    assert "hunter2" not in err


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    code, _, err = invoke("--config", str(tmp_path / "nope.yaml"), "validate")
    assert code == 3 and "cannot read" in err


def test_formats_come_from_the_registry() -> None:
    assert sorted(REPORTERS) == ["github", "json", "text"]
    code, out, _ = invoke("validate", "--help")
    assert code == 0
    assert "[github|json|text]" in out and "Examples:" in out and "reconciler validate --strict" in out
    code, _, _ = invoke("validate", "--format", "xml")
    assert code == 64


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_every_format_reports_a_valid_state(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "a.yaml").write_text("groups: [{id: g}]\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("validate", "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["valid"] is True
    else:
        assert out == {"text": "ok: 0 users, 1 group in 1 file\n", "github": ""}[fmt]
