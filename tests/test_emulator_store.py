"""Persistence with --data: restarts keep the organization, and a process killed mid-write leaves the previous
or the new file, never a torn one (issue 2, acceptance 6).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_process import start_emulator_process

from reconciler.emulator import DEFAULT_TOKEN, Emulator, rules
from reconciler.emulator.store import encode, write_atomically

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FULL = "/api/v1/layout/usersAndUserGroups"
ROOT = Path(__file__).resolve().parent.parent


def document(n_users: int, tag: str, padding: int = 0) -> dict[str, Any]:
    # `padding` (an unknown field the server keeps) makes writing the file a large share of a PUT.
    groups = [{"id": "adminGroup"}, {"id": f"group-{tag}", "name": f"Group {tag}", "notes": tag * padding}]
    users: list[dict[str, Any]] = [{"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}]
    users += [
        {
            "id": f"{tag}-{i:05d}",
            "email": f"{tag}{i}@example.com",
            "firstname": tag * 20,
            "userGroups": [{"id": f"group-{tag}", "type": "userGroup"}],
        }
        for i in range(n_users)
    ]
    return {"users": users, "userGroups": groups}


def normalized_bytes(doc: dict[str, Any]) -> bytes:
    return encode(
        rules.build_document(
            doc["users"], doc["userGroups"], bootstrap_user="admin", bootstrap_group="adminGroup"
        )
    )


def test_organization_survives_a_restart(tmp_path: Path, recorded: Any) -> None:
    data = tmp_path / "new-dir" / "org.json"
    with Emulator(data_file=data) as emu:
        assert json.loads(data.read_bytes()) == emu.document()  # a new organization is written at once
        body = recorded("PUT_usersAndUserGroups_REQUEST_BODY_09f2917b.json")
        assert requests.put(emu.url + FULL, json=body, headers=AUTH, timeout=10).status_code == 204
        saved = emu.document()
    assert json.loads(data.read_bytes()) == saved
    with Emulator(data_file=data) as again:
        assert again.document() == saved
        assert requests.get(again.url + FULL, headers=AUTH, timeout=10).json() == saved
    assert saved == recorded("GET_usersAndUserGroups_2026-03-11_09f2917b.json")


def test_rejected_put_leaves_the_file_alone(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        before = data.read_bytes()
        r = requests.put(emu.url + FULL, json={"users": [], "userGroups": []}, headers=AUTH, timeout=10)
        assert r.status_code == 400
        assert data.read_bytes() == before


def test_invalid_data_file_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    data.write_text("{not json")
    with pytest.raises(ValueError, match="not JSON"):
        Emulator(data_file=data)
    data.write_text(json.dumps({"users": [], "userGroups": []}))
    with pytest.raises(ValueError, match="bootstrap user 'admin' is missing"):
        Emulator(data_file=data)


def test_atomic_write_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "org.json"
    write_atomically(target, b"one")
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    write_atomically(target, b"two")
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (b"two", 0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.json"]


def test_process_killed_during_writes_leaves_a_whole_file(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    docs = [document(500, "a", 1_000_000), document(500, "b", 1_000_000)]
    bodies = [json.dumps(d).encode() for d in docs]
    bootstrap = normalized_bytes(
        {
            "users": [{"id": "admin", "userGroups": [{"id": "adminGroup", "type": "userGroup"}]}],
            "userGroups": [{"id": "adminGroup"}],
        }
    )
    allowed = {bootstrap, *(normalized_bytes(d) for d in docs)}
    rng = random.Random(20260311)
    for _round in range(5):
        proc, url = start_emulator_process(data)
        try:
            # The restarted server serves exactly what the file holds.
            live = requests.get(url + FULL, headers=AUTH, timeout=10).content
            assert live == data.read_bytes()
            accepted = threading.Event()

            def writer(url: str = url, accepted: threading.Event = accepted) -> None:
                with requests.Session() as session:
                    for i in range(1000):
                        try:
                            r = session.put(
                                url + FULL,
                                data=bodies[i % 2],
                                timeout=10,
                                headers={**AUTH, "Content-Type": "application/json"},
                            )
                        except requests.ConnectionError:
                            return
                        if r.status_code == 204:
                            accepted.set()

            thread = threading.Thread(target=writer)
            thread.start()
            assert accepted.wait(30)
            time.sleep(rng.uniform(0.0, 0.2))  # a random moment: often in the middle of a write
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert proc.stderr is not None
            proc.stderr.close()
        thread.join()
        assert data.read_bytes() in allowed
        json.loads(data.read_bytes())


KILLED_BETWEEN_WRITE_AND_RENAME = """
import os, signal, sys
from pathlib import Path
from reconciler.emulator import store

real_fsync = os.fsync
def fsync_then_die(fd):
    real_fsync(fd)
    os.kill(os.getpid(), signal.SIGKILL)  # the new bytes are on disk in the temp file, not yet renamed
os.fsync = fsync_then_die
store.write_atomically(Path(sys.argv[1]), b'{"new": true}')
"""


def test_kill_between_write_and_rename_keeps_the_previous_file(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    with Emulator(data_file=data) as emu:
        previous = data.read_bytes()
        expected = emu.document()
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_BETWEEN_WRITE_AND_RENAME, str(data)],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert data.read_bytes() == previous
    assert [p.read_bytes() for p in tmp_path.glob(".org.json.*.tmp")] == [b'{"new": true}']
    with Emulator(data_file=data) as emu:
        assert emu.document() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.json"]  # the stale temp file is cleaned up


def test_a_large_put_is_stored_frozen_and_garbage_from_before_is_not_kept(monkeypatch: Any) -> None:
    """A layout PUT of FREEZE_BODY bytes or more is stored under a paused, then frozen, collector (issue 14);
    the cyclic garbage that existed before it is collected first, not frozen, and the answers are the same."""
    import gc
    import weakref

    from reconciler.emulator import handler

    monkeypatch.setattr(handler, "FREEZE_BODY", 1)  # every PUT takes the large path

    class Cycle:
        me: Any = None

    frozen_before = gc.get_freeze_count()
    was_enabled = gc.isenabled()
    try:
        with Emulator() as emu:
            gc.disable()  # the cycle below must still exist when the PUT comes
            garbage = Cycle()
            garbage.me = garbage
            gone = weakref.ref(garbage)
            del garbage
            doc = document(50, "a")
            doc["users"][1]["userGroups"].append({"id": "adminGroup", "type": "userGroup", "extra": 1})
            r = requests.put(emu.url + FULL, json=doc, headers=AUTH, timeout=30)
            assert r.status_code == 204, r.text
            assert gone() is None, "garbage from before the PUT was frozen"
            deadline = time.monotonic() + 30  # the handler freezes right after it has answered
            while gc.get_freeze_count() <= frozen_before and time.monotonic() < deadline:
                time.sleep(0.01)
            assert gc.get_freeze_count() > frozen_before
            expected = rules.build_document(
                doc["users"], doc["userGroups"], bootstrap_user="admin", bootstrap_group="adminGroup"
            )
            got = requests.get(emu.url + FULL, headers=AUTH, timeout=30)
            assert got.content == encode(expected)
            changed = doc["users"][1]["id"]
            refs = next(u for u in json.loads(got.content)["users"] if u["id"] == changed)["userGroups"]
            assert refs == [{"id": "adminGroup", "type": "userGroup"}, {"id": "group-a", "type": "userGroup"}]
            bad = requests.put(emu.url + FULL, json={"users": [], "userGroups": []}, headers=AUTH, timeout=30)
            assert bad.status_code == 400
            assert requests.get(emu.url + FULL, headers=AUTH, timeout=30).content == got.content
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
