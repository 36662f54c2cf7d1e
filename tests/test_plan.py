"""reconciler.plan: keyed diff, ordering, warnings, fingerprint, guards, saved form, verify."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from reconciler.errors import GuardError, StateError
from reconciler.layout import RenderOptions, canonical, digest, render_with_notes
from reconciler.plan import (
    Change,
    DeletionLimits,
    FieldChange,
    Plan,
    PlanContext,
    PlanWarning,
    check_guards,
    make_plan,
    verify,
)
from reconciler.source.model import DesiredState, Entry, Location


def ref(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "type": "userGroup"} for i in ids]


def u(uid: str, *groups: str, **fields: Any) -> dict[str, Any]:
    return {"id": uid, "userGroups": ref(*groups), **fields}


def g(gid: str, *parents: str, **fields: Any) -> dict[str, Any]:
    return {"id": gid, "parents": ref(*parents), **fields}


def doc(groups: list[dict[str, Any]], users: list[dict[str, Any]]) -> dict[str, Any]:
    return {"userGroups": groups, "users": users}


BASE_GROUPS = [g("adminGroup"), g("everyone")]
BASE_USERS = [u("admin", "adminGroup"), u("jane", "everyone", authId="a|jane", email="jane@acme.com")]
LIVE = doc(BASE_GROUPS, BASE_USERS)


def plan(live: dict[str, Any], desired: dict[str, Any], **context: Any) -> Plan:
    return make_plan(live, desired, target="prod", context=PlanContext(**context))


def ops(p: Plan) -> list[tuple[str, str, str]]:
    return [(c.op, c.kind, c.id) for c in p.changes]


def messages(p: Plan) -> tuple[str, ...]:
    return tuple(w.message for w in p.warnings)


def test_no_changes_for_equal_documents_in_any_order() -> None:
    shuffled = copy.deepcopy(LIVE)
    shuffled["users"].reverse()
    p = plan(LIVE, shuffled)
    assert not p.has_changes
    assert p.changes == () and p.warnings == ()
    assert p.counts == {"add": 0, "change": 0, "destroy": 0}
    assert p.summary == "No changes. The organization matches the state."
    assert p.desired == canonical(LIVE)
    assert p.live_counts == {"users": 2, "groups": 2}


def test_order_creates_topological_then_updates_then_deletes_children_first() -> None:
    live = doc(
        [*BASE_GROUPS, g("old-root"), g("old-child", "old-root"), g("old-grandchild", "old-child")],
        [*BASE_USERS, u("bob", "everyone", authId="a|bob"), u("ann", authId="a|ann")],
    )
    desired = doc(
        [
            g("adminGroup"),
            g("everyone", name="Everyone"),
            g("a-leaf", "m-mid"),
            g("m-mid", "z-root"),
            g("z-root"),
        ],
        [
            u("admin", "adminGroup"),
            u("jane", "a-leaf", authId="a|jane", email="j@acme.com"),
            u("carl", authId="a|c"),
        ],
    )
    p = plan(live, desired)
    assert ops(p) == [
        ("create", "group", "z-root"),
        ("create", "group", "m-mid"),
        ("create", "group", "a-leaf"),
        ("create", "user", "carl"),
        ("update", "group", "everyone"),
        ("update", "user", "jane"),
        ("delete", "user", "ann"),
        ("delete", "user", "bob"),
        ("delete", "group", "old-grandchild"),
        ("delete", "group", "old-child"),
        ("delete", "group", "old-root"),
    ]
    assert p.counts == {"add": 4, "change": 2, "destroy": 5}
    assert p.deletions == {"users": 2, "groups": 3}
    assert p.summary == "Plan: 4 to add, 2 to change, 5 to destroy."
    jane = p.changes[5]
    assert jane.fields == (
        FieldChange("email", old="jane@acme.com", new="j@acme.com"),
        FieldChange("userGroups", added=("a-leaf",), removed=("everyone",)),
    )
    assert p.changes[1].fields == (FieldChange("parents", added=("z-root",)),)


def test_warning_user_without_auth_id_on_create_and_update() -> None:
    desired = doc(
        BASE_GROUPS, [u("admin", "adminGroup"), u("jane", "everyone", email="x@acme.com"), u("new")]
    )
    p = plan(LIVE, desired)
    assert p.warnings == (
        PlanWarning("no-auth-id", "info", "user jane has no authId: it cannot log in", "user", "jane"),
        PlanWarning("no-auth-id", "info", "user new has no authId: it cannot log in", "user", "new"),
    )  # the bootstrap admin never has one; an update's warning before a create's


def test_no_auth_id_warning_for_system_accounts() -> None:
    desired = doc(BASE_GROUPS, [*BASE_USERS, u("robot", systemAccount=True)])
    assert plan(LIVE, desired).warnings == ()


def test_warning_deletes_with_workspace_permissions() -> None:
    live = doc([*BASE_GROUPS, g("sales")], [*BASE_USERS, u("bob", authId="a|bob")])
    workspaces = {("user", "bob"): ("demo", "acme"), ("userGroup", "sales"): ("demo",)}
    p = plan(live, LIVE, workspace_assignees=workspaces)
    assert [(w.kind, w.severity, w.subject, w.id) for w in p.warnings] == [
        ("workspace-cascade", "security", "user", "bob"),
        ("workspace-cascade", "security", "group", "sales"),
    ]
    assert messages(p) == (
        "deleting user bob also removes its permissions in workspace(s) acme, demo (the server cascades "
        "them away; re-creating it does not bring them back)",
        "deleting group sales also removes its permissions in workspace(s) demo (the server cascades "
        "them away; re-creating it does not bring them back)",
    )


def test_warning_bootstrap_group_members_and_manage() -> None:
    live = doc(BASE_GROUPS, [*BASE_USERS, u("root", "adminGroup", authId="a|root")])
    desired = doc(
        [*BASE_GROUPS, g("ops", "adminGroup")],
        [
            u("admin", "adminGroup"),
            u("jane", "everyone", "adminGroup", authId="a|jane", email="jane@acme.com"),
        ],
    )
    p = plan(live, desired)
    # by consequence: the delete's warning first, then the update's, then the create's
    assert messages(p) == (
        "user root, a member of the bootstrap group adminGroup, is deleted",
        "user jane joins the bootstrap group adminGroup",
        "user jane gains organization MANAGE through group adminGroup",
        "group ops joins the bootstrap group adminGroup",
        "group ops and all its members gain organization MANAGE through group adminGroup",
    )
    assert [w.kind for w in p.warnings] == [
        "bootstrap-member-deleted",
        "bootstrap-join",
        "manage-grant",
        "bootstrap-join",
        "manage-grant",
    ]
    assert {w.severity for w in p.warnings} == {"security"}


def test_warning_manage_from_context_and_through_ancestors() -> None:
    live = doc([*BASE_GROUPS, g("admins"), g("leads", "admins")], BASE_USERS)
    desired = doc(
        [*BASE_GROUPS, g("admins"), g("leads", "admins")],
        [u("admin", "adminGroup"), u("jane", "everyone", "leads", authId="a|jane", email="jane@acme.com")],
    )
    p = plan(live, desired, manage_groups=frozenset({"admins"}))
    assert messages(p) == (
        "user jane gains organization MANAGE through group leads (a descendant of admins)",
    )
    # leaving the bootstrap group is a change to its members
    p = plan(live, doc(live["userGroups"], [u("admin"), BASE_USERS[1]]), manage_groups=frozenset({"admins"}))
    assert messages(p) == ("user admin leaves the bootstrap group adminGroup",)


def test_context_notes_become_warnings() -> None:
    p = plan(LIVE, LIVE, notes=("group legacy is kept",))
    assert p.warnings == (PlanWarning("note", "security", "group legacy is kept", "group", "legacy"),)
    assert not p.has_changes


def test_render_notes_are_classified_security_before_info() -> None:
    live = doc([*BASE_GROUPS, g("legacy")], [*BASE_USERS, u("owner", "legacy", authId="a|o")])
    options = RenderOptions(protected_users=frozenset({"owner"}), ignore_users=("jane",))
    jane = Entry("user", "jane", {"email": "j@x"}, Location("f.yaml", 1))
    state = DesiredState(users={"jane": jane}, groups={})
    notes = render_with_notes(state, live, options).notes
    assert notes[0].startswith("user jane is declared but matches policy.ignore")
    p = plan(live, live, notes=notes)
    assert [(w.kind, w.severity, w.subject, w.id) for w in p.warnings] == [
        ("kept", "security", "group", "everyone"),  # jane, ignored and so kept, is a member
        ("kept", "security", "group", "legacy"),
        ("ignored", "info", "user", "jane"),
    ]


def test_fingerprint_stable_and_sensitive() -> None:
    desired = doc(BASE_GROUPS, [*BASE_USERS, u("new", authId="a|n")])
    a, b = plan(LIVE, desired), plan(copy.deepcopy(LIVE), copy.deepcopy(desired))
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 64
    assert a.live_digest == digest(LIVE) and a.desired_digest == digest(desired)
    changed_live = copy.deepcopy(LIVE)
    changed_live["users"][1]["email"] = "other@acme.com"
    assert plan(changed_live, desired).fingerprint != a.fingerprint
    changed_desired = copy.deepcopy(desired)
    changed_desired["users"][2]["email"] = "n@acme.com"
    assert plan(LIVE, changed_desired).fingerprint != a.fingerprint
    assert plan(LIVE, desired, notes=("x",)).fingerprint == a.fingerprint  # documents only


def test_to_dict_from_dict_round_trip_through_json() -> None:
    desired = doc(
        [g("adminGroup"), g("analysts", "everyone", name="A"), g("everyone")],
        [
            u("admin", "adminGroup"),
            u(
                "jane",
                "analysts",
                email="j@acme.com",
                settings=[{"id": "s", "type": "T", "content": {"v": 1}}],
            ),
        ],
    )
    p = plan(LIVE, desired)
    data = json.loads(json.dumps(p.to_dict()))
    assert data["format_version"] == 2
    assert data["counts"] == {"add": 1, "change": 1, "destroy": 0}
    assert data["summary"] == p.summary
    assert Plan.from_dict(data) == p


def test_to_dict_lists_changes_by_consequence_and_from_dict_restores_apply_order() -> None:
    live = doc([*BASE_GROUPS, g("old")], [*BASE_USERS, u("bob", "adminGroup", authId="a|b", email="b@x")])
    desired = doc([*BASE_GROUPS, g("new")], [BASE_USERS[0], {**BASE_USERS[1], "email": "j2@acme.com"}])
    p = make_plan(live, desired, target="prod", context=PlanContext(), host="https://acme.example")
    assert ops(p) == [
        ("create", "group", "new"),
        ("update", "user", "jane"),
        ("delete", "user", "bob"),
        ("delete", "group", "old"),
    ]
    # a delete says what the object was
    assert p.changes[2].fields == (
        FieldChange("authId", old="a|b"),
        FieldChange("email", old="b@x"),
        FieldChange("userGroups", removed=("adminGroup",)),
    )
    data = json.loads(json.dumps(p.to_dict()))
    assert [c["id"] for c in data["changes"]] == ["bob", "old", "jane", "new"]
    assert (data["host"], data["embedded"]) == ("https://acme.example", False)
    assert data["warnings"][0] == {
        "kind": "bootstrap-member-deleted",
        "severity": "security",
        "subject": "user",
        "id": "bob",
        "message": "user bob, a member of the bootstrap group adminGroup, is deleted",
    }
    assert Plan.from_dict(data) == p
    assert p.where == "prod (https://acme.example)"
    local = make_plan(live, desired, target="local", context=PlanContext(), embedded=True)
    assert local.where == "local (embedded emulator)"
    assert Plan.from_dict(json.loads(json.dumps(local.to_dict()))).where == "local (embedded emulator)"


def test_a_format_version_1_plan_still_loads() -> None:
    live = doc([*BASE_GROUPS, g("old")], [*BASE_USERS, u("bob", "adminGroup", authId="a|b")])
    p = plan(live, doc(BASE_GROUPS, [BASE_USERS[0], u("jane", "everyone", email="x@y")]))
    v1 = p.to_dict()
    # what version 1 wrote: apply order, no fields on deletes, warnings as text, no host
    v1.update(format_version=1, warnings=[w.message for w in p.warnings])
    v1["changes"] = [
        {**c, "fields": [] if c["op"] == "delete" else c["fields"]}
        for c in sorted(v1["changes"], key=lambda c: ["create", "update", "delete"].index(c["op"]))
    ]
    del v1["host"], v1["embedded"]
    old = Plan.from_dict(json.loads(json.dumps(v1)))
    assert ops(old) == ops(p) and old.fingerprint == p.fingerprint and old.where == "prod"
    # unclassified, so never cut from a report
    assert [(w.kind, w.severity) for w in old.warnings] == [("note", "security")] * len(p.warnings)
    assert messages(old) == messages(p)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("desired"), "missing key 'desired'"),
        (lambda d: d.update(format_version=99), "format_version 99"),
        (lambda d: d.update(warnings=[{"kind": "x", "severity": "loud", "message": "m"}]), "severity 'loud'"),
        (lambda d: d.update(host=3), "host is not a string"),
        (lambda d: d.update(changes="x"), "changes is not a list"),
        (lambda d: d["changes"].append({"op": "explode", "kind": "user", "id": "x"}), "unknown change"),
        (lambda d: d["desired"]["users"].pop(), "does not match desired_digest"),
        (lambda d: d.update(live_digest="0" * 64), "fingerprint does not match"),
    ],
)
def test_from_dict_rejects_malformed_or_edited(edit: Any, message: str) -> None:
    data = json.loads(json.dumps(plan(LIVE, doc(BASE_GROUPS, [BASE_USERS[0]])).to_dict()))
    edit(data)
    with pytest.raises(StateError, match=message) as e:
        Plan.from_dict(data)
    assert str(e.value).startswith("invalid plan: ")


def test_from_dict_rejects_non_object() -> None:
    with pytest.raises(StateError, match="invalid plan: not a JSON object"):
        Plan.from_dict([])


def test_verify_lists_what_differs() -> None:
    assert verify(LIVE, copy.deepcopy(LIVE)) == ()
    actual = copy.deepcopy(LIVE)
    del actual["users"][1]["email"]
    assert verify(LIVE, actual) == (
        Change("update", "user", "jane", (FieldChange("email", old=None, new="jane@acme.com"),)),
    )


# --- guards ----------------------------------------------------------------------------------------------


def deleting(users: int, groups: int, keep_users: int = 100, keep_groups: int = 100) -> Plan:
    keep_g = [g(f"keep-g{i}") for i in range(keep_groups)]
    keep_u = [u(f"keep-u{i}", authId="a") for i in range(keep_users)]
    live = doc(
        [*keep_g, *(g(f"old-g{i}") for i in range(groups))],
        [*keep_u, *(u(f"old-u{i}") for i in range(users))],
    )
    return plan(live, doc(keep_g, keep_u))


def guard(p: Plan, allow: int | None = None, limits: DeletionLimits | None = None, **protected: Any) -> None:
    check_guards(
        p,
        limits=limits or DeletionLimits(),
        allow_deletions=allow,
        protected_users=protected.get("users", frozenset()),
        protected_groups=protected.get("groups", frozenset()),
    )


def test_guards_within_limits_pass() -> None:
    guard(deleting(10, 5))


def test_guard_user_limit() -> None:
    with pytest.raises(GuardError) as e:
        guard(deleting(12, 0))
    assert (
        str(e.value) == "refused: plan deletes 12 users (limit 10); review it and pass --allow-deletions 12"
    )


def test_guard_group_limit() -> None:
    with pytest.raises(GuardError, match=r"plan deletes 6 groups \(limit 5\); .* --allow-deletions 6$"):
        guard(deleting(0, 6))


def test_guard_percent_limit() -> None:
    p = deleting(3, 2, keep_users=5, keep_groups=5)  # 5 of 15 = 33%
    with pytest.raises(
        GuardError, match=r"33.3% of the 15 users and groups \(limit 25%\).*--allow-deletions 5"
    ):
        guard(p)
    guard(p, limits=DeletionLimits(percent=None))
    guard(p, limits=DeletionLimits(percent=34))


def test_guard_limits_can_be_unbounded() -> None:
    guard(deleting(50, 50, 1000, 1000), limits=DeletionLimits(users=None, groups=None, percent=None))


def test_allow_deletions_exact_passes_and_wrong_refuses() -> None:
    p = deleting(12, 1)
    guard(p, allow=13)
    with pytest.raises(GuardError) as e:
        guard(p, allow=12)
    assert "--allow-deletions 12 does not match the plan, which deletes 13" in str(e.value)
    assert str(e.value).endswith("pass --allow-deletions 13")
    with pytest.raises(GuardError, match="pass --allow-deletions 2"):
        guard(deleting(2, 0), allow=5)  # a wrong count is refused even within the limits


def test_protected_principals_are_never_deleted() -> None:
    live = doc([*BASE_GROUPS, g("tokenGroup")], [*BASE_USERS, u("owner", authId="a|o")])
    p = plan(live, LIVE)
    with pytest.raises(GuardError, match="refused: plan deletes protected user owner"):
        guard(p, allow=2, users=frozenset({"owner"}))
    with pytest.raises(GuardError, match="refused: plan deletes protected group tokenGroup"):
        guard(p, allow=2, groups=frozenset({"tokenGroup"}))
    guard(p, allow=2, users=frozenset({"admin"}), groups=frozenset({"adminGroup"}))


# --- scale -----------------------------------------------------------------------------------------------


def test_scale_100k_users_one_percent_changed() -> None:
    groups = [g(f"g{i:04d}", *([f"g{i // 10:04d}"] if i >= 10 else [])) for i in range(1000)]
    users = [
        u(
            f"user{i:06d}",
            f"g{i % 1000:04d}",
            authId=f"a|{i}",
            email=f"user{i}@acme.com",
            firstname="F",
            lastname="L",
        )
        for i in range(100_000)
    ]
    live = doc(groups, users)
    desired_users = []
    for i, user in enumerate(users):
        if i % 100 == 0:
            user = {**user, "email": f"new{i}@acme.com", "userGroups": ref(f"g{(i + 1) % 1000:04d}")}
        desired_users.append(user)
    p = plan(live, doc(groups, desired_users))
    assert p.counts == {"add": 0, "change": 1000, "destroy": 0}
    assert p.changes[0].fields[0] == FieldChange("email", old="user0@acme.com", new="new0@acme.com")
