"""AccessModel from GoodData's documents: groups, parents (cycles too), the workspace tree, the grants."""

from __future__ import annotations

import access_org

from reconciler.access.model import ORGANIZATION, AccessModel, RawGrant


def test_users_groups_and_grants_come_from_the_documents() -> None:
    m = access_org.model()
    assert m.users["jane.doe"] == ("analysts",)
    assert m.users["carol"] == ()
    assert m.groups["analysts"] == ("leads",)
    assert m.grants[("userGroup", "analysts")] == (RawGrant("sales", "ANALYZE"), RawGrant("sales", "EXPORT"))
    assert m.grants[("user", "jane.doe")] == (RawGrant("sales", "VIEW"),)
    assert m.grants[("userGroup", "adminGroup")] == (RawGrant(ORGANIZATION, "MANAGE"),)
    assert m.workspace_label("sales") == "sales (Sales)"
    assert m.workspace_label("hr") == "hr"


def test_workspace_tree_reaches_grandchildren() -> None:
    m = access_org.model()
    assert m.subtree("sales") == {"sales", "sales-emea", "sales-emea-de", "sales-us"}
    assert m.subtree("sales-emea") == {"sales-emea", "sales-emea-de"}
    assert m.subtree("hr") == {"hr"}
    assert m.ancestors("sales-emea-de") == ["sales-emea-de", "sales-emea", "sales"]
    assert m.workspace_children["sales"] == ("sales-emea", "sales-us")


def test_group_paths_are_shortest_and_a_cycle_ends() -> None:
    m = access_org.model()
    assert m.group_paths(["analysts"]) == {"analysts": ("analysts",), "leads": ("analysts", "leads")}
    # analysts → leads and leads directly: the shorter chain wins
    assert m.group_paths(["analysts", "leads"])["leads"] == ("leads",)
    assert m.group_paths(["loop-a"]) == {"loop-a": ("loop-a",), "loop-b": ("loop-a", "loop-b")}
    assert m.groups_within(["loop-b"]) == {"loop-a", "loop-b"}


def test_members_of_a_group_include_nested_groups_members() -> None:
    m = access_org.model()
    assert m.members_of(["leads"]) == {"jane.doe", "bob"}
    assert m.members_of(["analysts"]) == {"jane.doe"}
    assert m.members_of(["adminGroup"]) == {"admin"}  # ops is nested in adminGroup but has no members
    assert m.members_of(["loop-a"]) == {"eve"}


def test_missing_lists_and_unknown_workspaces_are_tolerated() -> None:
    m = AccessModel.from_documents(
        {"users": [{"id": "u"}], "userGroups": [{"id": "g"}]},
        {},
        {"orphan": {"permissions": [{"name": "VIEW", "assignee": {"id": "u", "type": "user"}}]}},
    )
    assert m.workspaces == {"orphan": None}
    assert m.grants == {("user", "u"): (RawGrant("orphan", "VIEW"),)}
    assert AccessModel.from_documents({}).users == {}


def test_a_cycle_in_the_workspace_tree_does_not_hang() -> None:
    m = AccessModel.from_documents({"users": [], "userGroups": []}, {"a": "b", "b": "a"})
    assert m.subtree("a") == {"a", "b"}
    assert m.ancestors("a") == ["a", "b"]
