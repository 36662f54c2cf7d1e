"""Issue 15 §2, acceptance 2: `history` and `review` from the git history of the state files.

A generated repository (benchmarks/history.py: GitHub merge commits and squash merges of numbered PRs)
knows, for every membership, the mainline commit that gave it; the review must name that commit, its date,
author and PR. `--as-of` must match a checkout of that date followed by `render`. A small hand-made
repository (real `git merge --no-ff`) checks `history` line by line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from benchmarks.history import START, STEP, Truth, build
from benchmarks.history import main as bench_main
from reconciler.cli import cli
from reconciler.gitlog import pull_request_of


def run(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(
        cli, [*args, "--config", str(root / "reconciler.yaml")], catch_exceptions=False
    )
    return result


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    root = tmp_path_factory.mktemp("history") / "repo"
    return root, build(root, users=600, commits=150, seed=7)


def _review(root: Path, *args: str) -> dict[str, Any]:
    result = run(root, "review", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_the_review_names_the_commit_date_author_and_pr_of_every_membership(
    generated: tuple[Path, Truth],
) -> None:
    root, truth = generated
    doc = _review(root)
    rows = {(r["user"], r["group"]): r for r in doc["memberships"] if r["group"] is not None}
    assert set(rows) == set(truth.given)
    prs = set()
    for key, mark in truth.given.items():
        row = rows[key]
        author, email, when, pr = truth.mainline[mark]
        assert row["commit"] == truth.shas[mark], key
        assert datetime.fromisoformat(row["since"]) == datetime.fromtimestamp(when, UTC), key
        assert (row["author"], row["email"], row["pr"]) == (author, email, pr), key
        prs.add(pr)
    assert None in prs and len(prs) > 20  # the initial direct commit, and many merged PRs
    assert any(a.startswith("Approver") for a, *_ in truth.mainline.values())  # merge commits' authors
    assert doc["users"] == len({u for u, _ in truth.given})


def test_the_review_says_which_groups_a_membership_implies(generated: tuple[Path, Truth]) -> None:
    root, _ = generated
    rows = _review(root)["memberships"]
    team = next(r for r in rows if r["group"] == "team-000")
    assert team["implies"] == ["employees"]
    project = next(r for r in rows if r["group"].startswith("proj-"))
    assert project["implies"][-1] == "team-" + project["implies"][-1][5:]
    assert "employees" in project["implies"] and len(project["implies"]) == 2


def _rendered_memberships(root: Path, rev: str, clone: Path) -> dict[str, set[str]]:
    """`git checkout` of `rev` in a clone, then `reconciler render`: each declared user's groups."""
    if not clone.exists():
        subprocess.run(["git", "clone", "--quiet", str(root), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", "--force", rev], cwd=clone, check=True)
    result = run(clone, "render")
    assert result.exit_code == 0, result.output
    layout = json.loads(result.stdout)
    return {
        u["id"]: {g["id"] for g in u.get("userGroups", [])} for u in layout["users"] if u["id"] != "admin"
    }


@pytest.mark.parametrize("day", [0, 1, 3, 4])
def test_as_of_matches_a_checkout_of_that_date_and_render(
    generated: tuple[Path, Truth], tmp_path: Path, day: int
) -> None:
    root, truth = generated
    date = datetime.fromtimestamp(START + day * 24 * 3600, UTC).date().isoformat()
    rev = subprocess.run(
        ["git", "rev-list", "-1", "--first-parent", f"--before={date}T23:59:59Z", "main"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    expected = _rendered_memberships(root, rev, tmp_path / "clone")
    doc = _review(root, "--as-of", date)
    reviewed: dict[str, set[str]] = {}
    for row in doc["memberships"]:
        groups = reviewed.setdefault(row["user"], set())
        if row["group"] is not None:
            groups.add(row["group"])
    assert reviewed == expected
    assert doc["as_of"]["commit"] == rev
    head = subprocess.run(["git", "rev-parse", "main"], cwd=root, capture_output=True, text=True, check=True)
    assert (rev == head.stdout.strip()) == (day >= 4)  # a date inside the history, or after its end


def test_as_of_before_the_first_commit_is_an_empty_review(generated: tuple[Path, Truth]) -> None:
    root, _ = generated
    doc = _review(root, "--as-of", "2025-12-31")
    assert doc == {"as_of": None, "users": 0, "memberships": []}


def test_the_csv_has_a_header_and_reads_with_a_dict_reader(generated: tuple[Path, Truth]) -> None:
    root, truth = generated
    result = run(root, "review", "--format", "csv")
    assert result.exit_code == 0, result.output
    header = b"user,group,since,commit,pr,author,email,subject,implies,access\r\n"  # RFC 4180 line ends
    assert result.stdout_bytes.startswith(header)
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode(), newline="")))
    assert len(rows) == len(_review(root)["memberships"])
    memberships = {(r["user"], r["group"]): r for r in rows if r["group"]}
    assert set(memberships) == set(truth.given)
    some = next(r for r in rows if r["pr"])
    assert some["subject"] and some["commit"] and int(some["pr"]) > 0
    proj = next(r for r in rows if r["group"].startswith("proj-"))
    assert proj["implies"].startswith("employees; team-")


def test_markdown_is_a_table_with_a_row_per_membership(generated: tuple[Path, Truth]) -> None:
    root, truth = generated
    result = run(root, "review", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("## Access review: ")
    assert lines[2] == "| User | Group | Since | Commit | PR | Author | Implies |"
    assert len([line for line in lines if line.startswith("| u")]) == len(_review(root)["memberships"])


def _git(root: Path, *args: str, who: str = "Alice", when: int = 0) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who,
        "GIT_AUTHOR_EMAIL": f"{who.lower()}@acme.test",
        "GIT_COMMITTER_NAME": who,
        "GIT_COMMITTER_EMAIL": f"{who.lower()}@acme.test",
        "GIT_AUTHOR_DATE": f"{START + when * STEP} +0000",
        "GIT_COMMITTER_DATE": f"{START + when * STEP} +0000",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    out = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _merge_pr(root: Path, number: int, branch: str, *, who: str, when: int) -> None:
    """Merge `branch` into main the way GitHub's merge button does (`Merge pull request #N from …`)."""
    _git(root, "checkout", "-q", "main")
    msg = f"Merge pull request #{number} from acme/{branch}"
    _git(root, "merge", "-q", "--no-ff", "-m", msg, branch, who=who, when=when)


@pytest.fixture
def handmade(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """main: Alice's direct commit; PR #7 (Bob's branch, merged by Carol); PR #8 squashed by Dave."""
    root = tmp_path / "repo"
    (root / "state").mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "reconciler.yaml").write_text("state: state\n")
    groups = "groups:\n  - id: eng\n  - id: fin\n    parents: [eng]\n"
    (root / "state" / "groups.yaml").write_text(groups)
    (root / "state" / "users.yaml").write_text("users:\n  - id: ann\n    userGroups: [eng]\n  - id: ben\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial state", when=1)
    shas = {"initial": _git(root, "rev-parse", "HEAD")}
    _git(root, "checkout", "-q", "-b", "fin-access")
    (root / "state" / "users.yaml").write_text(
        "users:\n  - id: ann\n    userGroups: [eng, fin]\n  - id: ben\n    userGroups:\n      - fin\n"
    )
    _git(root, "commit", "-q", "-am", "give ann and ben fin", who="Bob", when=2)
    _merge_pr(root, 7, "fin-access", who="Carol", when=3)
    shas["pr7"] = _git(root, "rev-parse", "HEAD")
    (root / "state" / "users.yaml").write_text(
        "users:\n  - id: ann\n    userGroups: [fin]\n  - id: ben\n    userGroups:\n      - fin\n"
    )
    (root / "README").write_text("not state\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "ann leaves eng (#8)", who="Dave", when=4)
    shas["pr8"] = _git(root, "rev-parse", "HEAD")
    yield root, shas


def test_history_of_a_user_names_each_commit_author_and_pr(handmade: tuple[Path, dict[str, str]]) -> None:
    root, shas = handmade
    result = run(root, "history", "ann", "--format", "json")
    assert result.exit_code == 0, result.output
    changes = [
        (c["commit"], c["author"], c["pr"], c["relation"], c["group"], c["change"], c["file"])
        for c in json.loads(result.stdout)["changes"]
    ]
    assert changes == [
        (shas["initial"], "Alice", None, "declared", None, "added", "state/users.yaml"),
        (shas["initial"], "Alice", None, "member", "eng", "added", "state/users.yaml"),
        (shas["pr7"], "Carol", 7, "member", "fin", "added", "state/users.yaml"),
        (shas["pr8"], "Dave", 8, "member", "eng", "removed", "state/users.yaml"),
    ]
    text = run(root, "history", "ann").stdout.splitlines()
    assert text[3] == (
        f"2026-01-01 13:00 +0000  {shas['pr8'][:12]}  PR #8     Dave <dave@acme.test>  "
        "- user ann member of eng  (state/users.yaml)"
    )
    assert text[-1] == "4 changes to ann"


def test_history_of_a_group_lists_its_members_and_parents(handmade: tuple[Path, dict[str, str]]) -> None:
    root, shas = handmade
    doc = json.loads(run(root, "history", "fin", "--format", "json").stdout)
    assert [(c["kind"], c["id"], c["relation"], c["group"], c["pr"]) for c in doc["changes"]] == [
        ("group", "fin", "declared", None, None),
        ("group", "fin", "parent", "eng", None),
        ("user", "ann", "member", "fin", 7),
        ("user", "ben", "member", "fin", 7),
    ]
    since = json.loads(run(root, "history", "eng", "--since", "2026-01-01T12:00", "--format", "json").stdout)
    assert [(c["id"], c["change"]) for c in since["changes"]] == [("ann", "removed")]
    assert since["since"] == "2026-01-01T12:00:00+00:00"


def test_review_of_the_handmade_history(handmade: tuple[Path, dict[str, str]]) -> None:
    root, shas = handmade
    rows = {(r["user"], r["group"]): r for r in _review(root)["memberships"]}
    assert set(rows) == {("ann", "fin"), ("ben", "fin")}
    assert rows[("ann", "fin")]["commit"] == shas["pr7"] and rows[("ann", "fin")]["implies"] == ["eng"]
    before = {
        (r["user"], r["group"]): r["commit"]
        for r in _review(root, "--as-of", "2026-01-01T11:30")["memberships"]
    }
    assert before == {("ann", "eng"): shas["initial"], ("ben", None): shas["initial"]}


def test_moving_an_entry_between_files_is_no_change_and_deleting_a_file_is(
    handmade: tuple[Path, dict[str, str]],
) -> None:
    root, shas = handmade
    (root / "state" / "users.yaml").write_text("users:\n  - id: ann\n    userGroups: [fin]\n")
    (root / "state" / "more.yml").write_text("users:\n  - id: ben\n    userGroups: [fin]\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "ben gets a file of his own", when=5)
    assert len(json.loads(run(root, "history", "ben", "--format", "json").stdout)["changes"]) == 2
    (root / "state" / "more.yml").unlink()
    (root / "state" / "backups").mkdir()
    (root / "state" / "backups" / "local.yaml").write_text("users:\n  - id: ben\n    userGroups: [eng]\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "ben leaves (#9)", who="Erin", when=6)
    changes = json.loads(run(root, "history", "ben", "--format", "json").stdout)["changes"]
    assert [(c["relation"], c["group"], c["change"], c["pr"], c["file"]) for c in changes[2:]] == [
        ("member", "fin", "removed", 9, "state/more.yml"),
        ("declared", None, "removed", 9, "state/more.yml"),
    ]
    assert {r["user"] for r in _review(root)["memberships"]} == {"ann"}  # backups are not state


def test_a_shallow_clone_is_warned_about(handmade: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, _ = handmade
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True)
    result = CliRunner().invoke(cli, ["review", "--config", str(clone / "reconciler.yaml")])
    assert result.exit_code == 0
    assert "warning: this is a shallow clone" in result.stderr


def test_an_unknown_principal_is_a_usage_error(handmade: tuple[Path, dict[str, str]]) -> None:
    root, _ = handmade
    result = run(root, "history", "nobody")
    assert result.exit_code == 64
    assert "no user or group 'nobody' in the history of state" in result.output


def test_outside_a_git_repository_is_an_error_in_words(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "reconciler.yaml").write_text("state: state\n")
    result = run(tmp_path, "review")
    assert result.exit_code == 1
    assert "history error: " in result.output and "is not in a git repository" in result.output


def test_bad_dates_are_usage_errors(handmade: tuple[Path, dict[str, str]]) -> None:
    root, _ = handmade
    result = run(root, "review", "--as-of", "2026-02-30")
    assert result.exit_code == 64 and "is not a date" in result.output


@pytest.mark.parametrize(
    ("subject", "pr"),
    [
        ("Merge pull request #12 from acme/branch", 12),
        ("Give ann fin (#34)", 34),
        ("Give ann fin (#34) ", 34),
        ("Fix #12 in the docs", None),
        ("Merge branch 'main' into x", None),
    ],
)
def test_the_pr_number_of_a_subject(subject: str, pr: int | None) -> None:
    assert pull_request_of(subject) == pr


def test_the_benchmark_runs_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = bench_main(["--users", "300", "--commits", "40", "--workdir", str(tmp_path)])
    assert result["commits"] == 40
    assert result["review_rows"] >= 300


def test_grant_history_names_each_commit_author_and_pr(handmade: tuple[Path, dict[str, str]]) -> None:
    """A grant added in PR #10 (merge) and changed in PR #11 (squash), for a user and for a group."""
    root, shas = handmade
    _git(root, "checkout", "-q", "-b", "grants")
    (root / "state" / "ws.yaml").write_text(
        "workspaces:\n  - id: sales\n    permissions:\n      - {group: fin, grant: [VIEW]}\n"
        "    hierarchyPermissions:\n      - {user: ann, grant: [ANALYZE]}\n"
        "organization:\n  permissions:\n    - {group: fin, grant: [BASE_UI_ACCESS]}\n"
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "grant sales", who="Bob", when=5)
    _merge_pr(root, 10, "grants", who="Carol", when=6)
    shas["pr10"] = _git(root, "rev-parse", "HEAD")
    (root / "state" / "ws.yaml").write_text(
        "workspaces:\n  - id: sales\n    permissions:\n"
        "      - {group: fin, grant: [ANALYZE, VIEW], expires: 2027-03-31}\n"
        "    hierarchyPermissions:\n      - {user: ann, grant: [ANALYZE], expires: 2027-06-30}\n"
        "organization:\n  permissions: []\n"
    )
    _git(root, "commit", "-q", "-am", "widen fin on sales (#11)", who="Dave", when=7)
    shas["pr11"] = _git(root, "rev-parse", "HEAD")
    fin = json.loads(run(root, "history", "fin", "--format", "json").stdout)["changes"]
    grants = [
        (c["commit"], c["author"], c["pr"], c["change"], c["on"], c["grant"], c["previous"])
        for c in fin
        if c["relation"] == "grant"
    ]
    assert grants == [
        (
            shas["pr10"],
            "Carol",
            10,
            "added",
            "the organization",
            {"grant": ["BASE_UI_ACCESS"], "expires": None},
            None,
        ),
        (shas["pr10"], "Carol", 10, "added", "workspace sales", {"grant": ["VIEW"], "expires": None}, None),
        (
            shas["pr11"],
            "Dave",
            11,
            "removed",
            "the organization",
            None,
            {"grant": ["BASE_UI_ACCESS"], "expires": None},
        ),
        (
            shas["pr11"],
            "Dave",
            11,
            "changed",
            "workspace sales",
            {"grant": ["ANALYZE", "VIEW"], "expires": "2027-03-31"},
            {"grant": ["VIEW"], "expires": None},
        ),
    ]
    assert all(c["file"] == "state/ws.yaml" and c["group"] is None for c in fin if c["relation"] == "grant")
    ann = json.loads(run(root, "history", "ann", "--format", "json").stdout)["changes"]
    assert [(c["pr"], c["change"], c["on"]) for c in ann if c["relation"] == "grant"] == [
        (10, "added", "workspace sales and its children"),
        (11, "changed", "workspace sales and its children"),
    ]
    text = run(root, "history", "ann").stdout.splitlines()
    assert text[-2] == (
        f"2026-01-01 16:00 +0000  {shas['pr11'][:12]}  PR #11    Dave <dave@acme.test>  "
        "~ user ann grant on workspace sales and its children: [ANALYZE] -> [ANALYZE] expires 2027-06-30"
        "  (state/ws.yaml)"
    )
    assert text[-3].endswith(
        "+ user ann grant [ANALYZE] on workspace sales and its children  (state/ws.yaml)"
    )
    assert "PR #10    Carol" in text[-3]
    assert text[-1] == "6 changes to ann"


def test_a_state_without_grant_keys_is_not_parsed_for_grants() -> None:
    from reconciler.grant_versions import declares_grants, grants_in

    assert not declares_grants(b"users:\n  - id: ann\n    # workspaces: not a key\n")
    assert grants_in(b"users:\n  - id: ann\n") == {}
    assert grants_in(b"organization:\n  permissions:\n    - {user: ann, role: viewer}\n") == {
        ("user", "ann", "the organization"): (("role:viewer",), None)
    }
