"""The embedded organization of the `local` target: started, seeded once, persisted, stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.client import ClientOptions, GoodDataClient, RetryPolicy
from reconciler.errors import ReconcilerError, TransportError
from reconciler.local_organization import LocalOrganization

FAST = ClientOptions(retry=RetryPolicy(total=0, backoff_factor=0.0, backoff_jitter=0.0))


def test_local_organization_starts_seeds_and_stops(tmp_path: Path) -> None:
    data_file = tmp_path / ".reconciler" / "local" / "org.json"
    local = LocalOrganization(data_file)
    with local as target:
        assert target.is_local and target.name == "local"
        assert target.host is not None and target.host.startswith("http://127.0.0.1:")
        assert target.token is not None and target.token not in repr(target)
        assert target.source == f"embedded organization ({data_file})"
        with GoodDataClient(target.host, target.token, options=FAST) as client:
            assert client.token_owner() == "admin"
            doc = client.get_layout()
    assert data_file.is_file()
    users = {u["id"]: u for u in doc["users"]}
    assert set(users) == {"admin", "svc-ci"}
    assert users["svc-ci"]["systemAccount"] is True
    assert (users["svc-ci"]["firstname"], users["svc-ci"]["lastname"]) == ("CI", "Service account")
    assert [g["id"] for g in doc["userGroups"]] == ["adminGroup"]
    with GoodDataClient(target.host, target.token, options=FAST) as client, pytest.raises(TransportError):
        client.get_layout()  # stopped


def test_local_organization_persists_and_does_not_reseed(tmp_path: Path) -> None:
    data_file = tmp_path / "org.json"
    with LocalOrganization(data_file) as first:
        assert first.host is not None and first.token is not None
        with GoodDataClient(first.host, first.token, options=FAST) as client:
            doc = client.get_layout()
            doc["users"] = [u for u in doc["users"] if u["id"] != "svc-ci"]
            doc["userGroups"].append({"id": "analysts", "name": "Analysts", "permissions": []})
            client.put_layout(doc)
    with LocalOrganization(data_file) as second:
        assert second.token != first.token
        assert second.host is not None and second.token is not None
        with GoodDataClient(second.host, second.token, options=FAST) as client:
            again = client.get_layout()
    assert again == doc
    assert "svc-ci" not in {u["id"] for u in again["users"]}


def test_local_organization_without_a_service_account(tmp_path: Path) -> None:
    with LocalOrganization(
        tmp_path / "org.json", bootstrap_user="root", bootstrap_group="roots", seed_service_account=None
    ) as target:
        assert target.host is not None and target.token is not None
        with GoodDataClient(target.host, target.token, options=FAST) as client:
            doc = client.get_layout()
            assert client.token_owner() == "root"
    assert [u["id"] for u in doc["users"]] == ["root"]
    assert [g["id"] for g in doc["userGroups"]] == ["roots"]


@pytest.mark.parametrize("content", ["{not json", '{"users": [], "userGroups": []}'])
def test_local_organization_with_an_unusable_data_file(tmp_path: Path, content: str) -> None:
    data_file = tmp_path / "org.json"
    data_file.write_text(content, encoding="utf-8")
    with pytest.raises(
        ReconcilerError, match=r"^local organization: .*org.json is not a usable organization"
    ):
        LocalOrganization(data_file).__enter__()
    assert data_file.read_text(encoding="utf-8") == content  # left for the user to inspect


def test_resolving_targets_loads_neither_the_embedded_organization_nor_the_emulator() -> None:
    code = (
        "import sys, reconciler.targets as t\n"
        "assert t.resolve_target({}, 'local', env={}).is_local\n"
        "loaded = ('reconciler.local_organization', 'reconciler.emulator')\n"
        "print(sorted(m for m in sys.modules if m.startswith(loaded)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
