"""SIGKILL the emulator at random points during 100 PUTs with --data (issue 6): the file is never torn — after
every kill it parses, is one of the documents sent, and is no older than the last acknowledged PUT; the
restarted emulator serves it and the run continues. (The large-document variant is in
test_emulator_store.py::test_process_killed_during_writes_leaves_a_whole_file.)"""

from __future__ import annotations

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

from reconciler.emulator import DEFAULT_TOKEN, rules
from reconciler.emulator.store import encode

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Content-Type": "application/json"}
LAYOUT = "/api/v1/layout/usersAndUserGroups"
ROOT = Path(__file__).resolve().parents[1]
PUTS = 100


def document(n: int) -> dict[str, Any]:
    refs = [{"id": "adminGroup", "type": "userGroup"}]
    users = [{"id": "admin", "userGroups": refs}]
    users += [
        {"id": f"u{n}-{i}", "email": f"u{i}@example.com", "firstname": "x" * 200} for i in range(n % 7 + 1)
    ]
    return {"users": users, "userGroups": [{"id": "adminGroup", "name": f"v{n}"}]}


def normalized(doc: dict[str, Any]) -> bytes:
    built = rules.build_document(
        doc["users"], doc["userGroups"], bootstrap_user="admin", bootstrap_group="adminGroup"
    )
    return encode(built)


def test_sigkill_during_100_puts_never_leaves_a_torn_file(tmp_path: Path) -> None:
    data = tmp_path / "org.json"
    docs = [document(n) for n in range(PUTS)]
    expected = [normalized(d) for d in docs]
    rng = random.Random(20261123)
    sent = 0  # PUTs started so far (the next document to send)
    acked = -1  # index of the last PUT answered 204
    rounds = 0
    while sent < PUTS:
        rounds += 1
        proc, url = start_emulator_process(data)
        try:
            live = requests.get(url + LAYOUT, headers=AUTH, timeout=10).content
            assert live == data.read_bytes()  # the restarted server serves exactly the file
            assert not list(tmp_path.glob(".org.json.*.tmp"))  # a killed write's temp file is cleaned up
            first_ack = threading.Event()
            stop = threading.Event()
            progress = {"sent": sent, "acked": acked}

            def writer(
                url: str = url,
                progress: dict[str, int] = progress,
                first_ack: threading.Event = first_ack,
                stop: threading.Event = stop,
            ) -> None:
                with requests.Session() as session:
                    while progress["sent"] < PUTS and not stop.is_set():
                        i = progress["sent"]
                        progress["sent"] = i + 1
                        try:
                            r = session.put(url + LAYOUT, data=json.dumps(docs[i]), headers=AUTH, timeout=10)
                        except requests.ConnectionError:
                            return
                        assert r.status_code == 204, r.text
                        progress["acked"] = i
                        first_ack.set()

            thread = threading.Thread(target=writer)
            thread.start()
            first_ack.wait(10)
            time.sleep(rng.uniform(0.0, 0.03))  # a random moment, often in the middle of a PUT
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            stop.set()
            assert proc.stderr is not None
            proc.stderr.close()
        thread.join(10)
        sent, acked = progress["sent"], progress["acked"]
        on_disk = data.read_bytes()
        json.loads(on_disk)  # whole, parseable
        assert on_disk in expected[:sent], "the file is not one of the documents sent"
        assert expected.index(on_disk) >= acked, "an acknowledged PUT was lost"
    proc, url = start_emulator_process(data)
    try:
        assert requests.get(url + LAYOUT, headers=AUTH, timeout=10).content == data.read_bytes()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    assert sent == PUTS and rounds > 3
