"""yamlio's writer (reconciler/yamlio/emit.py) writes exactly what `yaml.dump` writes (issue 14): properties
over generated data — the state files' shape with hostile strings, and arbitrary nested plain data — plus the
cases it hands back to yaml.dump (aliases, types of its own)."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.yamlio import dump, load_marked
from reconciler.yamlio.emit import emitted, reference_dump

SETTINGS = settings(
    derandomize=True,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# What makes a YAML writer quote, escape or fold: indicators, quotes, `: ` and ` #`, leading and trailing
# spaces, tabs and line breaks (also U+0085, U+2028, U+2029), a BOM, control and non-BMP characters,
# words YAML 1.1 reads as booleans, nulls, numbers and dates, and long text with spaces (folded at 80).
AWKWARD = (
    "-?:,[]{}#&*!|>'\"%@`~ \t\n\r\\/=<.+_0123456789eEoOxXyYnNtTfF\x85\u2028\u2029\ufeff\x07\x9f\u00e9\u5c71"
)
WORDS = [
    "yes",
    "No",
    "on",
    "OFF",
    "null",
    "~",
    "true",
    "0x1F",
    "0o17",
    "1_000",
    "1e3",
    "1.5",
    ".inf",
    "-.NaN",
]
WORDS += ["2027-03-31", "2001-12-14t21:59:43.10-05:00", "<<", "=", "---", "...", "- a", "? b", "a: b", "a #b"]
WORDS += ["", " ", "x" * 200, "word " * 30, "Zoë 山田 Дмитрий 😀", "tab\there", "back\\slash", "O'Brien"]
text = st.one_of(
    st.sampled_from(WORDS),
    st.text(alphabet=AWKWARD, max_size=12),
    st.text(max_size=40),  # any code point (hypothesis avoids none of them here but surrogates)
    st.lists(st.sampled_from(["word", "wörd", "x1", "a-b", "#", ":", "'"]), max_size=30).map(" ".join),
)
scalar = st.one_of(
    text,
    st.booleans(),
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
plain_data = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=30,
)


@st.composite
def state_file(draw: st.DrawFn) -> dict[str, Any]:
    """A file `import` writes: users or groups in the state's shape, with hostile strings."""
    key = draw(st.sampled_from(["users", "groups", "workspaces"]))
    entities = []
    for n in range(draw(st.integers(0, 6))):
        entity: dict[str, Any] = {"id": draw(st.one_of(st.just(f"e{n}"), text))}
        for field in ("email", "firstname", "lastname", "authId", "name"):
            if draw(st.booleans()):
                entity[field] = draw(text)
        if draw(st.booleans()):
            entity["userGroups"] = draw(st.lists(text, max_size=4))
        if draw(st.booleans()):
            content = draw(st.dictionaries(text, text, max_size=2))
            entity["settings"] = [{"content": content, "id": draw(text), "type": "LOCALE"}]
        if draw(st.booleans()):
            entity["systemAccount"] = draw(st.booleans())
        entities.append(entity)
    return {key: entities}


@SETTINGS
@given(state_file())
@example(
    {"users": [{"id": "u1", "lastname": "a long surname that goes past the eightieth column so it folds"}]}
)
@example({"groups": []})
@example({"users": [{"id": "1", "userGroups": []}, {"id": "yes", "settings": [{"content": {}}]}]})
def test_state_files_are_written_as_yaml_dump_writes_them_and_read_back(data: dict[str, Any]) -> None:
    text = dump(data)
    assert text == reference_dump(data)
    assert emitted(data) == text  # the emitter's own path, not a fallback
    assert load_marked(text.encode("utf-8")).data == data


def _same(a: Any, b: Any) -> bool:
    """Equality that takes NaN as equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@SETTINGS
@given(plain_data)
@example({"a": float("nan"), "b": -0.0, "c": 1e17, "d": [[]], "e": [{}], "f": [[1, [2]]]})
@example("a bare scalar at the root")
@example(["x" * 100 + " y", "y " * 60])
def test_any_plain_data_is_written_as_yaml_dump_writes_it(data: Any) -> None:
    text = dump(data)
    assert text == reference_dump(data)
    assert emitted(data) == text
    assert _same(yaml.safe_load(text), data)


def test_a_container_that_appears_twice_is_yaml_dump_s_anchor_and_alias() -> None:
    shared: list[str] = ["a", "b"]
    data = {"users": [{"id": "u1", "userGroups": shared}, {"id": "u2", "userGroups": shared}]}
    assert dump(data) == reference_dump(data)
    assert "&id001" in dump(data) and "*id001" in dump(data)


def test_other_types_are_yaml_dump_s_to_represent_or_refuse() -> None:
    data = {"day": datetime.date(2027, 3, 31), "at": [datetime.datetime(2027, 3, 31, 12, 0)]}
    assert dump(data) == reference_dump(data) == "day: 2027-03-31\nat:\n- 2027-03-31 12:00:00\n"

    class Named(str):
        pass

    with pytest.raises(yaml.representer.RepresenterError):
        reference_dump({"x": Named("y")})
    with pytest.raises(yaml.representer.RepresenterError):
        dump({"x": Named("y")})
    assert dump({"x": (1, 2)}) == reference_dump({"x": (1, 2)})
