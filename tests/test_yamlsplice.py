"""The spliced edit (only the changed entries read, plain ones written as text) equals ruamel.yaml's
whole-file round trip (`edit_section_whole`) on generated files, plain and commented."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.yamledit import REMOVE, EntryEdit, SectionEdit, edit_section, edit_section_whole
from reconciler.yamlio import load_marked
from reconciler.yamlplain import plain_text

KEYS = ["email", "firstname", "lastname", "authId", "userGroups", "note", "x_1"]
plain = st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_.@+|/()-]{0,12}(?: [A-Za-z0-9_.@+|/()-]{1,6}){0,2}", fullmatch=True
)
text = plain.filter(plain_text)
# values the plain writer must leave to ruamel.yaml: quotes, YAML words, numbers, non-ASCII, indicators
awkward = st.sampled_from(["yes", "No", "123", "1e5", "Müller", "a: b", "x #y", "[a]", "", "it's", "~", "-x"])
ids = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True), min_size=1, max_size=6, unique=True)


def items(values: list[str], style: str, indent: str, item: str) -> str:
    if style == "flow":
        return f": [{', '.join(values)}]\n"
    return ":\n" + "".join(f"{item}{v}\n" for v in values)


@st.composite
def entries(draw: st.DrawFn, commented: bool) -> tuple[str, list[dict[str, Any]], set[str]]:
    """A file, its users, and the ids of those followed by a comment or blank line."""
    dash = draw(st.sampled_from([0, 2]))
    d, c, n = " " * dash, " " * (dash + 2), " " * (2 * dash + 2) + "- "
    out = ["# top\n", "users:\n"]
    data: list[dict[str, Any]] = []
    followed = set()
    for eid in draw(ids):
        entry: dict[str, Any] = {"id": eid}
        if commented and draw(st.booleans()):
            followed.update(e["id"] for e in data[-1:])
            out.append(draw(st.sampled_from(["\n", f"{d}# about {eid}\n", f"{c}# trailing\n"])))
        first = f"{d}- id: {eid}"
        out.append(first + (draw(st.sampled_from(["", "  # inline"])) if commented else "") + "\n")
        for key in draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4)):
            if commented and draw(st.booleans()):
                out.append(f"{c}# before {key}\n")
            if key == "userGroups":
                values = draw(st.lists(text, min_size=1, max_size=3))
                out.append(f"{c}{key}" + items(values, draw(st.sampled_from(["flow", "block"])), c, n))
                entry[key] = values
            else:
                value = draw(text)
                quoted = commented and draw(st.booleans())
                shown = f"'{value}'" if quoted else value
                tail = draw(st.sampled_from(["", "   # why"])) if commented else ""
                out.append(f"{c}{key}: {shown}{tail}\n")
                entry[key] = value
        data.append(entry)
    out.append("groups:\n" + f"{d}- id: g\n")
    return "".join(out), data, followed


def value(draw: st.DrawFn, lists: bool = True) -> Any:
    kind = draw(
        st.sampled_from(["text", "awkward", "list", "remove"] if lists else ["text", "awkward", "remove"])
    )
    if kind == "text":
        return draw(text)
    if kind == "awkward":
        return draw(awkward)
    if kind == "list":
        return draw(st.lists(st.one_of(text, awkward.filter(bool)), min_size=1, max_size=3))
    return REMOVE


@st.composite
def changes(draw: st.DrawFn, data: list[dict[str, Any]], followed: set[str]) -> SectionEdit:
    """Edits, deletions and new entries. An entry that a comment or blank line follows gets no new field, and
    its last field no list: there the whole-file parse repeats that comment inside the entry (see below)."""
    all_ids = [e["id"] for e in data]
    delete = set(draw(st.lists(st.sampled_from(all_ids), unique=True, max_size=2)))
    edits = {}
    for e in data:
        if e["id"] in delete or not draw(st.booleans()):
            continue
        names = [k for k in e if k != "id"]
        pool = names if e["id"] in followed else KEYS
        keys = draw(st.lists(st.sampled_from(pool), unique=True, max_size=3)) if pool else []
        last = names[-1] if names and e["id"] in followed else None
        edits[e["id"]] = EntryEdit({k: value(draw, lists=k != last) for k in keys})
    append = [
        {"id": f"new{n}", **{k: draw(st.one_of(text, st.lists(text, min_size=1, max_size=2))) for k in keys}}
        for n, keys in enumerate(draw(st.lists(st.lists(st.sampled_from(KEYS), unique=True), max_size=2)))
    ]
    return SectionEdit(edits=edits, delete=frozenset(delete), append=append)


def located(text: str) -> list[tuple[str, int, int]]:
    """The items as the state model locates them (the fast loader's positions, 0-based)."""
    doc = load_marked(text.encode())
    seq = doc.data["users"]
    return [(e["id"], line - 1, col - 1) for e, (line, col) in zip(seq, doc.item_positions(seq), strict=True)]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_plain_entries_spliced_as_text_equal_the_whole_file_round_trip(data: st.DataObject) -> None:
    text, entries_, followed = data.draw(entries(commented=False))
    change = data.draw(changes(entries_, followed))
    expected = edit_section_whole(text, "users", change)
    assert edit_section(text, "users", change) == expected
    assert edit_section(text, "users", change, items=located(text)) == expected
    yaml.safe_load(expected)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_commented_entries_spliced_equal_the_whole_file_round_trip(data: st.DataObject) -> None:
    text, entries_, followed = data.draw(entries(commented=True))
    change = data.draw(changes(entries_, followed))
    expected = edit_section_whole(text, "users", change)
    assert edit_section(text, "users", change) == expected
    assert edit_section(text, "users", change, items=located(text)) == expected


def test_a_new_field_or_list_no_longer_repeats_the_comment_after_the_entry() -> None:
    text = "users:\n  - id: a\n    email: a@x\n\n  # the next team\n  - id: b\n"
    change = SectionEdit(edits={"a": EntryEdit({"lastname": "A"})})
    assert edit_section_whole(text, "users", change).count("# the next team") == 2  # ruamel.yaml's
    assert edit_section(text, "users", change) == (
        "users:\n  - id: a\n    email: a@x\n    lastname: A\n\n  # the next team\n  - id: b\n"
    )
    change = SectionEdit(edits={"a": EntryEdit({"email": ["x"]})})
    assert edit_section_whole(text, "users", change).count("# the next team") == 2
    assert edit_section(text, "users", change) == (
        "users:\n  - id: a\n    email:\n      - x\n\n  # the next team\n  - id: b\n"
    )


def test_positions_that_disagree_with_the_text_are_found_again() -> None:
    text = "users:\n- id: a\n  email: a@x\n- id: b\n"
    change = SectionEdit(edits={"b": EntryEdit({"email": "b@x"})})
    stale = [("a", 1, 2), ("b", 2, 2)]  # b is on line 3 (0-based), not 2
    assert edit_section(text, "users", change, items=stale) == text + "  email: b@x\n"
    flow = "users: [{id: a}, {id: b}]\n"
    assert edit_section(flow, "users", SectionEdit(delete={"a"})) == edit_section_whole(
        flow, "users", SectionEdit(delete={"a"})
    )


def test_an_entry_with_an_alias_of_an_anchor_outside_it_is_edited_in_the_whole_file() -> None:
    text = "groups:\n- id: g\n  name: &n Team\nusers:\n- id: a\n  firstname: *n\n"
    change = SectionEdit(edits={"a": EntryEdit({"lastname": "B"})})
    assert edit_section(text, "users", change) == edit_section_whole(text, "users", change)
