"""reconciler.diff: field-level detail of one changed entity."""

from __future__ import annotations

from reconciler.diff import FieldChange, created_fields, field_changes, permission_label


def ref(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "type": "userGroup"} for i in ids]


def perm(name: str, kind: str, who: str) -> dict[str, object]:
    return {"assignee": {"id": who, "type": kind}, "name": name}


def test_scalars_old_to_new_and_added_removed_fields() -> None:
    old = {"id": "u", "email": "a@x", "firstname": "A", "permissions": [], "settings": []}
    new = {"id": "u", "email": "b@x", "lastname": "L", "permissions": [], "settings": []}
    assert field_changes(old, new, "userGroups") == (
        FieldChange("email", old="a@x", new="b@x"),
        FieldChange("firstname", old="A", new=None),
        FieldChange("lastname", old=None, new="L"),
    )


def test_memberships_as_added_and_removed_ids() -> None:
    old = {"id": "u", "userGroups": ref("a", "sales")}
    new = {"id": "u", "userGroups": ref("a", "analysts", "zeta")}
    assert field_changes(old, new, "userGroups") == (
        FieldChange("userGroups", added=("analysts", "zeta"), removed=("sales",)),
    )
    # a field absent on one side (the server omits empty memberships) is an empty set
    assert field_changes({"id": "g"}, {"id": "g", "parents": ref("p")}, "parents") == (
        FieldChange("parents", added=("p",)),
    )


def test_permissions_as_labels() -> None:
    old = {"id": "g", "permissions": [perm("SEE", "user", "bob")]}
    new = {"id": "g", "permissions": [perm("SEE", "userGroup", "all")]}
    assert permission_label(new["permissions"][0]) == "SEE userGroup:all"
    assert field_changes(old, new, "parents") == (
        FieldChange("permissions", added=("SEE userGroup:all",), removed=("SEE user:bob",)),
    )


def test_settings_per_setting_id_with_nested_detail() -> None:
    old = {
        "id": "u",
        "settings": [
            {"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}},
            {"id": "old", "type": "X", "content": {}},
        ],
    }
    new = {
        "id": "u",
        "settings": [
            {"id": "locale", "type": "LOCALE", "content": {"value": "de-DE"}},
            {"id": "tz", "type": "TIMEZONE", "content": {"value": "UTC"}},
        ],
    }
    assert field_changes(old, new, "userGroups") == (
        FieldChange("settings[locale].content.value", old="en-US", new="de-DE"),
        FieldChange("settings[old]", old={"type": "X", "content": {}}, new=None),
        FieldChange("settings[tz]", old=None, new={"type": "TIMEZONE", "content": {"value": "UTC"}}),
    )


def test_unknown_nested_field_walked_to_the_leaf() -> None:
    old = {"id": "u", "someNewField": {"a": {"b": 1}, "l": [1, 2]}}
    new = {"id": "u", "someNewField": {"a": {"b": 2}, "l": [1, 2, 3]}}
    assert field_changes(old, new, "userGroups") == (
        FieldChange("someNewField.a.b", old=1, new=2),
        FieldChange("someNewField.l[2]", old=None, new=3),
    )


def test_equal_entities_have_no_changes() -> None:
    e = {"id": "u", "email": "a@x", "userGroups": ref("a"), "settings": [], "permissions": []}
    assert field_changes(e, dict(e), "userGroups") == ()


def test_created_fields_leave_out_empty_lists() -> None:
    new = {"id": "u", "email": "a@x", "permissions": [], "settings": [], "userGroups": ref("g")}
    assert created_fields(new, "userGroups") == (
        FieldChange("email", old=None, new="a@x"),
        FieldChange("userGroups", added=("g",)),
    )
