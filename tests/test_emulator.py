"""The emulator over loopback HTTP: the recorded real-server exchanges, auth, and the HTTP contract."""

from __future__ import annotations

import json
from typing import Any

import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"


def test_new_organization_holds_bootstrap_admin_in_admin_group(emulator: Emulator) -> None:
    r = requests.get(emulator.url + FULL, headers=AUTH, timeout=10)
    assert r.status_code == 200
    assert r.json() == {
        "userGroups": [{"id": "adminGroup", "permissions": []}],
        "users": [{"id": "admin", "permissions": [], "settings": [],
                   "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}],
    }
    assert r.json() == emulator.document()


def test_recorded_put_then_get_reproduces_recorded_get(emulator: Emulator, recorded: Any) -> None:
    put = recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")
    r = requests.put(emulator.url + FULL, headers=AUTH, json=put, timeout=10)
    assert (r.status_code, r.content) == (204, b"")
    got = requests.get(emulator.url + FULL, headers=AUTH, timeout=10).json()
    expected = recorded("GET_usersAndUserGroups_2026-03-11_09f2917b.json")
    assert json.dumps(got) == json.dumps(expected)
