"""The older platform's benchmark (issue 16, acceptance 6) at its smoke size: it runs end to end, the 1%
change is applied (the plan after it is empty), and both sides talked to the emulator. No timing asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import platform as bench


def test_quick_run_applies_the_change_and_compares_with_the_brick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["plan_after_apply_empty"] is True
    assert results["changed_memberships"] == 2  # 1% of 200 users
    for step in ("plan", "change_1pct"):
        assert results[step]["reconciler_requests"] > 0 and results[step]["brick_requests"] > 0
        assert results[step]["ratio"] > 0
    assert "| 1% change (plan + apply) |" in capsys.readouterr().out
