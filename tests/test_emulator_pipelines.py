"""gooddata-pipelines' UserProvisioner against the emulator: the entity API it needs, served over TLS because
that library rewrites http:// hosts to https:// (the certificate is made at test time with openssl).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import requests
from emulator_process import certificate as make_certificate

from reconciler.emulator import DEFAULT_TOKEN, Emulator, tls_context

pipelines = pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cert, key = make_certificate(tmp_path)
    # Both clients (requests and the SDK's urllib3) trust the test certificate through these.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return cert, key


def test_user_provisioner_full_load_over_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    emu = Emulator()
    url = emu.start(ssl_context=tls_context(cert, key))
    try:
        assert url.startswith("https://127.0.0.1:")
        r = requests.get(
            url + "/api/v1/profile",
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
            verify=str(cert),
            timeout=10,
        )
        assert r.json()["userId"] == "admin"
        provisioner = pipelines.UserProvisioner.create(host=url, token=DEFAULT_TOKEN)
        users = [
            pipelines.UserFullLoad(
                user_id=f"user{i}",
                firstname="First",
                lastname=str(i),
                email=f"user{i}@example.com",
                auth_id=f"auth|{i}",
                user_groups=["sales"] if i % 2 else ["sales", "emea"],
            )
            for i in range(10)
        ]
        provisioner.full_load(users)
        doc = emu.document()
        assert [u["id"] for u in doc["users"]] == ["admin"] + sorted(f"user{i}" for i in range(10))
        assert [g["id"] for g in doc["userGroups"]] == ["adminGroup", "emea", "sales"]  # created on the fly
        user0 = next(u for u in doc["users"] if u["id"] == "user0")
        assert user0 == {
            "authId": "auth|0",
            "email": "user0@example.com",
            "firstname": "First",
            "id": "user0",
            "lastname": "0",
            "permissions": [],
            "settings": [],
            "userGroups": [{"id": "emea", "type": "userGroup"}, {"id": "sales", "type": "userGroup"}],
        }
        writes = Counter(r.method for r in emu.request_log if r.method != "GET")
        assert writes == {"POST": 12}  # 10 users + 2 groups, one request each
        assert all(r.status is not None and r.status < 500 for r in emu.request_log)
    finally:
        emu.stop()
