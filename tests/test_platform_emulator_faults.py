"""Platform emulator, fault injection (the Cloud emulator's Fault kinds), latency and --fail-rate."""

from __future__ import annotations

import pytest
import requests
from platform_calls import Gdc, member_item

from reconciler.emulator import Fault
from reconciler.emulator.platform import PlatformEmulator

USERS = "/gdc/projects/p1/users"


def test_status_fault_answers_a_gdc_error_once_then_recovers(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.status(503), method="GET", path=USERS)
    r = gdc.get(USERS)
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert "errorClass" in r.json()["error"] and "Retry-After" not in r.headers
    assert gdc.get(USERS).status_code == 200
    assert platform_emulator.faults.pending() == 0


def test_429_carries_retry_after(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.status(429, retry_after=2))
    r = gdc.get(USERS)
    assert (r.status_code, r.headers["Retry-After"]) == (429, "2")


def test_status_fault_on_a_write_changes_nothing(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.status(500), method="POST", path=USERS)
    r = gdc.post(USERS, member_item(f"/gdc/account/profile/{jane}", roles=["/gdc/projects/p1/roles/5"]))
    assert r.status_code == 500
    assert platform_emulator.members("p1") == []


def test_drop_closes_the_connection_unanswered_and_is_logged(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.drop(), path=USERS)
    with pytest.raises(requests.ConnectionError):
        gdc.get(USERS)
    assert platform_emulator.request_log[-1].status is None
    assert gdc.get(USERS).status_code == 200


def test_drop_after_apply_writes_then_gives_no_answer(platform_emulator: PlatformEmulator) -> None:
    jane = platform_emulator.add_domain_user("jane@example.com")
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.drop_after_apply(), path=USERS)
    with pytest.raises(requests.ConnectionError):
        gdc.post(USERS, member_item(f"/gdc/account/profile/{jane}", roles=["/gdc/projects/p1/roles/5"]))
    assert platform_emulator.members("p1")[0]["roles"] == ["editorRole"]


def test_ignore_field_accepts_a_user_but_drops_the_field(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.ignore_field("lastName"), method="PUT")
    jane = platform_emulator.add_domain_user("jane@example.com", last_name="Doe")
    body = {"accountSetting": {"firstName": "Janet", "lastName": "Smith"}}
    assert gdc.put(f"/gdc/account/profile/{jane}", body).status_code == 200
    assert platform_emulator.domain_users()[1] | {"id": ""} == {
        "id": "",
        "login": "jane@example.com",
        "email": "jane@example.com",
        "firstName": "Janet",
        "lastName": "Doe",
    }


def test_delay_and_latency_still_answer(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    platform_emulator.faults.add(Fault.delay(0.05))
    assert gdc.get(USERS).status_code == 200
    platform_emulator.latency = 0.01
    assert gdc.get(USERS).status_code == 200


def test_fail_rate_one_answers_every_request_with_503() -> None:
    with PlatformEmulator(fail_rate=1.0, seed=1) as emu:
        r = requests.post(emu.url + "/gdc/account/login", json={}, timeout=10)
        assert r.status_code == 503
        assert (
            r.json()["error"]["message"] % tuple(r.json()["error"]["parameters"])
            == "injected failure (--fail-rate)"
        )


def test_an_unknown_path_and_a_wrong_method_answer_gdc_errors(platform_emulator: PlatformEmulator) -> None:
    gdc = Gdc(platform_emulator)
    missing = gdc.get("/gdc/nothing/here")
    assert missing.status_code == 404 and "errorClass" in missing.json()["error"]
    wrong = gdc.call("PATCH", "/gdc/projects/p1/users")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"


def test_the_platform_and_cloud_emulators_run_side_by_side(platform_emulator: PlatformEmulator) -> None:
    from reconciler.emulator import DEFAULT_TOKEN, Emulator

    with Emulator() as cloud:
        r = requests.get(
            cloud.url + "/api/v1/profile", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=10
        )
        assert r.status_code == 200
        assert Gdc(platform_emulator).get("/gdc/projects/p1").status_code == 200
        assert requests.get(cloud.url + "/gdc/projects/p1", timeout=10).status_code == 401
