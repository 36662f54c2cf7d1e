"""Minimal edits of state YAML (reconciler.yamledit): only the edited entries' lines change."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.yamledit import REMOVE, EntryEdit, SectionEdit, YamlEditError, edit_section

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "state" / "users" / "engineering.yaml").read_text(encoding="utf-8")

COMMENTED = """\
# header comment
users:
  # the first team
  - id: a
    email: a@x.com   # inline
    userGroups: [g1, g2]
    # a comment inside b's predecessor, before b
  - id: b
    firstname: 'B'
    userGroups:
      - g1

  # the second team
  - id: c
    lastname: "C"
groups:
  - {id: g1}
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_untouched_text_is_returned_as_it_was() -> None:
    assert edit_section(EXAMPLE, "users", SectionEdit()) == EXAMPLE
    assert edit_section(COMMENTED, "users", SectionEdit()) == COMMENTED


def test_editing_one_field_changes_one_line_and_keeps_its_comment() -> None:
    after = edit_section(COMMENTED, "users", SectionEdit(edits={"a": EntryEdit({"email": "new@x.com"})}))
    assert changed_lines(COMMENTED, after) == [
        "-    email: a@x.com   # inline",
        "+    email: new@x.com # inline",
    ]


def test_a_flow_list_stays_a_flow_list_and_a_block_list_a_block_list() -> None:
    after = edit_section(
        COMMENTED,
        "users",
        SectionEdit(
            edits={"a": EntryEdit({"userGroups": ["g3"]}), "b": EntryEdit({"userGroups": ["g1", "g3"]})}
        ),
    )
    assert changed_lines(COMMENTED, after) == [
        "-    userGroups: [g1, g2]",
        "+    userGroups: [g3]",
        "+      - g3",
    ]
    assert yaml.safe_load(after)["users"][1]["userGroups"] == ["g1", "g3"]


def test_removing_a_field_and_quoting_elsewhere_is_kept() -> None:
    after = edit_section(
        COMMENTED, "users", SectionEdit(edits={"c": EntryEdit({"lastname": REMOVE, "email": "c@x"})})
    )
    assert changed_lines(COMMENTED, after) == ['-    lastname: "C"', "+    email: c@x"]
    assert "firstname: 'B'" in after


def test_deleting_an_entry_keeps_the_comments_that_introduce_the_next() -> None:
    after = edit_section(COMMENTED, "users", SectionEdit(delete={"b"}))
    assert changed_lines(COMMENTED, after) == [
        "-  - id: b",
        "-    firstname: 'B'",
        "-    userGroups:",
        "-      - g1",
    ]
    assert "# the second team" in after and "# a comment inside b's predecessor, before b" in after
    assert [u["id"] for u in yaml.safe_load(after)["users"]] == ["a", "c"]


def test_appending_writes_after_the_last_entry_in_the_files_indentation() -> None:
    after = edit_section(
        COMMENTED, "users", SectionEdit(append=[{"id": "d", "email": "d@x.com", "userGroups": ["g1"]}])
    )
    assert changed_lines(COMMENTED, after) == ["+  - id: d", "+    email: d@x.com", "+    userGroups: [g1]"]
    assert after.endswith("groups:\n  - {id: g1}\n")
    wide = "users:\n-   id: a\n    email: a@x\n"
    assert edit_section(wide, "users", SectionEdit(append=[{"id": "b"}])) == wide + "-   id: b\n"


def test_a_file_without_the_section_gets_one() -> None:
    assert edit_section("# only a comment\n", "users", SectionEdit(append=[{"id": "a"}])) == (
        "# only a comment\nusers:\n  - id: a\n"
    )
    assert edit_section("", "groups", SectionEdit(append=[{"id": "g", "parents": ["p"]}])) == (
        "groups:\n  - id: g\n    parents: [p]\n"
    )


def test_an_empty_list_takes_new_entries_and_a_list_emptied_is_an_empty_list() -> None:
    assert edit_section("users: []  # none yet\n", "users", SectionEdit(append=[{"id": "a"}])) == (
        "users:   # none yet\n  - id: a\n"  # the comment keeps its column
    )
    assert edit_section("users:\n  - id: a\ngroups: []\n", "users", SectionEdit(delete={"a"})) == (
        "users: []\ngroups: []\n"
    )


def test_every_example_file_survives_a_no_op_edit_byte_for_byte() -> None:
    for path in sorted((ROOT / "state").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        section = "users" if "users:" in text else "groups"
        assert edit_section(text, section, SectionEdit()) == text, path


def test_unknown_ids_and_unreadable_files_are_errors_naming_the_file() -> None:
    with pytest.raises(YamlEditError, match=r"state/x.yaml: no users entry with id nobody"):
        edit_section(COMMENTED, "users", SectionEdit(delete={"nobody"}), where="state/x.yaml")
    with pytest.raises(YamlEditError, match=r"state/x.yaml: cannot be edited"):
        edit_section("users: [\n", "users", SectionEdit(delete={"a"}), where="state/x.yaml")
    with pytest.raises(YamlEditError, match="is not a list"):
        edit_section("users: 3\n", "users", SectionEdit(delete={"a"}))


ids = st.lists(st.from_regex(r"[a-z][a-z0-9._-]{0,8}", fullmatch=True), min_size=1, max_size=8, unique=True)


@settings(max_examples=150, deadline=None)
@given(ids=ids, data=st.data())
def test_edits_give_the_expected_data_and_leave_other_entries_byte_for_byte(
    ids: list[str], data: st.DataObject
) -> None:
    entries = [
        f"  # about {i}\n  - id: {i}\n    email: {i}@x.com  # mail\n    userGroups: [g]\n" for i in ids
    ]
    text = "# top\nusers:\n" + "".join(entries) + "groups:\n  - id: g\n"
    delete = set(data.draw(st.lists(st.sampled_from(ids), unique=True)))
    edited = set(data.draw(st.lists(st.sampled_from(sorted(set(ids) - delete) or ids), unique=True))) - delete
    new = [f"new-{n}" for n in range(data.draw(st.integers(0, 3)))]
    change = SectionEdit(
        edits={i: EntryEdit({"firstname": i.upper(), "email": REMOVE}) for i in edited},
        delete=delete,
        append=[{"id": n, "userGroups": ["g"]} for n in new],
    )
    after = edit_section(text, "users", change)
    loaded = yaml.safe_load(after)
    expected = [
        {"id": i, "userGroups": ["g"], "firstname": i.upper()}
        if i in edited
        else {"id": i, "email": f"{i}@x.com", "userGroups": ["g"]}
        for i in ids
        if i not in delete
    ] + [{"id": n, "userGroups": ["g"]} for n in new]
    assert loaded == {"users": expected, "groups": [{"id": "g"}]}
    for i, block in zip(ids, entries, strict=True):
        if i not in delete and i not in edited:
            assert block in after
        assert f"  # about {i}\n" in after  # comments before an entry stay, even when it goes
