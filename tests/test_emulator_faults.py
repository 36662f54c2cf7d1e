"""Fault injection: scripted faults (status, drop, drop after apply, ignored field, delay) and --fail-rate."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator, Fault

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"
PROFILE = "/api/v1/profile"


def with_jane(emu: Emulator, email: str = "jane@example.com") -> dict[str, Any]:
    doc = emu.document()
    doc["users"].append(
        {
            "id": "jane",
            "email": email,
            "firstname": "Jane",
            "userGroups": [{"id": "adminGroup", "type": "userGroup"}],
        }
    )
    doc["userGroups"][0]["name"] = "Admins"
    return doc


def get(emu: Emulator, path: str = FULL) -> requests.Response:
    return requests.get(emu.url + path, headers=AUTH, timeout=10)


def put(emu: Emulator, doc: Any) -> requests.Response:
    return requests.put(emu.url + FULL, json=doc, headers=AUTH, timeout=10)


def test_status_fault_answers_once_then_recovers(emulator: Emulator) -> None:
    emulator.faults.add(Fault.status(503), method="GET", path=FULL)
    r = get(emulator)
    assert r.status_code == 503
    assert r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["status"] == 503
    assert "Retry-After" not in r.headers
    assert get(emulator).status_code == 200
    assert emulator.faults.pending() == 0


@pytest.mark.parametrize(("retry_after", "header"), [(2, "2"), (1.0, "1"), (0.5, "0.5")])
def test_429_carries_retry_after(emulator: Emulator, retry_after: float, header: str) -> None:
    emulator.faults.add(Fault.status(429, retry_after=retry_after))
    r = get(emulator)
    assert (r.status_code, r.headers["Retry-After"]) == (429, header)
    assert r.json()["title"] == "Too Many Requests"


def test_status_fault_on_put_changes_nothing(emulator: Emulator) -> None:
    before = emulator.document()
    emulator.faults.add(Fault.status(503), method="PUT")
    assert put(emulator, with_jane(emulator)).status_code == 503
    assert emulator.document() == before


def test_faults_match_method_path_and_times(emulator: Emulator) -> None:
    emulator.faults.add(Fault.status(502), method="PUT", times=2)
    emulator.faults.add(Fault.status(504), path=PROFILE)
    assert get(emulator).status_code == 200  # neither matches a GET of the layout
    assert get(emulator, PROFILE).status_code == 504
    assert get(emulator, PROFILE).status_code == 200
    doc = emulator.document()
    assert [put(emulator, doc).status_code for _ in range(3)] == [502, 502, 204]


def test_drop_closes_the_connection_without_an_answer(emulator: Emulator) -> None:
    emulator.faults.add(Fault.drop(), method="GET")
    with pytest.raises(requests.ConnectionError):
        get(emulator)
    assert get(emulator).status_code == 200
    assert [(r.method, r.status) for r in emulator.request_log] == [("GET", None), ("GET", 200)]


def test_dropped_put_is_not_applied(emulator: Emulator) -> None:
    before = emulator.document()
    emulator.faults.add(Fault.drop(), method="PUT")
    with pytest.raises(requests.ConnectionError):
        put(emulator, with_jane(emulator))
    assert emulator.document() == before


def test_drop_after_apply_changes_state_and_gives_no_answer(emulator: Emulator) -> None:
    emulator.faults.add(Fault.drop_after_apply())
    assert get(emulator).status_code == 200  # a PUT-only fault lets GETs through
    with pytest.raises(requests.ConnectionError):
        put(emulator, with_jane(emulator))
    assert [u["id"] for u in emulator.document()["users"]] == ["admin", "jane"]
    assert emulator.request_log[-1].status is None
    assert put(emulator, emulator.document()).status_code == 204


def test_ignore_field_accepts_the_put_but_drops_the_field(emulator: Emulator) -> None:
    emulator.faults.add(Fault.ignore_field("email"))
    doc = with_jane(emulator)
    assert put(emulator, doc).status_code == 204
    jane = emulator.document()["users"][1]
    assert jane["firstname"] == "Jane"
    assert "email" not in jane
    assert put(emulator, doc).status_code == 204  # fired once only
    assert emulator.document()["users"][1]["email"] == "jane@example.com"


def test_ignore_field_applies_to_groups_too(emulator: Emulator) -> None:
    emulator.faults.add(Fault.ignore_field("name"))
    assert put(emulator, with_jane(emulator)).status_code == 204
    assert emulator.document()["userGroups"] == [{"id": "adminGroup", "permissions": []}]


def test_delay_fault_still_answers(emulator: Emulator) -> None:
    emulator.faults.add(Fault.delay(0.05), path=PROFILE)
    assert get(emulator, PROFILE).status_code == 200
    assert emulator.faults.pending() == 0


def test_faults_can_be_cleared(emulator: Emulator) -> None:
    emulator.faults.add(Fault.status(500), times=5)
    emulator.faults.clear()
    assert get(emulator).status_code == 200


def test_invalid_fault_arguments_are_refused(emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        emulator.faults.add(Fault.drop(), times=0)
    with pytest.raises(ValueError):
        Emulator(fail_rate=1.5)


def statuses(emu: Emulator, n: int) -> list[int]:
    with requests.Session() as session:
        return [session.get(emu.url + FULL, headers=AUTH, timeout=10).status_code for _ in range(n)]


def test_fail_rate_with_a_seed_is_repeatable() -> None:
    with Emulator(fail_rate=0.5, seed=42) as first:
        a = statuses(first, 40)
    with Emulator(fail_rate=0.5, seed=42) as second:
        b = statuses(second, 40)
    assert a == b
    assert set(a) == {200, 503}


def test_fail_rate_extremes_and_latency() -> None:
    with Emulator(fail_rate=1.0) as always:
        assert statuses(always, 5) == [503] * 5
    with Emulator(latency=0.01) as slow:
        assert statuses(slow, 3) == [200] * 3


def post_user(emu: Emulator, user_id: str) -> requests.Response:
    body = {"data": {"id": user_id, "type": "user", "attributes": {"email": f"{user_id}@example.com"}}}
    return requests.post(emu.url + "/api/v1/entities/users", json=body, headers=AUTH, timeout=10)


def test_write_faults_apply_to_entity_writes_too(emulator: Emulator) -> None:
    emulator.faults.add(Fault.ignore_field("email"))
    emulator.faults.add(Fault.drop_after_apply())
    assert get(emulator, "/api/v1/entities/users").status_code == 200  # GETs pass write-only faults by
    assert post_user(emulator, "bob").status_code == 201
    with pytest.raises(requests.ConnectionError):
        post_user(emulator, "eve")
    users = {u["id"]: u for u in emulator.document()["users"]}
    assert "email" not in users["bob"]
    assert users["eve"]["email"] == "eve@example.com"
    assert [r.status for r in emulator.request_log if r.method == "POST"] == [201, None]


def test_any_status_code_can_be_scripted(emulator: Emulator) -> None:
    emulator.faults.add(Fault.status(599))
    r = get(emulator)
    assert (r.status_code, r.json()["title"]) == (599, "Error")


def test_a_client_that_leaves_mid_answer_is_not_an_emulator_error(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A client that hangs up while its answer is written is routine (a timeout, a killed process); logged as
    # an emulator bug it lands, from a handler thread, in whatever stderr a later test is capturing.
    from reconciler.emulator.http_base import BaseHandler

    calls: list[str] = []

    def gone(self: BaseHandler, method: str, path: str, body: bytes) -> int | None:
        calls.append(path)
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(BaseHandler, "_paced", gone)
    caplog.set_level("DEBUG", logger="reconciler.emulator.http_base")
    with pytest.raises(requests.ConnectionError):  # nothing is answered: the connection is closed
        get(emulator)
    assert calls == [FULL]
    records = [r for r in caplog.records if r.name == "reconciler.emulator.http_base"]
    assert [r.levelname for r in records] == ["DEBUG"] and "went away" in records[0].getMessage()


def test_a_client_that_resets_before_its_request_is_read_is_not_printed(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    import socket
    import struct
    import time

    caplog.set_level("DEBUG", logger="reconciler.emulator.serving")
    host, port = emulator.url.removeprefix("http://").rsplit(":", 1)
    for _ in range(5):  # a half-sent request, then a reset (SO_LINGER 0): the handler's read fails
        s = socket.create_connection((host, int(port)))
        s.sendall(b"GET /api/v1/layout/usersAndUserGroups HTTP/1.1\r\nHost: x\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    time.sleep(0.3)
    assert get(emulator).status_code == 200  # still serving
    assert "Traceback" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
