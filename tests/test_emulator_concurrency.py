"""Atomic replacement: concurrent GETs during a large PUT see the old or the new document, never a mix
(issue 2, acceptance 5).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import requests

from reconciler.emulator import DEFAULT_TOKEN, Emulator

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"
READERS = 50


def large_document(n_users: int) -> dict[str, Any]:
    groups = [{"id": "adminGroup"}] + [{"id": f"team-{g:03d}", "name": f"Team {g}"} for g in range(100)]
    users: list[dict[str, Any]] = [{"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}]
    users += [
        {
            "id": f"user-{i:05d}",
            "authId": f"auth|{i}",
            "email": f"user{i}@example.com",
            "firstname": "User",
            "lastname": str(i),
            "userGroups": [{"id": f"team-{i % 100:03d}", "type": "userGroup"}],
        }
        for i in range(n_users)
    ]
    return {"users": users, "userGroups": groups}


def fetch(session: requests.Session, url: str) -> bytes:
    # One raw read: requests' default 10 kB chunking makes 50 readers of a 2 MB body needlessly slow.
    r = session.get(url + FULL, headers=AUTH, timeout=60, stream=True)
    assert r.status_code == 200
    return r.raw.read()  # type: ignore[no-any-return]


def signature(body: bytes) -> tuple[int, str]:
    return len(json.loads(body)["users"]), hashlib.sha256(body).hexdigest()


def test_concurrent_gets_during_a_large_put_see_old_or_new_document(emulator: Emulator) -> None:
    old = signature(requests.get(emulator.url + FULL, headers=AUTH, timeout=30).content)
    new_doc = large_document(10_000)
    started = threading.Barrier(READERS + 1)
    put_done = threading.Event()
    seen: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def reader() -> None:
        try:
            with requests.Session() as session:
                mine = [hashlib.sha256(fetch(session, emulator.url)).hexdigest()]
                started.wait()
                # The pause keeps 50 readers from starving the PUT of the GIL they all share with it.
                while not put_done.wait(0.02):
                    mine.append(hashlib.sha256(fetch(session, emulator.url)).hexdigest())
                mine.append(hashlib.sha256(fetch(session, emulator.url)).hexdigest())
            with lock:
                seen.extend(mine)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    started.wait()
    try:
        r = requests.put(emulator.url + FULL, json=new_doc, headers=AUTH, timeout=60)
    finally:
        put_done.set()
        for t in threads:
            t.join()
    assert r.status_code == 204
    assert errors == []
    new = signature(requests.get(emulator.url + FULL, headers=AUTH, timeout=30).content)
    assert new[0] == 10_001
    # Every body a reader saw is byte-for-byte the old or the new document (count + hash).
    assert set(seen) <= {old[1], new[1]}
    assert old[1] in seen and new[1] in seen
    assert len(seen) >= 2 * READERS
