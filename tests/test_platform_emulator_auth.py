"""Platform emulator, authentication (API.md §1): login, token, logout, TT/SST expiry, the current profile."""

from __future__ import annotations

import requests
from platform_calls import Gdc

from reconciler.emulator.platform import PlatformEmulator

REALM = 'GoodData realm="GoodData API"'


def login(emu: PlatformEmulator, login: str, password: str) -> requests.Response:
    body = {"postUserLogin": {"login": login, "password": password, "remember": 1, "verify_level": 2}}
    return requests.post(emu.url + "/gdc/account/login", json=body, timeout=10)


def test_login_answers_the_sst_in_body_and_headers(platform_emulator: PlatformEmulator) -> None:
    r = login(platform_emulator, platform_emulator.admin_login, platform_emulator.admin_password)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    user = r.json()["userLogin"]
    profile_id = platform_emulator.admin_id
    assert user == {
        "profile": f"/gdc/account/profile/{profile_id}",
        "state": f"/gdc/account/login/{profile_id}",
        "token": r.headers["X-GDC-AuthSST"],
    }
    assert r.headers["X-GDC-AuthTT"]


def test_login_is_not_case_sensitive_in_the_login(platform_emulator: PlatformEmulator) -> None:
    r = login(platform_emulator, platform_emulator.admin_login.upper(), platform_emulator.admin_password)
    assert r.status_code == 200


def test_bad_credentials_get_the_recorded_unwrapped_401(platform_emulator: PlatformEmulator) -> None:
    for name, password in [(platform_emulator.admin_login, "wrong"), ("nobody@example.com", "whatever1")]:
        r = login(platform_emulator, name, password)
        assert r.status_code == 401
        assert r.json() == {"component": "Webapp", "message": "Bad Login or Password!", "parameters": []}
        assert r.headers["WWW-Authenticate"] == REALM
        assert "X-GDC-AuthSST" not in r.headers


def test_malformed_login_is_400(platform_emulator: PlatformEmulator) -> None:
    r = requests.post(platform_emulator.url + "/gdc/account/login", json={"login": "x"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"]["errorClass"].endswith("MalformedMessageException")


def test_token_trades_the_sst_for_a_new_tt(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    first = gdc.tt
    r = gdc.refresh()
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"userToken": {"token": r.headers["X-GDC-AuthTT"]}}
    assert gdc.tt != first
    assert gdc.get("/gdc/projects/p1").status_code == 200


def test_token_with_a_bad_or_expired_sst_is_the_empty_sst_challenge(
    platform_emulator: PlatformEmulator,
) -> None:
    url = platform_emulator.url + "/gdc/account/token"
    gdc = Gdc(platform_emulator)
    platform_emulator.expire_tokens(tt=False, sst=True)
    for headers in [{}, {"X-GDC-AuthSST": "nonsense"}, {"X-GDC-AuthSST": gdc.sst}]:
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 401
        assert r.content == b""
        assert r.headers["WWW-Authenticate"] == f"{REALM} cookie=GDCAuthSST location=/gdc/account/login"
        assert r.headers["Set-Cookie"].startswith('GDCAuthSST=""')


def test_sst_lifetime_is_settable(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.sst_lifetime = 0
    gdc = Gdc(platform_emulator)
    assert gdc.refresh().status_code == 401


def tt_challenge_of(r: requests.Response) -> None:
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == f"{REALM} cookie=GDCAuthTT"
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.headers["Set-Cookie"].startswith("GDCAuthTT=;")
    error = r.json()["error"]
    assert error["code"] == 401 and error["message"] == "Authorization Required"
    assert set(error) == {"code", "message", "description", "links"} and "documentation" in error["links"]


def test_expired_tt_gets_the_tt_challenge_on_any_resource_and_a_refresh_cures_it(
    platform_emulator: PlatformEmulator,
) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.expire_tokens()
    domain_users = f"/gdc/account/domains/{platform_emulator.domain}/users"
    for method, path in [
        ("GET", "/gdc/projects/p1/users"),
        ("GET", domain_users),
        ("POST", "/gdc/userGroups"),
    ]:
        tt_challenge_of(gdc.call(method, path, {}))
    assert gdc.refresh().status_code == 200
    assert gdc.get("/gdc/projects/p1/users").status_code == 200


def test_tt_lifetime_is_settable(platform_emulator: PlatformEmulator) -> None:
    platform_emulator.tt_lifetime = 0
    gdc = Gdc(platform_emulator)
    tt_challenge_of(gdc.get("/gdc/projects/p1"))
    platform_emulator.tt_lifetime = 600
    gdc.refresh()
    assert gdc.get("/gdc/projects/p1").status_code == 200


def test_no_tt_and_an_unknown_tt_are_challenged(platform_emulator: PlatformEmulator) -> None:
    tt_challenge_of(requests.get(platform_emulator.url + "/gdc/projects/p1", timeout=10))
    gdc = Gdc(platform_emulator)
    tt_challenge_of(gdc.get("/gdc/projects/p1", headers={"X-GDC-AuthTT": "made-up"}))


def test_tt_cookie_authenticates_like_the_header(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    r = requests.get(platform_emulator.url + "/gdc/projects/p1", cookies={"GDCAuthTT": gdc.tt}, timeout=10)
    assert r.status_code == 200


def test_current_profile_is_the_recorded_307(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    r = gdc.get("/gdc/account/profile/current")
    assert r.status_code == 307
    assert r.headers["Location"] == gdc.profile == f"/gdc/account/profile/{platform_emulator.admin_id}"
    followed = gdc.get(r.headers["Location"])
    assert followed.json()["accountSetting"]["login"] == platform_emulator.admin_login


def test_logout_is_204_and_ends_the_session(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    r = gdc.call(
        "DELETE", f"/gdc/account/login/{platform_emulator.admin_id}", headers={"X-GDC-AuthSST": gdc.sst}
    )
    assert r.status_code == 204 and r.content == b""
    assert gdc.refresh().status_code == 401
    tt_challenge_of(gdc.get("/gdc/projects/p1"))


def test_logout_with_an_expired_tt_is_challenged_then_works(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.expire_tokens()
    path = f"/gdc/account/login/{platform_emulator.admin_id}"
    tt_challenge_of(gdc.delete(path))
    gdc.refresh()
    assert gdc.delete(path).status_code == 204


def test_logout_of_someone_else_is_refused(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    assert gdc.delete(f"/gdc/account/login/{platform_emulator.user_id}").status_code == 403


def test_request_log_never_holds_a_password(platform_emulator: PlatformEmulator) -> None:
    Gdc(platform_emulator)
    logged = [r for r in platform_emulator.request_log if r.path == "/gdc/account/login"]
    assert logged and logged[0].status == 200
    assert logged[0].body is not None and platform_emulator.admin_password.encode() not in logged[0].body
    assert b"<PASSWORD>" in logged[0].body


def test_answers_echo_the_request_id(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    r = gdc.get("/gdc/projects/p1", headers={"X-GDC-REQUEST": "abc:1"})
    assert r.headers["X-GDC-REQUEST"].startswith("abc:1:")
    assert int(r.headers["X-GDC-REQUEST-TIME"]) >= 0
    assert r.headers["X-GDC-LOG-HEADER"] == ""
