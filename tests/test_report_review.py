"""Plans are reviewed by consequence (issue 10 §2): in text, Markdown and JSON, every destroy and every
security warning comes first and is never cut, whatever the size; Markdown stays under GitHub's limit."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from reconciler.plan import Plan, PlanContext, make_plan
from reconciler.report.markdown import COMMENT_LIMIT, MARKDOWN_BUDGET
from reconciler.report.plan import REPORTERS
from reconciler.report.review import collapse, who

ADMIN = {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}


def ref(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "type": "userGroup"} for i in ids]


def scenario(creates: int, updates: int, deletes: int, *, risky: bool = True) -> Plan:
    """`creates` users without authId; `updates` users changing email, every 10th joining adminGroup;
    `deletes` users deleted, every 3rd a member of adminGroup and every 2nd holding workspace permissions
    (unless not `risky`), plus one deleted group holding workspace permissions."""
    groups = [{"id": "adminGroup"}, {"id": "everyone"}]
    kept = [
        {"id": f"u{i:06d}", "authId": f"a|{i}", "email": f"u{i}@acme.com", "userGroups": ref("everyone")}
        for i in range(updates)
    ]
    gone = [
        {
            "id": f"d{i:06d}",
            "authId": f"a|d{i}",
            "email": f"d{i}@acme.com",
            "firstname": "Dee",
            "lastname": f"N{i}",
            "userGroups": ref("everyone", *(["adminGroup"] if risky and i % 3 == 0 else [])),
        }
        for i in range(deletes)
    ]
    live = {"userGroups": [*groups, {"id": "old-team", "name": "Old team"}], "users": [ADMIN, *kept, *gone]}
    changed = [
        {
            **u,
            "email": f"new{i}@acme.com",
            "userGroups": ref("everyone", *(["adminGroup"] if i % 10 == 0 else [])),
        }
        for i, u in enumerate(kept)
    ]
    new = [{"id": f"n{i:06d}", "email": f"n{i}@acme.com"} for i in range(creates)]
    desired = {"userGroups": groups, "users": [ADMIN, *changed, *new]}
    holders = {("user", u["id"]): ("sales-demo",) for u in gone[::2] if risky}
    holders[("userGroup", "old-team")] = ("sales-demo", "sales-eu")
    context = PlanContext(manage_groups=frozenset({"adminGroup"}), workspace_assignees=holders)
    return make_plan(live, desired, target="prod", context=context, host="https://acme.cloud.gooddata.com")


def rendered(name: str, plan: Plan) -> str:
    out = io.StringIO()
    REPORTERS[name](out).report(plan)
    return out.getvalue()


def first_change_at(text: str) -> int:
    """Where the first update or create is shown (the end when none is)."""
    found = [i for i in (text.find("\n~ update "), text.find("\n+ create ")) if i >= 0]
    return min(found, default=len(text))


@pytest.mark.parametrize(
    ("creates", "updates", "deletes"), [(400, 1, 3), (99_000, 899, 100)], ids=["400", "100000"]
)
def test_every_destroy_and_security_warning_first_in_every_format(
    creates: int, updates: int, deletes: int
) -> None:
    plan = scenario(creates, updates, deletes)
    assert len(plan.changes) == creates + updates + deletes + 1  # + the deleted group
    destroys = [c for c in plan.changes if c.op == "delete"]
    security = [w for w in plan.warnings if w.severity == "security"]
    assert len(security) > deletes // 2 and any(w.kind == "manage-grant" for w in security)
    assert any(w.kind == "bootstrap-join" for w in security)
    assert any(w.kind == "bootstrap-member-deleted" for w in security)
    assert any(w.kind == "workspace-cascade" for w in security)

    for name in ("text", "markdown"):
        out = rendered(name, plan)
        assert (
            out.count("\nTarget: prod (https://acme.cloud.gooddata.com)\n")
            + out.startswith("Target: prod (https://acme.cloud.gooddata.com)\n")
            == 1
        )
        changes_at = first_change_at(out)
        for c in destroys:
            line = f"- destroy {c.kind} {c.id} ("
            assert line in out, (name, c.id)
            assert out.index(line) < changes_at
        for w in security:
            assert w.message in out, (name, w.message)
            assert out.index(w.message) < changes_at
        # the info warnings collapse into one line naming the first ids
        lists = "plan.json" if name == "markdown" else "plan --format json"
        first = "n000000, n000001, n000002"
        collapsed = f"{creates} users have no authId and cannot log in: {first} … ({lists} lists all)"
        assert collapsed in out
        assert "n000003 has no authId" not in out
    md = rendered("markdown", plan)
    assert len(md) <= MARKDOWN_BUDGET + 100 < COMMENT_LIMIT
    assert md.endswith(f"**{plan.summary}**\n")

    data = json.loads(rendered("json", plan))
    ops = [c["op"] for c in data["changes"]]
    assert ops == sorted(ops, key=["delete", "update", "create"].index)
    assert [c["id"] for c in data["changes"] if c["op"] == "delete"] == [c.id for c in destroys]
    severities = [w["severity"] for w in data["warnings"]]
    assert severities == sorted(severities, key=["security", "info"].index)
    assert len(data["warnings"]) == len(plan.warnings)  # json keeps every warning
    assert [w["message"] for w in data["warnings"][: len(security)]] == [w.message for w in security]
    assert (data["target"], data["host"], data["embedded"]) == (
        "prod",
        "https://acme.cloud.gooddata.com",
        False,
    )


def test_the_issue_scenario_shows_destroys_and_admin_and_manage_warnings() -> None:
    md = rendered("markdown", scenario(400, 1, 3))
    assert "**Destroys (4)**" in md
    assert "- destroy user d000000 (d0@acme.com, Dee N0; groups: adminGroup, everyone)" in md
    assert "- destroy group old-team (Old team)" in md
    assert "- 🔒 user u000000 joins the bootstrap group adminGroup" in md
    assert "- 🔒 user u000000 gains organization MANAGE through group adminGroup" in md
    assert (
        "- 🔒 deleting group old-team also removes its permissions in workspace(s) sales-demo, sales-eu" in md
    )
    assert md.index("**Destroys") < md.index("**Security warnings") < md.index("**Warnings")
    assert md.index("**Warnings") < md.index("<summary>Updates") < md.index("<summary>Creates")
    assert "<summary>Creates (400 objects)</summary>" in md  # they all fit: nothing cut, nothing said


def test_destroys_that_cannot_all_fit_say_so_loudly_and_stay_under_the_limit() -> None:
    plan = scenario(10, 10, 20_000)  # beyond any comment, even as bare ids
    md = rendered("markdown", plan)
    assert len(md) < COMMENT_LIMIT
    assert "⛔ **This plan is too large for a PR comment: only " in md
    assert "of 20001 destroys and" in md and "Review the full plan before approving" in md
    assert md.index("⛔") < md.index("**Destroys")
    assert md.endswith(f"**{plan.summary}**\n")


def test_destroys_drop_who_before_being_cut() -> None:
    plan = scenario(0, 0, 2_000, risky=False)  # 2,000 destroys saying who do not fit; as bare ids they do
    md = rendered("markdown", plan)
    assert "⛔" not in md
    assert all(f"- destroy user d{i:06d}\n" in md for i in range(2_000))
    assert "- 🔒 deleting group old-team also removes its permissions" in md
    assert len(md) <= MARKDOWN_BUDGET + 100


def test_many_security_warnings_collapse_naming_every_id() -> None:
    plan = scenario(0, 0, 1_500)  # 1,251 security warnings do not fit one by one
    md = rendered("markdown", plan)
    assert "⛔" not in md
    assert all(f"- destroy user d{i:06d}" in md for i in range(1_500))
    cascades = [w.id for w in plan.warnings if w.kind == "workspace-cascade"]
    line = f"- 🔒 {len(cascades)} deleted users lose their workspace permissions (the server cascades them): "
    assert line + ", ".join(cascades) + "\n" not in md  # the group's is a different subject
    assert f"- 🔒 {len(cascades)} deleted users and groups lose their workspace permissions" in md
    members = [w.id for w in plan.warnings if w.kind == "bootstrap-member-deleted"]
    assert (
        f"- 🔒 {len(members)} deleted users are members of the bootstrap group: " + ", ".join(members) + "\n"
        in md
    )
    assert len(md) <= MARKDOWN_BUDGET + 100


def test_collapse_keeps_three_and_counts_the_rest() -> None:
    plan = scenario(4, 0, 0)
    info = [w for w in plan.warnings if w.kind == "no-auth-id"]
    assert collapse(info[:3], "plan.json") == [w.message for w in info[:3]]
    assert collapse(info, "x") == [
        "4 users have no authId and cannot log in: n000000, n000001, n000002 … (x lists all)"
    ]


def test_who_says_what_it_knows() -> None:
    plan = scenario(0, 0, 1)
    user = next(c for c in plan.changes if c.kind == "user")
    assert who(user) == "d0@acme.com, Dee N0; groups: adminGroup, everyone"
    group = next(c for c in plan.changes if c.kind == "group")
    assert who(group) == "Old team"
    hostile: dict[str, Any] = {
        "userGroups": [{"id": "adminGroup"}],
        "users": [ADMIN, {"id": "x", "firstname": "a\nb"}],
    }
    gone = make_plan(
        hostile, {"userGroups": [{"id": "adminGroup"}], "users": [ADMIN]}, target="t", context=PlanContext()
    )
    assert rendered("text", gone).count('- destroy user x ("a\\nb")\n') == 1  # a line break stays one line
