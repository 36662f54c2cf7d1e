"""reconciler.layout: canonical form, rendering with field ownership and carry-over, import."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.layout import (
    RenderOptions,
    canonical,
    canonical_json,
    digest,
    render,
    render_with_notes,
    to_state,
)
from reconciler.plan import PlanContext, make_plan
from reconciler.source.model import DesiredState, Entry, Location

RECORDED_2026 = "GET_usersAndUserGroups_2026-03-11_09f2917b.json"
RECORDED_2023 = "GET_usersAndUserGroups_2023-02-28_25a75f63.json"


def ref(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "type": "userGroup"} for i in ids]


def user(uid: str, **fields: Any) -> Entry:
    return Entry("user", uid, fields, Location("state/users.yaml", 1, 1))


def group(gid: str, **fields: Any) -> Entry:
    return Entry("group", gid, fields, Location("state/groups.yaml", 1, 1))


def state(*entries: Entry) -> DesiredState:
    return DesiredState(
        users={e.id: e for e in entries if e.kind == "user"},
        groups={e.id: e for e in entries if e.kind == "group"},
    )


def state_from_import(imported: dict[str, list[dict[str, Any]]]) -> DesiredState:
    entries = [group(g["id"], **{k: v for k, v in g.items() if k != "id"}) for g in imported["groups"]]
    entries += [user(u["id"], **{k: v for k, v in u.items() if k != "id"}) for u in imported["users"]]
    return state(*entries)


LIVE: dict[str, Any] = {
    "userGroups": [
        {"id": "adminGroup", "permissions": []},
        {"id": "analysts", "name": "Analysts", "parents": ref("everyone"), "permissions": []},
        {"id": "everyone", "permissions": []},
        {"id": "legacy", "permissions": []},
        {"id": "svc-bots", "permissions": []},
    ],
    "users": [
        {"id": "admin", "permissions": [], "settings": [], "userGroups": ref("adminGroup")},
        {
            "authId": "auth0|jane",
            "email": "jane@acme.com",
            "firstname": "Jane",
            "id": "jane",
            "lastname": "Doe",
            "permissions": [],
            "settings": [{"content": {"value": "en-US"}, "id": "locale", "type": "LOCALE"}],
            "someNewField": {"x": 1},
            "systemAccount": False,
            "userGroups": ref("analysts"),
        },
        {"id": "owner", "permissions": [], "settings": [], "userGroups": ref("legacy")},
        {"id": "svc-etl", "permissions": [], "settings": []},
        {"id": "bob", "permissions": [], "settings": []},
    ],
}


def by_id(doc: dict[str, Any], key: str, entity_id: str) -> dict[str, Any] | None:
    return next((e for e in doc[key] if e["id"] == entity_id), None)


# --- canonical -------------------------------------------------------------------------------------------


def test_canonical_of_recorded_get_is_the_recorded_get(recorded: Any) -> None:
    body = recorded(RECORDED_2026)
    assert canonical(body) == body
    assert json.dumps(canonical(body)) == json.dumps(body)  # same key order too


def test_canonical_treats_missing_permissions_as_empty(recorded: Any) -> None:
    old = recorded(RECORDED_2023)
    out = canonical(old)
    assert all(g["permissions"] == [] for g in out["userGroups"])
    assert all(u["permissions"] == [] for u in out["users"])
    assert "permissions" not in old["users"][0]  # the input is not modified


def test_canonical_sorts_dedups_and_drops_nulls() -> None:
    doc = {
        "users": [
            {
                "id": "b",
                "email": None,
                "userGroups": [
                    {"id": "z", "type": "userGroup"},
                    {"id": "a", "type": "userGroup"},
                    {"id": "z"},
                ],
                "settings": [
                    {"id": "s2", "type": "T", "content": {}},
                    {"id": "s1", "type": "T", "content": None},
                ],
                "permissions": [
                    {"name": "SEE", "assignee": {"type": "userGroup", "id": "g"}},
                    {"name": "SEE", "assignee": {"type": "user", "id": "x"}},
                    {"name": "SEE", "assignee": {"type": "user", "id": "x"}},
                ],
                "someNewField": [3, 1],
            },
            {"id": "a", "userGroups": []},
        ],
        "userGroups": [{"id": "g", "parents": [], "name": None}],
    }
    out = canonical(doc)
    assert list(out) == ["userGroups", "users"]
    assert out["userGroups"] == [{"id": "g", "permissions": []}]
    assert [u["id"] for u in out["users"]] == ["a", "b"]
    assert out["users"][0] == {"id": "a", "permissions": [], "settings": []}
    b = out["users"][1]
    assert list(b) == sorted(b)
    assert "email" not in b
    assert b["userGroups"] == ref("a", "z")
    assert [s["id"] for s in b["settings"]] == ["s1", "s2"]
    assert b["settings"][0] == {"id": "s1", "type": "T"}
    assert b["permissions"] == [
        {"assignee": {"id": "x", "type": "user"}, "name": "SEE"},
        {"assignee": {"id": "g", "type": "userGroup"}, "name": "SEE"},
    ]
    assert b["someNewField"] == [3, 1]  # unknown fields kept as they are


def test_canonical_json_and_digest_ignore_order() -> None:
    shuffled = copy.deepcopy(LIVE)
    shuffled["users"].reverse()
    shuffled["users"][0] = dict(reversed(list(shuffled["users"][0].items())))
    assert canonical_json(shuffled) == canonical_json(LIVE)
    assert digest(shuffled) == digest(LIVE)
    shuffled["users"][0]["email"] = "changed@acme.com"
    assert digest(shuffled) != digest(LIVE)


# --- render ----------------------------------------------------------------------------------------------


def test_render_field_ownership() -> None:
    desired = state(
        group("analysts"),
        group("everyone"),
        user("jane", email="jane.doe@acme.com", firstname=None, userGroups=["everyone"]),
    )
    out = render(desired, LIVE, RenderOptions())
    jane = by_id(out, "users", "jane")
    assert jane is not None
    assert jane["email"] == "jane.doe@acme.com"  # value: authoritative
    assert "firstname" not in jane  # null: removed
    assert jane["lastname"] == "Doe"  # omitted: live value carried
    assert jane["authId"] == "auth0|jane"
    assert jane["settings"] == LIVE["users"][1]["settings"]
    assert jane["userGroups"] == ref("everyone")  # ids became references
    assert jane["systemAccount"] is False  # unknown to the YAML author, carried
    assert jane["someNewField"] == {"x": 1}  # unknown to this tool, carried
    assert by_id(out, "userGroups", "analysts") == LIVE["userGroups"][1]
    assert out == canonical(out)


def test_render_prune_drops_undeclared_and_keeps_protected_and_ignored() -> None:
    options = RenderOptions(
        protected_users=frozenset({"owner"}), ignore_users=("svc-*",), ignore_groups=("svc-*",)
    )
    result = render_with_notes(state(group("analysts"), group("everyone")), LIVE, options)
    out = result.document
    assert [u["id"] for u in out["users"]] == ["admin", "owner", "svc-etl"]  # jane, bob dropped
    assert by_id(out, "users", "admin") == LIVE["users"][0]
    assert by_id(out, "users", "svc-etl") == LIVE["users"][3]
    # legacy is not declared, but the kept token owner is still a member: keep it, and say why
    assert [g["id"] for g in out["userGroups"]] == [
        "adminGroup",
        "analysts",
        "everyone",
        "legacy",
        "svc-bots",
    ]
    assert len(result.notes) == 1
    assert "group legacy is not declared but is kept: user owner" in result.notes[0]


def test_render_without_referencing_member_drops_group() -> None:
    out = render(state(group("analysts"), group("everyone")), LIVE, RenderOptions())
    assert [g["id"] for g in out["userGroups"]] == ["adminGroup", "analysts", "everyone"]
    assert [u["id"] for u in out["users"]] == ["admin"]


def test_render_keeps_referenced_parent_chain() -> None:
    # analysts is kept (declared-ignored), its parent everyone is not declared: everyone stays too
    desired = state(user("jane", userGroups=["analysts"]))
    result = render_with_notes(desired, LIVE, RenderOptions(ignore_groups=("analysts",)))
    ids = [g["id"] for g in result.document["userGroups"]]
    assert ids == ["adminGroup", "analysts", "everyone"]
    assert any("group everyone is not declared but is kept: group analysts" in n for n in result.notes)


def test_render_prune_off_keeps_everything_live() -> None:
    out = render(state(user("new", email="n@acme.com")), LIVE, RenderOptions(prune=False))
    assert {u["id"] for u in out["users"]} == {u["id"] for u in LIVE["users"]} | {"new"}
    assert len(out["userGroups"]) == len(LIVE["userGroups"])


def test_render_declared_but_ignored_is_left_untouched() -> None:
    result = render_with_notes(
        state(user("svc-etl", email="x@acme.com")), LIVE, RenderOptions(ignore_users=("svc-*",))
    )
    assert by_id(result.document, "users", "svc-etl") == LIVE["users"][3]
    assert any("svc-etl is declared but matches policy.ignore" in n for n in result.notes)


def test_render_offline_adds_minimal_bootstrap() -> None:
    out = render(state(user("jane", userGroups=["analysts"]), group("analysts")), None, RenderOptions())
    assert by_id(out, "users", "admin") == {
        "id": "admin",
        "permissions": [],
        "settings": [],
        "userGroups": ref("adminGroup"),
    }
    assert by_id(out, "userGroups", "adminGroup") == {"id": "adminGroup", "permissions": []}
    assert by_id(out, "users", "jane") == {
        "id": "jane",
        "permissions": [],
        "settings": [],
        "userGroups": ref("analysts"),
    }


def test_render_offline_keeps_declared_bootstrap() -> None:
    out = render(
        state(user("admin", email="root@acme.com"), group("adminGroup", name="Admins")), None, RenderOptions()
    )
    assert by_id(out, "users", "admin") == {
        "email": "root@acme.com",
        "id": "admin",
        "permissions": [],
        "settings": [],
    }
    assert by_id(out, "userGroups", "adminGroup") == {"id": "adminGroup", "name": "Admins", "permissions": []}


def test_render_does_not_modify_live() -> None:
    before = copy.deepcopy(LIVE)
    render(state(user("jane", email="other@acme.com", settings=None)), LIVE, RenderOptions())
    assert before == LIVE


# --- import ----------------------------------------------------------------------------------------------


def test_to_state_shape_and_order() -> None:
    out = to_state(LIVE, RenderOptions(ignore_users=("svc-*",), ignore_groups=("svc-*",)))
    assert list(out) == ["groups", "users"]
    assert [g["id"] for g in out["groups"]] == ["adminGroup", "analysts", "everyone", "legacy"]
    assert out["groups"][1] == {"id": "analysts", "name": "Analysts", "parents": ["everyone"]}
    assert [u["id"] for u in out["users"]] == ["admin", "bob", "jane", "owner"]
    jane = out["users"][2]
    assert list(jane) == [
        "id",
        "email",
        "firstname",
        "lastname",
        "authId",
        "userGroups",
        "settings",
        "systemAccount",
    ]
    assert jane["userGroups"] == ["analysts"]


@pytest.mark.parametrize("name", [RECORDED_2026, RECORDED_2023])
def test_import_then_plan_is_empty(recorded: Any, name: str) -> None:
    live = recorded(name)
    desired = render(state_from_import(to_state(live, RenderOptions())), live, RenderOptions())
    plan = make_plan(live, desired, target="t", context=PlanContext())
    assert plan.changes == ()
    assert plan.summary == "No changes. The organization matches the state."


def test_import_then_offline_render_matches_except_carried_fields(recorded: Any) -> None:
    # The imported YAML alone (no live carry-over) renders the same document: nothing live-only is lost.
    live = recorded(RECORDED_2026)
    desired = render(state_from_import(to_state(live, RenderOptions())), None, RenderOptions())
    assert desired == canonical(live)


# --- properties ------------------------------------------------------------------------------------------

IDS = st.sampled_from(["a", "b", "c", "d.e", "f_g", "h-i"])
TEXT = st.one_of(st.none(), st.text(max_size=5))
SETTING = st.fixed_dictionaries(
    {
        "id": IDS,
        "type": st.sampled_from(["LOCALE", "TIMEZONE"]),
        "content": st.dictionaries(IDS, TEXT, max_size=2),
    }
)
PERMISSION = st.fixed_dictionaries(
    {
        "name": st.just("SEE"),
        "assignee": st.fixed_dictionaries({"id": IDS, "type": st.sampled_from(["user", "userGroup"])}),
    }
)


@st.composite
def layouts(draw: st.DrawFn) -> dict[str, Any]:
    group_ids = draw(st.lists(IDS, unique=True, max_size=4))
    refs = (
        st.lists(st.sampled_from(group_ids), max_size=3).map(lambda ids: ref(*ids))
        if group_ids
        else st.just([])
    )
    groups = [
        {
            "id": gid,
            "name": draw(TEXT),
            "parents": draw(refs),
            "permissions": draw(st.lists(PERMISSION, max_size=2)),
        }
        for gid in group_ids
    ]
    users = []
    for uid in draw(st.lists(IDS, unique=True, max_size=4)):
        u: dict[str, Any] = {"id": uid, "userGroups": draw(refs)}
        for key in ("email", "firstname", "lastname", "authId"):
            u[key] = draw(TEXT)
        if draw(st.booleans()):
            u["systemAccount"] = draw(st.booleans())
        if draw(st.booleans()):
            u["someNewField"] = draw(st.dictionaries(IDS, TEXT, max_size=2))
        if draw(st.booleans()):  # older servers return no permissions at all
            u["permissions"] = draw(st.lists(PERMISSION, max_size=2))
        u["settings"] = draw(st.lists(SETTING, max_size=2, unique_by=lambda s: s["id"]))
        users.append(u)
    return {"userGroups": groups, "users": users}


@settings(max_examples=150, deadline=None)
@given(layouts())
def test_property_canonical_is_idempotent(doc: dict[str, Any]) -> None:
    once = canonical(doc)
    assert canonical(once) == once
    assert canonical_json(once) == canonical_json(doc)


@settings(max_examples=150, deadline=None)
@given(layouts())
def test_property_import_then_plan_is_empty(live: dict[str, Any]) -> None:
    desired = render(state_from_import(to_state(live, RenderOptions())), live, RenderOptions())
    assert make_plan(live, desired, target="t", context=PlanContext()).changes == ()


_key = st.text("abz", min_size=1, max_size=2)
_nested = st.recursive(
    st.none() | st.integers() | _key,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(_key, c, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    users=st.lists(
        st.fixed_dictionaries(
            {"id": _key},
            optional={
                "zz": _nested,
                "settings": st.lists(st.fixed_dictionaries({"id": _key, "content": _nested}), max_size=2),
                "permissions": st.lists(
                    st.fixed_dictionaries({"name": _key, "assignee": st.just({"type": "user", "id": "a"})}),
                    max_size=2,
                ),
            },
        ),
        max_size=3,
    ),
    top=_nested,
)
def test_a_canonical_document_has_sorted_keys_all_the_way_down(users: list[Any], top: Any) -> None:
    # canonical_json skips json's sort_keys for a Canonical (issue 7): the bytes must not change
    doc = canonical({"users": users, "userGroups": [], "extra": top})
    assert (
        canonical_json(doc, is_canonical=True)
        == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
