"""Effective access: nested groups, hierarchy permissions down the tree, implied permissions, the reasons."""

from __future__ import annotations

import access_org

from reconciler.access.effective import (
    Reason,
    effective_access,
    implied,
    organization_access,
    principal_access,
    principal_kind,
    who_can_access,
)
from reconciler.access.model import EVERY_WORKSPACE, GROUP, ORGANIZATION


def rows(entries: list) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    return [(e.principal, e.scope, e.permission, e.reason.text) for e in entries]


def test_the_implication_table_is_what_the_docs_say() -> None:
    assert implied("MANAGE") == {"MANAGE", "ANALYZE", "EXPORT", "EXPORT_PDF", "EXPORT_TABULAR", "VIEW"}
    assert implied("ANALYZE") == {"ANALYZE", "VIEW"}  # the docs do not say ANALYZE includes EXPORT
    assert implied("EXPORT") == {"EXPORT", "EXPORT_PDF", "EXPORT_TABULAR", "VIEW"}
    assert implied("EXPORT_PDF") == {"EXPORT_PDF", "VIEW"}
    assert implied("VIEW") == {"VIEW"}
    assert implied("CREATE_AUTOMATION") == {"CREATE_AUTOMATION"}  # silent docs: nothing implied
    assert "CREATE_AUTOMATION" not in implied("MANAGE")
    assert implied("MANAGE", organization=True) == {"MANAGE", "SELF_CREATE_TOKEN", "BASE_UI_ACCESS"}
    assert implied("SELF_CREATE_TOKEN", organization=True) == {"SELF_CREATE_TOKEN"}


def test_reason_notation() -> None:
    assert Reason().text == "direct"
    assert Reason(("analysts", "leads"), "sales").text == "via analysts → leads, hierarchy of sales"
    assert Reason(("adminGroup",), organization=True, implied_by="MANAGE").text == (
        "via adminGroup, organization MANAGE, implied by MANAGE"
    )
    assert Reason(hierarchy_of="sales").to_dict() == {
        "via": [],
        "hierarchyOf": "sales",
        "organization": False,
        "impliedBy": None,
        "text": "direct, hierarchy of sales",
    }


def test_hierarchy_grant_through_nested_groups_reaches_grandchildren() -> None:
    docs = access_org.documents()
    docs["workspace_permissions"]["sales-emea"] = {
        "hierarchyPermissions": [access_org.grant("ANALYZE", "leads")]
    }
    m = access_org.model(docs)
    assert rows(effective_access(m, "jane.doe").entries()) == [
        ("jane.doe", "sales", "ANALYZE", "via analysts"),
        ("jane.doe", "sales", "EXPORT", "via analysts"),
        ("jane.doe", "sales", "EXPORT_TABULAR", "via analysts, implied by EXPORT"),
        ("jane.doe", "sales", "EXPORT_PDF", "via analysts, implied by EXPORT"),
        ("jane.doe", "sales", "VIEW", "direct"),
        ("jane.doe", "sales", "VIEW", "via analysts, implied by ANALYZE"),
        ("jane.doe", "sales", "VIEW", "via analysts, implied by EXPORT"),
        ("jane.doe", "sales-emea", "ANALYZE", "via analysts → leads, hierarchy of sales-emea"),
        (
            "jane.doe",
            "sales-emea",
            "VIEW",
            "via analysts → leads, hierarchy of sales-emea, implied by ANALYZE",
        ),
        ("jane.doe", "sales-emea-de", "ANALYZE", "via analysts → leads, hierarchy of sales-emea"),
        (
            "jane.doe",
            "sales-emea-de",
            "VIEW",
            "via analysts → leads, hierarchy of sales-emea, implied by ANALYZE",
        ),
    ]
    access = effective_access(m, "jane.doe")
    assert access.holds("sales-emea-de", "VIEW")
    assert not access.holds("sales-us", "VIEW")
    assert not access.holds("sales", "MANAGE")
    assert access.memberships == {"analysts": ("analysts",), "leads": ("analysts", "leads")}


def test_a_cycle_in_group_parents_resolves() -> None:
    assert rows(principal_access(access_org.model(), "eve")) == [("eve", "hr", "VIEW", "via loop-a → loop-b")]


def test_organization_manage_implies_manage_on_every_workspace() -> None:
    m = access_org.model()
    assert rows(principal_access(m, "admin")) == [
        ("admin", ORGANIZATION, "MANAGE", "via adminGroup"),
        ("admin", ORGANIZATION, "SELF_CREATE_TOKEN", "via adminGroup, implied by MANAGE"),
        ("admin", ORGANIZATION, "BASE_UI_ACCESS", "via adminGroup, implied by MANAGE"),
        ("admin", EVERY_WORKSPACE, "MANAGE", "via adminGroup, organization MANAGE"),
        ("admin", EVERY_WORKSPACE, "ANALYZE", "via adminGroup, organization MANAGE, implied by MANAGE"),
        ("admin", EVERY_WORKSPACE, "EXPORT", "via adminGroup, organization MANAGE, implied by MANAGE"),
        (
            "admin",
            EVERY_WORKSPACE,
            "EXPORT_TABULAR",
            "via adminGroup, organization MANAGE, implied by MANAGE",
        ),
        ("admin", EVERY_WORKSPACE, "EXPORT_PDF", "via adminGroup, organization MANAGE, implied by MANAGE"),
        ("admin", EVERY_WORKSPACE, "VIEW", "via adminGroup, organization MANAGE, implied by MANAGE"),
    ]
    assert effective_access(m, "admin").holds("sales-emea-de", "MANAGE")


def test_who_can_see_a_workspace_and_why() -> None:
    docs = access_org.documents()
    docs["workspace_permissions"]["sales"]["hierarchyPermissions"] = [access_org.grant("MANAGE", "leads")]
    m = access_org.model(docs)
    got = [
        (p, perm, why)
        for p, scope, perm, why in rows(who_can_access(m, "sales-us"))
        if perm in ("MANAGE", "VIEW")
    ]
    assert got == [
        ("admin", "MANAGE", "via adminGroup, organization MANAGE"),
        ("admin", "VIEW", "via adminGroup, organization MANAGE, implied by MANAGE"),
        ("bob", "MANAGE", "via leads, hierarchy of sales"),
        ("bob", "VIEW", "via leads, hierarchy of sales, implied by MANAGE"),
        ("jane.doe", "MANAGE", "via analysts → leads, hierarchy of sales"),
        ("jane.doe", "VIEW", "via analysts → leads, hierarchy of sales, implied by MANAGE"),
    ]
    assert {e.scope for e in who_can_access(m, "sales-us")} == {"sales-us"}
    assert [e.principal for e in who_can_access(m, "hr") if e.permission == "VIEW"] == [
        "admin",
        "carol",
        "eve",
    ]


def test_a_group_as_principal() -> None:
    m = access_org.model()
    assert principal_kind(m, "analysts") == GROUP
    assert principal_kind(m, "jane.doe") == "user"
    assert principal_kind(m, "nobody") is None
    assert rows(principal_access(m, "analysts", GROUP))[:2] == [
        ("analysts", "sales", "ANALYZE", "direct"),
        ("analysts", "sales", "EXPORT", "direct"),
    ]
    assert rows(principal_access(m, "ops", GROUP))[0] == ("ops", ORGANIZATION, "MANAGE", "via adminGroup")
    assert principal_access(m, "nobody", GROUP) == []


def test_the_whole_organization_listing_is_by_user() -> None:
    users = [e.principal for e in organization_access(access_org.model())]
    assert users == sorted(users)
    assert set(users) == {"admin", "carol", "eve", "jane.doe"}  # bob holds nothing yet
