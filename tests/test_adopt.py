"""`reconciler adopt` (issue 15 §1): the live organization's differences become minimal edits of the YAML.

Pure tests of reconciler/adopt.py on a copy of the example repository (its commented state files): the
live document is the state's own rendering, changed the way someone would change it in GoodData's UI.
After adopting, the state renders to exactly the live document again (an empty plan), and `git diff`
shows only the adopted entries.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reconciler.adopt import AdoptOptions, AdoptResult, plan_adopt
from reconciler.config import Config, load_config
from reconciler.engine import render_offline
from reconciler.layout import RenderOptions, canonical, render
from reconciler.source import load_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the example repository in git (so `git diff` shows what adopt changed)."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(ROOT / "state", root / "state", ignore=shutil.ignore_patterns("backups"))
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copy(ROOT / "reconciler.yaml", root / "reconciler.yaml")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.email=a@x", "-c", "user.name=A", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def config_of(root: Path) -> Config:
    return load_config(root / "reconciler.yaml", cwd=root)


def options_of(config: Config, protected: frozenset[str] = frozenset()) -> RenderOptions:
    policy = config.policy
    return RenderOptions(
        bootstrap_user=config.bootstrap.user,
        bootstrap_group=config.bootstrap.group,
        protected_users=protected | {config.bootstrap.user},
        prune=policy.prune,
        ignore_users=policy.ignore_users,
        ignore_groups=policy.ignore_groups,
    )


def live_of(root: Path) -> dict[str, Any]:
    """The organization as git says it is (the state's offline rendering), to be changed by a test."""
    config = config_of(root)
    return copy.deepcopy(dict(render_offline(config, load_state(config))))


def user(doc: dict[str, Any], uid: str) -> dict[str, Any]:
    return next(u for u in doc["users"] if u["id"] == uid)


def group(doc: dict[str, Any], gid: str) -> dict[str, Any]:
    return next(g for g in doc["userGroups"] if g["id"] == gid)


def refs(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "type": "userGroup"} for i in ids]


def adopt(
    root: Path, live: dict[str, Any], protected: frozenset[str] = frozenset(), **kw: Any
) -> AdoptResult:
    """plan_adopt, then write its files (as the CLI does)."""
    config = config_of(root)
    result = plan_adopt(config, load_state(config), live, options_of(config, protected), AdoptOptions(**kw))
    for path, text in result.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return result


def plan_is_empty(root: Path, live: dict[str, Any], protected: frozenset[str] = frozenset()) -> bool:
    config = config_of(root)
    return render(load_state(config), live, options_of(config, protected)) == canonical(live)


def changed(root: Path) -> list[str]:
    """The added and removed lines of `git diff` (untracked files included)."""
    subprocess.run(["git", "add", "-N", "."], cwd=root, check=True)
    out = subprocess.run(
        ["git", "diff", "-U0", "--no-color"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_no_drift_changes_nothing(repo: Path) -> None:
    result = adopt(repo, live_of(repo))
    assert not result.has_changes and result.summary() == "0 to add, 0 to change, 0 to remove"
    assert changed(repo) == []


def test_a_changed_field_is_edited_in_place_and_every_other_byte_kept(repo: Path) -> None:
    live = live_of(repo)
    user(live, "marcus.weber")["email"] = "marcus.w@acme-analytics.com"
    user(live, "marcus.weber")["firstname"] = "Mark"
    before = {p: p.read_bytes() for p in (repo / "state").rglob("*.yaml")}
    result = adopt(repo, live)
    assert result.changed == ("user marcus.weber",) and not result.added and not result.removed
    assert changed(repo) == [
        "-    email: marcus.weber@acme-analytics.com",
        "-    firstname: Marcus",
        "+    email: marcus.w@acme-analytics.com",
        "+    firstname: Mark",
    ]
    engineering = repo / "state" / "users" / "engineering.yaml"
    assert [p for p, b in before.items() if p.read_bytes() != b] == [engineering]
    text = engineering.read_text()
    assert "# policy.ignore.users glob" in text  # the header comment
    assert "userGroups: [engineering, adminGroup]     # an organization admin" in text  # olivia untouched
    assert plan_is_empty(repo, live)


def test_a_changed_membership_keeps_the_written_order(repo: Path) -> None:
    live = live_of(repo)
    user(live, "olivia.chen")["userGroups"] = refs("adminGroup", "engineering", "data-analytics")
    adopt(repo, live)
    assert changed(repo) == [
        "-    userGroups: [engineering, adminGroup]     # an organization admin besides the bootstrap user",
        "+    userGroups: [engineering, adminGroup, data-analytics] # an organization admin besides the "
        "bootstrap user",
    ]
    assert plan_is_empty(repo, live)


def test_a_live_user_not_declared_is_appended_where_most_users_are(repo: Path) -> None:
    live = live_of(repo)
    live["users"].append(
        {"id": "new.hire", "email": "new.hire@acme-analytics.com", "userGroups": refs("sales")}
    )
    result = adopt(repo, live)
    assert result.added == ("user new.hire",)
    assert changed(repo) == [
        "+  - id: new.hire",
        "+    email: new.hire@acme-analytics.com",
        "+    userGroups: [sales]",
    ]
    assert "new.hire" in (repo / "state" / "users" / "business.yaml").read_text()  # 10 of the users
    assert plan_is_empty(repo, live)


def test_into_names_the_file_for_new_entries(repo: Path) -> None:
    live = live_of(repo)
    live["users"].append({"id": "temp.one", "userGroups": refs("contractors")})
    live["userGroups"].append({"id": "temps", "name": "Temps", "parents": refs("contractors")})
    into = repo / "state" / "adopted.yaml"
    adopt(repo, live, into=into)
    assert into.read_text() == (
        "groups:\n  - id: temps\n    name: Temps\n    parents: [contractors]\n"
        "users:\n  - id: temp.one\n    userGroups: [contractors]\n"
    )
    assert plan_is_empty(repo, live)


def test_a_declared_entry_gone_from_live_is_removed_with_its_lines_only(repo: Path) -> None:
    live = live_of(repo)
    live["users"] = [u for u in live["users"] if u["id"] != "amelia.scott"]
    result = adopt(repo, live)
    assert result.removed == ("user amelia.scott",)
    assert changed(repo) == [
        "-  - id: amelia.scott",
        "-    email: amelia.scott@acme-analytics.com",
        "-    firstname: Amelia",
        "-    lastname: Scott",
        '-    authId: "oidc|60d28fc39415"',
        "-    userGroups: [sales]",
    ]
    assert "  # Sales\n" in (repo / "state" / "users" / "business.yaml").read_text()
    assert plan_is_empty(repo, live)


def test_groups_new_changed_and_removed(repo: Path) -> None:
    live = live_of(repo)
    group(live, "finance")["name"] = "Finance & Controlling"
    group(live, "marketing")["parents"] = refs("employees", "sales")
    live["userGroups"].append({"id": "auditors", "name": "Auditors"})
    result = adopt(repo, live)
    assert result.changed == ("group finance", "group marketing") and result.added == ("group auditors",)
    assert changed(repo) == [
        "-    name: Finance",
        "+    name: Finance & Controlling",
        "-    parents: [employees]",
        "+    parents: [employees, sales]",
        "+  - id: auditors",
        "+    name: Auditors",
    ]
    assert plan_is_empty(repo, live)


def test_only_fields_the_yaml_manages_are_written(repo: Path) -> None:
    live = live_of(repo)
    marcus = user(live, "marcus.weber")
    # settings are not managed on marcus (the YAML omits them): render carries them over, no drift
    marcus["settings"] = [{"id": "locale", "type": "LOCALE", "content": {"value": "de-DE"}}]
    del marcus["lastname"]  # managed, gone live: stays managed, as null (removed)
    marcus["userGroups"] = []  # managed, emptied
    adopt(repo, live)
    assert changed(repo) == [
        "-    lastname: Weber",
        "+    lastname: null",
        "-    userGroups: [engineering]",
        "+    userGroups: []",
    ]
    assert plan_is_empty(repo, live)


def test_ignored_bootstrap_and_token_owner_are_never_written(repo: Path) -> None:
    live = live_of(repo)
    live["users"].append({"id": "svc-etl", "firstname": "ETL"})  # policy.ignore.users: svc-*
    live["users"].append({"id": "robot", "userGroups": refs("adminGroup")})  # the token's owner
    user(live, "admin")["email"] = "admin@acme-analytics.com"  # the bootstrap user, not declared
    group(live, "adminGroup")["name"] = "Admins"  # the bootstrap group, not declared
    owner = frozenset({"robot"})
    result = adopt(repo, live, owner)
    assert not result.has_changes and changed(repo) == []
    assert plan_is_empty(repo, live, owner)


def test_a_group_an_adopted_entry_names_is_declared_too(repo: Path) -> None:
    live = live_of(repo)
    # robots: undeclared, kept by the plan because the ignored svc-ci is in it; its parent bots likewise
    live["userGroups"] += [{"id": "robots", "parents": refs("bots")}, {"id": "bots"}]
    live["users"].append({"id": "svc-ci", "userGroups": refs("robots")})
    assert plan_is_empty(repo, live)
    # in the UI: a person is put into robots, and a new user into the new group temps
    user(live, "marcus.weber")["userGroups"] = refs("engineering", "robots")
    live["userGroups"].append({"id": "temps"})
    live["users"].append({"id": "temp.one", "userGroups": refs("temps")})
    result = adopt(repo, live, only="users")
    assert result.added == ("user temp.one", "group robots", "group temps", "group bots")
    assert result.changed == ("user marcus.weber",)
    groups = (repo / "state" / "groups.yaml").read_text()
    assert groups.endswith("  - id: bots\n  - id: robots\n    parents: [bots]\n  - id: temps\n"), groups
    assert plan_is_empty(repo, live)
    assert "svc-ci" not in "".join(changed(repo))


def test_only_and_id_choose_what_is_adopted(repo: Path) -> None:
    live = live_of(repo)
    user(live, "marcus.weber")["firstname"] = "Mark"
    user(live, "priya.raman")["firstname"] = "Pri"
    group(live, "finance")["name"] = "Money"
    result = adopt(repo, live, only="groups")
    assert result.changed == ("group finance",)
    assert changed(repo) == ["-    name: Finance", "+    name: Money"]
    result = adopt(repo, live, ids=("priya.*",))
    assert result.changed == ("user priya.raman",)
    assert not plan_is_empty(repo, live)  # marcus is still drift
    adopt(repo, live, only="users", ids=("marcus.*", "nobody"))
    assert plan_is_empty(repo, live)


def test_cli_adopt_against_the_emulator_dry_run_refusal_and_write(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from reconciler.cli import cli
    from reconciler.emulator import DEFAULT_TOKEN, Emulator

    with Emulator() as emu:
        cfg = repo / "reconciler.yaml"
        cfg.write_text(
            cfg.read_text().replace(
                "  dev:\n", f"  emu:\n    host: {emu.url}\n    token: $ADOPT_TEST_TOKEN\n  dev:\n"
            )
        )
        monkeypatch.chdir(repo)

        def cli_run(*args: str) -> Any:
            env = {"ADOPT_TEST_TOKEN": DEFAULT_TOKEN, "GOODDATA_HOST": None, "GOODDATA_TOKEN": None}
            return CliRunner().invoke(cli, ["--target", "emu", *args], env=env, catch_exceptions=False)

        applied = cli_run("apply", "--auto-approve", "--no-commit")
        assert applied.exit_code == 0, applied.output
        live = emu.document()
        # in GoodData's UI: the group external-analysts deleted, so the contractors are no longer in it
        live["userGroups"] = [g for g in live["userGroups"] if g["id"] != "external-analysts"]
        for u in live["users"]:
            u["userGroups"] = [r for r in u.get("userGroups", []) if r["id"] != "external-analysts"]
        emu.replace_document(live)
        files = {p: p.read_bytes() for p in (repo / "state").rglob("*.yaml")}

        refused = cli_run("adopt", "--only", "groups")  # the users would still name the group
        assert refused.exit_code == 3, refused.output
        assert "the adopted state would be invalid" in refused.stderr
        assert "external-analysts" in refused.stderr
        assert {p: p.read_bytes() for p in files} == files  # put back

        dry = cli_run("adopt", "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert "-    userGroups: [contractors, external-analysts]" in dry.stdout
        assert "+    userGroups: [contractors]" in dry.stdout
        assert dry.stdout.endswith("Adopt (dry run): 0 to add, 3 to change, 1 to remove; nothing written.\n")
        assert {p: p.read_bytes() for p in files} == files

        done = cli_run("-q", "adopt")
        assert done.exit_code == 0, done.output
        assert done.stdout == (
            "Adopt complete: 0 to add, 3 to change, 1 to remove. Review with `git diff`, then commit.\n"
        )
        assert cli_run("plan", "--detailed-exitcode").exit_code == 0


def test_settings_and_permissions_are_written_as_people_write_them(repo: Path) -> None:
    live = live_of(repo)
    tz = {"content": {"value": "Europe/Prague"}, "id": "tz", "type": "TIMEZONE"}
    user(live, "jane.doe")["settings"].append(tz)  # jane.doe manages settings, in flow style
    see = {"assignee": {"id": "sales", "type": "userGroup"}, "name": "SEE"}
    live["users"].append({"id": "new.one", "settings": [tz], "permissions": [see]})
    adopt(repo, live)
    assert changed(repo) == [  # business.yaml, then data-analytics.yaml
        "+  - id: new.one",
        "+    settings:",
        "+      - {id: tz, type: TIMEZONE, content: {value: Europe/Prague}}",
        "+    permissions:",
        "+      - {name: SEE, assignee: {id: sales, type: userGroup}}",
        "+      - {id: tz, type: TIMEZONE, content: {value: Europe/Prague}}",
    ]
    assert plan_is_empty(repo, live)
