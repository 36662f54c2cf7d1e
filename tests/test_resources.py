"""The resource modules' pure parts: rendering with carry-over, per-assignee diffs, import, write order."""

from __future__ import annotations

from typing import Any

from reconciler.layout import RenderOptions
from reconciler.plan import DocumentPlan, Plan, PlanContext, make_plan
from reconciler.resources.grants import list_changes, to_grants
from reconciler.resources.importing import permissions_state
from reconciler.resources.order import USERS_GROUPS, progress_note, write_order
from reconciler.resources.organization_permissions import OrganizationPermissions
from reconciler.resources.workspace_permissions import WorkspacePermissions
from reconciler.source.model import DesiredState, Grant, OrganizationEntry, WorkspaceEntry


def perm(name: str, who: str, kind: str = "userGroup") -> dict[str, Any]:
    return {"name": name, "assignee": {"id": who, "type": kind}}


LIVE = {
    "permissions": [perm("VIEW", "viewers"), perm("ANALYZE", "svc-bot", "user")],
    "hierarchyPermissions": [perm("MANAGE", "leads")],
    "futureField": {"kept": True},
}


def state(permissions: tuple[Grant, ...] | None, hierarchy: tuple[Grant, ...] | None = None) -> DesiredState:
    return DesiredState(
        users={}, groups={}, workspaces={"sales": WorkspaceEntry("sales", permissions, hierarchy)}
    )


def test_an_omitted_list_is_kept_an_empty_one_clears_and_unknown_fields_are_carried_over() -> None:
    ws = WorkspacePermissions("sales")
    desired = ws.render(state((), None), LIVE)
    assert desired["permissions"] == []
    assert desired["hierarchyPermissions"] == [perm("MANAGE", "leads")]
    assert desired["futureField"] == {"kept": True}


def test_grants_of_ignored_assignees_are_carried_over() -> None:
    ws = WorkspacePermissions("sales", ignore_users=("svc-*",))
    desired = ws.render(state((Grant("userGroup", "analysts", ("ANALYZE", "EXPORT")),)), LIVE)
    assert desired["permissions"] == [
        perm("ANALYZE", "svc-bot", "user"),
        perm("ANALYZE", "analysts"),
        perm("EXPORT", "analysts"),
    ]


def test_a_workspace_the_state_does_not_mention_renders_as_live() -> None:
    ws = WorkspacePermissions("other")
    assert ws.render(state(()), LIVE) == ws.canonical(LIVE)
    assert ws.diff(ws.canonical(LIVE), ws.render(state(()), LIVE)) == ()


def test_changes_are_per_assignee() -> None:
    changes = list_changes("permissions", [perm("VIEW", "a"), perm("VIEW", "b")], [perm("ANALYZE", "a")])
    assert [(f.field, f.added, f.removed) for f in changes] == [
        ("permissions[group:a]", ("ANALYZE",), ("VIEW",)),
        ("permissions[group:b]", (), ("VIEW",)),
    ]


def test_import_groups_names_per_assignee_and_leaves_out_workspaces_without_grants() -> None:
    docs: dict[str, dict[str, Any]] = {
        "workspaces/sales.permissions": {"permissions": [perm("VIEW", "a"), perm("EXPORT", "a")]},
        "workspaces/empty.permissions": {"permissions": [], "hierarchyPermissions": []},
        "organization.permissions": {"permissions": [perm("MANAGE", "adminGroup")]},
    }
    assert permissions_state(docs, RenderOptions()) == {
        "workspaces": [
            {
                "id": "sales",
                "permissions": [{"group": "a", "grant": ["EXPORT", "VIEW"]}],
                "hierarchyPermissions": [],
            }
        ],
        "organization": {"permissions": [{"group": "adminGroup", "grant": ["MANAGE"]}]},
    }
    assert to_grants([perm("VIEW", "jane", "user")]) == [{"user": "jane", "grant": ["VIEW"]}]


def test_the_organization_document_renders_and_backs_up_as_the_apis_bare_array() -> None:
    org = OrganizationPermissions()
    live = org.from_file([perm("MANAGE", "adminGroup"), perm("SELF_CREATE_TOKEN", "jane", "user")])
    desired = org.render(
        DesiredState(
            users={},
            groups={},
            organization=OrganizationEntry((Grant("userGroup", "adminGroup", ("MANAGE",)),)),
        ),
        live,
    )
    assert org.to_file(desired) == [perm("MANAGE", "adminGroup")]
    (change,) = org.diff(live, desired)
    assert [(f.field, f.removed) for f in change.fields] == [
        ("permissions[user:jane]", ("SELF_CREATE_TOKEN",))
    ]


def _plan(
    users_live: dict[str, Any],
    users_desired: dict[str, Any],
    ws_live: dict[str, Any],
    ws_desired: dict[str, Any],
) -> tuple[Plan, WorkspacePermissions, dict[str, Any]]:
    ws = WorkspacePermissions("sales")
    lv, dv = ws.canonical(ws_live), ws.canonical(ws_desired)
    docs = {ws.key: DocumentPlan(lv, dv, ws.diff(lv, dv))}
    plan = make_plan(users_live, users_desired, target="t", context=PlanContext(), documents=docs)
    return plan, ws, {ws.key: lv}


def test_a_users_only_plan_has_the_same_digests_as_before() -> None:
    doc = {"users": [{"id": "admin"}], "userGroups": [{"id": "adminGroup"}]}
    plain = make_plan(doc, doc, target="t", context=PlanContext())
    assert plain.documents == {} and "documents" not in plain.to_dict()
    with_docs, _, _ = _plan(doc, doc, LIVE, LIVE)
    assert with_docs.live_digest != plain.live_digest  # the fingerprint covers every document read


def test_write_order_and_what_a_failure_midway_says() -> None:
    live = {"users": [{"id": "admin"}, {"id": "bob"}], "userGroups": [{"id": "viewers"}]}
    gone = {"users": [{"id": "admin"}], "userGroups": [{"id": "viewers"}]}
    bob = {"permissions": [perm("VIEW", "bob", "user")]}
    plan, ws, lv = _plan(live, gone, bob, {"permissions": []})
    steps = write_order(plan, [ws], lv)
    assert steps == [ws, USERS_GROUPS]  # bob's grants go before bob
    added = {"users": [{"id": "admin"}, {"id": "bob"}, {"id": "ann"}], "userGroups": [{"id": "viewers"}]}
    plan, ws, lv = _plan(live, added, bob, {"permissions": [perm("VIEW", "ann", "user")]})
    steps = write_order(plan, [ws], lv)
    assert steps == [USERS_GROUPS, ws]  # ann exists before her grant
    note = progress_note(steps, [USERS_GROUPS.label], "backups/t (commit abc)")
    assert note.startswith(
        "written before the failure: the users and groups; not written: the permissions of workspace sales"
    )


def test_a_saved_plan_naming_a_document_outside_the_known_keys_is_refused() -> None:
    import pytest

    from reconciler.errors import StateError
    from reconciler.plan_documents import desired_digest

    doc = {"users": [{"id": "admin"}], "userGroups": [{"id": "adminGroup"}]}
    plan, _, _ = _plan(doc, doc, LIVE, LIVE)
    data = plan.to_dict()
    data["documents"] = {"workspaces/../../etc.permissions": {"permissions": []}}
    data["desired_digest"] = desired_digest(plan.desired, data["documents"])
    with pytest.raises(StateError, match="unknown document"):
        Plan.from_dict(data)
    assert Plan.from_dict(plan.to_dict()).documents == plan.documents
