"""reconciler.canonical: the streamed digest is the hash of canonical_json's bytes; render shares live
entities that it would only copy."""

from __future__ import annotations

import hashlib

from reconciler.canonical import canonical, canonical_json, digest
from reconciler.layout import RenderOptions, render
from reconciler.source.model import DesiredState, Entry, Location


def test_the_digest_is_the_hash_of_the_canonical_json_in_any_size() -> None:
    users = [
        {"id": f"u{i:05d}", "email": f"ü{i}@example.com", "userGroups": [{"id": "g"}]} for i in range(4321)
    ]
    doc = {"users": users, "userGroups": [{"id": "g", "name": "G"}], "zExtra": {"b": 1, "a": [2]}}
    assert digest(doc) == hashlib.sha256(canonical_json(doc)).hexdigest()
    assert digest(canonical(doc), is_canonical=True) == digest(doc)
    assert (
        digest({"users": [], "userGroups": []}) == hashlib.sha256(b'{"userGroups":[],"users":[]}').hexdigest()
    )


def test_render_keeps_the_live_object_of_an_unchanged_entity_and_renders_the_same_document() -> None:
    where = Location("state/users.yaml", 1, 1)
    state = DesiredState(
        users={
            "jane": Entry("user", "jane", {"email": "jane@example.com", "userGroups": ["analysts"]}, where),
            "joe": Entry("user", "joe", {"email": "new@example.com"}, where),
        },
        groups={"analysts": Entry("group", "analysts", {"name": "Analysts"}, where)},
    )
    live = canonical(
        {
            "userGroups": [{"id": "adminGroup"}, {"id": "analysts", "name": "Analysts"}],
            "users": [
                {"id": "admin", "userGroups": [{"id": "adminGroup"}]},
                {"id": "jane", "email": "jane@example.com", "userGroups": [{"id": "analysts"}]},
                {"id": "joe", "email": "joe@example.com"},
            ],
        }
    )
    desired = render(state, live, RenderOptions())
    by_id = {u["id"]: u for u in desired["users"]}
    live_by_id = {u["id"]: u for u in live["users"]}
    assert by_id["jane"] is live_by_id["jane"]  # unchanged: the live object, not a copy
    assert by_id["joe"] is not live_by_id["joe"] and by_id["joe"]["email"] == "new@example.com"
    assert desired["userGroups"][1] is live["userGroups"][1]
    # the same document as canonicalizing the rendered entities afresh
    assert canonical(dict(desired)) == desired
    assert digest(dict(desired)) == digest(desired, is_canonical=True)


def test_consuming_a_document_gives_the_same_canonical_form_and_reuses_its_lists() -> None:
    def doc() -> dict[str, object]:
        return {
            "users": [
                {"id": "b", "userGroups": [{"id": "y"}, {"id": "x"}, {"id": "y"}], "email": None},
                {"id": "a", "settings": [{"id": "s2", "content": {"z": 1, "a": 2}}, {"id": "s1"}]},
            ],
            "userGroups": [{"id": "y", "parents": [{"id": "x"}]}, {"id": "x", "name": "X"}],
            "extra": {"b": 1, "a": 2},
        }

    taken = doc()
    users = taken["users"]
    out = canonical(taken, consume=True)
    assert out == canonical(doc())
    assert canonical_json(out) == canonical_json(doc())
    assert out["users"] is users  # rewritten in place: the parsed entities were dropped one by one
    untouched = doc()
    canonical(untouched)
    assert untouched == doc()  # without consume the input is left as it was
