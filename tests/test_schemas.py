"""The shipped JSON Schemas: valid schemas, documented for editors, and agreeing with the example files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.schema import check_schema, iter_violations, schemas_dir
from reconciler.yamlio import load_plain

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILES = sorted(p.name for p in (REPO / "schemas").glob("*.json"))
OURS = ["state-file.schema.json", "config.schema.json"]


def test_the_schemas_dir_is_the_repositorys() -> None:
    assert {p.name for p in schemas_dir().glob("*.json")} >= set(OURS)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_schema_is_a_valid_schema(name: str) -> None:
    check_schema(name)
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    assert "$schema" in schema


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            yield f"{where}.{key}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("name", OURS)
def test_our_schemas_are_2020_12_with_titles_and_descriptions_everywhere(name: str) -> None:
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(name)
    missing = [
        where for where, sub in _properties(schema) if not (sub.get("title") and sub.get("description"))
    ]
    assert missing == []


def test_state_schema_nullability() -> None:
    for field in (
        "email",
        "firstname",
        "lastname",
        "authId",
        "userGroups",
        "settings",
        "permissions",
        "systemAccount",
    ):
        assert list(iter_violations("state-file.schema.json", {"users": [{"id": "a", field: None}]})) == [], (
            field
        )
    for field in ("name", "parents", "permissions"):
        assert (
            list(iter_violations("state-file.schema.json", {"groups": [{"id": "a", field: None}]})) == []
        ), field
    assert [v.pointer for v in iter_violations("state-file.schema.json", {"users": [{"id": None}]})] == [
        "users[0].id"
    ]


def test_unknown_setting_types_are_accepted() -> None:
    user = {"id": "a", "settings": [{"id": "s", "type": "SOME_FUTURE_TYPE", "content": {"value": 1}}]}
    assert list(iter_violations("state-file.schema.json", {"users": [user]})) == []


def test_the_example_files_carry_the_schema_modeline_and_validate() -> None:
    config = REPO / "reconciler.yaml"
    assert config.read_text().startswith("# yaml-language-server: $schema=schemas/config.schema.json\n")
    assert list(iter_violations("config.schema.json", load_plain(config))) == []
    files = sorted((REPO / "state").rglob("*.yaml"))
    assert files
    for path in files:
        if "backups" in path.relative_to(REPO / "state").parts:
            continue
        first = path.read_text().splitlines()[0]
        target = (path.parent / first.removeprefix("# yaml-language-server: $schema=")).resolve()
        assert target == REPO / "schemas" / "state-file.schema.json", path
        assert list(iter_violations("state-file.schema.json", load_plain(path))) == [], path
