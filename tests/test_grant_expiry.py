"""Grants that expire (issue 15 §3, acceptance 3 for grants): `{group, grant, expires}` in a workspace's
`permissions`/`hierarchyPermissions` and the organization's `permissions`, judged by an injected day.

The day is always given (`--today`, RECONCILER_TODAY, or a parameter): no test reads the real clock. The
grants below hold through 2027-03-31; the plan warns from 14 days ahead (policy.expiry.warn_days) and revokes
them, naming them expired, from 2027-04-01. End to end against the emulator over real HTTP.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from reconcile_helpers import Repo

from reconciler import grant_expiry
from reconciler.config import load_config
from reconciler.emulator.state import DEFAULT_TOKEN
from reconciler.source import load_state, validate_state

LAST_DAY = date(2027, 3, 31)
ACCESS = """\
groups:
  - id: analysts
  - id: auditors
users:
  - id: alice
    email: alice@example.com
    authId: auth|alice
    userGroups: [analysts]
workspaces:
  - id: sales
    permissions:
      - {group: analysts, grant: [ANALYZE]}
      # the audit until spring
      - {group: auditors, grant: [VIEW, EXPORT], expires: 2027-03-31}
    hierarchyPermissions:
      - {user: alice, grant: [VIEW], expires: 2027-03-31}
      - {group: analysts, grant: [VIEW], expires: 2027-06-30}  # kept: a later day
organization:
  permissions:
    - {group: adminGroup, grant: [MANAGE]}
    - {group: auditors, grant: [BASE_UI_ACCESS], expires: 2027-03-31}
"""


def day(offset: int) -> str:
    return (LAST_DAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def repo(tmp_path: Path, emulator: Any) -> Repo:
    emulator.add_workspace("sales", name="Sales")
    emulator.add_workspace("sales-emea", parent="sales")
    r = Repo(tmp_path / "org", emulator, DEFAULT_TOKEN).setup()
    for old in (r.root / "state").glob("*.yaml"):
        old.unlink()
    (r.root / "state" / "access.yaml").write_text(ACCESS, encoding="utf-8")
    return r


@pytest.fixture
def applied(repo: Repo) -> Repo:
    result = repo.run("apply", "--auto-approve", "--today", day(-30))
    assert result.exit_code == 0, result.output
    return repo


def plan_json(repo: Repo, today: str) -> dict[str, Any]:
    result = repo.run("plan", "--today", today, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --- loading and validation


def test_a_grant_loads_with_its_last_day_and_as_of_leaves_it_out(repo: Repo) -> None:
    state = load_state(load_config(cwd=repo.root), today=LAST_DAY)
    found = [(g.place, g.kind, g.assignee, g.expires) for g in grant_expiry.grants(state)]
    assert found == [
        ("workspace sales", "group", "auditors", LAST_DAY),
        ("workspace sales and its children", "user", "alice", LAST_DAY),
        ("workspace sales and its children", "group", "analysts", date(2027, 6, 30)),
        ("the organization", "group", "auditors", LAST_DAY),
    ]
    assert grant_expiry.as_of(state, LAST_DAY) is state  # its last day: nothing is past
    after = grant_expiry.as_of(state, LAST_DAY + timedelta(days=1))
    sales = after.workspaces["sales"]
    assert [g.assignee for g in sales.permissions or ()] == ["analysts"]
    assert [g.assignee for g in sales.hierarchy_permissions or ()] == ["analysts"]
    assert after.organization is not None
    assert [g.assignee for g in after.organization.permissions or ()] == ["adminGroup"]


def problems(repo: Repo, today: date | None, config_extra: str = "") -> list[str]:
    if config_extra:
        path = repo.root / "reconciler.yaml"
        path.write_text(path.read_text(encoding="utf-8") + config_extra, encoding="utf-8")
    return [str(p) for p in validate_state(load_config(cwd=repo.root), today=today).problems]


def test_validate_warns_about_past_grants_with_file_and_line(repo: Repo) -> None:
    past = problems(repo, LAST_DAY + timedelta(days=1))
    assert len(past) == 3, past
    assert past[0].startswith(
        "state/access.yaml:14:50: warning: workspace 'sales': permissions: group 'auditors': "
        "the grant expired on 2027-03-31 (1 day ago)"
    )
    assert past[1].startswith("state/access.yaml:16:38: warning: workspace 'sales': hierarchyPermissions:")
    assert past[2].startswith("state/access.yaml:21:50: warning: organization: permissions: group 'auditors'")
    assert problems(repo, LAST_DAY) == []


def test_validate_warns_about_grants_too_far_ahead(repo: Repo) -> None:
    far = problems(repo, LAST_DAY - timedelta(days=401))
    assert len(far) == 4 and all("days ahead: more than policy.expiry.max_days (400)" in p for p in far)
    assert sum("401 days ahead" in p for p in far) == 3
    [later] = problems(repo, LAST_DAY - timedelta(days=400))  # 2027-06-30 is still too far
    assert "expires on 2027-06-30, 491 days ahead" in later and later.startswith("state/access.yaml:17:")
    assert len(problems(repo, LAST_DAY - timedelta(days=31), "  expiry: {max_days: 30}\n")) == 4


@pytest.mark.parametrize(
    ("written", "expected", "rule"),
    [
        ("2027-02-30", "the grant expires on '2027-02-30', which is not a date", "error"),
        ("31.3.2027", "'31.3.2027' is not a date: write it YYYY-MM-DD", "error"),
    ],
)
def test_a_grant_expiry_that_is_no_date_is_an_error(
    repo: Repo, written: str, expected: str, rule: str
) -> None:
    path = repo.root / "state" / "access.yaml"
    path.write_text(
        ACCESS.replace("VIEW, EXPORT], expires: 2027-03-31", f"VIEW, EXPORT], expires: {written}")
    )
    found = problems(repo, None)
    assert any(
        expected in p and f": {rule}: " in p and p.startswith("state/access.yaml:14:") for p in found
    ), found


def test_the_window_is_configurable_for_grants(repo: Repo) -> None:
    path = repo.root / "reconciler.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  expiry: {warn_days: 3}\n", encoding="utf-8")
    apply = repo.run("apply", "--auto-approve", "--today", day(-30))
    assert apply.exit_code == 0, apply.output
    assert plan_json(repo, day(-4))["warnings"] == []
    assert [w["kind"] for w in plan_json(repo, day(-3))["warnings"]] == ["expiring"] * 3


# --- every format, through the CLI against the emulator


def test_every_format_names_the_expired_grants_the_day_after(applied: Repo) -> None:
    text = applied.run("plan", "--today", day(1))
    assert text.exit_code == 0, text.output
    out = text.stdout
    assert "group auditors loses VIEW, EXPORT on workspace sales: the grant expired on 2027-03-31" in out
    assert "user alice loses VIEW on workspace sales and its children: the grant expired on 2027-03-31" in out
    assert "group auditors loses BASE_UI_ACCESS on the organization: the grant expired on 2027-03-31" in out
    assert "permissions[group:auditors]: -EXPORT -VIEW" in out or "-EXPORT" in out
    markdown = applied.run("plan", "--today", day(1), "--format", "markdown").stdout
    assert markdown.count("the grant expired on 2027-03-31") == 3
    data = plan_json(applied, day(1))
    expired = [w for w in data["warnings"] if w["kind"] == "expired"]
    assert len(expired) == 3 and {w["severity"] for w in expired} == {"info"}
    assert {(w["subject"], w["id"]) for w in expired} == {("group", "auditors"), ("user", "alice")}
    changed = {
        (c["kind"], c["id"], f["field"], tuple(f["removed"]), tuple(f["added"]))
        for c in data["changes"]
        for f in c["fields"]
    }
    assert changed == {
        ("workspace", "sales", "permissions[group:auditors]", ("EXPORT", "VIEW"), ()),
        ("workspace", "sales", "hierarchyPermissions[user:alice]", ("VIEW",), ()),
        ("organization", "organization", "permissions[group:auditors]", ("BASE_UI_ACCESS",), ()),
    }


@pytest.mark.parametrize("offset", [-14, -1, 0])
def test_every_format_warns_within_the_window_and_changes_nothing(applied: Repo, offset: int) -> None:
    for fmt in ("text", "markdown"):
        result = applied.run("plan", "--today", day(offset), "--format", fmt, "--detailed-exitcode")
        assert result.exit_code == 0, result.output  # no changes yet: no drift
        assert "group auditors loses VIEW, EXPORT on workspace sales after 2027-03-31" in result.stdout
    data = plan_json(applied, day(offset))
    assert data["changes"] == [] and [w["kind"] for w in data["warnings"]] == ["expiring"] * 3
    if offset == 0:
        assert all("today is its last day" in w["message"] for w in data["warnings"])


def test_outside_the_window_the_plan_says_nothing(applied: Repo) -> None:
    data = plan_json(applied, day(-15))
    assert data["changes"] == [] and data["warnings"] == []


def test_apply_revokes_them_and_the_plan_then_asks_to_delete_them(applied: Repo) -> None:
    env = {"RECONCILER_TODAY": day(1)}
    result = applied.run("apply", "--auto-approve", env=env)
    assert result.exit_code == 0, result.output
    after = json.loads(applied.run("plan", "--format", "json", env=env).stdout)
    assert after["changes"] == []
    messages = [w["message"] for w in after["warnings"]]
    assert len(messages) == 3 and all(
        "no longer holds" in m and "delete it from the state file" in m for m in messages
    )
    # the day before, the state still grants them: the plan would put them back
    before = plan_json(applied, day(0))
    assert {c["kind"] for c in before["changes"]} == {"workspace", "organization"}


# --- `reconciler expire` for grants


def test_expire_lists_grants_in_text_and_json(applied: Repo) -> None:
    text = applied.run("expire", "--today", day(1))
    assert text.exit_code == 0, text.output
    assert "expired  group auditors: VIEW, EXPORT on workspace sales: last day 2027-03-31" in text.stdout
    assert "3 expired, 0 expiring within 14 days." in text.stdout
    data = json.loads(applied.run("expire", "--today", day(1), "--format", "json").stdout)
    assert [(g["workspace"], g.get("group") or g.get("user")) for g in data["expired_grants"]] == [
        ("sales", "auditors"),
        ("sales", "alice"),
        (None, "auditors"),
    ]
    soon = json.loads(applied.run("expire", "--today", day(-10), "--format", "json").stdout)
    assert len(soon["expiring_grants"]) == 3 and soon["expired_grants"] == [] and soon["warn_days"] == 14


def test_expire_apply_revokes_only_the_expired_grants(applied: Repo) -> None:
    # other drift in git (analysts lose ANALYZE) is not applied by `expire --apply`
    path = applied.root / "state" / "access.yaml"
    path.write_text(ACCESS.replace("{group: analysts, grant: [ANALYZE]}", "{group: analysts, grant: [VIEW]}"))
    result = applied.run("expire", "--apply", "--auto-approve", "--today", day(1))
    assert result.exit_code == 0, result.output
    after = plan_json(applied, day(1))
    changed = [(c["id"], f["field"]) for c in after["changes"] for f in c["fields"]]
    assert changed == [("sales", "permissions[group:analysts]")]


def test_expire_write_deletes_only_the_expired_grants(applied: Repo) -> None:
    path = applied.root / "state" / "access.yaml"
    assert applied.run("expire", "--write", "--today", day(0)).stdout == ""
    result = applied.run("expire", "--write", "--today", day(1))
    assert result.exit_code == 0, result.output
    assert result.stdout == "state/access.yaml\n"
    assert "Deleted 0 expired membership(s) and 3 expired grant(s) from 1 state file(s)." in result.stderr
    text = path.read_text(encoding="utf-8")
    assert "{group: auditors, grant: [VIEW, EXPORT]" not in text and "{user: alice" not in text
    assert "the audit until spring" not in text  # the comment introducing the deleted entry goes with it
    assert "      - {group: analysts, grant: [VIEW], expires: 2027-06-30}  # kept: a later day\n" in text
    before, after = ACCESS.splitlines(), text.splitlines()
    assert after[:12] == before[:12] and after[-3:] == before[-4:-1]  # the organization's item: its line only
    assert len(after) == len(before) - 4
    state = load_state(load_config(cwd=applied.root), today=LAST_DAY + timedelta(days=1))
    assert list(grant_expiry.expired(state, LAST_DAY + timedelta(days=1))) == []
    # and the plan of that day then only revokes them (nothing else differs)
    changed = {c["id"] for c in plan_json(applied, day(1))["changes"]}
    assert changed == {"sales", "organization"}


def test_expire_write_names_an_organization_grant_in_a_flow_list(repo: Repo) -> None:
    path = repo.root / "state" / "access.yaml"
    flow = ACCESS.split("organization:")[0] + (
        "organization:\n  permissions: [{group: adminGroup, grant: [MANAGE]},"
        " {group: auditors, grant: [BASE_UI_ACCESS], expires: 2027-03-31}]\n"
    )
    path.write_text(flow, encoding="utf-8")
    result = repo.run("expire", "--write", "--today", day(1))
    assert result.exit_code == 0, result.output
    assert "state/access.yaml:19:55: delete the expired organization grant of group auditors" in result.stderr
    assert "2 expired grant(s)" in result.stderr
    assert path.read_text(encoding="utf-8").endswith(flow[flow.index("organization:") :])  # left as it was


def test_the_bootstrap_groups_organization_grant_cannot_expire(repo: Repo) -> None:
    path = repo.root / "state" / "access.yaml"
    path.write_text(ACCESS.replace("grant: [MANAGE]}", "grant: [MANAGE], expires: 2027-03-31}"))
    found = problems(repo, LAST_DAY)
    assert any(
        p.startswith("state/access.yaml:20:7: error:") and "bootstrap group's" in p and "cannot expire" in p
        for p in found
    ), found


def test_import_writes_plain_grants_and_warns_that_force_drops_expiries(applied: Repo) -> None:
    result = applied.run("import", "--force")
    assert result.exit_code == 0, result.output
    assert "4 grant(s) with `expires`" in result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((applied.root / "state").glob("*.yaml")))
    assert "expires" not in text and "auditors" in text


# --- a CSV permissions load keeps a changed entry's `expires`


def test_a_permissions_load_keeps_the_expiry_of_the_entries_it_changes(tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from reconciler.cli import cli

    source = Path(__file__).resolve().parent.parent
    root = tmp_path / "repo"
    shutil.copytree(source / "state", root / "state", ignore=shutil.ignore_patterns("backups"))
    shutil.copy(source / "reconciler.yaml", root / "reconciler.yaml")
    path = root / "state" / "workspaces.yaml"
    path.write_text(
        "workspaces:\n"
        "  - id: sales\n"
        "    permissions:\n"
        "      - {group: engineering, grant: [ANALYZE], expires: 2027-03-31}  # the pilot\n"
        "      - {group: finance, grant: [VIEW], expires: 2027-06-30}\n",
        encoding="utf-8",
    )
    records = tmp_path / "perms.csv"
    records.write_text("user_id,ug_id,ws_id,ws_permissions,is_active\n,engineering,sales,EXPORT,true\n")
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(root / "reconciler.yaml"),
            "load",
            str(records),
            "--kind",
            "permissions",
            "--mode",
            "incremental",
        ],
        env={"RECONCILER_TODAY": day(-30)},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert "{group: engineering, grant: [ANALYZE, EXPORT], expires: 2027-03-31}" in text, text
    assert "      - {group: finance, grant: [VIEW], expires: 2027-06-30}\n" in text  # untouched, unquoted
    state = load_state(load_config(cwd=root), today=LAST_DAY)
    assert {g.assignee: g.expires for g in grant_expiry.grants(state)} == {
        "engineering": LAST_DAY,
        "finance": date(2027, 6, 30),
    }


def test_grant_expiry_names_documents_without_importing_the_resources_or_the_client() -> None:
    import subprocess
    import sys

    code = (
        "import sys, reconciler.grant_expiry; "
        "print(sorted(m for m in sys.modules if m.startswith(('reconciler.resources', 'reconciler.client'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # a pure module: document keys come from reconciler.document_keys
