"""Renderers of access changes (plan lines, markdown, JSON) and of access listings (text, json, csv, md)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import access_org
import pytest
from access_org import grant

from reconciler.access.changes import access_changes
from reconciler.access.effective import principal_access, who_can_access
from reconciler.access.model import AccessModel
from reconciler.access.report import (
    CSV_HEADER,
    changes_json,
    changes_markdown,
    changes_text,
    render_access,
)


def hierarchy_change() -> list[Any]:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("MANAGE", "leads")]
        d["workspace_permissions"]["hr"]["permissions"].append(grant("ANALYZE", "carol", "user"))

    before, after = access_org.changed(edit)
    return access_changes(before, after, bootstrap_group="adminGroup")


def test_changes_as_text() -> None:
    assert changes_text(hierarchy_change()) == (
        "Access changes (3 principals, 2 with a privilege escalation):\n"
        "  ⚠ privilege escalation: bob gains MANAGE on sales, sales-emea, sales-emea-de, sales-us"
        " (via leads, hierarchy of sales)\n"
        "  ⚠ privilege escalation: jane.doe gains MANAGE on sales, sales-emea, sales-emea-de, sales-us"
        " (via analysts → leads, hierarchy of sales)\n"
        "  carol gains ANALYZE on hr (direct)\n"
    )
    assert changes_text([]) == ""


def test_changes_as_markdown_put_escalations_on_top_and_never_cut_them() -> None:
    assert changes_markdown(hierarchy_change(), limit=0) == [
        "### ⚠ Privilege escalations (2)",
        "",
        "- ⚠ privilege escalation: bob gains MANAGE on sales, sales-emea, sales-emea-de, sales-us"
        " (via leads, hierarchy of sales)",
        "- ⚠ privilege escalation: jane.doe gains MANAGE on sales, sales-emea, sales-emea-de, sales-us"
        " (via analysts → leads, hierarchy of sales)",
        "",
        "### Access changes (3 principals, 2 with a privilege escalation)",
        "",
        "- … and 1 more access changes (see the JSON plan)",
        "",
    ]
    assert "- carol gains ANALYZE on hr (direct)" in changes_markdown(hierarchy_change())


def test_changes_as_json() -> None:
    out = changes_json(hierarchy_change())
    json.dumps(out)
    assert [(c["principal"], c["escalation"]) for c in out] == [
        ("bob", True),
        ("jane.doe", True),
        ("carol", False),
    ]
    assert out[0]["deltas"][0]["workspaces"] == ["sales", "sales-emea", "sales-emea-de", "sales-us"]
    assert out[0]["deltas"][0]["reasons"][0]["text"] == "via leads, hierarchy of sales"


def test_long_workspace_lists_are_shortened_in_lines_only() -> None:
    from reconciler.access.report import delta_text

    change = hierarchy_change()[0]
    assert delta_text(change.principal, change.deltas[0], max_workspaces=2) == (
        "⚠ privilege escalation: bob gains MANAGE on sales, sales-emea (+2 more)"
        " (via leads, hierarchy of sales)"
    )


def test_who_can_see_a_workspace_as_text_and_markdown() -> None:
    entries = who_can_access(access_org.model(), "hr")
    assert render_access(entries, "text") == (
        "admin\n"
        "  hr\n"
        "    MANAGE          via adminGroup, organization MANAGE\n"
        "    ANALYZE         via adminGroup, organization MANAGE, implied by MANAGE\n"
        "    EXPORT          via adminGroup, organization MANAGE, implied by MANAGE\n"
        "    EXPORT_TABULAR  via adminGroup, organization MANAGE, implied by MANAGE\n"
        "    EXPORT_PDF      via adminGroup, organization MANAGE, implied by MANAGE\n"
        "    VIEW            via adminGroup, organization MANAGE, implied by MANAGE\n"
        "carol\n"
        "  hr\n"
        "    VIEW            direct\n"
        "eve\n"
        "  hr\n"
        "    VIEW            via loop-a → loop-b\n"
    )
    md = render_access([e for e in entries if e.principal != "admin"], "markdown")
    assert md == (
        "| Principal | Where | Permission | Why |\n"
        "|---|---|---|---|\n"
        "| carol | hr | VIEW | direct |\n"
        "| eve | hr | VIEW | via loop-a → loop-b |\n"
    )
    assert render_access([], "text", empty="Nobody can see hr.") == "Nobody can see hr.\n"


def test_what_a_user_can_do_as_json_merges_reasons() -> None:
    out = json.loads(render_access(principal_access(access_org.model(), "jane.doe"), "json"))
    view = [r for r in out["access"] if r["permission"] == "VIEW"]
    assert view == [
        {
            "principal": "jane.doe",
            "scope": "workspace",
            "workspace": "sales",
            "permission": "VIEW",
            "reasons": [
                {"via": [], "hierarchyOf": None, "organization": False, "impliedBy": None, "text": "direct"},
                {
                    "via": ["analysts"],
                    "hierarchyOf": None,
                    "organization": False,
                    "impliedBy": "ANALYZE",
                    "text": "via analysts, implied by ANALYZE",
                },
                {
                    "via": ["analysts"],
                    "hierarchyOf": None,
                    "organization": False,
                    "impliedBy": "EXPORT",
                    "text": "via analysts, implied by EXPORT",
                },
            ],
        }
    ]


def test_csv_has_a_header_and_parses_back() -> None:
    entries = principal_access(access_org.model(), "admin") + principal_access(access_org.model(), "jane.doe")
    text = render_access(entries, "csv")
    assert text.splitlines()[0] == ",".join(CSV_HEADER)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(entries)
    assert parsed[0] == {
        "principal": "admin",
        "scope": "organization",
        "workspace": "",
        "permission": "MANAGE",
        "reason": "via adminGroup",
        "via": "adminGroup",
        "hierarchy_of": "",
        "implied_by": "",
    }
    assert parsed[3]["scope"] == "every-workspace"
    assert {r["workspace"] for r in parsed if r["principal"] == "jane.doe"} == {"sales"}
    row = next(r for r in parsed if r["principal"] == "jane.doe" and r["permission"] == "EXPORT_PDF")
    assert (row["reason"], row["via"], row["implied_by"]) == (
        "via analysts, implied by EXPORT",
        "analysts",
        "EXPORT",
    )


def test_csv_quotes_what_needs_quoting() -> None:
    from reconciler.access.effective import AccessEntry, Reason

    text = render_access([AccessEntry("u", "ws", "VIEW", Reason(("a", "b")))], "csv")
    assert list(csv.DictReader(io.StringIO(text)))[0]["reason"] == "via a → b"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render_access([], "yaml")


def test_escalations_survive_a_markdown_plan_of_10000_changes() -> None:
    users = [
        {"id": f"u{i:05d}", "userGroups": [{"id": "readers", "type": "userGroup"}]} for i in range(10_000)
    ]
    users.append({"id": "zz.intruder"})
    doc = {"users": users, "userGroups": [{"id": "readers"}]}
    before = AccessModel.from_documents(doc, {"w": None})
    after = AccessModel.from_documents(
        doc,
        {"w": None},
        {"w": {"permissions": [grant("VIEW", "readers"), grant("MANAGE", "zz.intruder", "user")]}},
    )
    changes = access_changes(before, after)
    assert len(changes) == 10_001
    md = changes_markdown(changes, limit=100)
    assert md[:4] == [
        "### ⚠ Privilege escalations (1)",
        "",
        "- ⚠ privilege escalation: zz.intruder gains MANAGE on w (direct)",
        "",
    ]
    assert md[-2:] == ["- … and 9,900 more access changes (see the JSON plan)", ""]
    assert changes_json(changes)[0]["escalation"] is True


def test_listings_stream_to_a_stream_and_count_rows() -> None:
    from reconciler.access.effective import organization_access
    from reconciler.access.report import write_access

    m = access_org.model()
    for fmt in ("text", "json", "csv", "markdown"):
        out = io.StringIO()
        n = write_access(organization_access(m), fmt, out)
        assert n == (18 if fmt == "csv" else 16), fmt  # jane.doe holds VIEW on sales for 3 reasons
    assert json.loads(render_access([], "json")) == {"access": []}
    assert render_access([], "markdown", empty="Nobody.") == "Nobody.\n"
    assert render_access([], "csv") == ",".join(CSV_HEADER) + "\r\n"
