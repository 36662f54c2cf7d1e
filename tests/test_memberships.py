"""The memberships of one state-file version: the entry-by-entry shortcut gives what a whole parse gives."""

from __future__ import annotations

import pytest

from reconciler.memberships import EMPTY, Version, VersionParser, _whole

VERSIONS = [
    b"users:\n  - id: a\n    userGroups: [x, y]\n  # a comment\n  - id: b\n    userGroups:\n      - z\n",
    b"# head\nusers:\n- id: a\n  userGroups: [x]\ngroups:\n  - id: x\n    parents: [y]\n  - id: y\n",
    b"users:\n  - id: a\n    userGroups: [{id: x, expires: 2027-03-31}, y]\n",  # expiring memberships
    b"users: [{id: a, userGroups: [q]}]\n",  # flow style: parsed whole
    b"users:\n  - &one\n    id: a\n    userGroups: [x]\n  - <<: *one\n    id: b\n",  # anchors: parsed whole
    b"users:\r\n  - id: a\r\n    userGroups: [x]\r\n",  # CRLF: parsed whole
    b"users:\n  - id: a\n    name: R & D\n    userGroups: [x, x]\n  - id: a\n    userGroups: [y]\n",
    b"users:\n  - id: a\n    userGroups: [x]\nother: 1\n",
    b"users:\n  - id: a\n  - plain\n  - id: 3\n",
    b"users:\n  - id: g\n    parents: [p]\n",
    b"groups:\n  - id: g\n    parents: [p]\n",  # the same entry's text in the other section
    b"",
    b"# nothing but a comment\n",
]


@pytest.mark.parametrize("data", VERSIONS)
def test_the_shortcut_reads_what_a_whole_parse_reads(data: bytes) -> None:
    parser = VersionParser()
    for other in VERSIONS:  # entries seen in other versions first: the cache must not change the answer
        parser.parse(other)
    assert parser.parse(data) == _whole(data)
    assert VersionParser().parse(data) == _whole(data)


def test_what_a_version_declares() -> None:
    parser = VersionParser()
    assert parser.parse(VERSIONS[0]) == Version(users={"a": ("x", "y"), "b": ("z",)})
    assert parser.parse(VERSIONS[2]) == Version(users={"a": ("x", "y")})
    assert parser.parse(VERSIONS[4]) == Version(users={"a": ("x",), "b": ("x",)})
    assert parser.parse(VERSIONS[6]) == Version(users={"a": ("x", "x")})  # the first entry wins
    assert parser.parse(b"") == EMPTY


def test_a_version_that_is_not_yaml_is_none() -> None:
    assert VersionParser().parse(b"users:\n  - id: a\n    userGroups: [x\n") is None
    assert VersionParser().parse(b"- just a list\n") is None


def test_an_entry_seen_before_is_not_parsed_again() -> None:
    parser = VersionParser()
    parser.parse(b"users:\n  - id: a\n    userGroups: [x]\n  - id: b\n")
    parser.parse(b"users:\n  - id: a\n    userGroups: [x]\n  - id: b\n    userGroups: [y]\n")
    assert len(parser._entries) == 3


@pytest.mark.parametrize("data", [VERSIONS[0], VERSIONS[1], VERSIONS[2], VERSIONS[6], VERSIONS[9]])
def test_plain_files_take_the_shortcut(data: bytes) -> None:
    parser = VersionParser()
    parser.parse(data)
    assert parser._entries  # read entry by entry, not whole
