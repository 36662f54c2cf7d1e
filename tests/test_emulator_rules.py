"""Server-side validation: every rejection rule answers 400 problem+json and changes nothing (issue 2,
acceptance 3), and the fast structural check agrees with schemas/layout.schema.json.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator import DEFAULT_TOKEN, Emulator, rules, user_rules
from reconciler.emulator.normalize import normalize_user
from reconciler.schema import check_schema, iter_violations

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"
TRACE = re.compile(r"[0-9a-f]{32}")


def ref(group_id: str) -> dict[str, str]:
    return {"id": group_id, "type": "userGroup"}


BASE: dict[str, Any] = {
    "users": [
        {"id": "admin", "userGroups": [ref("adminGroup")]},
        {
            "id": "jane.doe",
            "authId": "auth0|1",
            "email": "jane@example.com",
            "firstname": "Jane",
            "lastname": "Doe",
            "systemAccount": False,
            "userGroups": [ref("analysts")],
            "settings": [{"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}}],
            "permissions": [{"name": "SEE", "assignee": {"id": "analysts", "type": "userGroup"}}],
        },
    ],
    "userGroups": [
        {"id": "adminGroup"},
        {
            "id": "analysts",
            "name": "Analysts",
            "parents": [ref("everyone")],
            "permissions": [{"name": "SEE", "assignee": {"id": "admin", "type": "user"}}],
        },
        {"id": "everyone"},
    ],
}


def mutated(change: Callable[[dict[str, Any]], Any]) -> Any:
    doc = copy.deepcopy(BASE)
    result = change(doc)
    return doc if result is None else result


def user(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["users"][1]  # type: ignore[no-any-return]


def group(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["userGroups"][1]  # type: ignore[no-any-return]


# (case id, change, a fragment of the detail). Schema cases break layout.schema.json.
SCHEMA_CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("top-level-array", lambda d: [d], "expected a JSON object"),
    ("users-missing", lambda d: d.pop("users") and None, "'users' is required"),
    ("userGroups-missing", lambda d: d.pop("userGroups") and None, "'userGroups' is required"),
    ("users-not-array", lambda d: d.update(users={"id": "admin"}), "users: expected an array"),
    ("user-not-object", lambda d: d["users"].append("bob"), "users[2]: expected an object"),
    ("user-id-missing", lambda d: user(d).pop("id") and None, "users[1]: 'id' is required"),
    ("user-id-space", lambda d: user(d).update(id="Jane Doe"), "users[1].id: 'Jane Doe' is not a valid id"),
    ("user-id-dot", lambda d: user(d).update(id=".jane"), "is not a valid id"),
    ("user-id-empty", lambda d: user(d).update(id=""), "is not a valid id"),
    ("user-id-too-long", lambda d: user(d).update(id="j" * 256), "is not a valid id"),
    ("user-id-number", lambda d: user(d).update(id=7), "users[1].id: expected a string id"),
    ("user-id-null", lambda d: user(d).update(id=None), "users[1].id"),
    ("email-too-long", lambda d: user(d).update(email="e" * 256), "users[1].email: longer than 255"),
    ("firstname-number", lambda d: user(d).update(firstname=1), "users[1].firstname: expected a string"),
    (
        "systemAccount-string",
        lambda d: user(d).update(systemAccount="yes"),
        "systemAccount: expected a boolean",
    ),
    ("systemAccount-int", lambda d: user(d).update(systemAccount=1), "systemAccount: expected a boolean"),
    (
        "userGroups-object",
        lambda d: user(d).update(userGroups=ref("analysts")),
        "userGroups: expected an array",
    ),
    (
        "userGroups-wrong-type",
        lambda d: user(d).update(userGroups=[{"id": "analysts", "type": "user"}]),
        "userGroups[0].type: 'user' is not one of",
    ),
    ("userGroups-no-type", lambda d: user(d).update(userGroups=[{"id": "analysts"}]), "'type' is required"),
    ("userGroups-bad-id", lambda d: user(d).update(userGroups=[ref("a b")]), "userGroups[0].id"),
    (
        "setting-no-id",
        lambda d: user(d).update(settings=[{"type": "LOCALE"}]),
        "settings[0]: 'id' is required",
    ),
    (
        "setting-type-lowercase",
        lambda d: user(d).update(settings=[{"id": "x", "type": "locale"}]),
        "settings[0].type: 'locale' is not a setting type",
    ),
    (
        "setting-content-string",
        lambda d: user(d).update(settings=[{"id": "x", "content": "en-US"}]),
        "settings[0].content: expected an object",
    ),
    (
        "permission-name",
        lambda d: user(d).update(permissions=[{"name": "MANAGE", "assignee": ref("analysts")}]),
        "permissions[0].name: 'MANAGE' is not one of",
    ),
    (
        "permission-assignee-type",
        lambda d: user(d).update(permissions=[{"name": "SEE", "assignee": {"id": "x", "type": "workspace"}}]),
        "permissions[0].assignee.type",
    ),
    (
        "permission-no-assignee",
        lambda d: user(d).update(permissions=[{"name": "SEE"}]),
        "'assignee' is required",
    ),
    ("group-id-bad", lambda d: group(d).update(id="ana lysts"), "userGroups[1].id"),
    ("group-name-too-long", lambda d: group(d).update(name="n" * 256), "userGroups[1].name: longer than 255"),
    ("group-parents-not-array", lambda d: group(d).update(parents="everyone"), "parents: expected an array"),
    (
        "group-parent-wrong-type",
        lambda d: group(d).update(parents=[{"id": "everyone", "type": "group"}]),
        "parents[0].type",
    ),
]

RULE_CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "unknown-group-in-userGroups",
        lambda d: user(d)["userGroups"].append(ref("nope")),
        "user 'jane.doe': unknown userGroup 'nope' in userGroups",
    ),
    (
        "unknown-group-in-parents",
        lambda d: group(d)["parents"].append(ref("nope")),
        "userGroup 'analysts': unknown userGroup 'nope' in parents",
    ),
    (
        "parents-cycle",
        lambda d: d["userGroups"][2].update(parents=[ref("analysts")]),
        "cycle in parents: analysts -> everyone -> analysts",
    ),
    (
        "parents-self",
        lambda d: d["userGroups"][2].update(parents=[ref("everyone")]),
        "cycle in parents: everyone -> everyone",
    ),
    ("duplicate-user-id", lambda d: d["users"].append({"id": "jane.doe"}), "duplicate user id 'jane.doe'"),
    (
        "duplicate-group-id",
        lambda d: d["userGroups"].append({"id": "everyone", "name": "x"}),
        "duplicate userGroup id 'everyone'",
    ),
    ("bootstrap-user-missing", lambda d: d["users"].pop(0) and None, "bootstrap user 'admin' is missing"),
    (
        "bootstrap-group-missing",
        lambda d: d.update(users=[{"id": "admin"}, user(d)], userGroups=d["userGroups"][1:]),
        "bootstrap userGroup 'adminGroup' is missing",
    ),
    (
        "bootstrap-user-not-in-bootstrap-group",
        lambda d: d["users"][0].update(userGroups=[ref("everyone")]),
        "bootstrap user 'admin' must be in the bootstrap userGroup 'adminGroup'",
    ),
    ("duplicate-setting-id", lambda d: user(d)["settings"].append({"id": "locale"}), "duplicate setting id"),
]

VALID_CASES: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("base", lambda d: None),
    (
        "nulls-mean-unset",
        lambda d: user(d).update(email=None, authId=None, settings=None, systemAccount=None),
    ),
    ("unknown-setting-type", lambda d: user(d).update(settings=[{"id": "x", "type": "A_FUTURE_SETTING"}])),
    (
        "setting-content-null",
        lambda d: user(d).update(settings=[{"id": "x", "type": "LOCALE", "content": None}]),
    ),
    ("unknown-user-field", lambda d: user(d).update(department="R&D")),
    ("unknown-group-field", lambda d: group(d).update(description={"any": ["thing"]})),
    ("id-edge-chars", lambda d: d["users"].append({"id": "a.B-9_" + "x" * 249})),
    ("no-permissions-at-all", lambda d: [u.pop("permissions", None) for u in d["users"]] and None),
]


def put(emu: Emulator, body: Any) -> requests.Response:
    return requests.put(
        emu.url + FULL,
        data=json.dumps(body),
        timeout=10,
        headers={**AUTH, "Content-Type": "application/json"},
    )


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    emulator.replace_document(copy.deepcopy(BASE))
    return emulator


@pytest.mark.parametrize(
    ("change", "detail"),
    [(c, d) for _, c, d in SCHEMA_CASES + RULE_CASES],
    ids=[i for i, _, _ in SCHEMA_CASES + RULE_CASES],
)
def test_rejected_put_is_400_problem_and_changes_nothing(seeded: Emulator, change: Any, detail: str) -> None:
    before = requests.get(seeded.url + FULL, headers=AUTH, timeout=10).content
    r = put(seeded, mutated(change))
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert set(body) == {"detail", "status", "title", "traceId"}
    assert (body["status"], body["title"]) == (400, "Bad Request")
    assert TRACE.fullmatch(body["traceId"]) and body["traceId"] == r.headers["X-GDC-TRACE-ID"]
    assert detail in body["detail"]
    assert requests.get(seeded.url + FULL, headers=AUTH, timeout=10).content == before
    with pytest.raises(ValueError, match=re.escape(detail)):
        seeded.replace_document(mutated(change))


@pytest.mark.parametrize("change", [c for _, c in VALID_CASES], ids=[i for i, _ in VALID_CASES])
def test_valid_documents_are_accepted(seeded: Emulator, change: Any) -> None:
    assert put(seeded, mutated(change)).status_code == 204


def test_layout_schema_is_a_valid_draft_2020_12_schema() -> None:
    check_schema("layout.schema.json")


@pytest.mark.parametrize("change", [c for _, c, _ in SCHEMA_CASES], ids=[i for i, _, _ in SCHEMA_CASES])
def test_fast_check_and_schema_reject_the_same_documents(change: Any) -> None:
    doc = mutated(change)
    assert list(iter_violations("layout.schema.json", doc))
    assert rules.check_structure(doc)


@pytest.mark.parametrize(
    "change",
    [c for _, c in VALID_CASES] + [c for _, c, _ in RULE_CASES],
    ids=[i for i, _ in VALID_CASES] + [i for i, _, _ in RULE_CASES],
)
def test_fast_check_and_schema_accept_the_same_documents(change: Any) -> None:
    # Server rules (references, cycles, duplicates, bootstrap) are beyond a schema: both pass these.
    doc = mutated(change)
    assert list(iter_violations("layout.schema.json", doc)) == []
    assert rules.check_structure(doc) == []


def test_many_problems_are_reported_with_a_bound(seeded: Emulator) -> None:
    doc = mutated(lambda d: d["users"].extend({"id": f" bad{i}"} for i in range(100)))
    detail = put(seeded, doc).json()["detail"]
    assert detail.count("is not a valid id") == rules.MAX_PROBLEMS
    assert detail.endswith("more)")


# Property: on any document, the fast structural check and the schema agree on valid/invalid.
# Ids never contain a newline here: Python's `$` (used by jsonschema) also matches before a final "\n",
# which GoodData's whole-string match (and user_rules.ID_RE.fullmatch) does not accept.
_texts = st.text(alphabet="aZ9._- ", max_size=4) | st.just("x" * 256) | st.integers(0, 2) | st.none()
_ids = st.text(alphabet="aZ9._-", min_size=1, max_size=4) | _texts
_ref = st.fixed_dictionaries({}, optional={"id": _ids, "type": st.sampled_from(["userGroup", "user", 1])})
_kinds = st.sampled_from(["user", "userGroup", "x"])
_assignee = st.fixed_dictionaries({}, optional={"id": _ids, "type": _kinds})
_permission = st.fixed_dictionaries(
    {}, optional={"name": st.sampled_from(["SEE", "MANAGE", None]), "assignee": _assignee | st.just("a")}
)
_setting = st.fixed_dictionaries(
    {},
    optional={
        "id": _ids,
        "type": st.sampled_from(["LOCALE", "A_NEW_ONE", "locale", "", 5, None]),
        "content": st.sampled_from([{}, {"value": "en-US"}, "en-US", [], None]),
    },
)


def _lists(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(item, max_size=2) | st.none() | st.just({"id": "a"})


_user = st.fixed_dictionaries(
    {},
    optional={
        "id": _ids,
        "authId": _texts,
        "email": _texts,
        "firstname": _texts,
        "lastname": _texts,
        "systemAccount": st.sampled_from([True, False, None, 1, "yes"]),
        "userGroups": _lists(_ref),
        "settings": _lists(_setting),
        "permissions": _lists(_permission),
        "extra": st.just({"kept": True}),
    },
) | st.just("not-a-user")
_group = st.fixed_dictionaries(
    {},
    optional={"id": _ids, "name": _texts, "parents": _lists(_ref), "permissions": _lists(_permission)},
)


@settings(max_examples=300, deadline=None)
@given(users=st.lists(_user, max_size=3), groups=st.lists(_group, max_size=3))
def test_fast_check_agrees_with_the_schema_on_generated_documents(users: Any, groups: Any) -> None:
    doc = {"users": users, "userGroups": groups}
    schema_ok = not list(iter_violations("layout.schema.json", doc))
    assert schema_ok == (rules.check_structure(doc) == [])


@settings(max_examples=500, deadline=None)
@given(user=_user)
def test_the_one_pass_normalization_of_plain_users_matches_check_and_normalize(user: Any) -> None:
    # build_document's fast path (issue 7) must accept only users the full check passes, normalized the same
    fast = user_rules.plain_normalized(user)
    if fast is not None:
        assert user_rules.plain_user(user)
        assert list(user_rules.check_user("users[0]", user)) == []
        assert fast == normalize_user(user)
        # a user already normal is kept as it came (its keys in their order: the answers sort them)
        assert list(fast) == sorted(fast) or fast is user


def test_a_document_with_one_unusual_user_is_checked_like_before() -> None:
    users = [{"id": "admin", "userGroups": [ref("adminGroup")]}, {"id": "x", "settings": [{"id": ".bad"}]}]
    with pytest.raises(rules.InvalidDocument, match=r"users\[1\]\.settings\[0\]\.id"):
        rules.build_document(
            users, [{"id": "adminGroup"}], bootstrap_user="admin", bootstrap_group="adminGroup"
        )


def test_a_user_already_in_the_normal_form_is_kept_not_copied() -> None:
    """What the reconciler PUTs is already normal: validated, and stored as it came (issue 14)."""
    user = {"email": "a@example.com", "id": "a", "permissions": [], "settings": [], "userGroups": [ref("g")]}
    assert user_rules.plain_normalized(user) is user
    unsorted = {**user, "userGroups": [ref("h"), ref("g")]}
    copied = user_rules.plain_normalized(unsorted)
    assert copied is not unsorted and copied == {**user, "userGroups": [ref("g"), ref("h")]}
    assert user_rules.plain_normalized({**user, "lastname": None}) == user
    assert user_rules.plain_normalized({"id": "a", "userGroups": []}) == {
        "id": "a",
        "permissions": [],
        "settings": [],
    }
