"""The wheel ships the package, its schemas and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_schemas_and_the_console_script(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("reconciler-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    shipped = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert shipped >= {"state-file.schema.json", "config.schema.json", "layout.schema.json"}
    assert {f"reconciler/schemas/{name}" for name in shipped} <= names
    assert "reconciler/cli/__init__.py" in names and "reconciler/emulator/server.py" in names
    assert "reconciler = reconciler.cli:main" in scripts
