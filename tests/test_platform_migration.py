"""The older GoodData platform as a target, end to end through the CLI (issue 16, acceptance 1 and 3):
import from the older platform, plan against it empty, plan the migration to an empty GoodData Cloud
organization, apply it, plan against both empty; and the apply's faults (per-user failures inside a 200,
the server gone between the domain users and the memberships)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from reconcile_helpers import git

from reconciler.cli import cli
from reconciler.client.platform import PlatformClient
from reconciler.emulator import DEFAULT_TOKEN, Emulator, Fault
from reconciler.emulator.platform import PlatformEmulator

ADMIN = "root@acme.example"
PASSWORD = "pw-migration-7Hq2"
ROLES = ("adminRole", "editorRole", "readOnlyUserRole", "dashboardOnlyRole", "explorerRole")
BUNDLES = {
    "adminRole": ["MANAGE"],
    "editorRole": ["ANALYZE", "EXPORT"],
    "readOnlyUserRole": ["EXPORT", "VIEW"],
    "dashboardOnlyRole": ["VIEW"],
    "explorerRole": ["ANALYZE", "CREATE_AUTOMATION", "EXPORT"],  # the target's `roles` adds it
}
GROUPS = [f"Team {i}" for i in range(10)]


def pid(i: int) -> str:
    return f"p{i:031d}"


@pytest.fixture
def platform() -> Iterator[PlatformEmulator]:
    with PlatformEmulator(admin_login=ADMIN, admin_password=PASSWORD) as emu:
        yield emu


@pytest.fixture
def cloud() -> Iterator[Emulator]:
    with Emulator(token=DEFAULT_TOKEN) as emu:
        yield emu


def seed(emu: PlatformEmulator, users: int = 500, projects: int = 20) -> None:
    """`users` users in `projects` projects with five roles, ten groups, some DISABLED; the
    executing admin is an admin of every project."""
    rnd = random.Random(16)
    logins = [f"user{i:04d}@acme.example" for i in range(users)]
    for i, login in enumerate(logins):
        emu.add_domain_user(login, first_name=f"First{i}", last_name=f"Last{i}")
    team = {login: GROUPS[i % len(GROUPS)] for i, login in enumerate(logins)}
    for p in range(projects):
        emu.add_project(pid(p), f"Project {p}")
        emu.add_member(pid(p), ADMIN, "adminRole")
        chosen = rnd.sample(logins, 60)
        for login in chosen:
            status = "DISABLED" if rnd.random() < 0.1 else "ENABLED"
            emu.add_member(pid(p), login, rnd.choice(ROLES), status)
        members = sorted(chosen)
        for name in GROUPS[p % 3 :: 3]:  # groups of one name have the same members in every project
            emu.add_group(pid(p), name, [m for m in members if team[m] == name])


class Repo:
    """A git work tree whose reconciler.yaml has the older platform (`legacy`) and Cloud (`cloud`)."""

    def __init__(self, root: Path, platform: PlatformEmulator, cloud: Emulator | None, projects: int) -> None:
        self.root = root
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.email", "admin@example.com")
        git(root, "config", "user.name", "Admin")
        targets: dict[str, Any] = {
            "legacy": {
                "platform": "gooddata-platform",
                "host": platform.url,
                "domain": platform.domain,
                "login": ADMIN,
                "password": "$LEGACY_PASSWORD",
                "projects": {f"project-{p}": pid(p) for p in range(projects)},
                "roles": {"explorerRole": BUNDLES["explorerRole"]},
            }
        }
        if cloud is not None:
            targets["cloud"] = {"host": cloud.url, "token": "$CLOUD_TOKEN"}
        config = {
            "state": "state",
            "default_target": "legacy",
            "targets": targets,
            "policy": {"max_deletions": {"users": 10, "groups": 5, "percent": 90, "grants": 100000}},
        }
        (root / "reconciler.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        (root / "state").mkdir()
        git(root, "add", "-A")
        git(root, "commit", "-qm", "init")

    def run(self, *args: str) -> Result:
        env = {"LEGACY_PASSWORD": PASSWORD, "CLOUD_TOKEN": DEFAULT_TOKEN, "NO_COLOR": "1"}
        env |= {"GOODDATA_HOST": None, "GOODDATA_TOKEN": None}  # type: ignore[dict-item]
        return CliRunner().invoke(
            cli, ["--config", str(self.root / "reconciler.yaml"), *args], env=env, catch_exceptions=False
        )

    def write(self, rel: str, data: Any) -> None:
        (self.root / "state" / rel).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    def read(self, rel: str) -> Any:
        return yaml.safe_load((self.root / "state" / rel).read_text(encoding="utf-8"))


def test_import_from_the_older_platform_plan_empty_migrate_to_cloud_and_both_plan_empty(
    tmp_path: Path, platform: PlatformEmulator, cloud: Emulator
) -> None:
    seed(platform)
    for p in range(20):
        cloud.add_workspace(f"project-{p}", name=f"Project {p}")
    repo = Repo(tmp_path / "org", platform, cloud, 20)

    imported = repo.run("--target", "legacy", "import", "--force")
    assert imported.exit_code == 0, imported.output
    users = repo.read("users.yaml")["users"]
    assert len(users) == 501  # the 500 and the executing admin
    assert {g["id"] for g in repo.read("groups.yaml")["groups"]} == {n.replace(" ", "_") for n in GROUPS}
    assert sorted(repo.read("roles.yaml")["roles"]) == sorted(ROLES)
    assert any(u.get("status") == "disabled" for u in users)  # DISABLED in every project it is in
    workspaces = repo.read("workspaces.yaml")["workspaces"]
    assert len(workspaces) == 20 and {w["id"] for w in workspaces} == {f"project-{p}" for p in range(20)}

    legacy = repo.run("--target", "legacy", "plan", "--detailed-exitcode")
    assert legacy.exit_code == 0, legacy.output
    assert "No changes" in legacy.stdout

    migration = repo.run("--target", "cloud", "plan", "--format", "json")
    assert migration.exit_code == 0, migration.output
    plan = json.loads(migration.stdout)
    created = {c["id"] for c in plan["changes"] if c["op"] == "create" and c["kind"] == "user"}
    assert len(created) == 501
    assert {c["id"] for c in plan["changes"] if c["op"] == "create" and c["kind"] == "group"} >= {
        n.replace(" ", "_") for n in GROUPS
    }
    # Each ENABLED member's role is its workspace permissions on Cloud, through the roles bundles.
    member = next(m for m in platform.members(pid(3)) if m["status"] == "ENABLED" and m["login"] != ADMIN)
    uid = member["login"].replace("@", "_at_")
    bundle = BUNDLES[member["roles"][0]]
    perms = plan["documents"]["workspaces/project-3.permissions"]["permissions"]
    assert sorted(p["name"] for p in perms if p["assignee"]["id"] == uid) == sorted(bundle)

    applied = repo.run("--target", "cloud", "apply", "--auto-approve", "--allow-deletions", "0")
    assert applied.exit_code == 0, applied.output
    for target in ("cloud", "legacy"):
        again = repo.run("--target", target, "plan", "--detailed-exitcode")
        assert again.exit_code == 0, (target, again.output)
        assert "No changes" in again.stdout


def small(platform: PlatformEmulator) -> None:
    platform.add_project(pid(0), "Sales")
    platform.add_member(pid(0), ADMIN, "adminRole")
    platform.add_domain_user("old@acme.example")
    platform.add_member(pid(0), "old@acme.example", "editorRole")


STATE_USERS = [
    {"id": "root", "email": ADMIN},
    *(
        {"id": f"u{i}", "email": f"u{i}@acme.example", "firstname": f"U{i}", "lastname": "X"}
        for i in range(5)
    ),
]


def write_viewers(repo: Repo) -> None:
    """The state STATE_USERS: root manages project 0, u0..u4 view it."""
    repo.write("users.yaml", {"users": STATE_USERS})
    grants = [{"user": "root", "grant": ["MANAGE"]}] + [
        {"user": f"u{i}", "grant": ["VIEW"]} for i in range(5)
    ]
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": grants}]})


def test_a_plan_and_apply_of_the_state_on_the_older_platform_disable_not_delete(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    repo.write("users.yaml", {"users": STATE_USERS})
    grants = [{"user": "root", "role": "adminRole"}] + [
        {"user": f"u{i}", "grant": ["VIEW"]} for i in range(5)
    ]
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": grants}]})
    repo.write("roles.yaml", {"roles": {"adminRole": ["MANAGE"]}})
    plan = repo.run("plan")
    assert plan.exit_code == 0, plan.output
    assert 'members[old@acme.example]: "editorRole, ENABLED" -> "editorRole, DISABLED"' in plan.stdout
    assert "old@acme.example loses" in plan.stdout  # the effective-access lines
    markdown = repo.run("plan", "--format", "markdown")
    assert markdown.exit_code == 0 and "old@acme.example" in markdown.stdout
    as_json = json.loads(repo.run("plan", "--format", "json").stdout)
    assert set(as_json["documents"]) == {
        "platform.users",
        f"projects/{pid(0)}.users",
        f"projects/{pid(0)}.userGroups",
    }
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    by_login = {m["login"]: m for m in platform.members(pid(0))}
    assert by_login["old@acme.example"]["status"] == "DISABLED"
    assert {by_login[f"u{i}@acme.example"]["roles"][0] for i in range(5)} == {"dashboardOnlyRole"}
    files = git(repo.root, "show", "--stat", "--format=%s", "HEAD")
    assert "platform.users.json" in files and f"projects/{pid(0)}.users.json" in files
    assert repo.run("plan", "--detailed-exitcode").exit_code == 0


def test_the_executing_login_is_never_disabled(tmp_path: Path, platform: PlatformEmulator) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    repo.write("users.yaml", {"users": STATE_USERS})
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": []}]})
    refused = repo.run("apply", "--auto-approve")
    assert refused.exit_code == 4, refused.output
    assert f"disables or removes the executing login {ADMIN}" in refused.output


def test_two_failing_users_are_reported_by_login_the_rest_applied_verified_and_restorable(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    platform.add_domain_user("x1@other.example", domain="other")  # registered in another domain
    platform.add_domain_user("x2@other.example", domain="other")
    repo = Repo(tmp_path / "org", platform, None, 1)
    users = [
        *STATE_USERS,
        {"id": "x1", "email": "x1@other.example", "userGroups": ["team"]},
        {"id": "x2", "email": "x2@other.example"},
    ]
    users[1] = {**users[1], "userGroups": ["team"]}
    repo.write("users.yaml", {"users": users})
    repo.write("groups.yaml", {"groups": [{"id": "team", "name": "Team"}]})
    grants = [{"user": u["id"], "grant": ["ANALYZE", "EXPORT"]} for u in users if u["id"] != "root"]
    grants += [{"user": "root", "grant": ["MANAGE"]}, {"group": "team", "grant": ["VIEW"]}]
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": grants}]})
    before = {m["login"]: m for m in platform.members(pid(0))}

    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 1, applied.output
    assert "apply failed for 2 user(s): x1@other.example" in applied.output
    assert (
        "x2@other.example" in applied.output and "everything else was applied and verified" in applied.output
    )
    by_login = {m["login"]: m for m in platform.members(pid(0))}
    assert {by_login[f"u{i}@acme.example"]["roles"][0] for i in range(5)} == {"editorRole"}
    assert "x1@other.example" not in by_login and "x2@other.example" not in by_login
    assert by_login["old@acme.example"]["status"] == "DISABLED"
    (team,) = platform.groups(pid(0))
    assert (team["name"], team["members"]) == ("Team", ["u0@acme.example"])  # x1 failed: not in the group

    rev = git(repo.root, "log", "-1", "--format=%H").strip()
    restored = repo.run("restore", "--from", rev, "--auto-approve", "--allow-deletions", "5")
    assert restored.exit_code == 0, restored.output
    after = {m["login"]: m for m in platform.members(pid(0))}
    assert {k: (v["roles"][0], v["status"]) for k, v in after.items() if k in before} == {
        k: (v["roles"][0], v["status"]) for k, v in before.items()
    }
    assert {after[f"u{i}@acme.example"]["status"] for i in range(5)} == {"DISABLED"}  # added after the backup
    assert [(g["name"], g["members"]) for g in platform.groups(pid(0))] == [("Team", [])]  # created after it


def test_the_server_gone_between_domain_users_and_memberships_names_what_was_written(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    write_viewers(repo)
    platform.faults.add(Fault.status(503), method="POST", path=f"/gdc/projects/{pid(0)}/users", times=20)
    failed = repo.run("apply", "--auto-approve")
    assert failed.exit_code == 1, failed.output
    assert "written before the failure: the domain's users" in failed.output
    assert f"not written (or only in part): the members of project {pid(0)}" in failed.output
    assert "reconciler restore" in failed.output
    assert {u["login"] for u in platform.domain_users()} >= {f"u{i}@acme.example" for i in range(5)}


class ExpiringOnce(PlatformEmulator):
    """Ends every TT once, right after the first member POST of `path` is answered: the next call meets
    the recorded 401 challenge (deterministic, whatever the machine's speed)."""

    def __init__(self, path: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.trigger = path
        self.fired = False

    def record(self, method: str, path: str, status: int | None, trace_id: str, body: bytes | None) -> None:
        super().record(method, path, status, trace_id, body)
        if not self.fired and method == "POST" and path.startswith(self.trigger):
            self.fired = True
            self.expire_tokens(tt=True)


def test_a_tt_that_expires_mid_apply_is_refreshed_and_the_apply_completes(tmp_path: Path) -> None:
    with ExpiringOnce("/gdc/account/domains/", admin_login=ADMIN, admin_password=PASSWORD) as platform:
        small(platform)
        repo = Repo(tmp_path / "org", platform, None, 1)
        write_viewers(repo)
        platform.clear_request_log()
        applied = repo.run("apply", "--auto-approve")  # the TT ends after the first domain user is created
        assert applied.exit_code == 0, applied.output
        assert platform.fired
        log = platform.request_log
        first = next(
            i for i, r in enumerate(log) if r.method == "POST" and r.path.startswith("/gdc/account/d")
        )
        assert log[first + 1].status == 401 and log[first + 2].path == "/gdc/account/token"
        ups = {m["roles"][0] for m in platform.members(pid(0)) if m["login"].startswith("u")}
        assert ups == {"dashboardOnlyRole"}


def test_invite_true_invites_a_user_who_is_not_a_member_instead_of_adding_it(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    users = [*STATE_USERS, {"id": "new", "email": "new@acme.example", "invite": True, "firstname": "New"}]
    repo.write("users.yaml", {"users": users})
    grants = [{"user": "root", "grant": ["MANAGE"]}, {"user": "new", "grant": ["ANALYZE", "EXPORT"]}]
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": grants}]})
    plan = repo.run("plan")
    assert f"user new@acme.example will be invited to project {pid(0)} as editorRole" in plan.stdout
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    (sent,) = platform.outbox
    assert (sent["email"], sent["project"], sent["firstname"]) == ("new@acme.example", pid(0), "New")
    assert "new@acme.example" not in {m["login"] for m in platform.members(pid(0))}
    assert "new@acme.example" not in {u["login"] for u in platform.domain_users()}


def test_remove_members_removes_instead_of_disabling(tmp_path: Path, platform: PlatformEmulator) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    config = yaml.safe_load((repo.root / "reconciler.yaml").read_text())
    config["targets"]["legacy"]["remove_members"] = True
    (repo.root / "reconciler.yaml").write_text(yaml.safe_dump(config))
    repo.write("users.yaml", {"users": STATE_USERS[:1]})
    repo.write(
        "workspaces.yaml",
        {"workspaces": [{"id": "project-0", "permissions": [{"user": "root", "grant": ["MANAGE"]}]}]},
    )
    applied = repo.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert {m["login"] for m in platform.members(pid(0))} == {ADMIN}


def test_a_saved_plan_applies_and_is_refused_once_the_projects_changed(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    write_viewers(repo)
    saved = tmp_path / "plan.json"
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    platform.add_domain_user("late@acme.example")
    platform.add_member(pid(0), "late@acme.example", "editorRole")
    stale = repo.run("apply", "--plan", str(saved))
    assert stale.exit_code == 4 and "stale plan" in stale.output
    assert repo.run("plan", "--out", str(saved)).exit_code == 0
    applied = repo.run("apply", "--plan", str(saved))
    assert applied.exit_code == 0, applied.output
    assert {m["login"] for m in platform.members(pid(0)) if m["status"] == "ENABLED"} == {
        ADMIN,
        *(f"u{i}@acme.example" for i in range(5)),
    }


def test_import_without_projects_imports_the_projects_the_login_is_a_member_of_and_plans_empty(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    small(platform)
    platform.add_project(pid(1), "Not the login's")
    platform.add_member(pid(1), "old@acme.example", "editorRole")
    repo = Repo(tmp_path / "org", platform, None, 0)
    imported = repo.run("import", "--force")
    assert imported.exit_code == 0, imported.output
    assert "names no projects" not in imported.stderr
    assert [w["id"] for w in repo.read("workspaces.yaml")["workspaces"]] == [pid(0)]
    listed = f"/gdc/account/profile/{platform.admin_id}/projects"
    assert [r.status for r in platform.request_log if r.path == listed] == [200]
    plan = repo.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0 and "No changes" in plan.stdout, plan.output


def test_import_without_projects_by_a_login_of_no_project_imports_the_domains_users_and_says_so(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    platform.add_domain_user("old@acme.example")
    platform.add_project(pid(0), "Sales")
    platform.add_member(pid(0), "old@acme.example", "editorRole")
    repo = Repo(tmp_path / "org", platform, None, 0)
    imported = repo.run("import", "--force")
    assert imported.exit_code == 0, imported.output
    assert (
        "names no projects" in imported.stderr and "only the domain's users are imported" in imported.stderr
    )
    assert {u["email"] for u in repo.read("users.yaml")["users"]} == {ADMIN, "old@acme.example"}
    assert not (repo.root / "state" / "workspaces.yaml").exists()


def _invite_repo(tmp_path: Path, platform: PlatformEmulator) -> Repo:
    small(platform)
    repo = Repo(tmp_path / "org", platform, None, 1)
    users = [*STATE_USERS, {"id": "new", "email": "New@acme.example", "invite": True, "firstname": "New"}]
    repo.write("users.yaml", {"users": users})
    grants = [{"user": "root", "grant": ["MANAGE"]}, {"user": "new", "grant": ["ANALYZE", "EXPORT"]}]
    repo.write("workspaces.yaml", {"workspaces": [{"id": "project-0", "permissions": grants}]})
    return repo


def _rename_u0(repo: Repo, name: str) -> None:
    """Another change, so that the next apply writes (and would invite again without the fix)."""
    users = repo.read("users.yaml")["users"]
    users[1]["firstname"] = name
    repo.write("users.yaml", {"users": users})


def test_a_pending_invitation_is_not_sent_again_by_the_next_apply(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    repo = _invite_repo(tmp_path, platform)
    first = repo.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    assert [s["email"].lower() for s in platform.outbox] == ["new@acme.example"]
    _rename_u0(repo, "Renamed")
    plan = repo.run("plan")
    assert "already has a pending invitation" in plan.stdout and "will be invited" not in plan.stdout
    second = repo.run("apply", "--auto-approve")
    assert second.exit_code == 0, second.output
    assert len(platform.outbox) == 1  # none sent by the second apply
    assert any(m["firstName"] == "Renamed" for m in platform.domain_users() if m["login"].startswith("u0"))


def _invited_and_cancelled(tmp_path: Path, platform: PlatformEmulator) -> Repo:
    """The invitation repository after an apply that invited new@, whose invitation was then cancelled."""
    repo = _invite_repo(tmp_path, platform)
    first = repo.run("apply", "--auto-approve")
    assert first.exit_code == 0, first.output
    (sent,) = platform.outbox
    # Cancel it over HTTP, as the domain admin would.
    with PlatformClient(platform.url, domain=platform.domain, login=ADMIN, password=PASSWORD) as client:
        client._json("DELETE", sent["uri"], "cancelling")
        assert {i["status"] for i in client.invitations(pid(0))} == {"CANCELED"}
    return repo


def test_a_canceled_invitation_does_not_count_as_pending(tmp_path: Path, platform: PlatformEmulator) -> None:
    repo = _invited_and_cancelled(tmp_path, platform)
    _rename_u0(repo, "Again")
    second = repo.run("apply", "--auto-approve")
    assert second.exit_code == 0, second.output
    assert [s["email"].lower() for s in platform.outbox] == ["new@acme.example"] * 2


def test_a_plan_whose_only_change_is_an_invitation_reports_and_sends_it(
    tmp_path: Path, platform: PlatformEmulator
) -> None:
    repo = _invited_and_cancelled(tmp_path, platform)
    saved = tmp_path / "plan.json"
    plan = repo.run("plan", "--detailed-exitcode", "--out", str(saved))  # nothing else: the invitation is it
    assert plan.exit_code == 2, plan.output
    assert f"user new@acme.example will be invited to project {pid(0)} as editorRole" in plan.stdout
    assert "Plan: 0 to add, 0 to change, 0 to destroy; 1 invitation(s) to send." in plan.stdout
    applied = repo.run("apply", "--plan", str(saved))  # the saved plan carries it
    assert applied.exit_code == 0, applied.output
    assert "Invitations e-mailed to: new@acme.example" in applied.stderr
    assert [s["email"].lower() for s in platform.outbox] == ["new@acme.example"] * 2
    again = repo.run("plan", "--detailed-exitcode")  # the invitation is pending now: nothing to do
    assert again.exit_code == 0 and "No changes" in again.stdout, again.output
