"""Provisioning records (reconciler.records): the productivity tools' CSV and the pipelines models' fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.records import CsvOptions, RecordError, read_records

ID_WORDS = "use letters, digits, '.', '_' or '-' (1 to 255 of them), no spaces, not starting with '.'"

HEADER = "user_id,firstname,lastname,email,auth_id,user_groups,is_active\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def problems(e: pytest.ExceptionInfo[RecordError]) -> list[str]:
    return [str(p) for p in e.value.problems]


def test_csv_as_the_productivity_tools_write_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "users.csv",
        HEADER
        + "jane.doe,Jane,Doe,jane@acme.com,,sales|finance,TRUE\n"
        + 'john,John,"Smith, Jr.",john@acme.com,auth0|1,,yes\n',
    )
    jane, john = read_records([path], "users", "incremental")
    assert (jane.id, jane.members, jane.is_active) == ("jane.doe", ("sales", "finance"), True)
    assert jane.fields == {"firstname": "Jane", "lastname": "Doe", "email": "jane@acme.com", "auth_id": None}
    assert john.fields["lastname"] == "Smith, Jr." and john.members == ()
    assert john.is_active is False  # only a case-insensitive "true" is positive
    assert str(john.location) == f"{path}:3:1"


def test_csv_options_delimiter_inner_delimiter_and_quotechar(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", HEADER.replace(",", ";") + "a;A;'B;C';a@x;;g1,g2;true\n")
    (a,) = read_records(
        [path], "users", "full", CsvOptions(delimiter=";", inner_delimiter=",", quotechar="'")
    )
    assert a.fields["lastname"] == "B;C" and a.members == ("g1", "g2")


def test_json_and_yaml_lists_with_the_pipelines_field_names(tmp_path: Path) -> None:
    records = [{"user_id": "a", "firstname": "A", "auth_id": "", "user_groups": ["g"], "is_active": True}]
    (a,) = read_records([write(tmp_path, "u.json", json.dumps(records))], "users", "incremental")
    assert a.fields == {"firstname": "A", "auth_id": None} and a.members == ("g",)
    yaml_path = write(
        tmp_path, "g.yaml", "- user_group_id: g\n  user_group_name: G\n  parent_user_groups: [p]\n"
    )
    (g,) = read_records([yaml_path], "groups", "full")
    assert (g.id, g.fields, g.members, g.is_active) == ("g", {"user_group_name": "G"}, ("p",), True)


def test_every_bad_row_is_listed_with_file_row_column_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "users.csv",
        HEADER
        + ",A,B,a@x,,g,true\n"  # missing id
        + "priya raman,P,R,p@x,,g,true\n"  # bad id
        + "ok,O,K,o@x,,bad group,true\n"  # bad group id
        + "ok,O,K,o@x,,g,true\n"  # duplicate
        + "short,row\n",
    )
    with pytest.raises(RecordError) as e:
        read_records([path], "users", "full")
    assert problems(e) == [
        f"{path}:2:1: error: user_id: missing",
        f"{path}:3:1: error: user_id: 'priya raman' is not a valid GoodData id: {ID_WORDS}",
        f"{path}:4:6: error: user_groups: 'bad group' is not a valid GoodData id: {ID_WORDS}",
        f"{path}:5:1: error: user_id: duplicate id 'ok' (first at {path}:4:1)",
        f"{path}:6:1: error: has 2 columns, unlike the header (quote a value that holds the delimiter)",
    ]
    assert str(e.value) == "5 bad records; nothing was changed"


def test_a_wrong_header_or_delimiter_is_named(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"u.csv:1: unknown column login; expected columns: auth_id, email"):
        read_records([write(tmp_path, "u.csv", "user_id,login\n")], "users", "full")
    semicolons = write(tmp_path, "s.csv", HEADER.replace(",", ";"))
    with pytest.raises(
        RecordError,
        match=r"s.csv:1: the header has no user_id column \(the header reads as one "
        r"column; is the delimiter ';'\? pass --delimiter\)",
    ):
        read_records([semicolons], "users", "full")


def test_an_incremental_load_needs_is_active_and_unknown_fields_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "u.yaml", "- user_id: a\n  login: a@x\n")
    with pytest.raises(RecordError) as e:
        read_records([path], "users", "incremental")
    assert problems(e) == [
        f"{path}:1:3: error: is_active: missing: an incremental load needs it "
        "(true upserts, anything else deletes)",
        f"{path}:2:10: error: login: unknown field "
        "(the fields are auth_id, email, firstname, is_active, lastname, user_groups, user_id)",
    ]


def test_files_that_are_not_utf8_json_or_a_list_fail_before_anything(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"l1.csv:2: not UTF-8: byte 0xe9 cannot be decoded"):
        read_records(
            [write(tmp_path, "l1.csv", HEADER.encode() + "a,Ren\xe9,,,,,true\n".encode("latin-1"))],
            "users",
            "full",
        )
    with pytest.raises(RecordError, match=r"u.json:1:2: not JSON"):
        read_records([write(tmp_path, "u.json", "[x]")], "users", "full")
    with pytest.raises(RecordError, match="must be a JSON list of records"):
        read_records([write(tmp_path, "o.json", "{}")], "users", "full")
    with pytest.raises(RecordError, match="unknown record format .txt"):
        read_records([write(tmp_path, "u.txt", "")], "users", "full")


def test_a_row_read_the_quick_way_and_one_read_the_slow_way_make_the_same_record(tmp_path: Path) -> None:
    # "a": the plainest row (checked as it is read); "b": spaces and an empty part in its groups, a repeated
    # group (read as a mapping and checked by the general rule): the same record but for its id and line
    path = write(tmp_path, "u.csv", HEADER + "a,A,,a@x,,g1|g2|g1,true\nb,A,, a@x ,, g1 ||g2 |g1,TRUE\n")
    a, b = read_records([path], "users", "full")
    assert (a.fields, a.members, a.is_active) == (b.fields, b.members, b.is_active)
    assert a.fields == {"firstname": "A", "lastname": None, "email": "a@x", "auth_id": None}
    assert a.members == ("g1", "g2")
    assert (str(b.location), str(b.field_locations["user_groups"])) == (f"{path}:3:1", f"{path}:3:6")
