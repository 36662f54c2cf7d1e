"""The older platform's mapping (reconciler.platform): one test per rule of docs/gooddata-platform.md,
each refusal with its file:line. Pure: state files in a temporary directory, documents as dicts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reconciler import yamlio
from reconciler.config import load_config
from reconciler.errors import StateError
from reconciler.importer import plan_files
from reconciler.platform.documents import USERS_KEY, groups_key, members_key
from reconciler.platform.logins import id_for_group, id_for_login
from reconciler.platform.mapping import PlatformDesired, desired, keys
from reconciler.platform.options import PlatformOptions
from reconciler.platform.reverse import to_state
from reconciler.platform.roles import DEFAULT_ROLES, bundles, closest, select
from reconciler.source import load_state
from reconciler.source.model import DesiredState

OPTIONS = PlatformOptions(executing_login="admin@acme.com")


def state_of(tmp_path: Path, text: str, name: str = "s.yaml") -> DesiredState:
    path = tmp_path / "state" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_state(load_config(cwd=tmp_path), today=date(2026, 12, 1))


def render(
    tmp_path: Path, text: str, live: Mapping[str, Any] | None = None, options: PlatformOptions = OPTIONS
) -> PlatformDesired:
    return desired(state_of(tmp_path, text), live or {}, options)


def members(result: PlatformDesired, pid: str) -> dict[str, tuple[str | None, str]]:
    return {m["login"]: (m["role"], m["status"]) for m in result.documents[members_key(pid)]["members"]}


def groups(result: PlatformDesired, pid: str) -> dict[str, list[str]]:
    return {g["name"]: g["members"] for g in result.documents[groups_key(pid)]["userGroups"]}


def refusal(tmp_path: Path, text: str, options: PlatformOptions = OPTIONS) -> list[str]:
    with pytest.raises(StateError) as e:
        render(tmp_path, text, options=options)
    return [str(p) for p in e.value.problems]


USERS = """\
users:
  - {id: jane, email: Jane.Doe@Acme.com, firstname: Jane, userGroups: [analysts]}
  - {id: joe, email: joe@acme.com, userGroups: []}
groups:
  - {id: analysts, name: Analysts}
"""


# --- logins ------------------------------------------------------------------------------------------


def test_the_login_is_the_email_lower_cased_and_the_domain_user_carries_the_names(tmp_path: Path) -> None:
    result = render(tmp_path, USERS)
    assert result.documents[USERS_KEY] == {
        "users": [
            {
                "login": "jane.doe@acme.com",
                "email": "Jane.Doe@Acme.com",
                "firstName": "Jane",
                "lastName": None,
            },
            {"login": "joe@acme.com", "email": "joe@acme.com", "firstName": None, "lastName": None},
        ]
    }


def test_a_user_without_an_email_is_refused_at_its_line(tmp_path: Path) -> None:
    (problem,) = refusal(tmp_path, "users:\n  - {id: jane, email: j@acme.com}\n  - {id: svc}\n")
    assert problem.startswith("state/s.yaml:3:")
    assert "user 'svc' has no email" in problem and "login is the user's email" in problem


def test_two_users_with_one_login_are_ambiguous_and_refused_at_the_second(tmp_path: Path) -> None:
    (problem,) = refusal(tmp_path, "users:\n  - {id: a, email: J@acme.com}\n  - {id: b, email: j@ACME.com}\n")
    assert problem.startswith("state/s.yaml:3:")
    assert "'b' and user 'a' (at state/s.yaml:2:" in problem and "login 'j@acme.com'" in problem
    assert "ambiguous" in problem


def test_the_undeclared_domain_users_stay_and_existing_users_keep_their_contact_email(tmp_path: Path) -> None:
    live = {
        USERS_KEY: {
            "users": [
                {"login": "old@acme.com", "email": "old@acme.com", "firstName": "Old"},
                {"login": "joe@acme.com", "email": "joe.private@mail.com", "lastName": "Black"},
            ]
        }
    }
    users = {u["login"]: u for u in render(tmp_path, USERS, live).documents[USERS_KEY]["users"]}
    assert users["old@acme.com"]["firstName"] == "Old"  # the domain is never pruned
    assert users["joe@acme.com"]["email"] == "joe.private@mail.com"  # carried over
    assert users["joe@acme.com"]["lastName"] == "Black"  # lastname not declared: carried over


def test_import_ids_from_logins_and_group_names() -> None:
    assert id_for_login("Jane.Doe+x@Acme.com") == "jane.doe_x_at_acme.com"
    assert id_for_group("Sales EMEA") == "Sales_EMEA"
    assert id_for_group(".hidden") == "_hidden"


# --- roles -------------------------------------------------------------------------------------------


def test_each_default_role_is_selected_by_its_bundle_and_by_what_it_includes() -> None:
    roles = dict(DEFAULT_ROLES)
    assert select(["MANAGE"], roles) == "adminRole"
    assert select(["MANAGE", "VIEW", "EXPORT"], roles) == "adminRole"  # included in MANAGE
    assert select(["ANALYZE", "EXPORT"], roles) == "editorRole"
    assert select(["EXPORT"], roles) == "readOnlyUserRole"  # EXPORT includes VIEW
    assert select(["VIEW"], roles) == "dashboardOnlyRole"
    assert select(["ANALYZE"], roles) is None
    assert closest(["ANALYZE"], roles) == ["dashboardOnlyRole", "editorRole"]


WORKSPACES = (
    USERS
    + """\
workspaces:
  - id: p1
    permissions:
      - {user: jane, grant: [ANALYZE, EXPORT]}
      - {user: joe, grant: [VIEW]}
  - id: p2
    permissions:
      - {group: analysts, grant: [MANAGE]}
  - id: p3
    hierarchyPermissions:
      - {user: joe, role: viewer}
roles:
  viewer: [VIEW, EXPORT]
"""
)


def test_a_project_member_gets_the_role_of_its_effective_permissions_direct_by_group_and_hierarchy(
    tmp_path: Path,
) -> None:
    result = render(tmp_path, WORKSPACES)
    assert members(result, "p1") == {
        "jane.doe@acme.com": ("editorRole", "ENABLED"),
        "joe@acme.com": ("dashboardOnlyRole", "ENABLED"),
    }
    assert members(result, "p2") == {"jane.doe@acme.com": ("adminRole", "ENABLED")}  # through analysts
    assert members(result, "p3") == {"joe@acme.com": ("readOnlyUserRole", "ENABLED")}  # a Cloud-only bundle
    assert keys(state_of(tmp_path, WORKSPACES), OPTIONS) == [
        USERS_KEY,
        *(k for p in ("p1", "p2", "p3") for k in (members_key(p), groups_key(p))),
    ]


def test_organization_manage_is_the_admin_role_on_every_managed_project(tmp_path: Path) -> None:
    text = WORKSPACES + "organization:\n  permissions:\n    - {user: joe, grant: [MANAGE]}\n"
    result = render(tmp_path, text)
    assert {p: members(result, p)["joe@acme.com"][0] for p in ("p1", "p2", "p3")} == dict.fromkeys(
        ("p1", "p2", "p3"), "adminRole"
    )


def test_a_permission_set_that_matches_no_role_is_refused_naming_user_project_and_closest_roles(
    tmp_path: Path,
) -> None:
    text = USERS + "workspaces:\n  - id: p1\n    permissions:\n      - {group: analysts, grant: [ANALYZE]}\n"
    options = PlatformOptions(projects={"p1": "a1b2c3"})
    (problem,) = refusal(tmp_path, text, options)
    assert problem.startswith("state/s.yaml:9:")  # the grant that reaches jane
    assert "user 'jane' holds [ANALYZE, VIEW] on project 'a1b2c3' (workspace 'p1')" in problem
    assert "matches no role" in problem
    assert (
        "closest: dashboardOnlyRole [VIEW]; editorRole [ANALYZE, EXPORT, EXPORT_TABULAR, EXPORT_PDF, VIEW]"
        in (problem)
    )


def test_role_bundles_are_configurable_by_the_target_and_by_the_state(tmp_path: Path) -> None:
    text = (
        USERS
        + "workspaces:\n  - id: p1\n    permissions:\n      - {user: jane, grant: [ANALYZE]}\n"
        + "      - {user: joe, role: editorRole}\n"
        + "roles:\n  editorRole: [ANALYZE, EXPORT, CREATE_AUTOMATION]\n  other: [VIEW]\n"
    )
    state = state_of(tmp_path, text)
    roles = bundles({"explorerRole": ["ANALYZE"]}, state.roles)
    assert roles["editorRole"] == ("ANALYZE", "EXPORT", "CREATE_AUTOMATION") and "other" not in roles
    result = desired(state, {}, PlatformOptions(roles=roles))
    assert members(result, "p1") == {
        "jane.doe@acme.com": ("explorerRole", "ENABLED"),
        "joe@acme.com": ("editorRole", "ENABLED"),
    }


def test_two_roles_that_mean_the_same_permissions_are_refused(tmp_path: Path) -> None:
    roles = {**DEFAULT_ROLES, "viewerRole": ("VIEW",)}
    (problem,) = refusal(tmp_path, USERS, PlatformOptions(roles=roles))
    assert "roles 'dashboardOnlyRole' and 'viewerRole' mean the same permissions [VIEW]" in problem


def test_the_project_ids_come_from_the_targets_mapping(tmp_path: Path) -> None:
    result = render(tmp_path, WORKSPACES, options=PlatformOptions(projects={"p1": "f00d"}))
    assert members_key("f00d") in result.documents and members_key("p1") not in result.documents


def test_a_workspace_that_manages_no_list_leaves_its_project_alone(tmp_path: Path) -> None:
    result = render(tmp_path, USERS + "workspaces:\n  - id: p9\n")
    assert set(result.documents) == {USERS_KEY}


# --- status, removal, invitations --------------------------------------------------------------------

LIVE_P1 = {
    members_key("p1"): {
        "members": [
            {"login": "jane.doe@acme.com", "role": "adminRole", "status": "ENABLED"},
            {"login": "joe@acme.com", "role": "editorRole", "status": "ENABLED"},
            {"login": "gone@acme.com", "role": "editorRole", "status": "ENABLED"},
            {"login": "admin@acme.com", "role": "adminRole", "status": "ENABLED"},
        ]
    }
}


def test_status_disabled_is_a_disabled_membership_with_its_role(tmp_path: Path) -> None:
    text = WORKSPACES.replace(
        "{id: joe, email: joe@acme.com,", "{id: joe, email: joe@acme.com, status: disabled,"
    )
    result = render(tmp_path, text, LIVE_P1)
    assert members(result, "p1")["joe@acme.com"] == ("dashboardOnlyRole", "DISABLED")
    assert "joe@acme.com" not in members(result, "p3")  # not a member there: not added, not even DISABLED
    assert any("user joe is disabled" in n for n in result.notes)


def test_removal_from_the_state_disables_by_default_and_removes_with_the_policy(tmp_path: Path) -> None:
    text = USERS + "workspaces:\n  - id: p1\n    permissions:\n      - {user: jane, grant: [MANAGE]}\n"
    kept = members(render(tmp_path, text, LIVE_P1), "p1")
    assert kept["joe@acme.com"] == ("editorRole", "DISABLED")  # declared, granted nothing here
    assert kept["gone@acme.com"] == ("editorRole", "DISABLED")  # not declared (prune)
    assert kept["admin@acme.com"] == ("adminRole", "ENABLED")  # the executing login is carried over
    hard = PlatformOptions(executing_login="admin@acme.com", hard_removal=True)
    removed = members(render(tmp_path, text, LIVE_P1, hard), "p1")
    assert set(removed) == {"jane.doe@acme.com", "admin@acme.com"}
    unpruned = PlatformOptions(prune=False)
    assert members(render(tmp_path, text, LIVE_P1, unpruned), "p1")["gone@acme.com"] == (
        "editorRole",
        "ENABLED",
    )
    ignored = PlatformOptions(ignore_users=("gone_at_*",))
    assert members(render(tmp_path, text, LIVE_P1, ignored), "p1")["gone@acme.com"] == (
        "editorRole",
        "ENABLED",
    )


def test_invite_sends_an_invitation_only_to_a_user_who_is_not_a_member(tmp_path: Path) -> None:
    text = WORKSPACES.replace(
        "{id: joe, email: joe@acme.com,", "{id: joe, email: joe@acme.com, invite: true,"
    )
    result = render(tmp_path, text, LIVE_P1)
    assert members(result, "p1")["joe@acme.com"] == (
        "dashboardOnlyRole",
        "ENABLED",
    )  # a member: no invitation
    assert "joe@acme.com" not in members(result, "p3")
    assert result.invitations == (
        {"project": "p3", "login": "joe@acme.com", "email": "joe@acme.com", "role": "readOnlyUserRole"},
    )
    assert "joe@acme.com" not in {u["login"] for u in result.documents[USERS_KEY]["users"]}  # not created


# --- groups ------------------------------------------------------------------------------------------


def test_a_group_is_a_project_user_group_of_its_members_in_that_project(tmp_path: Path) -> None:
    live = {
        **LIVE_P1,
        groups_key("p1"): {
            "userGroups": [
                {"name": "Legacy", "members": ["joe@acme.com", "admin@acme.com"]},
                {"name": "Analysts", "members": ["gone@acme.com"]},
            ]
        },
    }
    result = render(tmp_path, WORKSPACES, live)
    assert groups(result, "p1") == {
        "Analysts": ["jane.doe@acme.com"],  # by its name; gone is not declared: pruned
        "Legacy": ["admin@acme.com"],  # not declared: emptied (groups cannot be deleted), the executor kept
    }
    assert groups(result, "p2") == {"Analysts": ["jane.doe@acme.com"]}  # holds the grant, jane is a member
    assert groups(result, "p3") == {}  # no member of analysts there


def test_a_group_with_parents_is_refused_at_its_parents(tmp_path: Path) -> None:
    text = "groups:\n  - id: top\n  - id: analysts\n    parents: [top]\n"
    (problem,) = refusal(tmp_path, text)
    assert problem.startswith("state/s.yaml:4:")
    assert "group 'analysts' has parents top" in problem and "do not nest" in problem


def test_every_refusal_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        "groups:\n  - id: top\n  - {id: g, parents: [top]}\n"
        "users:\n  - {id: a}\n  - {id: b, email: x@y.z, userGroups: [g]}\n"
        "workspaces:\n  - id: p\n    permissions:\n      - {group: g, grant: [ANALYZE]}\n"
    )
    problems = refusal(tmp_path, text)
    assert [p.split(": error")[0].rsplit(":", 1)[0] for p in problems] == [
        "state/s.yaml:3",
        "state/s.yaml:5",
        "state/s.yaml:10",
    ]


# --- import ------------------------------------------------------------------------------------------

LIVE: dict[str, dict[str, Any]] = {
    USERS_KEY: {
        "users": [
            {"login": "admin@acme.com", "email": "admin@acme.com", "firstName": "Ad", "lastName": "Min"},
            {"login": "jane@acme.com", "email": "Jane@Acme.com", "firstName": "Jane", "lastName": "Doe"},
            {"login": "joe@acme.com", "email": "joe@acme.com", "firstName": "Joe", "lastName": "Black"},
            {"login": "off@acme.com", "email": "off@acme.com", "firstName": "Off", "lastName": "Line"},
        ]
    },
    members_key("a1"): {
        "members": [
            {"login": "admin@acme.com", "role": "adminRole", "status": "ENABLED"},
            {"login": "jane@acme.com", "role": "editorRole", "status": "ENABLED"},
            {"login": "joe@acme.com", "role": "dashboardOnlyRole", "status": "DISABLED"},
            {"login": "off@acme.com", "role": "readOnlyUserRole", "status": "DISABLED"},
        ]
    },
    groups_key("a1"): {"userGroups": [{"name": "Sales Team", "members": ["jane@acme.com", "off@acme.com"]}]},
    members_key("b2"): {
        "members": [
            {"login": "joe@acme.com", "role": "readOnlyUserRole", "status": "ENABLED"},
            {"login": "jane@acme.com", "role": "adminRole", "status": "ENABLED"},
        ]
    },
    groups_key("b2"): {"userGroups": [{"name": "Empty", "members": []}]},
}


def test_import_writes_users_groups_roles_and_grants_and_plans_empty_against_the_same_documents(
    tmp_path: Path,
) -> None:
    options = PlatformOptions(projects={"sales": "a1"}, executing_login="admin@acme.com")
    state = to_state(LIVE, options)
    users = {u["id"]: u for u in state["users"]}
    assert users["jane_at_acme.com"] == {
        "id": "jane_at_acme.com",
        "email": "Jane@Acme.com",
        "firstname": "Jane",
        "lastname": "Doe",
        "userGroups": ["Sales_Team"],
    }
    assert users["off_at_acme.com"]["status"] == "disabled"  # DISABLED in every project it is in
    assert "status" not in users["joe_at_acme.com"]  # ENABLED in b2
    assert state["groups"] == [{"id": "Empty"}, {"id": "Sales_Team", "name": "Sales Team"}]
    assert state["workspaces"][0] == {
        "id": "sales",
        "permissions": [
            {"user": "admin_at_acme.com", "role": "adminRole"},
            {"user": "jane_at_acme.com", "role": "editorRole"},
        ],
    }
    assert state["roles"] == {
        r: list(DEFAULT_ROLES[r]) for r in ("adminRole", "editorRole", "readOnlyUserRole")
    }
    for rel, content in plan_files(state, split=False).items():
        (tmp_path / "state" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "state" / rel).write_text(yamlio.dump(content), encoding="utf-8")
    loaded = load_state(load_config(cwd=tmp_path), today=date(2026, 12, 1))
    result = desired(loaded, LIVE, replace_roles(options, loaded))
    expected = {k: v for k, v in LIVE.items()}
    from reconciler.platform.documents import canonical

    assert result.documents == {k: canonical(k, v) for k, v in expected.items()}
    assert result.invitations == ()


def replace_roles(options: PlatformOptions, state: DesiredState) -> PlatformOptions:
    from dataclasses import replace

    return replace(options, roles=bundles(None, state.roles))


def test_import_refuses_a_role_no_bundle_names_and_logins_that_share_an_id() -> None:
    live = {
        USERS_KEY: {"users": [{"login": "a@b.c"}, {"login": "a_at_b.c"}]},
        members_key("p"): {"members": [{"login": "a@b.c", "role": "explorerRole", "status": "ENABLED"}]},
    }
    with pytest.raises(StateError) as e:
        to_state(live, OPTIONS)
    message = str(e.value)
    assert "logins 'a@b.c' and 'a_at_b.c' would both import as id 'a_at_b.c'" in message
    assert "project p: member a@b.c has role 'explorerRole', which no `roles` bundle names" in message
    configured = PlatformOptions(roles=bundles({"explorerRole": ["ANALYZE", "CREATE_AUTOMATION"]}))
    live[USERS_KEY] = {"users": [{"login": "a@b.c"}]}
    assert to_state(live, configured)["workspaces"] == [
        {"id": "p", "permissions": [{"user": "a_at_b.c", "role": "explorerRole"}]}
    ]


# --- guards and restore ------------------------------------------------------------------------------


def test_max_deletions_counts_the_users_a_plan_disables_or_removes() -> None:
    from reconciler.errors import GuardError
    from reconciler.guards import DeletionLimits
    from reconciler.platform.guards import check

    live = {
        members_key("p"): {
            "members": [{"login": f"u{i}@x.y", "role": "editorRole", "status": "ENABLED"} for i in range(4)]
        }
    }
    desired = {
        members_key("p"): {"members": [{"login": "u0@x.y", "role": "editorRole", "status": "ENABLED"}]}
    }
    desired[members_key("p")]["members"].append(
        {"login": "u1@x.y", "role": "editorRole", "status": "DISABLED"}
    )
    kw: dict[str, Any] = {"executing_login": "root@x.y", "allow_deletions": None}
    with pytest.raises(GuardError, match=r"disables or removes 3 users \(limit 2\)"):
        check(live, desired, limits=DeletionLimits(users=2, percent=None), **kw)
    with pytest.raises(GuardError, match=r"75.0% of the 4 enabled members"):
        check(live, desired, limits=DeletionLimits(users=None, percent=50), **kw)
    check(live, desired, limits=DeletionLimits(users=2), executing_login="root@x.y", allow_deletions=3)
    with pytest.raises(GuardError, match="executing login u2@x.y"):
        check(live, desired, limits=DeletionLimits(), executing_login="u2@x.y", allow_deletions=3)


def test_a_restore_disables_members_and_empties_groups_added_since_and_keeps_domain_users() -> None:
    from reconciler.platform.restoring import restored

    live = {
        USERS_KEY: {"users": [{"login": "a@x.y"}, {"login": "new@x.y"}]},
        members_key("p"): {"members": [{"login": "new@x.y", "role": "editorRole", "status": "ENABLED"}]},
        groups_key("p"): {"userGroups": [{"name": "New", "members": ["new@x.y"]}]},
    }
    backup = {
        USERS_KEY: {"users": [{"login": "a@x.y", "firstName": "A"}]},
        members_key("p"): {"members": []},
        groups_key("p"): {"userGroups": []},
    }
    out = restored(live, backup, hard_removal=False)
    assert {u["login"] for u in out[USERS_KEY]["users"]} == {"a@x.y", "new@x.y"}
    assert out[members_key("p")]["members"][0]["status"] == "DISABLED"
    assert out[groups_key("p")] == {"userGroups": [{"name": "New", "members": []}]}
    assert restored(live, backup, hard_removal=True)[members_key("p")] == {"members": []}
