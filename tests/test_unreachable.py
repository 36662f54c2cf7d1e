"""Unreachable hosts through the CLI (issue 10 §5): what heals is retried and says so, the rest fails at once.

A name under the reserved `.invalid` TLD never resolves (RFC 6761: resolvers answer it locally), a
self-signed certificate fails verification, and a closed loopback port refuses the connection.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from emulator_process import certificate
from reconcile_helpers import Repo

from reconciler.emulator import Emulator, Fault
from reconciler.emulator.server import tls_context

TOKEN = "tok-unreachable-Kq81-distinctive"
RETRY_LINE = re.compile(
    r"^reading the users and groups: retrying in \d+\.\d s "
    r"\((?P<cause>[^,]+), attempt (?P<n>\d) of (?P<of>\d)\)$"
)


def repo_for(tmp_path: Path, host: str) -> Repo:
    """A repository whose target `test` is `host` (set in reconciler.yaml, not by a flag)."""
    return Repo(tmp_path / "org", SimpleNamespace(url=host), TOKEN).setup()


def retry_lines(stderr: str) -> list[re.Match[str]]:
    return [m for line in stderr.splitlines() if (m := RETRY_LINE.match(line))]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on: bound and held, never listening, so connecting is refused and no
    emulator of a test running beside this one (pytest-xdist) can be given it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def test_the_invalid_tld_does_not_resolve_here() -> None:
    # The premise of the next test: resolution fails, and fails locally (no network needed).
    started = time.monotonic()
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("gooddata.reconciler-test.invalid", 443)
    assert time.monotonic() - started < 2


def test_a_host_that_does_not_resolve_fails_at_once_without_retrying(tmp_path: Path) -> None:
    repo = repo_for(tmp_path, "https://gooddata.reconciler-test.invalid")
    started = time.monotonic()
    result = repo.run("plan", "--retries", "5")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert elapsed < 2, f"a name that does not resolve took {elapsed:.1f} s"
    assert "error: network error: could not reach https://gooddata.reconciler-test.invalid " in result.stderr
    assert "(host name not found)" in result.stderr
    assert "check the host name" in result.stderr
    assert "retrying" not in result.stderr
    assert "attempts" not in result.stderr
    assert TOKEN not in result.output


def test_a_certificate_that_fails_verification_is_not_retried(tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    with Emulator(token=TOKEN) as emu:
        emu.stop()
        url = emu.start(ssl_context=tls_context(cert, key))
        repo = repo_for(tmp_path, url)
        result = repo.run("plan", "--retries", "5", "--retry-backoff", "1")
        assert result.exit_code == 1, result.output
        assert f"error: network error: TLS failed for {url}" in result.stderr
        assert "certificate verify failed" in result.stderr
        assert "retrying" not in result.stderr  # every retry is announced, so none happened
        assert TOKEN not in result.output
        # The same server with its certificate trusted answers: the failure above was the certificate.
        trusted = repo.run("plan", "--ca-bundle", str(cert))
        assert trusted.exit_code == 0, trusted.output


def test_a_refused_connection_is_retried_and_every_retry_says_so(tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    repo = repo_for(tmp_path, url)
    result = repo.run("plan", "--retries", "2", "--retry-backoff", "0.1")  # the default verbosity
    assert result.exit_code == 1, result.output
    lines = retry_lines(result.stderr)
    assert [(m["cause"], m["n"], m["of"]) for m in lines] == [
        ("connection refused", "2", "3"),
        ("connection refused", "3", "3"),
    ], result.stderr
    assert f"error: network error: could not reach {url} (connection refused)" in result.stderr
    assert "after 3 attempts" in result.stderr
    assert TOKEN not in result.output


def test_retried_server_errors_say_so_at_the_default_verbosity(tmp_path: Path) -> None:
    with Emulator(token=TOKEN) as emu:
        emu.faults.add(Fault.status(503), method="GET", path="/api/v1/layout/usersAndUserGroups", times=2)
        emu.faults.add(Fault.status(429, retry_after=0.2), method="GET", path="/api/v1/profile")
        repo = repo_for(tmp_path, emu.url)
        result = repo.run("plan", "--retry-backoff", "0.01")
        assert result.exit_code == 0, result.output
        lines = retry_lines(result.stderr)
        assert [(m["cause"], m["n"], m["of"]) for m in lines] == [
            ("503 service unavailable", "2", "6"),
            ("503 service unavailable", "3", "6"),
        ], result.stderr
        assert (
            "reading the token owner's profile: retrying in 0.2 s (429 too many requests, attempt 2 of 6)"
            in result.stderr.splitlines()
        )
        assert TOKEN not in result.output


def test_quiet_hides_the_retries_but_not_the_error(tmp_path: Path, closed_port: int) -> None:
    repo = repo_for(tmp_path, f"http://127.0.0.1:{closed_port}")
    result = repo.run("-q", "plan", "--retries", "1", "--retry-backoff", "0.01")
    assert result.exit_code == 1
    assert "retrying" not in result.stderr
    assert result.stderr.startswith("error: network error: could not reach")
