"""yamlio: the marked loader (positions, loader errors) and the plain load/dump helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.yamlio import MAX_DEPTH, YamlSyntaxError, dump, load_marked, load_plain


def test_data_matches_the_yaml_and_positions_are_one_based() -> None:
    doc = load_marked(b"users:\n  - id: jane\n    userGroups: [a, b]\n    n: 3\n")
    assert doc.data == {"users": [{"id": "jane", "userGroups": ["a", "b"], "n": 3}]}
    user = doc.data["users"][0]
    assert doc.start(user) == (2, 5)
    assert doc.key_positions(user)["userGroups"] == ((3, 5), (3, 17))
    assert doc.item_positions(user["userGroups"]) == [(3, 18), (3, 21)]
    assert doc.locate(["users", 0, "n"]) == (4, 8)
    assert doc.locate(["users", 0, "n"], key=True) == (4, 5)
    assert doc.issues == []


def test_locate_stops_at_the_deepest_existing_part() -> None:
    doc = load_marked(b"users:\n  - id: jane\n")
    assert doc.locate(["users", 0, "missing", 3]) == (2, 5)
    assert doc.locate(["users", 7]) == (2, 3)


def test_scalars_resolve_like_yaml_1_1_but_dates_stay_text() -> None:
    doc = load_marked(b"a: true\nb: null\nc: ~\nd: 0x1f\ne: 1.5\nf: 2020-01-01\ng: '1'\nh: off\ni:\n")
    assert doc.data == {
        "a": True,
        "b": None,
        "c": None,
        "d": 31,
        "e": 1.5,
        "f": "2020-01-01",
        "g": "1",
        "h": False,
        "i": None,
    }


def test_duplicate_keys_are_reported_and_the_first_is_kept() -> None:
    doc = load_marked(b"a: 1\nb: 2\na: 3\n")
    assert doc.data == {"a": 1, "b": 2}
    assert [(i.line, i.column, i.rule) for i in doc.issues] == [(3, 1, "yaml-duplicate-key")]
    assert doc.issues[0].message == "duplicate key 'a' (first at line 1)"


def test_non_string_keys_are_reported() -> None:
    doc = load_marked(b"1: a\n? [x]\n: b\nok: c\n")
    assert doc.data == {"ok": "c"}
    assert [(i.line, i.column, i.rule) for i in doc.issues] == [(1, 1, "yaml-key"), (2, 3, "yaml-key")]


def test_merge_keys_explicit_keys_win() -> None:
    doc = load_marked(b"base: &b {x: 1, y: 2}\nitem:\n  y: 3\n  <<: *b\n")
    assert doc.data["item"] == {"y": 3, "x": 1}
    assert doc.key_positions(doc.data["item"])["x"] == ((1, 11), (1, 14))


def test_aliases_share_values_within_budget() -> None:
    doc = load_marked(b"a: &x [1, 2]\nb: *x\n")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


def test_billion_laughs_ends_with_an_error() -> None:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(YamlSyntaxError) as e:
        load_marked(text.encode())
    assert e.value.rule == "yaml-alias"
    assert "aliases expand to more than" in str(e.value)


def test_recursive_and_undefined_aliases_are_errors() -> None:
    with pytest.raises(YamlSyntaxError, match="inside its own anchor"):
        load_marked(b"a: &a [*a]\n")
    with pytest.raises(YamlSyntaxError, match=r"alias \*nope names no anchor") as e:
        load_marked(b"a: *nope\n")
    assert (e.value.line, e.value.column) == (1, 4)


@pytest.mark.parametrize("text", [b"[" * 200_000, b"- " * 200_000, b"a: " + b"{x: " * 100_000])
def test_hostile_nesting_ends_with_an_error_not_a_crash(text: bytes) -> None:
    with pytest.raises(YamlSyntaxError) as e:
        load_marked(text)
    assert e.value.rule == "yaml-depth"
    assert str(e.value) == f"nesting deeper than {MAX_DEPTH} levels"


def test_encoding_errors_have_positions() -> None:
    with pytest.raises(YamlSyntaxError) as e:
        load_marked("a: ü\nb: x\xff".encode("latin-1").replace(b"\xfc", "ü".encode()))
    assert (e.value.line, e.value.column, e.value.rule) == (2, 5, "yaml-encoding")
    with pytest.raises(YamlSyntaxError, match="UTF-16"):
        load_marked("a: 1\n".encode("utf-16"))


def test_a_utf8_bom_is_accepted_and_does_not_shift_columns() -> None:
    doc = load_marked(b"\xef\xbb\xbfa: [x]\n")
    assert doc.data == {"a": ["x"]}
    assert doc.item_positions(doc.data["a"]) == [(1, 5)]


def test_tab_indentation_is_named() -> None:
    with pytest.raises(YamlSyntaxError) as e:
        load_marked(b"a:\n  b: 1\n\tc: 2\n")
    assert (e.value.line, e.value.column, e.value.rule) == (3, 1, "yaml-tab")


def test_syntax_errors_carry_the_mark() -> None:
    with pytest.raises(YamlSyntaxError) as e:
        load_marked(b"a: [1, 2\nb: 3\n")
    assert (e.value.line, e.value.column) == (2, 2)
    assert "did not find expected ',' or ']'" in str(e.value)


def test_a_second_document_is_an_error() -> None:
    with pytest.raises(YamlSyntaxError, match="one YAML document"):
        load_marked(b"a: 1\n---\nb: 2\n")


def test_unsupported_tags_are_issues() -> None:
    doc = load_marked(b"a: !!python/object:os.system x\nb: !!set {x: null}\nc: !!int nope\n")
    assert [i.message for i in doc.issues] == [
        "unsupported tag !!python/object:os.system",
        "unsupported tag !!set",
        "'nope' is not a valid !!int",
    ]


def test_empty_document_is_none() -> None:
    assert load_marked(b"").data is None
    assert load_marked(b"# only a comment\n").data is None


def test_load_plain_and_dump_round_trip(tmp_path: Path) -> None:
    data = {"users": [{"id": "jane", "userGroups": ["a"]}], "n": 1}
    path = tmp_path / "x.yaml"
    path.write_text(dump(data))
    assert load_plain(path) == data
    path.write_text("a: [1\n")
    with pytest.raises(YamlSyntaxError):
        load_plain(path)
