"""Invariants of effective access on random small organizations (hypothesis): computing only the affected
users misses no one, a model compared with itself changes nothing, and every change line is backed by the
effective access of both sides."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.access.changes import access_changes, affected_users
from reconciler.access.effective import effective_access
from reconciler.access.model import AccessModel

USERS = [f"u{i}" for i in range(5)]
GROUPS = [f"g{i}" for i in range(4)]
WORKSPACES = ["a", "b", "c", "d"]
PERMS = ["MANAGE", "ANALYZE", "EXPORT", "EXPORT_PDF", "VIEW", "CREATE_AUTOMATION"]


def ref(i: str) -> dict[str, str]:
    return {"id": i, "type": "userGroup"}


@st.composite
def organizations(draw: Any) -> dict[str, Any]:
    users = [
        {"id": u, "userGroups": [ref(g) for g in draw(st.sets(st.sampled_from(GROUPS), max_size=2))]}
        for u in USERS
    ]
    groups = [
        {"id": g, "parents": [ref(p) for p in draw(st.sets(st.sampled_from(GROUPS), max_size=2))]}
        for g in GROUPS
    ]
    tree = {"a": None, "b": draw(st.sampled_from([None, "a"])), "c": draw(st.sampled_from([None, "a", "b"]))}
    tree["d"] = draw(st.sampled_from([None, "a", "b", "c"]))
    assignee = st.one_of(
        st.builds(lambda u: {"id": u, "type": "user"}, st.sampled_from(USERS)),
        st.builds(ref, st.sampled_from(GROUPS)),
    )
    entry = st.builds(lambda n, a: {"name": n, "assignee": a}, st.sampled_from(PERMS), assignee)
    perms = {
        w: {
            "permissions": draw(st.lists(entry, max_size=3)),
            "hierarchyPermissions": draw(st.lists(entry, max_size=2)),
        }
        for w in WORKSPACES
    }
    org_entry = st.builds(
        lambda n, a: {"name": n, "assignee": a}, st.sampled_from(["MANAGE", "SELF_CREATE_TOKEN"]), assignee
    )
    return {
        "ug": {"users": users, "userGroups": groups},
        "tree": tree,
        "perms": perms,
        "org": draw(st.lists(org_entry, max_size=2)),
    }


def build(d: dict[str, Any]) -> AccessModel:
    return AccessModel.from_documents(d["ug"], d["tree"], d["perms"], d["org"])


def fingerprint(m: AccessModel, user: str) -> Any:
    a = effective_access(m, user)
    on, every, org = a.held
    held_on = {p: frozenset(w) for p, w in on.items() if w and p not in every}  # every workspace covers them
    return (held_on, every, org, "g0" in a.memberships)


@settings(max_examples=60, deadline=None)
@given(organizations(), organizations())
def test_affected_users_miss_no_one(before_docs: dict[str, Any], after_docs: dict[str, Any]) -> None:
    before, after = build(before_docs), build(after_docs)
    affected = affected_users(before, after)
    for user in USERS:
        if fingerprint(before, user) != fingerprint(after, user):
            assert user in affected, user
    changed = {c.principal for c in access_changes(before, after, bootstrap_group="g0")}
    assert changed == {u for u in USERS if fingerprint(before, u) != fingerprint(after, u)}


@settings(max_examples=25, deadline=None)
@given(organizations())
def test_a_model_against_itself_changes_nothing(docs: dict[str, Any]) -> None:
    assert access_changes(build(docs), build(docs), bootstrap_group="g0") == []


@settings(max_examples=50, deadline=None)
@given(organizations(), organizations())
def test_every_gain_is_held_after_and_not_before(
    before_docs: dict[str, Any], after_docs: dict[str, Any]
) -> None:
    before, after = build(before_docs), build(after_docs)
    for change in access_changes(before, after):
        old, new = effective_access(before, change.principal), effective_access(after, change.principal)
        for d in change.deltas:
            if d.scope != "workspaces":
                continue
            has, had = (new, old) if d.direction == "gain" else (old, new)
            for ws in d.workspaces:
                for p in d.permissions:
                    assert has.holds(ws, p) and not had.holds(ws, p), (change.principal, ws, p)
                for k in d.kept:
                    assert had.holds(ws, k)
