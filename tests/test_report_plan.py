"""reconciler.report.plan: text, Markdown and JSON reporters, against golden files.

Each folder in tests/cases/plan/ holds live.json, desired.json and context.json (target, manage_groups,
workspace_assignees, notes) and the expected output of every reporter. After an intended change to the
output, regenerate them with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_report_plan.py

and review the diff of expected.txt / expected.md / expected.json by eye before committing.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.plan import Plan, PlanContext, make_plan
from reconciler.report.markdown import COMMENT_LIMIT, MARKDOWN_BUDGET
from reconciler.report.plan import (
    REPORTERS,
    JsonPlanReporter,
    MarkdownPlanReporter,
    TextPlanReporter,
)

CASES = Path(__file__).parent / "cases" / "plan"
EXPECTED = {"text": "expected.txt", "markdown": "expected.md", "json": "expected.json"}


def load_case(folder: Path) -> Plan:
    live = json.loads((folder / "live.json").read_text(encoding="utf-8"))
    desired = json.loads((folder / "desired.json").read_text(encoding="utf-8"))
    ctx: dict[str, Any] = json.loads((folder / "context.json").read_text(encoding="utf-8"))
    context = PlanContext(
        manage_groups=frozenset(ctx.get("manage_groups", ())),
        manage_users=frozenset(ctx.get("manage_users", ())),
        workspace_assignees={
            (a["type"], a["id"]): tuple(a["workspaces"]) for a in ctx.get("workspace_assignees", ())
        },
        notes=tuple(ctx.get("notes", ())),
    )
    host = ctx.get("host", "https://acme.cloud.gooddata.com")
    return make_plan(live, desired, target=ctx.get("target", "prod"), context=context, host=host)


def rendered(name: str, plan: Plan, color: bool = False) -> str:
    out = io.StringIO()
    REPORTERS[name](out, color=color).report(plan)
    return out.getvalue()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden(case: str, name: str) -> None:
    folder = CASES / case
    actual = rendered(name, load_case(folder))
    expected_file = folder / EXPECTED[name]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


def test_every_kind_case_really_has_every_kind() -> None:
    plan = load_case(CASES / "every-kind")
    kinds = {(c.op, c.kind) for c in plan.changes}
    assert kinds == {(op, k) for op in ("create", "update", "delete") for k in ("user", "group")}
    fields = {f.field for c in plan.changes for f in c.fields}
    assert {"email", "lastname", "userGroups", "parents", "permissions", "name"} <= fields
    assert any(f.startswith("settings[") for f in fields)
    text = " | ".join(w.message for w in plan.warnings)
    needles = ("has no authId", "cascades them away", "joins the bootstrap group", "organization MANAGE")
    for needle in (*needles, "is not declared but is kept", "a member of the bootstrap group"):
        assert needle in text


def test_json_reporter_is_to_dict_and_loads_back() -> None:
    plan = load_case(CASES / "every-kind")
    out = rendered("json", plan)
    assert json.loads(out) == json.loads(json.dumps(plan.to_dict()))
    assert Plan.from_dict(json.loads(out)) == plan


def test_text_colors_only_when_asked() -> None:
    plan = load_case(CASES / "every-kind")
    plain, colored = rendered("text", plan), rendered("text", plan, color=True)
    assert "\033[" not in plain
    assert "\033[32m+ create group platform\033[0m" in colored
    assert (
        "\033[31m- destroy user bob.old (bob@acme.com, Bob Old; groups: adminGroup, sales)\033[0m" in colored
    )
    assert "\033[31mSecurity warnings:\033[0m" in colored
    assert (
        colored.replace("\033[32m", "")
        .replace("\033[33m", "")
        .replace("\033[31m", "")
        .replace("\033[1m", "")
        .replace("\033[0m", "")
        == plain
    )


def test_no_changes_reports() -> None:
    live = json.loads((CASES / "every-kind" / "live.json").read_text(encoding="utf-8"))
    plan = make_plan(live, live, target="prod", context=PlanContext(), host="https://acme.example")
    assert rendered("text", plan) == (
        "Target: prod (https://acme.example)\n\nNo changes. The organization matches the state.\n"
    )
    md = rendered("markdown", plan)
    assert "<details>" not in md and "| Users |" not in md
    assert "Target: prod (https://acme.example)\n" in md
    assert md.endswith("**No changes. The organization matches the state.**\n")


SMALL: dict[str, Any] = {
    "userGroups": [{"id": "adminGroup"}],
    "users": [{"id": "admin", "userGroups": [{"id": "adminGroup"}]}],
}


def test_markdown_cuts_creates_and_says_what_and_where() -> None:
    live = SMALL
    desired = {
        "userGroups": live["userGroups"],
        "users": live["users"] + [{"id": f"user{i:05d}", "email": f"u{i}@acme.com"} for i in range(10_000)],
    }
    plan = make_plan(live, desired, target="big", context=PlanContext())
    md = rendered("markdown", plan)
    shown = md.count("\n+ create user ")
    assert 100 < shown < 10_000
    assert f"<summary>Creates (10000 objects, {shown} shown)</summary>" in md
    assert (
        f"… {10_000 - shown} more creates not shown here (cut to fit GitHub's comment limit): "
        "every change is in plan.json" in md
    )
    # 10,000 "no authId" warnings are one line naming the first three
    assert (
        "- ⚠️ 10000 users have no authId and cannot log in: user00000, user00001, user00002 … "
        "(plan.json lists all)\n" in md
    )
    assert "| add | 10000 | 0 |" in md
    assert len(md) <= MARKDOWN_BUDGET + 100 < COMMENT_LIMIT
    assert md.endswith("**Plan: 10000 to add, 0 to change, 0 to destroy.**\n")


def test_markdown_escapes_and_fences_hostile_values() -> None:
    live = SMALL
    desired = {"userGroups": live["userGroups"], "users": live["users"] + [{"id": "x", "firstname": "a```b"}]}
    context = PlanContext(notes=("<b>_x_</b>",))
    md = rendered("markdown", make_plan(live, desired, target="t", context=context))
    assert "````diff" in md
    assert "\\<b\\>\\_x\\_\\</b\\>" in md


def test_registry_names() -> None:
    assert {"text": TextPlanReporter, "markdown": MarkdownPlanReporter, "json": JsonPlanReporter} == REPORTERS
