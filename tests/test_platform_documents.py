"""reconciler.platform.documents: the canonical form of the older platform's documents."""

from __future__ import annotations

from reconciler.platform.documents import USERS_KEY, canonical, groups_key, members_key


def test_users_and_members_by_lower_cased_login_the_last_of_one_login_kept() -> None:
    users = {
        "users": [{"login": "B@x.com", "email": ""}, {"login": "a@x.com", "firstName": "A"}, {"email": "e"}]
    }
    assert canonical(USERS_KEY, users) == {
        "users": [
            {"login": "a@x.com", "email": None, "firstName": "A", "lastName": None},
            {"login": "b@x.com", "email": None, "firstName": None, "lastName": None},
        ]
    }
    members = {
        "members": [
            {"login": "J@x.com", "role": "r1"},
            {"login": "j@x.com", "role": "r2", "status": "DISABLED"},
        ]
    }
    assert canonical(members_key("p"), members) == {
        "members": [{"login": "j@x.com", "role": "r2", "status": "DISABLED"}]
    }


def test_groups_of_one_name_are_merged_and_names_keep_their_case() -> None:
    doc = {
        "userGroups": [
            {"name": "Team", "members": ["B@x.com"]},
            {"name": "Team", "members": ["a@x.com", "b@x.com"]},
            {"name": "team"},
            {"members": ["c@x.com"]},
        ]
    }
    assert canonical(groups_key("p"), doc) == {
        "userGroups": [{"name": "Team", "members": ["a@x.com", "b@x.com"]}, {"name": "team", "members": []}]
    }
