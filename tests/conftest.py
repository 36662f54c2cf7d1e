"""Shared fixtures: the recorded GoodData bodies in ../shared, and the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RECORDED = SHARED / "gooddata" / "recorded"


@pytest.fixture
def recorded() -> Any:
    """Load a recorded body by file name from ../shared/gooddata/recorded (skip when absent)."""
    if not RECORDED.is_dir():
        pytest.skip(f"recorded GoodData bodies not found at {RECORDED} (../shared is absent)")

    def load(name: str) -> Any:
        return json.loads((RECORDED / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def emulator() -> Any:
    """A started in-memory Emulator on an ephemeral loopback port (default token, admin/adminGroup)."""
    from reconciler.emulator import Emulator

    emu = Emulator()
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def platform_emulator() -> Any:
    """A started older-platform emulator (`/gdc/...`) on an ephemeral loopback port, with project `p1`."""
    from reconciler.emulator.platform import PlatformEmulator

    with PlatformEmulator() as emu:
        emu.add_project("p1", "Project One")
        yield emu


@pytest.fixture
def baseline(emulator: Any) -> Any:
    """The started emulator, seeded with the organization and workspaces GoodData's SDK tests start from
    (tests/cassettes.py; skips when ../shared is absent)."""
    import cassettes

    cassettes.require()
    cassettes.seed(emulator)
    return emulator


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject.toml) for one test file runs it in this process: with `--dist loadfile` a file
    runs on one worker anyway, and starting workers would cost more than the file. Otherwise pytest-xdist
    decides (one worker per core, or PYTEST_XDIST_AUTO_NUM_WORKERS)."""
    files = {arg.split("::", 1)[0] for arg in config.args}
    if len(files) == 1 and next(iter(files)).endswith(".py"):
        return 0
    return None
