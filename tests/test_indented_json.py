"""reconciler.indented_json writes what json.dumps(indent=2, sort_keys=True, ensure_ascii=False) writes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.indented_json import indented_chunks


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)


def text(doc: Any) -> str:
    return "".join(indented_chunks(doc))


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # every code point: escapes, control characters, non-ASCII, surrogates
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_any_json_value_is_written_as_json_writes_it(doc: Any) -> None:
    assert text(doc) == dumps(doc)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.lists(values, max_size=5), max_size=4))
def test_documents_of_lists_are_written_as_json_writes_them(doc: dict[str, Any]) -> None:
    assert text(doc) == dumps(doc)


def test_a_layout_longer_than_one_piece_is_the_same_text() -> None:
    users = [
        {"id": f"u{i:05d}", "email": f"ü{i}@example.com", "userGroups": [{"id": "g", "type": "userGroup"}]}
        for i in range(4500)
    ]
    doc = {"users": users, "userGroups": [{"id": "g", "name": 'G "quoted"\n', "permissions": []}], "x": {}}
    pieces = indented_chunks(doc)
    assert len(pieces) > 3  # a slice of members at a time, not one string
    assert "".join(pieces) == dumps(doc)


@pytest.mark.parametrize(
    "doc",
    [
        {1: "int key", 2: "another"},
        {"nested": {2.5: True, 1.5: None}},
        {"a": [{True: "bool key", False: 0}]},
        {"big": 10**30, "neg": -0.0, "f": 1e-7, "inf": math.inf},
        [],
        {},
        "just a string",
    ],
)
def test_keys_json_converts_and_edge_values_are_written_as_json_writes_them(doc: Any) -> None:
    assert text(doc) == dumps(doc)


def test_what_json_refuses_is_refused_the_same_way() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        indented_chunks({"users": cycle})
    with pytest.raises(TypeError, match="not JSON serializable"):
        indented_chunks({"users": [{"when": object()}]})
    with pytest.raises(TypeError, match="not supported between"):
        indented_chunks({"a": 1, 2: "keys that do not sort"})
