"""yamlio.plain: the line reader gives exactly the event loader's data and positions, or declines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import generate
from reconciler.yamlio import MarkedDocument, _SafeLoader, load_marked, plain
from reconciler.yamlio.build import Builder


def _events(text: str) -> MarkedDocument:
    loader = _SafeLoader(text)
    try:
        return Builder(text, _SafeLoader.yaml_implicit_resolvers).build(iter(loader.get_event, None))
    finally:
        loader.dispose()


def _same(a: Any, b: Any, da: MarkedDocument, db: MarkedDocument) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        assert da.start(a) == db.start(b)
        assert da.key_positions(a) == db.key_positions(b)
        for key in a:
            _same(a[key], b[key], da, db)
    elif isinstance(a, list):
        assert da.start(a) == db.start(b)
        assert da.item_positions(a) == db.item_positions(b)
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y, da, db)
    else:
        assert a == b


def _check(text: str) -> MarkedDocument | None:
    fast = plain.read(text)
    if fast is not None:
        slow = _events(text)
        assert slow.issues == []
        _same(fast.data, slow.data, fast, slow)
    return fast


def test_generated_state_files_are_read_plainly_and_identically(tmp_path: Path) -> None:
    generate.write_state(generate.organization(300), tmp_path)
    files = sorted((tmp_path / "state").rglob("*.yaml"))
    assert files
    for path in files:
        assert _check(path.read_text(encoding="utf-8")) is not None, path


@pytest.mark.parametrize(
    "text",
    [
        "users:\n- id: a\n  userGroups:\n  - x\n  - w\n  settings: []\n- id: b\ngroups: []\n",
        "users:\n  - id: a\n    userGroups:\n      - x\n\n    name: Ann Lee\n",
        "# head\nusers:\n  # between\n  - id: a\n    email: a.b@c.example\n",
        "a: x - y\nb: _u\nc: Zoë Müller\n",
    ],
)
def test_plain_shapes_are_read(text: str) -> None:
    assert _check(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a: 1\n",
        "a: yes\n",
        "a: Null\n",
        "on: x\n",
        "a: x # c\n",
        "a: 'x'\n",
        "a: [x]\n",
        "a:\n",
        "a: x\na: y\n",
        "a: x \n",
        "a:\tx\n",
        "a: x\r\n",
        "a: &x y\n",
        "a: x\n  b: y\n",
        "a:\n  b: c\n",
        "a: x  y\n",
        "a: \u4e2d\n",
        "---\na: x\n",
        "".join(f"{'  ' * i}- k{i}:\n" for i in range(9)).replace("- k0", "k0", 1) + 18 * " " + "- leaf\n",
    ],
)
def test_anything_else_is_declined(text: str) -> None:
    assert plain.read(text) is None


def test_load_marked_reports_issues_of_declined_files_as_before() -> None:
    doc = load_marked(b"a: x\na: y\n")
    assert [(i.line, i.column, i.rule) for i in doc.issues] == [(2, 1, "yaml-duplicate-key")]


_WORD = st.sampled_from(["a", "id", "yes", "No", "x1", "Ann", "team-1", "1a", "~", "u.v@w", "on", "_", "Zoë"])
_KEY = st.sampled_from(["id", "name", "userGroups", "a", "on", "n"])


@st.composite
def _documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for section in draw(st.lists(_KEY, min_size=1, max_size=3)):
        lines.append(f"{section}:")
        dash = draw(st.sampled_from(["", "  "]))
        for _ in range(draw(st.integers(0, 3))):
            if draw(st.booleans()):
                lines.append(f"{dash}- {draw(_WORD)}")
                continue
            for i, key in enumerate(draw(st.lists(_KEY, min_size=1, max_size=4))):
                lead = f"{dash}- " if i == 0 else f"{dash}  "
                shape = draw(st.sampled_from(["text", "empty", "list", "blank"]))
                if shape == "text":
                    lines.append(f"{lead}{key}: {draw(_WORD)}")
                elif shape == "empty":
                    lines.append(f"{lead}{key}: []")
                elif shape == "blank":
                    lines.append("")
                    lines.append(f"{lead}{key}: {draw(_WORD)}")
                else:
                    lines.append(f"{lead}{key}:")
                    inner = f"{dash}  " + draw(st.sampled_from(["", "  "]))
                    lines.extend(f"{inner}- {w}" for w in draw(st.lists(_WORD, min_size=1, max_size=3)))
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(_documents())
def test_the_line_reader_agrees_with_the_event_loader(text: str) -> None:
    _check(text)
