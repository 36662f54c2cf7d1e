"""Hostile and broken inputs (issue 6): each ends with exit 3 (1 for a server answering garbage), a message
naming the location, bounded memory, and no write to the server."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from reconcile_helpers import Repo, layout_user, seeded, user

from reconciler.emulator import Emulator

TOKEN = "tok-hostile-2291"
ROOT = Path(__file__).resolve().parents[1]
MAX_RSS_GROWTH_KB = 400 * 1024  # generous: the tool must not balloon on any input
BIG = 10 * 1024 * 1024

BOMB = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n".encode() for i in range(8)
)
USERS_BOMB = (
    b"x: &x ["
    + b", ".join([b"{id: u}"] * 10)
    + b"]\n"
    + b"".join(
        f"x{i}: &x{i} [{', '.join(['*x' if i == 0 else f'*x{i - 1}'] * 10)}]\n".encode() for i in range(7)
    )
    + b"users: *x6\n"
)


def user_yaml(**fields: Any) -> bytes:
    body = {"id": "jane", "email": "jane@example.com", "userGroups": ["everyone"], **fields}
    return json.dumps({"users": [body]}).encode()  # JSON is YAML; no quoting surprises


GROUPS = b"groups:\n  - id: everyone\n"
U = "state/users.yaml"
G = "state/groups.yaml"
C = "reconciler.yaml"

# name -> (files to write relative to the repo root, expected exit code, location that the message names)
# A file value of None deletes the file; a str value "->target" makes a symlink.
STATE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "alias-bomb": ({U: BOMB}, U),
    "alias-bomb-in-users": ({U: USERS_BOMB}, U),
    "deep-nested-lists": ({U: b"users: " + b"[" * 20000 + b"]" * 20000 + b"\n"}, U),
    "deep-nested-maps": (
        {U: b"users:\n  - id: jane\n    settings: " + b"{a: " * 20000 + b"1" + b"}" * 20000},
        U,
    ),
    "deep-block-nesting": ({U: b"users:\n" + b"".join(b" " * i + b"- \n" for i in range(0, 6000, 2))}, U),
    "10mb-string-value": ({U: user_yaml(firstname="x" * BIG)}, U),
    "10mb-string-key": ({U: b"users:\n  - id: jane\n    " + b"k" * BIG + b": 1\n"}, U),
    "10mb-single-line": ({U: b"x" * BIG}, U),
    "10mb-id": ({U: user_yaml(id="a" * BIG)}, U),
    "binary-file": ({U: bytes(range(256)) * 64}, U),
    "nul-bytes": ({U: b"users:\n  - id: ja\x00ne\n"}, U),
    "control-chars": ({U: b"users:\n  - id: jane\n    firstname: \x07\x1b[31mred\n"}, U),
    "utf8-bom-then-invalid": ({U: b"\xef\xbb\xbfusers:\n  - id: 'not valid'\n"}, f"{U}:2"),
    "utf16-le-with-bom": ({U: "users:\n  - id: jane\n".encode("utf-16")}, U),
    "utf16-be-without-bom": ({U: "users:\n  - id: jane\n".encode("utf-16-be")}, U),
    "utf32": ({U: "users:\n  - id: jane\n".encode("utf-32")}, U),
    "latin1-bytes": ({U: b"users:\n  - id: jane\n    firstname: Ren\xe9e\n"}, U),
    "mixed-utf8-and-latin1": (
        {U: "users:\n  - id: jane\n    firstname: Zoë\n".encode() + b"    lastname: M\xfcller\n"},
        U,
    ),
    "duplicate-key-in-user": ({U: b"users:\n  - id: jane\n    id: joe\n"}, f"{U}:3"),
    "duplicate-top-level-key": ({U: b"users: []\nusers: []\n"}, f"{U}:2"),
    "duplicate-id-across-files": (
        {U: b"users:\n  - id: jane\n", "state/more.yaml": b"users:\n  - id: jane\n"},
        U,
    ),
    "cyrillic-a-in-id": ({U: user_yaml(id="j\u0430ne")}, U),
    "cyrillic-a-in-group-reference": ({U: user_yaml(userGroups=["ev\u0435ryone"])}, U),
    "fullwidth-id": ({U: user_yaml(id="\uff4a\uff41\uff4e\uff45")}, U),
    "zero-width-space-in-id": ({U: user_yaml(id="ja\u200bne")}, U),
    "rtl-override-in-id": ({U: user_yaml(id="jane\u202egnp.exe")}, U),
    "id-256-chars": ({U: user_yaml(id="a" * 256)}, U),
    "group-id-300-chars": ({G: b"groups:\n  - id: " + b"g" * 300 + b"\n"}, G),
    "id-empty": ({U: user_yaml(id="")}, U),
    "id-leading-dot": ({U: user_yaml(id=".jane")}, U),
    "id-with-space": ({U: user_yaml(id="jane doe")}, U),
    "id-number": ({U: b"users:\n  - id: 12345\n"}, U),
    "id-yaml11-bool": ({U: b"users:\n  - id: yes\n"}, U),
    "id-null": ({U: b"users:\n  - id: ~\n"}, U),
    "id-float-overflow": ({U: b"users:\n  - id: 1.0e+999\n"}, U),
    "email-number": ({U: b"users:\n  - id: jane\n    email: 42\n"}, U),
    "firstname-nan": ({U: b"users:\n  - id: jane\n    firstname: .nan\n"}, U),
    "usergroups-string": ({U: user_yaml(userGroups="everyone")}, U),
    "usergroups-numbers": ({U: user_yaml(userGroups=[1, 2])}, U),
    "users-mapping": ({U: b"users: {id: jane}\n"}, U),
    "top-level-list": ({U: b"- id: jane\n"}, U),
    "top-level-scalar": ({U: b"just a string\n"}, U),
    "unknown-top-level-key": ({U: b"admins: []\n"}, U),
    "unknown-user-field": ({U: user_yaml(password="hunter2")}, U),
    "python-object-tag": ({U: b"users: !!python/object/apply:os.system ['echo pwned']\n"}, U),
    "custom-tag": ({U: b"users: !include other.yaml\n"}, U),
    "tab-indentation": ({U: b"users:\n\t- id: jane\n"}, U),
    "unterminated-quote": ({U: b"users:\n  - id: 'jane\n"}, U),
    "undeclared-group": ({U: user_yaml(userGroups=["nobody"])}, U),
    "group-cycle": ({G: b"groups:\n  - {id: a, parents: [b]}\n  - {id: b, parents: [a]}\n"}, G),
    "symlink-to-outside-file": ({"state/passwd.yaml": "->/etc/passwd"}, "state/passwd.yaml"),
}
CONFIG_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "config-state-parent-dir": ({C: b"state: ../elsewhere\ndefault_target: test\n"}, f"{C}:1"),
    "config-state-absolute": ({C: b"state: /tmp\ndefault_target: test\n"}, f"{C}:1"),
    "config-backups-parent-dir": ({C: b"backups: ../../backups\n"}, f"{C}:1"),
    "config-backups-absolute": ({C: b"backups: /var/tmp/backups\n"}, f"{C}:1"),
    "config-state-symlink-loop": ({"state": None, "loop": "->loop", C: b"state: loop\n"}, f"{C}:1"),
    "config-state-symlink-outside": ({"state": None, "linked": "->/tmp", C: b"state: linked\n"}, f"{C}:1"),
    "config-alias-bomb": ({C: BOMB}, C),
    "config-binary": ({C: bytes(range(256)) * 16}, C),
    "config-duplicate-key": ({C: b"state: state\nstate: other\n"}, f"{C}:2"),
    "config-10mb-string": ({C: b"default_target: " + b"t" * BIG + b"\n"}, C),
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(token=TOKEN) as e:
        yield e


def write_files(root: Path, files: dict[str, Any]) -> None:
    for rel, content in files.items():
        path = root / rel
        if content is None:
            if path.is_dir():
                for child in sorted(path.rglob("*"), reverse=True):
                    child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
                path.rmdir()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("->"):
            path.symlink_to(content[2:])
        else:
            path.write_bytes(content)


def max_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.mark.parametrize(
    ("files", "where"),
    list({**STATE_CASES, **CONFIG_CASES}.values()),
    ids=list({**STATE_CASES, **CONFIG_CASES}),
)
def test_hostile_input_is_refused_with_its_location(
    tmp_path: Path, emu: Emulator, files: dict[str, Any], where: str
) -> None:
    emu.replace_document(seeded(layout_user("old", "adminGroup")))
    emu.clear_request_log()
    repo = Repo(tmp_path / "org", emu, TOKEN).setup()
    if C in files:
        # keep the target reachable, so that only the hostile part can stop the run
        base = (repo.root / C).read_text()
        extra = files[C]
        files = {
            **files,
            C: extra + b"\n" + base.split("targets:", 1)[1].join(["targets:", ""]).encode()
            if extra.startswith((b"state:", b"backups:"))
            else extra,
        }
    else:
        (repo.root / G).write_bytes(GROUPS)
    write_files(repo.root, files)
    before = max_rss_kb()
    result = repo.run("apply", "--auto-approve")
    grown = max_rss_kb() - before
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert where in result.stderr, result.stderr[:2000]
    assert len(result.stderr) < 20_000  # never echoes a 10 MB input back
    assert grown < MAX_RSS_GROWTH_KB
    assert not [r for r in emu.request_log if r.method != "GET"]


LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from reconciler.cli import main
main(["--config", sys.argv[1], "validate"])
"""


@pytest.mark.parametrize(
    "name", ["alias-bomb", "alias-bomb-in-users", "deep-nested-lists", "10mb-string-value"]
)
def test_worst_inputs_validate_within_one_gigabyte(tmp_path: Path, name: str) -> None:
    files, where = STATE_CASES[name]
    (tmp_path / "state").mkdir()
    (tmp_path / C).write_text("state: state\n")
    write_files(tmp_path, files)
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED, str(tmp_path / C)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 3, output[-2000:]
    assert where in output
    assert "MemoryError" not in output


def test_a_cycle_closed_by_carried_over_live_parents_is_refused_before_writing(
    tmp_path: Path, emu: Emulator
) -> None:
    refs = [{"id": "g0", "type": "userGroup"}]
    emu.replace_document(
        {**seeded(), "userGroups": [{"id": "adminGroup"}, {"id": "g0"}, {"id": "g1", "parents": refs}]}
    )
    emu.clear_request_log()
    repo = Repo(tmp_path / "org", emu, TOKEN).setup()
    (repo.root / G).write_text("groups:\n  - id: g1\n  - id: g0\n    parents: [g1]\n")
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 3, result.output
    assert "cycle once the live parents of g1 are carried over" in result.stderr
    assert "state/groups.yaml:2:5: group g1" in result.stderr
    assert not [r for r in emu.request_log if r.method != "GET"]
    assert not repo.backup_file.exists()


def test_utf8_bom_with_a_valid_file_is_accepted(tmp_path: Path, emu: Emulator) -> None:
    repo = Repo(tmp_path / "org", emu, TOKEN).setup()
    (repo.root / G).write_bytes(b"\xef\xbb\xbf" + GROUPS)
    assert repo.run("validate").exit_code == 0


# -- a server that answers garbage ------------------------------------------------------------------------

LAYOUT = "/api/v1/layout/usersAndUserGroups"
PROFILE = {"userId": "admin", "organizationId": "default"}


class _Garbage(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answers: dict[str, tuple[int, str, bytes]] = {}
    puts: list[bytes] = []

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path in self.answers:
            self._answer(*self.answers[path])
        elif path == "/api/v1/profile":
            self._answer(200, "application/json", json.dumps(PROFILE).encode())
        else:
            self._answer(404, "application/problem+json", b'{"title": "Not Found", "status": 404}')

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).puts.append(body)
        self.answers[LAYOUT] = (200, "application/json", body)
        self._answer(204, "application/json", b"")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def garbage() -> Iterator[tuple[Any, type[_Garbage]]]:
    handler = type("Handler", (_Garbage,), {"answers": {}, "puts": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, handler
    finally:
        server.shutdown()
        server.server_close()


def doc(**over: Any) -> bytes:
    return json.dumps({**seeded(), **over}).encode()


GARBAGE: dict[str, tuple[str, tuple[int, str, bytes], str]] = {
    "html-200": (LAYOUT, (200, "text/html", b"<html><body>Sign in</body></html>"), "is not JSON"),
    "truncated-json": (LAYOUT, (200, "application/json", doc()[:-7]), "truncated or invalid JSON"),
    "json-array": (LAYOUT, (200, "application/json", b"[]"), "not a layout document"),
    "missing-users": (LAYOUT, (200, "application/json", b'{"userGroups": []}'), "not a layout document"),
    "missing-usergroups": (LAYOUT, (200, "application/json", b'{"users": []}'), "not a layout document"),
    "users-not-a-list": (LAYOUT, (200, "application/json", doc(users="everyone")), "not a layout document"),
    "html-500": (LAYOUT, (500, "text/html", b"<html>Internal error</html>"), "500"),
    "profile-html": ("/api/v1/profile", (200, "text/html", b"<html>login</html>"), "/api/v1/profile"),
    "empty-body": (LAYOUT, (200, "application/json", b""), "truncated or invalid JSON"),
}


@pytest.mark.parametrize(("path", "answer", "phrase"), list(GARBAGE.values()), ids=list(GARBAGE))
def test_server_garbage_is_a_runtime_error_without_a_write(
    tmp_path: Path,
    garbage: tuple[Any, type[_Garbage]],
    path: str,
    answer: tuple[int, str, bytes],
    phrase: str,
) -> None:
    server, handler = garbage
    if path != LAYOUT:
        handler.answers[LAYOUT] = (200, "application/json", doc())
    handler.answers[path] = answer
    repo = Repo(tmp_path / "org", server, TOKEN).setup()
    repo.write_state(groups=[], users=[user("jane", "adminGroup")])
    result = repo.run("apply", "--auto-approve", "--retries", "1", "--retry-backoff", "0")
    assert result.exit_code == 1, result.output
    assert phrase in result.stderr, result.stderr
    # where: the URL, or the resource being read
    assert (
        server.url in result.stderr
        or path in result.stderr
        or "reading the users and groups" in result.stderr
    )
    assert handler.puts == []


def test_unknown_live_fields_are_carried_over(tmp_path: Path, garbage: tuple[Any, type[_Garbage]]) -> None:
    server, handler = garbage
    live = seeded(layout_user("jane", "adminGroup", futureField={"x": 1}, email="old@example.com"))
    live["futureTopLevel"] = [1]
    handler.answers[LAYOUT] = (200, "application/json", json.dumps(live).encode())
    repo = Repo(tmp_path / "org", server, TOKEN).setup()
    repo.write_state(groups=[], users=[user("jane", "adminGroup")])
    result = repo.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    (sent,) = [json.loads(b) for b in handler.puts]
    jane = next(u for u in sent["users"] if u["id"] == "jane")
    assert jane["futureField"] == {"x": 1} and jane["email"] == "jane@example.com"


def test_every_case_is_counted() -> None:
    assert len(STATE_CASES) + len(CONFIG_CASES) + len(GARBAGE) >= 40
    assert os.sep == "/"  # the symlink cases assume POSIX
