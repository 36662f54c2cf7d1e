"""Effective access in the plan and in `reconciler access` (issue 12): through the CLI, against the emulator.

The golden files in tests/cases/access/hierarchy-grant/ hold the plan of one change, a group grant added on a
parent workspace's hierarchyPermissions, in every format; the emulator's port is written as PORT.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from reconcile_helpers import Repo, layout_user, seeded, user

from reconciler.emulator import DEFAULT_TOKEN, Emulator

CASE = Path(__file__).parent / "cases" / "access" / "hierarchy-grant"
GROUPS = [{"id": "leads", "name": "Leads"}, {"id": "analysts", "name": "Analysts", "parents": ["leads"]}]
USERS = [user("jane", "analysts"), user("joe", "leads"), user("ann")]


@pytest.fixture
def org(tmp_path: Path, emulator: Emulator) -> Repo:
    """Workspaces sales > sales-emea > sales-emea-de and support; jane in analysts, a child of leads."""
    emulator.add_workspace("sales", name="Sales")
    emulator.add_workspace("sales-emea", name="Sales EMEA", parent="sales")
    emulator.add_workspace("sales-emea-de", name="Sales Germany", parent="sales-emea")
    emulator.add_workspace("support", name="Support")
    emulator.set_workspace_permissions(
        "support", permissions=[{"name": "VIEW", "assignee": {"id": "ann", "type": "user"}}]
    )
    repo = Repo.with_state(tmp_path / "org", emulator, DEFAULT_TOKEN, groups=GROUPS, users=USERS)
    assert repo.run("apply", "--auto-approve").exit_code == 0
    return repo


def grant_hierarchy(repo: Repo) -> None:
    (repo.root / "state" / "workspaces.yaml").write_text(
        "workspaces:\n  - id: sales\n    hierarchyPermissions:\n      - {group: leads, grant: [MANAGE]}\n",
        encoding="utf-8",
    )


def normalized(text: str) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)


@pytest.mark.parametrize("fmt,name", [("text", "plan.txt"), ("markdown", "plan.md"), ("json", "plan.json")])
def test_a_hierarchy_grant_shows_every_member_gaining_it_on_every_child(
    org: Repo, fmt: str, name: str
) -> None:
    grant_hierarchy(org)
    result = org.run("plan", "--format", fmt)
    assert result.exit_code == 0, result.output
    got = normalized(result.stdout)
    if (
        fmt == "json"
    ):  # the digests depend on the emulator's live document only; keep the golden file readable
        doc = json.loads(got)
        got = json.dumps({k: doc[k] for k in ("summary", "counts", "changes", "access")}, indent=2) + "\n"
    golden = CASE / name
    if not golden.exists():  # write it once on purpose (review, then commit): a missing one fails
        golden.with_suffix(golden.suffix + ".new").write_text(got, encoding="utf-8")
        pytest.fail(f"{golden} is missing; the output is in {golden.name}.new")
    assert got == golden.read_text(encoding="utf-8")


def test_the_access_lines_name_the_path_and_the_hierarchy(org: Repo) -> None:
    grant_hierarchy(org)
    text = org.run("plan").stdout
    for who in ("jane", "joe"):
        line = next(
            x for x in text.splitlines() if x.strip().startswith(f"⚠ privilege escalation: {who} gains")
        )
        assert "MANAGE on sales, sales-emea, sales-emea-de" in line and "hierarchy of sales" in line
    assert "via analysts → leads" in text  # jane holds it through her group's parent
    assert "ann" not in text.split("Access changes", 1)[1].split("\n\n", 1)[0]  # ann's access does not change


def test_escalations_lead_a_markdown_plan_of_10000_changes(tmp_path: Path, emulator: Emulator) -> None:
    emulator.replace_document(seeded(*[layout_user(f"u{i:05d}") for i in range(10_000)]))
    repo = Repo.with_state(tmp_path / "big", emulator, DEFAULT_TOKEN, users=[user("u00000", "adminGroup")])
    repo.write_config(max_deletions={"users": 20_000, "groups": 5, "percent": 100})
    md = repo.run("plan", "--format", "markdown").stdout
    assert len(md) < 65_536
    head = md.split("**Destroys", 1)[0]
    assert "### ⚠ Privilege escalations" in head
    assert "u00000 joins the bootstrap group adminGroup" in head
    assert "u00000 gains MANAGE on the organization" in head


def test_access_answers_from_the_live_organization_and_from_the_state(org: Repo) -> None:
    who = org.run("access", "--workspace", "sales-emea-de")
    assert who.exit_code == 0, who.output
    assert (
        "jane" not in who.stdout and "admin" in who.stdout
    )  # the bootstrap admin, through organization MANAGE
    grant_hierarchy(org)
    planned = org.run("access", "--workspace", "sales-emea-de", "--state", "--format", "csv")
    assert planned.exit_code == 0, planned.output
    rows = list(csv.DictReader(io.StringIO(planned.stdout)))
    assert {"principal", "workspace", "permission", "reason"} <= set(rows[0])
    jane = [r for r in rows if r["principal"] == "jane"]
    assert {r["permission"] for r in jane} >= {"MANAGE", "VIEW"}
    assert not (org.emulator.workspaces.get("sales") or {}).get(
        "hierarchyPermissions"
    )  # --state writes nothing
    mine = org.run("access", "ann", "--format", "json")
    entries = json.loads(mine.stdout)["access"]
    assert any(e["permission"] == "VIEW" and e.get("workspace") == "support" for e in entries), entries
    unknown = org.run("access", "nobody")
    assert unknown.exit_code == 3 and "no user or group 'nobody'" in unknown.stderr
