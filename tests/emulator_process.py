"""Running the emulator as a separate process, and a TLS certificate for it, for the tests that need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.emulator.certs import openssl_available, self_signed

ROOT = Path(__file__).resolve().parent.parent


def start_emulator_process(data: Path) -> tuple[subprocess.Popen[str], str]:
    """`python -m reconciler emulator --port 0 --data DATA`; returns the process and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--data", str(data)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:"), first
    return proc, first.removeprefix("listening on ")


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, or skip the test when openssl is missing."""
    if not openssl_available():
        pytest.skip("openssl is not on PATH; cannot make a test certificate")
    return self_signed(directory)
