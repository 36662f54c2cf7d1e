"""Who gains and loses access between two models, and why; privilege escalations flagged; stable order."""

from __future__ import annotations

from typing import Any

import access_org
from access_org import grant, group

from reconciler.access.changes import access_changes, affected_users
from reconciler.access.report import change_lines


def lines(edit: Any, bootstrap_group: str | None = "adminGroup") -> list[str]:
    before, after = access_org.changed(edit)
    return change_lines(access_changes(before, after, bootstrap_group=bootstrap_group))


def test_a_hierarchy_grant_on_a_parent_reaches_every_member_on_every_child() -> None:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("MANAGE", "leads")]

    assert lines(edit) == [
        "⚠ privilege escalation: bob gains MANAGE on sales, sales-emea, sales-emea-de, sales-us "
        "(via leads, hierarchy of sales)",
        "⚠ privilege escalation: jane.doe gains MANAGE on sales, sales-emea, sales-emea-de, sales-us "
        "(via analysts → leads, hierarchy of sales)",
    ]


def test_a_gain_names_only_what_was_not_held_and_is_not_an_escalation() -> None:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("EXPORT", "leads")]

    before, after = access_org.changed(edit)
    changes = access_changes(before, after)
    assert [c.escalation for c in changes] == [False, False]
    assert change_lines(changes) == [
        "bob gains EXPORT on sales, sales-emea, sales-emea-de, sales-us (via leads, hierarchy of sales)",
        # jane.doe already exports on sales through analysts
        "jane.doe gains EXPORT on sales-emea, sales-emea-de, sales-us"
        " (via analysts → leads, hierarchy of sales)",
    ]
    delta = changes[1].deltas[0]
    assert delta.to_dict() == {
        "direction": "gain",
        "scope": "workspaces",
        "permissions": ["EXPORT"],
        "workspaces": ["sales-emea", "sales-emea-de", "sales-us"],
        "kept": [],
        "group": None,
        "reasons": [
            {
                "via": ["analysts", "leads"],
                "hierarchyOf": "sales",
                "organization": False,
                "impliedBy": None,
                "text": "via analysts → leads, hierarchy of sales",
            }
        ],
        "escalation": False,
    }


def test_organization_manage_is_an_escalation() -> None:
    def edit(d: Any) -> None:
        d["organization_permissions"].append(grant("MANAGE", "carol", "user"))

    assert lines(edit) == [
        "⚠ privilege escalation: carol gains MANAGE on the organization (direct)",
        "⚠ privilege escalation: carol gains MANAGE on every workspace (direct, organization MANAGE)",
    ]


def test_joining_the_bootstrap_group_through_a_nested_group_is_an_escalation() -> None:
    def edit(d: Any) -> None:
        d["users_and_groups"]["users"][3]["userGroups"] = [group("ops")]  # carol joins ops ⊂ adminGroup

    assert lines(edit) == [
        "⚠ privilege escalation: carol joins the bootstrap group adminGroup (via ops → adminGroup)",
        "⚠ privilege escalation: carol gains MANAGE on the organization (via ops → adminGroup)",
        "⚠ privilege escalation: carol gains MANAGE on every workspace"
        " (via ops → adminGroup, organization MANAGE)",
    ]
    # without the bootstrap group's id, membership is not reported (the grants still are)
    assert len(lines(edit, bootstrap_group=None)) == 2


def test_bootstrap_membership_alone_is_flagged() -> None:
    def edit(d: Any) -> None:
        d["organization_permissions"] = []
        d["users_and_groups"]["users"][2]["userGroups"].append(group("adminGroup"))

    before, after = access_org.changed(edit)
    changes = access_changes(before, after, bootstrap_group="adminGroup")
    assert change_lines(changes) == [
        "⚠ privilege escalation: bob joins the bootstrap group adminGroup (via adminGroup)",
        "admin loses MANAGE on the organization (via adminGroup)",
        "admin loses MANAGE on every workspace (via adminGroup, organization MANAGE)",
    ]
    assert [c.escalation for c in changes] == [True, False]


def test_a_loss_says_what_is_still_held() -> None:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["permissions"] = [grant("VIEW", "jane.doe", "user")]

    assert lines(edit) == [
        "jane.doe loses ANALYZE, EXPORT on sales (via analysts); still holds VIEW there",
    ]


def test_a_deleted_user_loses_everything() -> None:
    def edit(d: Any) -> None:
        d["users_and_groups"]["users"] = [u for u in d["users_and_groups"]["users"] if u["id"] != "eve"]

    assert lines(edit) == ["eve loses VIEW on hr (via loop-a → loop-b)"]


def test_a_new_child_workspace_under_a_hierarchy_grant() -> None:
    def edit(d: Any) -> None:
        d["workspaces"]["sales-apac"] = "sales"

    def edit_grant(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("VIEW", "leads")]

    before, after = access_org.changed(lambda d: (edit_grant(d), edit(d)))
    base = access_org.changed(edit_grant)[1]
    assert change_lines(access_changes(base, after)) == [
        "bob gains VIEW on sales-apac (via leads, hierarchy of sales)",
        "jane.doe gains VIEW on sales-apac (via analysts → leads, hierarchy of sales)",
    ]
    assert before is not after


def test_only_affected_users_are_computed_and_no_change_is_empty() -> None:
    m = access_org.model()
    assert access_changes(m, access_org.model()) == []
    assert affected_users(m, access_org.model()) == set()

    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("VIEW", "leads")]

    assert affected_users(*access_org.changed(edit)) == {"bob", "jane.doe"}


def test_escalations_come_first_then_by_principal() -> None:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["hr"]["permissions"].append(grant("MANAGE", "loop-a"))
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("VIEW", "leads")]
        d["workspace_permissions"]["hr"]["permissions"].append(grant("MANAGE", "carol", "user"))

    before, after = access_org.changed(edit)
    assert [(c.principal, c.escalation) for c in access_changes(before, after)] == [
        ("carol", True),
        ("eve", True),
        ("bob", False),
        ("jane.doe", False),
    ]


def test_one_permission_reached_two_ways_names_both_reasons() -> None:
    def edit(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [
            grant("VIEW", "leads"),
            grant("VIEW", "analysts"),
        ]

    assert lines(edit)[1] == (
        "jane.doe gains VIEW on sales-emea, sales-emea-de, sales-us"
        " (via analysts, hierarchy of sales; via analysts → leads, hierarchy of sales)"
    )


def test_a_loss_splits_by_what_is_still_held_where() -> None:
    def grant_manage(d: Any) -> None:
        d["workspace_permissions"]["sales"]["hierarchyPermissions"] = [grant("MANAGE", "leads")]

    with_manage = access_org.changed(grant_manage)[1]
    changes = access_changes(with_manage, access_org.model())
    assert change_lines([c for c in changes if c.principal == "jane.doe"]) == [
        "jane.doe loses MANAGE on sales (via analysts → leads, hierarchy of sales);"
        " still holds ANALYZE, EXPORT, EXPORT_TABULAR, EXPORT_PDF, VIEW there",
        "jane.doe loses MANAGE on sales-emea, sales-emea-de, sales-us"
        " (via analysts → leads, hierarchy of sales)",
    ]
    assert not any(c.escalation for c in changes)  # losing MANAGE is no escalation


def _teams(perms_before: dict[str, Any], perms_after: dict[str, Any]) -> list[str]:
    """Users in two teams that share ancestors (t1, t2 → r → top), in teams with none in common (t1, t3),
    and in the same teams as another user; grants on workspaces a, b and c."""
    from reconciler.access.model import AccessModel

    def ref(i: str) -> dict[str, str]:
        return {"id": i, "type": "userGroup"}

    ug = {
        "users": [
            {"id": "ann", "userGroups": [ref("t1"), ref("t2")]},
            {"id": "ben", "userGroups": [ref("t1"), ref("t3")]},
            {"id": "cat", "userGroups": [ref("t1"), ref("t3")]},
            {"id": "dan", "userGroups": [ref("t3")]},
        ],
        "userGroups": [
            {"id": "t1", "parents": [ref("r")]},
            {"id": "t2", "parents": [ref("r")]},
            {"id": "t3"},
            {"id": "r", "parents": [ref("top")]},
            {"id": "top"},
        ],
    }
    tree = {"a": None, "b": None, "c": None}
    before = AccessModel.from_documents(ug, tree, perms_before)
    after = AccessModel.from_documents(ug, tree, perms_after, cascade=True)
    return change_lines(access_changes(before, after))


def test_users_whose_groups_share_ancestors_or_not_each_get_their_own_chains() -> None:
    before = {"b": {"permissions": [grant("ANALYZE", "r")]}}
    after = {
        "a": {"permissions": [grant("VIEW", "top")]},
        "b": {"permissions": [grant("ANALYZE", "r"), grant("VIEW", "dan", "user")]},
        "c": {"permissions": [grant("EXPORT", "t3"), grant("VIEW", "dan", "user")]},
    }
    assert _teams(before, after) == [
        "ann gains VIEW on a (via t1 → r → top)",  # t1 and t2 both reach top: the first chain found
        "ben gains EXPORT on c (via t3)",
        "ben gains VIEW on a (via t1 → r → top)",
        "cat gains EXPORT on c (via t3)",
        "cat gains VIEW on a (via t1 → r → top)",
        "dan gains EXPORT on c (via t3)",  # and VIEW there, which EXPORT includes
        "dan gains VIEW on b (direct)",
    ]
    # and back: the same lines as losses
    assert _teams(after, before)[-2:] == ["dan loses EXPORT on c (via t3)", "dan loses VIEW on b (direct)"]
