"""The sync workflow rehearsed (issue 13): an HR export becomes one pull request per target with the plan.

The same bare-repository-as-GitHub, emulator-as-prod and fake `gh` as tests/test_gitops.py; every step runs
`.github/scripts/gitops.py sync` exactly as the workflow step does.
"""

from __future__ import annotations

from pathlib import Path

from test_gitops import USERS, Runner, ci_checkout, emu, git, laptop, run  # noqa: F401 - fixtures

from reconciler.emulator import Emulator

HEADER = "user_id,firstname,lastname,email,auth_id,user_groups\n"


def export(root: Path, rows: list[str]) -> None:
    (root / "exports").mkdir(exist_ok=True)
    (root / "exports" / "users.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    git(root, "add", "exports")
    git(root, "commit", "-qm", "HR export")
    git(root, "push", "-q", "origin", "HEAD:main")


SAME = ["jane,,,jane@acme.com,auth0|jane,analysts", "joe,,,joe@acme.com,auth0|joe,everyone"]


def sync(run: Runner, tmp_path: Path, name: str) -> tuple[int, str, str]:  # noqa: F811
    ci = ci_checkout(tmp_path, name)
    done = run(
        ci,
        "sync",
        "--target",
        "prod",
        "--kind",
        "users",
        "--mode",
        "full",
        "--export",
        "exports/users.csv",
        "--out-dir",
        str(tmp_path / f"{name}-out"),
    )
    return done.returncode, done.stdout, done.stderr


def test_rehearsal_the_export_opens_updates_and_closes_one_pull_request(
    tmp_path: Path,
    emu: Emulator,  # noqa: F811 - the fixture
    laptop: Path,  # noqa: F811
    run: Runner,  # noqa: F811
) -> None:
    applied = run(
        ci_checkout(tmp_path, "ci-apply"), "apply", "--target", "prod", "--out-dir", str(tmp_path / "a")
    )
    assert applied.returncode == 0, applied.stderr
    before = emu.document()

    # The export adds bob: a pull request with the plan, on the sync branch.
    export(laptop, [*SAME, "bob,Bob,Stone,bob@acme.com,auth0|bob,analysts"])
    code, out, err = sync(run, tmp_path, "ci-1")
    assert code == 0, err
    assert "sync pull request for prod: opened" in out
    (pr,) = run.gh()["prs"]
    assert pr["head"] == "reconciler/sync-prod" and pr["base"] == "main"
    assert pr["body"].startswith("<!-- reconciler-sync:prod -->\n`reconciler load users.csv --kind users")
    assert "+ create user bob" in pr["body"] and "Plan: 1 to add, 0 to change, 0 to destroy." in pr["body"]
    branch = git(laptop, "ls-remote", "origin", "refs/heads/reconciler/sync-prod")
    assert branch, "the sync branch was pushed"
    git(laptop, "fetch", "-q", "origin")
    diff = git(laptop, "diff", "origin/main", "origin/reconciler/sync-prod", "--", "state")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed[0] == "+- id: bob" and all(line.startswith("+") for line in changed)
    assert emu.document() == before  # a sync writes nothing to the organization

    # The next export also changes joe: the same pull request is updated.
    export(
        laptop,
        [SAME[0], "joe,,,joe.smith@acme.com,auth0|joe,everyone", "bob,Bob,Stone,bob@acme.com,,analysts"],
    )
    code, out, err = sync(run, tmp_path, "ci-2")
    assert code == 0 and "sync pull request for prod: updated" in out, err
    (pr,) = run.gh()["prs"]
    assert '"joe@acme.com" -> "joe.smith@acme.com"' in pr["body"]

    # The export goes back to what git says: the pull request is closed and its branch deleted.
    export(laptop, SAME)
    code, out, err = sync(run, tmp_path, "ci-3")
    assert code == 0 and "sync pull request for prod: closed" in out, err
    (pr,) = run.gh()["prs"]
    assert pr["state"] == "closed" and pr["branch_deleted"] and "matches the state" in pr["closing_comment"]
    assert [u["id"] for u in USERS] == ["jane", "joe"]


def test_a_bad_export_fails_the_run_and_opens_nothing(
    tmp_path: Path,
    laptop: Path,  # noqa: F811 - the fixture
    run: Runner,  # noqa: F811
) -> None:
    export(laptop, ["bad id,,,,,"])
    code, _out, err = sync(run, tmp_path, "ci-bad")
    assert code == 3
    assert "user_id: 'bad id' is not a valid GoodData id" in err
    assert "prs" not in run.gh() or not run.gh()["prs"]
