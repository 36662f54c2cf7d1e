"""fastcheck: whatever it accepts, the JSON Schema accepts too (so skipping the schema changes nothing)."""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from reconciler.schema import iter_violations
from reconciler.source.fastcheck import plainly_valid

GOOD_IDS = st.sampled_from(["a", "jane.doe", "A_b-9", "x" * 255, "0", "a..b"])
BAD_IDS = st.one_of(st.sampled_from([".x", "x" * 256, "a b", "", "é", "a/b"]), st.text(max_size=8))
GOOD = {
    "email": st.one_of(st.none(), st.text(max_size=30), st.just("y" * 255)),
    "firstname": st.one_of(st.none(), st.text(max_size=30)),
    "lastname": st.one_of(st.none(), st.text(max_size=30)),
    "authId": st.one_of(st.none(), st.text(max_size=30)),
    "name": st.one_of(st.none(), st.text(max_size=30)),
    "userGroups": st.one_of(st.none(), st.lists(GOOD_IDS, max_size=3)),
    "parents": st.one_of(st.none(), st.lists(GOOD_IDS, max_size=3)),
    "settings": st.one_of(st.none(), st.just([])),
    "permissions": st.one_of(st.none(), st.just([])),
    "systemAccount": st.one_of(st.none(), st.booleans()),
}
BAD_VALUES = st.one_of(
    st.integers(),
    st.booleans(),
    st.just({}),
    st.just("x"),
    st.just("y" * 256),
    st.lists(BAD_IDS, min_size=1, max_size=2),
    st.just([None]),
    st.just([1]),
    st.just([{"id": "locale", "type": "locale"}]),
    st.just([{"name": "SEE", "assignee": {"id": "a b", "type": "user"}}]),
)
CORRUPTIONS = st.one_of(
    st.tuples(st.just("id"), st.one_of(BAD_IDS, st.none(), st.integers())),
    st.tuples(st.sampled_from([*GOOD, "other", "groups"]), BAD_VALUES),
    st.tuples(st.just("del-id"), st.none()),
)


@st.composite
def entries(draw: st.DrawFn) -> Any:
    item = {"id": draw(GOOD_IDS), **draw(st.fixed_dictionaries({}, optional=GOOD))}
    if draw(st.booleans()):
        key, value = draw(CORRUPTIONS)
        if key == "del-id":
            del item["id"]
        else:
            item[key] = value
    return item


@settings(max_examples=500, derandomize=True, deadline=None)
@given(entries(), st.sampled_from(["user", "group"]))
def test_plainly_valid_implies_schema_valid(item: Any, kind: str) -> None:
    if plainly_valid(item, kind):
        event("accepted")
        section = "users" if kind == "user" else "groups"
        assert list(iter_violations("state-file.schema.json", {section: [item]})) == []


def test_it_accepts_the_common_shapes_and_defers_the_rest() -> None:
    assert plainly_valid(
        {
            "id": "jane",
            "email": "j@x.io",
            "userGroups": ["a", "b"],
            "systemAccount": False,
            "authId": None,
            "settings": [],
            "permissions": None,
        },
        "user",
    )
    assert plainly_valid({"id": "g", "name": "G", "parents": ["top"]}, "group")
    assert not plainly_valid({"id": "g", "name": "G", "parents": ["top"]}, "user")  # parents: not a user key
    assert not plainly_valid({"id": "jane", "settings": [{"id": "locale"}]}, "user")  # deferred to the schema
    assert not plainly_valid({"id": "Jane Doe"}, "user")
    assert not plainly_valid({"id": "x", "email": 5}, "user")


BAD_EXAMPLES: list[Any] = [
    None,
    0,
    1,
    1.5,
    True,
    "",
    "x",
    "y" * 256,
    "a b",
    {},
    [],
    [None],
    [1],
    ["a b"],
    [".x"],
    ["x" * 256],
    [{"id": "locale"}],
    [{"id": "l", "type": "locale"}],
    [{"name": "SEE", "assignee": {"id": "a", "type": "user"}}],
    [{"name": "MANAGE"}],
]


def test_every_single_field_value_on_the_boundary() -> None:
    """Exhaustive grid: each field set to each awkward value, for both kinds."""
    accepted = 0
    for kind, section in (("user", "users"), ("group", "groups")):
        for key in [*GOOD, "id", "other"]:
            for value in BAD_EXAMPLES:
                item = {"id": "a", key: value}
                if plainly_valid(item, kind):
                    accepted += 1
                    assert list(iter_violations("state-file.schema.json", {section: [item]})) == [], item
    assert accepted > 20
