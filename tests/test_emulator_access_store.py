"""--data keeps organization permissions and API tokens (as sha256, never the token) beside the layout, in the
same atomically replaced file (issue 11, acceptance 3).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import requests
from emulator_process import start_emulator_process

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
ORG = "/api/v1/layout/organization/permissions"
ADMIN_MANAGE = {"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"}


def org_with(*users: str) -> dict[str, Any]:
    admin = {"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}
    return {"users": [admin] + [{"id": u} for u in users], "userGroups": [{"id": "adminGroup"}]}


def grant(user: str, name: str) -> dict[str, Any]:
    return {"assignee": {"id": user, "type": "user"}, "name": name}


def test_permissions_and_token_hashes_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.replace_document(org_with("jane"))
        put = requests.put(
            emu.url + ORG, json=[ADMIN_MANAGE, grant("jane", "BASE_UI_ACCESS")], headers=AUTH, timeout=10
        )
        assert put.status_code == 204
        created = requests.post(
            emu.url + "/api/v1/entities/users/jane/apiTokens",
            json={"data": {"id": "ci", "type": "apiToken"}},
            headers=AUTH,
            timeout=10,
        )
        bearer = created.json()["data"]["attributes"]["bearerToken"]
    saved = json.loads(data.read_bytes())
    assert bearer not in data.read_text()
    assert saved["apiTokens"] == [
        {"id": "ci", "sha256": hashlib.sha256(bearer.encode()).hexdigest(), "userId": "jane"}
    ]
    assert saved["organizationPermissions"] == [ADMIN_MANAGE, grant("jane", "BASE_UI_ACCESS")]
    with Emulator(data_file=data) as again:
        assert (
            requests.get(again.url + ORG, headers=AUTH, timeout=10).json() == saved["organizationPermissions"]
        )
        profile = requests.get(
            again.url + "/api/v1/profile", headers={"Authorization": f"Bearer {bearer}"}, timeout=10
        )
        assert profile.json()["userId"] == "jane"
        assert profile.json()["permissions"] == ["BASE_UI_ACCESS"]
        assert [u["id"] for u in again.document()["users"]] == ["admin", "jane"]


def test_layout_writes_keep_the_sections_and_prune_them(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.replace_document(org_with("jane", "joe"))
        emu.set_organization_permissions(
            [ADMIN_MANAGE, grant("jane", "SELF_CREATE_TOKEN"), grant("joe", "BASE_UI_ACCESS")]
        )
        emu.create_api_token("jane", "t1")
        emu.create_api_token("joe", "t2")
        assert (
            requests.put(
                emu.url + "/api/v1/layout/usersAndUserGroups", json=org_with("joe"), headers=AUTH, timeout=10
            ).status_code
            == 204
        )
        saved = json.loads(data.read_bytes())
        assert saved["organizationPermissions"] == [ADMIN_MANAGE, grant("joe", "BASE_UI_ACCESS")]
        assert [r["id"] for r in saved["apiTokens"]] == ["t2"]
        assert {k: saved[k] for k in ("users", "userGroups")} == emu.document()


def test_a_refused_write_leaves_the_file_alone(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.set_organization_permissions([ADMIN_MANAGE])
        before = data.read_bytes()
        r = requests.put(emu.url + ORG, json=[grant("ghost", "MANAGE")], headers=AUTH, timeout=10)
        assert r.status_code == 400
        r = requests.post(
            emu.url + "/api/v1/entities/users/admin/apiTokens",
            json={"data": {"id": ".x"}},
            headers=AUTH,
            timeout=10,
        )
        assert r.status_code == 400
        assert data.read_bytes() == before


def test_a_file_without_sections_starts_with_the_defaults(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    data.write_text(json.dumps(org_with("jane")))
    with Emulator(data_file=data) as emu:
        assert emu.organization_permissions() == [ADMIN_MANAGE, {**ADMIN_MANAGE, "name": "SELF_CREATE_TOKEN"}]
        assert emu.api_tokens.dump() == []
    assert json.loads(data.read_bytes()) == org_with("jane")  # untouched until something is written


def test_process_killed_during_permission_writes_leaves_a_whole_file(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.replace_document(org_with("jane"))
    bodies = [
        [ADMIN_MANAGE, grant("jane", "SELF_CREATE_TOKEN")],
        [ADMIN_MANAGE, grant("jane", "BASE_UI_ACCESS")],
    ]
    rng = random.Random(20261201)
    for _round in range(3):
        proc, url = start_emulator_process(data)
        try:
            accepted = threading.Event()

            def writer(url: str = url, accepted: threading.Event = accepted) -> None:
                with requests.Session() as session:
                    for i in range(2000):
                        try:
                            r = session.put(url + ORG, json=bodies[i % 2], headers=AUTH, timeout=10)
                        except requests.ConnectionError:
                            return
                        if r.status_code == 204:
                            accepted.set()

            thread = threading.Thread(target=writer)
            thread.start()
            assert accepted.wait(30)
            time.sleep(rng.uniform(0.0, 0.2))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert proc.stderr is not None
            proc.stderr.close()
        thread.join()
        saved = json.loads(data.read_bytes())
        assert saved["organizationPermissions"] in bodies
        assert [u["id"] for u in saved["users"]] == ["admin", "jane"]


def test_concurrent_layout_permission_and_token_writes_all_reach_the_file(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        emu.replace_document(org_with(*(f"u{i}" for i in range(8))))
        errors: list[str] = []

        def worker(i: int) -> None:
            with requests.Session() as s:
                for j in range(5):
                    body = [
                        {
                            "assigneeIdentifier": {"id": f"u{i}", "type": "user"},
                            "permissions": ["BASE_UI_ACCESS"],
                        }
                    ]
                    r1 = s.post(
                        emu.url + "/api/v1/actions/organization/managePermissions", json=body, headers=AUTH
                    )
                    token = {"data": {"id": f"t{j}", "type": "apiToken"}}
                    r2 = s.post(
                        emu.url + f"/api/v1/entities/users/u{i}/apiTokens",
                        json=token,
                        headers=AUTH,
                        timeout=10,
                    )
                    group = {"data": {"id": f"g{i}-{j}", "type": "userGroup", "attributes": {}}}
                    r3 = s.post(
                        emu.url + "/api/v1/entities/userGroups",
                        json=group,
                        headers={**AUTH, "Content-Type": "application/vnd.gooddata.api+json"},
                        timeout=10,
                    )
                    errors.extend(f"{r.status_code} {r.text}" for r in (r1, r2, r3) if r.status_code >= 300)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        saved = json.loads(data.read_bytes())
        assert len(saved["apiTokens"]) == 40
        assert sorted(p["assignee"]["id"] for p in saved["organizationPermissions"]) == ["adminGroup"] * 2 + [
            f"u{i}" for i in range(8)
        ]
        assert (
            len(saved["userGroups"]) == 41
            and {k: saved[k] for k in ("users", "userGroups")} == emu.document()
        )
