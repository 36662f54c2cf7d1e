"""A backup records where it was read from, and restore refuses another organization's (issue 10 §3)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHARED
from reconcile_helpers import Repo, git, running, user

from reconciler import backup
from reconciler.backup_source import BackupSource, check_same_source, parse_source, source_path
from reconciler.client import GoodDataClient
from reconciler.emulator import Emulator
from reconciler.errors import BackupError, GuardError

MINE = "tok-mine-Rk4-1187"
OTHER = "tok-other-Wq3-6650"
SIDECAR = "state/backups/test/usersAndUserGroups.source.json"
CASSETTE = SHARED / "gooddata" / "cassettes" / "users" / "store_declarative_users.yaml"


@pytest.fixture
def mine() -> Iterator[Emulator]:
    yield from running(MINE)


@pytest.fixture
def other() -> Iterator[Emulator]:
    yield from running(OTHER)


@pytest.fixture
def repo(tmp_path: Path, mine: Emulator) -> Repo:
    return Repo.with_state(tmp_path / "org", mine, MINE)


def point_target_at(repo: Repo, host: str) -> None:
    config = yaml.safe_load((repo.root / "reconciler.yaml").read_text())
    config["targets"]["test"]["host"] = host
    (repo.root / "reconciler.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_backup_carries_its_source(repo: Repo, mine: Emulator) -> None:
    repo.write_state(groups=[], users=[user("jane")])
    before = iso(datetime.now(UTC))
    assert repo.run("apply", "--auto-approve").exit_code == 0
    after = iso(datetime.now(UTC))

    # The backup stays a plain layout document (what `curl -X PUT` sends); its source sits next to it.
    assert set(json.loads(repo.backup_file.read_text())) == {"users", "userGroups"}
    source = json.loads((repo.root / SIDECAR).read_text())
    assert {k: source[k] for k in ("target", "host")} == {"target": "test", "host": mine.url}
    assert before <= source["readAt"] <= after
    assert set(source) == {"target", "host", "readAt", "organizationId"}
    assert source["organizationId"] == "default"  # the emulator serves /api/v1/entities/organization

    # Committed together, and the commit's message says where and when it was read.
    files = git(repo.root, "show", "--name-only", "--format=", "HEAD").split()
    assert files == ["state/backups/test/usersAndUserGroups.json", SIDECAR]
    message = git(repo.root, "log", "-1", "--format=%B")
    assert message.startswith("reconciler: backup of test before apply ")
    assert f"\n\nSource-Host: {mine.url}\n" in message
    assert f"Read-At: {source['readAt']}" in message
    (listed,) = repo.run("backups").stdout.splitlines()
    assert listed.endswith(f"  [read from {mine.url}]")


def test_restore_of_another_organizations_backup_is_refused_naming_both(
    repo: Repo, mine: Emulator, other: Emulator
) -> None:
    repo.write_state(groups=[], users=[user("jane")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    # The same target now points at another organization (a host changed, a backup copied in by hand …).
    point_target_at(repo, other.url)
    refused = repo.run("restore", "--from", "HEAD", "--auto-approve", token=OTHER)
    assert refused.exit_code == 4, refused.output
    assert (
        f"was read from {mine.url} (organization default) (target 'test'), not from {other.url}"
        in refused.stderr
    )
    assert "--allow-other-source" in refused.stderr
    assert OTHER not in refused.output
    assert not [r for r in other.request_log if r.method == "PUT"]

    allowed = repo.run("restore", "--from", "HEAD", "--auto-approve", "--allow-other-source", token=OTHER)
    assert allowed.exit_code == 0, allowed.output
    assert (
        f"was read from {mine.url} (organization default); "
        f"restoring it onto {other.url} (organization default) as asked" in allowed.stderr
    )


def test_restore_of_a_file_checks_the_sidecar_next_to_it(repo: Repo, other: Emulator, tmp_path: Path) -> None:
    repo.write_state(groups=[], users=[user("jane")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    copy = tmp_path / "usersAndUserGroups.json"
    copy.write_text(repo.backup_file.read_text())
    source_path(copy).write_text((repo.root / SIDECAR).read_text())
    point_target_at(repo, other.url)
    refused = repo.run("restore", "--file", str(copy), "--auto-approve", token=OTHER)
    assert refused.exit_code == 4, refused.output
    assert f"refused: the backup {copy} was read from " in refused.stderr


def test_an_older_backup_without_a_sidecar_still_restores_with_a_warning(repo: Repo, mine: Emulator) -> None:
    repo.write_state(groups=[], users=[user("jane")])
    assert repo.run("apply", "--auto-approve").exit_code == 0
    git(repo.root, "rm", "-q", SIDECAR)
    git(repo.root, "commit", "-qm", "a backup from before sidecars")
    restored = repo.run("restore", "--from", "HEAD", "--auto-approve")
    assert restored.exit_code == 0, restored.output
    assert "the backup at HEAD has no record of where it was read from" in restored.stderr
    assert [u["id"] for u in mine.document()["users"]] == ["admin"]
    # The restore's own backup says it is one.
    (newest, *_rest) = repo.backup_commits()
    assert " before restore of HEAD, plan " in newest
    assert "import --force" in restored.stderr


def test_the_organization_id_decides_when_both_sides_know_it() -> None:
    recorded = BackupSource("prod", "https://acme.example.com", "2026-12-01T10:00:00Z", "acme")
    same = BackupSource("prod", "https://ACME.example.com/", "2026-12-01T11:00:00Z", "acme")
    check_same_source(recorded, same, what="the backup at HEAD")
    check_same_source(
        recorded, BackupSource("prod", same.host, same.read_at), what="unknown id: host decides"
    )
    moved = BackupSource("prod", "https://acme.example.com", "2026-12-01T11:00:00Z", "acme-2")
    with pytest.raises(GuardError) as info:
        check_same_source(recorded, moved, what="the backup at HEAD")
    assert str(info.value).startswith(
        "refused: the backup at HEAD was read from https://acme.example.com (organization acme) "
        "(target 'prod'), not from https://acme.example.com (organization acme-2), the organization of "
        "target 'prod'"
    )
    assert info.value.exit_code == 4


def test_a_sidecar_round_trips_and_a_broken_one_is_named(tmp_path: Path) -> None:
    source = BackupSource("prod", "https://acme.example.com", "2026-12-01T10:00:00Z", "acme")
    assert parse_source(source.text(), "x") == source
    assert json.loads(source.text()) == {
        "host": "https://acme.example.com",
        "organizationId": "acme",
        "readAt": "2026-12-01T10:00:00Z",
        "target": "prod",
    }
    path = backup.backup_path(tmp_path, "prod")
    path.parent.mkdir(parents=True)
    source_path(path).write_text('{"host": 1}')
    with pytest.raises(BackupError, match=r"usersAndUserGroups.source.json is not a backup source record"):
        backup.read_source_file(path)


# -- the organization id, as GoodData serves it: 302 to the organization's entity ----------------------


def recorded_organization() -> dict[str, Any]:
    if not CASSETTE.is_file():
        pytest.skip(f"recorded cassette not found at {CASSETTE} (../shared is absent)")
    interactions = yaml.safe_load(CASSETTE.read_text())["interactions"]
    entity = next(
        i for i in interactions if i["request"]["uri"].endswith("/entities/admin/organizations/default")
    )
    body: dict[str, Any] = entity["response"]["body"]["string"]
    return body


@pytest.fixture
def gooddata_like() -> Iterator[str]:
    """A loopback server answering the two organization requests the way the recorded GoodData did."""
    body = json.dumps(recorded_organization()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/api/v1/entities/organization":
                self.send_response(302)
                self.send_header("Location", "/api/v1/entities/admin/organizations/default")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path == "/api/v1/entities/admin/organizations/default":
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.gooddata.api+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_organization_id_is_read_through_the_redirect(gooddata_like: str, mine: Emulator) -> None:
    with GoodDataClient(gooddata_like, "t") as client:
        assert client.organization_id() == "default"
    with GoodDataClient(mine.url, MINE) as client:  # the emulator answers as the recording does
        assert client.organization_id() == "default"
