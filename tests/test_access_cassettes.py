"""Effective access of the organization GoodData's SDK team recorded (../shared/gooddata/cassettes)."""

from __future__ import annotations

from typing import Any

import cassettes

from reconciler.access.effective import principal_access, who_can_access
from reconciler.access.model import AccessModel, workspaces_from_entities


def recorded_model() -> AccessModel:
    cassettes.require()
    listing: dict[str, Any] = cassettes.load("workspaces/demo_workspace_list")[0].response
    tree, names = workspaces_from_entities(listing["data"])
    org = cassettes.load("permissions/manage_organization_permissions")[1].response
    return AccessModel.from_documents(
        cassettes.baseline_organization(),
        tree,
        {"demo": cassettes.baseline_permissions()},
        org,
        workspace_names=names,
    )


def test_the_recorded_tree_and_groups() -> None:
    m = recorded_model()
    assert m.workspaces == {"demo": None, "demo_west": "demo", "demo_west_california": "demo_west"}
    assert m.subtree("demo") == {"demo", "demo_west", "demo_west_california"}
    assert m.members_of(["adminGroup"]) == {"admin", "demo"}
    assert m.workspace_label("demo_west") == "demo_west (Demo West)"


def test_who_can_see_the_grandchild_workspace() -> None:
    got = [
        (e.principal, e.permission, e.reason.text)
        for e in who_can_access(recorded_model(), "demo_west_california")
        if e.permission in ("MANAGE", "ANALYZE")
    ]
    # demoGroup's VIEW on demo is `permissions` (demo only): it does not reach the grandchild
    assert got == [
        ("admin", "MANAGE", "via adminGroup, organization MANAGE"),
        ("admin", "ANALYZE", "via adminGroup, organization MANAGE, implied by MANAGE"),
        ("demo", "MANAGE", "via adminGroup, organization MANAGE"),
        ("demo", "ANALYZE", "via adminGroup, organization MANAGE, implied by MANAGE"),
        ("demo2", "MANAGE", "direct, hierarchy of demo"),
        ("demo2", "ANALYZE", "direct, hierarchy of demo, implied by MANAGE"),
        ("demo2", "ANALYZE", "via demoGroup, hierarchy of demo"),
    ]


def test_what_demo2_can_do_on_the_root() -> None:
    demo = [
        (e.permission, e.reason.text)
        for e in principal_access(recorded_model(), "demo2")
        if e.scope == "demo"
    ]
    assert ("ANALYZE", "direct") in demo
    assert ("VIEW", "via demoGroup") in demo
    assert ("MANAGE", "direct, hierarchy of demo") in demo
