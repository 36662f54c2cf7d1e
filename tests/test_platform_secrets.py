"""The older platform's password (and its SST and TT) are never printed, logged, written or put in an error
(issue 16, acceptance 4; the token's counterpart is tests/test_secrets.py): every call path of the client,
at DEBUG. The commands are tests/test_platform_secrets_cli.py."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest

from reconciler.client import ClientOptions, RetryPolicy
from reconciler.client.platform import PlatformClient
from reconciler.emulator.platform import DOMAIN, USER_LOGIN, PlatformEmulator
from reconciler.errors import ReconcilerError
from reconciler.platform_targets import PlatformTarget, open_platform_client

PASSWORD = "pw-SECRET-m4Tz8-distinctive"
WRONG = "pw-WRONG-k2Hd5-distinctive"
ADMIN = "root@acme.example"
PID = "p0000000000000000000000000000001"
FAST = RetryPolicy(total=1, backoff_factor=0.001, backoff_max=0.01, backoff_jitter=0.0, max_elapsed=10.0)
OPTIONS = ClientOptions(connect_timeout=2.0, read_timeout=10.0, retry=FAST)


@pytest.fixture
def emu() -> Iterator[PlatformEmulator]:
    with PlatformEmulator(admin_login=ADMIN, admin_password=PASSWORD) as emulator:
        emulator.add_project(PID, "Sales")
        yield emulator


def target(emu: PlatformEmulator, password: str = PASSWORD, login: str = ADMIN) -> PlatformTarget:
    return PlatformTarget("legacy", emu.url, DOMAIN, login, password)


def texts_of(error: BaseException) -> list[str]:
    """What an error can show: its message, its repr, and its whole traceback with every chained cause."""
    return [str(error), repr(error), *traceback.format_exception(error)]


def test_no_call_path_shows_the_password_or_the_tokens(
    emu: PlatformEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # what -vv shows, urllib3's lines included
    texts: list[str] = []
    tokens: set[str] = set()

    def remember(client: PlatformClient) -> None:
        tokens.update(t for t in (client._tokens.sst, client._tokens.tt) if t)

    def failing(call: object, *args: object) -> None:
        with pytest.raises(ReconcilerError) as info:
            call(*args)  # type: ignore[operator]
        texts.extend(texts_of(info.value))

    emu.add_domain_user("ann@acme.example")
    with open_platform_client(target(emu), options=OPTIONS) as client:
        remember(client)
        texts.append(repr(client) + repr(client._http) + repr(client._tokens) + repr(target(emu)))
        client.domain_users()
        emu.expire_tokens()  # a TT renewed mid-run
        client.set_project_users(
            PID,
            [
                {"login": "ann@acme.example", "role": "editorRole", "status": "ENABLED"},
                {"login": "ghost@acme.example", "role": "editorRole", "status": "ENABLED"},
            ],
        )
        remember(client)
        emu.expire_tokens(tt=True, sst=True)  # a new login mid-run
        client.project_users(PID)
        remember(client)
        client.create_domain_user({"login": "new@acme.example", "firstName": "N", "lastName": "P"})
        failing(client.create_domain_user, {"login": "new@acme.example", "firstName": "N", "lastName": "P"})
        failing(client.remove_project_user, PID, "0123456789abcdef0123456789abcdef")
        failing(
            client.set_project_users,
            PID,
            [{"login": "ann@acme.example", "role": "nope", "status": "ENABLED"}],
        )
    failing(lambda: open_platform_client(target(emu, WRONG), options=OPTIONS).__enter__())
    with open_platform_client(target(emu, emu.user_password, USER_LOGIN), options=OPTIONS) as other:
        failing(other.domain_users)  # 403: not a domain admin
    with open_platform_client(target(emu), options=OPTIONS) as client:
        remember(client)
        emu.stop()  # the server is gone: the call and the logout fail
        failing(client.domain_users)
    texts += [r.getMessage() for r in caplog.records]
    texts += ["".join(traceback.format_exception(*r.exc_info)) for r in caplog.records if r.exc_info]
    assert any("Bad Login or Password!" in t for t in texts)  # the failures really ran
    assert any("Can be accessed only by domain admin" in t for t in texts)
    assert any("could not reach" in t for t in texts) and any("could not log" in t for t in texts)
    assert len(tokens) >= 4  # two SSTs and at least two TTs were in use
    for text in texts:
        assert PASSWORD not in text
        assert WRONG not in text
        for token in tokens:
            assert token not in text
