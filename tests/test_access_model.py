"""AccessModel from GoodData's documents: groups, parents (cycles too), the workspace tree, the grants."""

from __future__ import annotations

import access_org

from reconciler.access.model import ORGANIZATION, AccessModel, RawGrant, workspaces_from_entities


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


def test_cascade_drops_grants_of_principals_the_document_lacks() -> None:
    docs = access_org.documents()
    docs["users_and_groups"]["users"] = [u for u in docs["users_and_groups"]["users"] if u["id"] != "carol"]
    docs["users_and_groups"]["userGroups"] = [
        g for g in docs["users_and_groups"]["userGroups"] if g["id"] != "loop-b"
    ]
    args = (docs["users_and_groups"], docs["workspaces"], docs["workspace_permissions"])
    assert ("user", "carol") in AccessModel.from_documents(*args).grants
    pruned = AccessModel.from_documents(*args, cascade=True).grants
    assert ("user", "carol") not in pruned and ("userGroup", "loop-b") not in pruned
    assert ("userGroup", "analysts") in pruned


def test_workspaces_from_a_json_api_listing() -> None:
    data = [
        {"id": "a", "attributes": {"name": "A"}, "type": "workspace"},
        {"id": "b", "relationships": {"parent": {"data": {"id": "a", "type": "workspace"}}}},
        "not an item",
    ]
    assert workspaces_from_entities(data) == ({"a": None, "b": "a"}, {"a": "A"})  # type: ignore[arg-type]
