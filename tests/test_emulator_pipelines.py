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


def _users(emu: Emulator) -> dict[str, list[str]]:
    return {u["id"]: [g["id"] for g in u.get("userGroups", [])] for u in emu.document()["users"]}


def _groups(emu: Emulator) -> dict[str, tuple[str | None, list[str]]]:
    return {
        g["id"]: (g.get("name"), [p["id"] for p in g.get("parents", [])])
        for g in emu.document()["userGroups"]
    }


def test_user_provisioner_incremental_load_over_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    emu = Emulator()
    url = emu.start(ssl_context=tls_context(cert, key))
    try:
        provisioner = pipelines.UserProvisioner.create(host=url, token=DEFAULT_TOKEN)
        rows = [
            dict(
                user_id="jane",
                firstname="Jane",
                lastname="Doe",
                email="jane@acme.com",
                auth_id=None,
                user_groups=["sales"],
                is_active=True,
            ),
            dict(
                user_id="joe",
                firstname="Joe",
                lastname="Roe",
                email="joe@acme.com",
                auth_id="oidc|joe",
                user_groups=[],
                is_active=True,
            ),
        ]
        provisioner.incremental_load([pipelines.UserIncrementalLoad(**r) for r in rows])
        assert _users(emu) == {"admin": ["adminGroup"], "jane": ["sales"], "joe": []}
        # is_active false deletes; a user the records do not name is left as it is
        provisioner.incremental_load([pipelines.UserIncrementalLoad(**{**rows[1], "is_active": False})])
        assert _users(emu) == {"admin": ["adminGroup"], "jane": ["sales"]}
        assert all(r.status is not None and r.status < 500 for r in emu.request_log)
    finally:
        emu.stop()


def test_user_group_provisioner_full_and_incremental_loads_over_tls(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    emu = Emulator()
    url = emu.start(ssl_context=tls_context(cert, key))
    try:
        provisioner = pipelines.UserGroupProvisioner.create(host=url, token=DEFAULT_TOKEN)
        provisioner.incremental_load(
            [
                pipelines.UserGroupIncrementalLoad(
                    user_group_id="everyone",
                    user_group_name="Everyone",
                    parent_user_groups=[],
                    is_active=True,
                ),
                pipelines.UserGroupIncrementalLoad(
                    user_group_id="sales", user_group_name="", parent_user_groups=["everyone"], is_active=True
                ),
            ]
        )
        # an empty name is the id, as the library's model says
        assert _groups(emu) == {
            "adminGroup": (None, []),
            "everyone": ("Everyone", []),
            "sales": ("sales", ["everyone"]),
        }
        provisioner.full_load(
            [
                pipelines.UserGroupFullLoad(
                    user_group_id="everyone", user_group_name="All", parent_user_groups=[]
                )
            ]
        )
        groups = _groups(emu)
        assert groups["everyone"] == ("All", [])
        assert "sales" not in groups  # a full load deletes what it does not name
        assert "adminGroup" in groups  # the emulator, like GoodData, never lets the bootstrap group go
    finally:
        emu.stop()
