"""The older platform's client over real loopback HTTP against the older-platform emulator (API.md §1–§6)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from reconciler.client import ClientOptions, RetryPolicy
from reconciler.client.platform import PlatformClient
from reconciler.client.platform_http import PlatformApiError, server_message
from reconciler.emulator.faults import Fault
from reconciler.emulator.platform import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    DOMAIN,
    USER_LOGIN,
    USER_PASSWORD,
    PlatformEmulator,
)
from reconciler.errors import ApiError, ExitCode, TransportError
from reconciler.platform_targets import PlatformTarget, open_platform_client

FAST = RetryPolicy(total=2, backoff_factor=0.001, backoff_max=0.01, backoff_jitter=0.0, max_elapsed=30.0)
OPTIONS = ClientOptions(connect_timeout=2.0, read_timeout=10.0, retry=FAST)
PID = "p0000000000000000000000000000001"


@pytest.fixture
def emu() -> Iterator[PlatformEmulator]:
    with PlatformEmulator() as emulator:
        emulator.add_project(PID, "Sales")
        yield emulator


def target(emu: PlatformEmulator, password: str = ADMIN_PASSWORD, login: str = ADMIN_LOGIN) -> PlatformTarget:
    return PlatformTarget("legacy", emu.url, DOMAIN, login, password)


@pytest.fixture
def client(emu: PlatformEmulator) -> Iterator[PlatformClient]:
    with open_platform_client(target(emu), options=OPTIONS) as c:
        yield c


def calls(emu: PlatformEmulator, method: str, path: str, count: int = 0) -> list[int | None]:
    """The statuses of `method` requests whose path starts with `path` (waits for `count` of them: the
    emulator logs a request just after answering it)."""
    deadline = time.monotonic() + 10
    while True:
        seen = [r.status for r in emu.request_log if r.method == method and r.path.startswith(path)]
        if len(seen) >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)


# -- the session ---------------------------------------------------------------------------------------


def test_one_login_one_token_and_a_logout_at_the_end(emu: PlatformEmulator) -> None:
    with open_platform_client(target(emu), options=OPTIONS) as client:
        assert client.current_profile_id() == emu.admin_id
        assert client.current_login() == ADMIN_LOGIN
        client.domain_users()
        client.project_users(PID)
        assert calls(emu, "POST", "/gdc/account/login") == [200]
        assert calls(emu, "GET", "/gdc/account/token") == [200]
        assert calls(emu, "DELETE", "/gdc/account/login/") == []
    assert calls(emu, "DELETE", f"/gdc/account/login/{emu.admin_id}", 1) == [204]


def test_an_expired_temporary_token_is_renewed_once_and_the_call_succeeds(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    emu.add_domain_user("jane@acme.example")
    client.domain_users()
    emu.expire_tokens()
    before = len(calls(emu, "GET", "/gdc/account/token"))
    assert "jane@acme.example" in [u["login"] for u in client.domain_users()]
    assert len(calls(emu, "GET", "/gdc/account/token")) == before + 1  # exactly one token GET
    listings = calls(emu, "GET", f"/gdc/account/domains/{DOMAIN}/users", 3)
    assert listings == [200, 401, 200]  # the recorded 401 challenge, then the same call again
    assert calls(emu, "POST", "/gdc/account/login") == [200]  # no new login for a TT


def test_an_expired_session_logs_in_again(emu: PlatformEmulator, client: PlatformClient) -> None:
    client.project_users(PID)
    emu.expire_tokens(tt=True, sst=True)
    emu.add_member(PID, emu.admin_login, "adminRole")
    assert [m["login"] for m in client.project_users(PID)] == [ADMIN_LOGIN]
    assert calls(emu, "POST", "/gdc/account/login", 2) == [200, 200]
    assert calls(emu, "GET", "/gdc/account/token", 3)[-2:] == [401, 200]  # the SST's challenge, then a TT


def test_a_bad_password_is_an_api_error_naming_the_login_not_the_password(emu: PlatformEmulator) -> None:
    wrong = "pw-WRONG-q3Lx9-distinctive"
    with pytest.raises(ApiError) as info, open_platform_client(target(emu, wrong), options=OPTIONS):
        pass
    message = str(info.value)
    assert info.value.exit_code == ExitCode.RUNTIME  # as a rejected Cloud token: exit 1
    assert info.value.status == 401
    assert f"refused the login {ADMIN_LOGIN} (check the password of target 'legacy')" in message
    assert "Bad Login or Password!" in message
    assert wrong not in message and wrong not in repr(info.value.args)
    assert calls(emu, "DELETE", "/gdc/account/login/") == []  # nothing to log out of


def test_logout_is_sent_when_the_block_fails(emu: PlatformEmulator) -> None:
    with pytest.raises(ApiError), open_platform_client(target(emu), options=OPTIONS) as client:
        client.remove_project_user(PID, "0123456789abcdef0123456789abcdef")
    assert calls(emu, "DELETE", f"/gdc/account/login/{emu.admin_id}", 1) == [204]
    with pytest.raises(RuntimeError), open_platform_client(target(emu), options=OPTIONS):
        raise RuntimeError("something else failed")
    assert calls(emu, "DELETE", f"/gdc/account/login/{emu.admin_id}", 2) == [204, 204]


def test_a_logout_with_an_expired_token_renews_it_first(emu: PlatformEmulator) -> None:
    with open_platform_client(target(emu), options=OPTIONS):
        emu.expire_tokens()
    assert calls(emu, "DELETE", "/gdc/account/login/", 2) == [401, 204]


def test_forks_share_the_login_and_renew_an_expired_token_once(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    client.domain_users()
    emu.expire_tokens()
    forks = [client.fork() for _ in range(4)]
    errors: list[BaseException] = []

    def work(c: PlatformClient) -> None:
        try:
            c.project_users(PID)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f,)) for f in forks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in forks:
        f.close()
    assert errors == []
    assert calls(emu, "POST", "/gdc/account/login") == [200]
    assert len(calls(emu, "GET", "/gdc/account/token")) == 2  # the first TT and one renewal for all
    assert calls(emu, "DELETE", "/gdc/account/login/") == []  # a fork's close() does not log out


# -- paging, batches, per-item failures ----------------------------------------------------------------


def test_domain_users_are_read_across_pages(emu: PlatformEmulator) -> None:
    for i in range(24):
        emu.add_domain_user(f"user{i:02}@acme.example", first_name=f"U{i}", last_name="Acme")
    with open_platform_client(target(emu), options=OPTIONS) as client:
        client.page_size = 10
        users = client.domain_users()
    assert [u["login"] for u in users] == [ADMIN_LOGIN] + [f"user{i:02}@acme.example" for i in range(24)]
    assert users[1] == {
        "id": users[1]["id"],
        "login": "user00@acme.example",
        "email": "user00@acme.example",
        "firstName": "U0",
        "lastName": "Acme",
    }
    assert users == emu.domain_users()
    assert len(calls(emu, "GET", f"/gdc/account/domains/{DOMAIN}/users", 3)) == 3  # 10 + 10 + 5


def test_members_are_read_across_pages_with_roles_by_identifier(emu: PlatformEmulator) -> None:
    for i in range(23):
        login = f"m{i:02}@acme.example"
        emu.add_domain_user(login)
        emu.add_member(
            PID, login, "editorRole" if i % 2 else "dashboardOnlyRole", "DISABLED" if i == 5 else "ENABLED"
        )
    with open_platform_client(target(emu), options=OPTIONS) as client:
        client.page_size = 10
        members = client.project_users(PID)
    assert len(members) == 23
    assert members[0] == {
        "id": members[0]["id"],
        "login": "m00@acme.example",
        "role": "dashboardOnlyRole",
        "status": "ENABLED",
    }
    assert members[5]["status"] == "DISABLED" and members[5]["role"] == "editorRole"
    assert {(m["login"], m["role"], m["status"]) for m in members} == {
        (m["login"], m["roles"][0], m["status"]) for m in emu.members(PID)
    }
    assert len(calls(emu, "GET", f"/gdc/projects/{PID}/users", 3)) == 3  # 10 + 10 + 3


def test_a_bulk_add_with_two_failing_users_returns_both_by_login(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    for name in ("ann", "bob", "cid"):
        emu.add_domain_user(f"{name}@acme.example")
    items = [
        {"login": "ann@acme.example", "role": "editorRole", "status": "ENABLED"},
        {"login": "ghost@acme.example", "role": "editorRole", "status": "ENABLED"},
        {"login": "bob@acme.example", "role": "readOnlyUserRole", "status": "ENABLED"},
        {"login": "nobody@acme.example", "role": "adminRole", "status": "ENABLED"},
        {"login": "cid@acme.example", "role": "dashboardOnlyRole", "status": "DISABLED"},
    ]
    failures = client.set_project_users(PID, items)
    assert [f["login"] for f in failures] == ["ghost@acme.example", "nobody@acme.example"]
    assert all(f["message"] == "Cannot add user to project. User doesn't exist" for f in failures)
    assert sorted((m["login"], m["roles"], m["status"]) for m in emu.members(PID)) == [
        ("ann@acme.example", ["editorRole"], "ENABLED"),
        ("bob@acme.example", ["readOnlyUserRole"], "ENABLED"),
        ("cid@acme.example", ["dashboardOnlyRole"], "DISABLED"),
    ]
    assert calls(emu, "POST", f"/gdc/projects/{PID}/users") == [200]  # failures inside a 200


def test_membership_posts_go_in_batches_of_100_and_ids_work_as_well_as_logins(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    ids = [emu.add_domain_user(f"b{i:03}@acme.example") for i in range(230)]
    items = [{"id": ids[i], "role": "readOnlyUserRole", "status": "ENABLED"} for i in range(230)]
    items.append({"id": "0123456789abcdef0123456789abcdef", "role": "editorRole", "status": "ENABLED"})
    failures = client.set_project_users(PID, items)
    assert [f["id"] for f in failures] == ["0123456789abcdef0123456789abcdef"]
    assert calls(emu, "POST", f"/gdc/projects/{PID}/users", 3) == [200, 200, 200]
    assert len(emu.members(PID)) == 230


def test_an_unknown_role_is_refused_before_anything_is_sent(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    emu.add_domain_user("ann@acme.example")
    with pytest.raises(ApiError, match=r"has no role 'ownerRole' \(its roles: adminRole, "):
        client.set_project_users(
            PID,
            [
                {"login": "ann@acme.example", "role": "editorRole", "status": "ENABLED"},
                {"login": "ann@acme.example", "role": "ownerRole", "status": "ENABLED"},
            ],
        )
    assert calls(emu, "POST", f"/gdc/projects/{PID}/users") == []


def test_roles_are_keyed_by_identifier_whatever_their_order(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    first = client.roles(PID)
    assert {"adminRole", "editorRole", "readOnlyUserRole", "dashboardOnlyRole"} <= set(first)
    assert all(uri.startswith(f"/gdc/projects/{PID}/roles/") for uri in first.values())


# -- domain users, groups, invitations -----------------------------------------------------------------


def test_domain_users_are_created_updated_and_deleted(emu: PlatformEmulator, client: PlatformClient) -> None:
    user_id = client.create_domain_user(
        {"login": "new@acme.example", "firstName": "New", "lastName": "Person"}
    )
    assert {
        "id": user_id,
        "login": "new@acme.example",
        "email": "new@acme.example",
        "firstName": "New",
        "lastName": "Person",
    } in emu.domain_users()
    client.update_domain_user(
        user_id, {"firstName": "Renamed", "lastName": "Person", "email": "n@acme.example"}
    )
    changed = next(u for u in emu.domain_users() if u["id"] == user_id)
    assert (changed["firstName"], changed["email"]) == ("Renamed", "n@acme.example")
    with pytest.raises(PlatformApiError) as info:
        client.create_domain_user({"login": "new@acme.example", "firstName": "A", "lastName": "B"})
    assert info.value.status == 400 and info.value.error_class
    assert "LoginNameAlreadyRegistered" in info.value.error_class
    client.delete_domain_user(user_id)
    assert user_id not in [u["id"] for u in emu.domain_users()]


def test_groups_are_listed_created_and_their_members_set(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    ann = emu.add_domain_user("ann@acme.example")
    bob = emu.add_domain_user("bob@acme.example")
    emu.add_member(PID, "ann@acme.example")
    emu.add_member(PID, "bob@acme.example")
    existing = emu.add_group(PID, "Sales", ["ann@acme.example"])
    assert client.user_groups(PID) == [{"id": existing, "name": "Sales", "members": [ann]}]
    created = client.create_user_group(PID, "Finance")
    client.set_group_members(created, [ann, bob])
    client.set_group_members(existing, [])
    assert sorted(client.user_groups(PID), key=lambda g: g["name"]) == [
        {"id": created, "name": "Finance", "members": [ann, bob]},
        {"id": existing, "name": "Sales", "members": []},
    ]


def test_an_invitation_names_the_role_by_identifier(emu: PlatformEmulator, client: PlatformClient) -> None:
    uri = client.invite(PID, "guest@acme.example", "editorRole", firstname="Guest")
    assert uri and uri.startswith(f"/gdc/projects/{PID}/invitations/")


def test_the_invitations_are_listed_with_status_and_role_identifier(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    uri = client.invite(PID, "guest@acme.example", "editorRole")
    assert uri
    (listed,) = client.invitations(PID)
    assert listed == {
        "id": uri.rsplit("/", 1)[-1],
        "email": "guest@acme.example",
        "status": "WAITING",
        "role": "editorRole",
    }


# -- faults ------------------------------------------------------------------------------------------


def test_a_503_is_retried_on_reads_and_on_membership_posts(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    emu.add_domain_user("ann@acme.example")
    emu.faults.add(Fault.status(503), method="GET", path=f"/gdc/account/domains/{DOMAIN}/users")
    emu.faults.add(Fault.status(503), method="POST", path=f"/gdc/projects/{PID}/users")
    assert len(client.domain_users()) == 2
    item = {"login": "ann@acme.example", "role": "editorRole", "status": "ENABLED"}
    assert client.set_project_users(PID, [item]) == []
    assert calls(emu, "POST", f"/gdc/projects/{PID}/users", 2) == [503, 200]


def test_a_create_is_not_repeated_after_a_dropped_answer(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    path = f"/gdc/account/domains/{DOMAIN}/users"
    emu.faults.add(Fault.drop_after_apply(), method="POST", path=path)
    with pytest.raises(TransportError, match="while creating user new@acme.example in domain"):
        client.create_domain_user({"login": "new@acme.example", "firstName": "N", "lastName": "P"})
    assert calls(emu, "POST", path, 1) == [None]  # sent once: the user exists, the answer was lost
    assert "new@acme.example" in [u["login"] for u in emu.domain_users()]


def test_a_failing_server_message_is_in_the_error(emu: PlatformEmulator, client: PlatformClient) -> None:
    emu.faults.add(Fault.status(500), method="GET", path=f"/gdc/projects/{PID}/users")
    with pytest.raises(ApiError) as info:
        client.project_users(PID)
    assert info.value.status == 500
    assert str(info.value).startswith(
        "api error: 500 internal server error — the server failed while listing the members of project "
        f"{PID}: injected fault"
    )


# -- errors in words -----------------------------------------------------------------------------------


def test_a_non_admin_gets_the_servers_403_message(emu: PlatformEmulator) -> None:
    with (
        open_platform_client(target(emu, USER_PASSWORD, USER_LOGIN), options=OPTIONS) as client,
        pytest.raises(ApiError) as info,
    ):
        client.domain_users()
    assert info.value.status == 403
    assert str(info.value).startswith(
        f"api error: 403 forbidden — the login {USER_LOGIN} may not do this (listing the users of domain "
        f"{DOMAIN}): Can be accessed only by domain admin"
    )


def test_a_server_message_is_its_template_filled_with_its_parameters() -> None:
    wrapped = (
        b'{"error":{"parameters":["1234"],"requestId":"req1","message":"User uid %s doesn\'t exist.",'
        b'"errorClass":"GDC::Exception::NotFound"}}'
    )
    assert server_message(wrapped) == ("User uid 1234 doesn't exist.", "req1", "GDC::Exception::NotFound")
    bare = b'{"component":"Webapp","message":"Bad Login or Password!","parameters":[]}'
    assert server_message(bare) == ("Bad Login or Password!", None, None)
    mismatched = b'{"error":{"message":"Checking \'%s\', result %s","parameters":["x"]}}'
    assert server_message(mismatched)[0] == "Checking '%s', result %s ['x']"
    assert server_message(b"") == (None, None, None)
    assert server_message(b"<html>") == (None, None, None)


def test_projects_lists_the_logins_projects_across_pages(
    emu: PlatformEmulator, client: PlatformClient
) -> None:
    emu.add_member(PID, ADMIN_LOGIN, "adminRole")
    others = [f"q{i:031d}" for i in range(501)]  # the client asks 500 a page: two pages
    for pid in others:
        emu.add_project(pid)
        emu.add_member(pid, ADMIN_LOGIN, "editorRole")
    emu.add_project("p-not-a-member")
    assert client.projects() == [PID, *others]
    assert len(calls(emu, "GET", f"/gdc/account/profile/{emu.admin_id}/projects", 2)) == 2
