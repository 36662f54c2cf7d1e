"""schema_shortcut: whatever it calls certainly valid, jsonschema finds valid too; and it does engage."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from reconciler.schema import iter_violations, load_schema
from reconciler.schema_shortcut import certainly_valid
from reconciler.yamlio import YamlSyntaxError, load_marked

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ["config.schema.json", "state-file.schema.json", "layout.schema.json"]

JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 300),
        st.floats(allow_nan=True),
        st.text(max_size=6),
        st.sampled_from(["", "$X", "https://h", "user", "a..b", ".a", "x" * 256, "a\n"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _resolve(root: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


@st.composite
def near(draw: st.DrawFn, root: dict[str, Any], schema: Any, depth: int = 0) -> Any:
    """A value shaped like `schema` wants, often slightly wrong: the border the shortcut must not cross."""
    schema = _resolve(root, schema)
    if depth > 6 or not isinstance(schema, dict) or draw(st.integers(0, 9)) == 0:
        return draw(JUNK)
    if "enum" in schema or "const" in schema:
        options = schema.get("enum", [schema.get("const")])
        return draw(st.one_of(st.sampled_from(options), JUNK))
    types = schema.get("type", ["object", "array", "string", "integer", "number", "boolean", "null"])
    kind = draw(st.sampled_from(types if isinstance(types, list) else [types]))
    if kind == "object":
        out: dict[Any, Any] = {}
        for key, sub in schema.get("properties", {}).items():
            if key in schema.get("required", []) or draw(st.booleans()):
                out[key] = draw(near(root, sub, depth + 1))
        extra = schema.get("additionalProperties")
        names = schema.get("propertyNames", {}).get("pattern")
        if isinstance(extra, dict) or draw(st.integers(0, 4)) == 0:
            for _ in range(draw(st.integers(0, 2))):
                key = draw(st.from_regex(names) if names and draw(st.booleans()) else st.text(max_size=5))
                out[key] = draw(near(root, extra if isinstance(extra, dict) else {}, depth + 1))
        return out
    if kind == "array":
        return draw(st.lists(near(root, schema.get("items", {}), depth + 1), max_size=3))
    if kind == "string":
        pattern = schema.get("pattern")
        if pattern and draw(st.integers(0, 3)):
            return draw(st.from_regex(pattern, fullmatch=draw(st.booleans())))
        return draw(st.text(max_size=schema.get("maxLength", 8) + 1))
    if kind in ("integer", "number"):
        ints = st.integers(-2, 120)
        return draw(ints if kind == "integer" else st.one_of(ints, st.floats(-1, 101), st.just(float("nan"))))
    if kind == "boolean":
        return draw(st.booleans())
    return None


@pytest.mark.parametrize("name", SCHEMAS)
def test_certainly_valid_implies_no_violations(name: str) -> None:
    schema = load_schema(name)

    @settings(max_examples=400, derandomize=True, deadline=None)
    @given(near(schema, schema))
    def check(instance: Any) -> None:
        verdict = certainly_valid(schema, instance)
        event(f"certainly valid: {verdict}")
        if verdict:
            assert list(iter_violations(name, instance)) == [], instance

    check()


def _repository_yaml() -> list[tuple[str, Path]]:
    found = [("config.schema.json", ROOT / "reconciler.yaml")]
    found += [("state-file.schema.json", p) for p in sorted((ROOT / "state").rglob("*.yaml"))]
    for case in sorted((ROOT / "tests" / "cases").glob("*/*")):
        if (case / "reconciler.yaml").is_file():
            found.append(("config.schema.json", case / "reconciler.yaml"))
        found += [("state-file.schema.json", p) for p in sorted(case.glob("state/**/*.yaml"))]
    return found


def test_agrees_with_jsonschema_on_every_file_of_the_repository() -> None:
    engaged = 0
    for name, path in _repository_yaml():
        try:
            data = load_marked(path.read_bytes()).data
        except YamlSyntaxError:  # a case of broken YAML: nothing to validate
            continue
        if certainly_valid(load_schema(name), data):
            engaged += 1
            assert list(iter_violations(name, data)) == [], path
    assert engaged >= 10


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in _repository_yaml() if "cases" not in p.parts])
def test_the_example_is_certainly_valid(name: str, path: Path) -> None:
    assert certainly_valid(load_schema(name), load_marked(path.read_bytes()).data)


class Text(str):
    """A str subclass: jsonschema sees a string; the shortcut does not guess."""


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"oneOf": [{"type": "string"}]}, "a"),  # a keyword it does not know
        ({"type": "string"}, Text("a")),
        ({"type": "array"}, ("a",)),
        ({"type": "string"}, datetime.date(2024, 1, 1)),
        ({"type": "integer"}, 1.0),  # valid for jsonschema; not certain here
        ({"enum": [1]}, True),
        ({"enum": [1.0]}, 1.0),
        ({"$ref": "https://example.org/other.json"}, "a"),
        ({"$ref": "#/$defs/missing"}, "a"),
        ({"properties": {"a": {"$id": "inner", "type": "string"}}}, {"a": "x"}),
        ({"additionalProperties": False, "patternProperties": {"^x": {}}}, {"x": 1}),
        ({"additionalProperties": False}, {"x": 1}),
        ({"items": False}, [1]),
        ({"type": ["integer", "null"], "minimum": 0}, -1),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}),
        ({"required": ["id"]}, {}),
    ],
)
def test_doubt_asks_jsonschema(schema: dict[str, Any], instance: Any) -> None:
    assert not certainly_valid(schema, instance)


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": ["integer", "null"], "minimum": 0}, None),
        ({"type": "number", "maximum": 100}, 99.5),
        ({"$defs": {"id": {"pattern": "^a"}}, "items": {"$ref": "#/$defs/id"}}, ["ab", 3]),
        ({"additionalProperties": {"type": "string"}, "properties": {"n": {"type": "integer"}}}, {"n": 1}),
        ({"enum": ["user", "group"]}, "user"),
        ({"const": None}, None),
        ({"minLength": 1, "maxLength": 2}, "ab"),
        (True, object()),
    ],
)
def test_plain_valid_instances_are_certain(schema: Any, instance: Any) -> None:
    assert certainly_valid(schema, instance)
    if schema is not True:
        import jsonschema

        assert jsonschema.Draft202012Validator(schema).is_valid(instance)
