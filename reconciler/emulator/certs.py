"""A throwaway self-signed certificate for serving the emulator over TLS on loopback (openssl CLI)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def openssl_available() -> bool:
    """True when the openssl command is on PATH."""
    return shutil.which("openssl") is not None


def self_signed(directory: Path) -> tuple[Path, Path]:
    """Make `emulator.crt` and `emulator.key` in `directory`, valid one day for 127.0.0.1 and localhost."""
    if not openssl_available():
        raise RuntimeError("openssl is not on PATH: cannot make the emulator's TLS certificate")
    cert, key = directory / "emulator.crt", directory / "emulator.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
