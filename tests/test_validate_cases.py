"""The invalid state trees in tests/cases/invalid/: `reconciler validate` prints exactly expected.txt.

Each case is a directory with `state/…` (and optionally `reconciler.yaml` and `args.txt`, extra arguments
of `validate`). `expected.txt` is `exit: N`, then stdout verbatim, then — when something went to stderr —
a `--- stderr` line followed by stderr.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

CASES = Path(__file__).resolve().parent / "cases" / "invalid"


def run_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run `reconciler [--config reconciler.yaml] validate [args]` inside the case directory."""
    monkeypatch.chdir(case)
    args = ["--config", "reconciler.yaml"] if (case / "reconciler.yaml").is_file() else []
    extra = (case / "args.txt").read_text().split() if (case / "args.txt").is_file() else []
    result = CliRunner().invoke(cli, [*args, "validate", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    out = f"exit: {result.exit_code}\n{result.stdout}"
    if result.stderr:
        out += f"--- stderr\n{result.stderr}"
    return out.replace(f"{case.resolve()}/", "")  # absolute paths in messages, as if relative


def all_cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir())


def test_there_are_enough_cases() -> None:
    assert len(all_cases()) >= 25


@pytest.mark.parametrize("case", all_cases(), ids=lambda p: p.name)
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert run_case(case, monkeypatch) == expected
