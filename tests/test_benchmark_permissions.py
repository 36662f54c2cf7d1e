"""The permissions benchmark (issue 12, acceptance 10) at tiny sizes: it runs end to end, both sides reach the
same workspace permissions in the emulator, and the report names which numbers are measured and which scaled.
No timing is asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import generate
from benchmarks import permissions_org as po

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")


def test_the_change_touches_every_workspace_and_the_rows_describe_it() -> None:
    org = generate.organization(60)
    spaces = po.hierarchy(12)
    assert [w["id"] for w in spaces if "parent" not in w] == ["ws-000"]
    assert {w.get("parent") for w in spaces} >= {"ws-000", "ws-000-r0000"}  # three levels
    before = po.grants(spaces, org)
    after = po.changed_grants(before, org)
    assert all(before[w] != after[w] for w in before)
    rows = po.incremental_rows(before, after)
    assert {r["workspace_id"] for r in rows} == set(before)
    assert any(not r["is_active"] for r in rows)  # revocations too
    assert len(po.full_load_rows(after)) == sum(len(n) for g in after.values() for n in g.values())


def test_quick_run_reaches_the_same_permissions_on_both_sides(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.permissions", "--quick", "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    compare = results["compare"]
    assert compare["reconciler_reaches_change"] is True
    for mode in ("incremental_load", "full_load"):
        assert compare[mode]["same_permissions_as_reconciler"] is True
        assert compare[mode]["requests"]  # pipelines talked to the emulator
    assert compare["plan"]["requests"] and compare["apply"]["requests"].get("PUT")
    assert (
        results["scale"]["with_workspaces"]["requests"]["GET"]
        > results["scale"]["users_only"]["requests"]["GET"]
    )
    assert "Both sides end with the same workspace permissions: yes." in proc.stdout
    assert "**scaled**" in proc.stdout and "(measured)" in proc.stdout


def test_the_report_says_scaled_only_when_pipelines_ran_on_fewer_workspaces() -> None:
    from benchmarks.permissions import markdown

    results = json.loads((ROOT / "benchmarks" / "permissions-results.json").read_text())
    results["compare"]["pipelines_workspaces"] = results["compare"]["workspaces"]
    same = markdown(results)
    assert "**scaled**" not in same and "(scaled)" not in same and "(not scaled)" in same
    results["compare"]["pipelines_workspaces"] = results["compare"]["workspaces"] // 10
    fewer = markdown(results)
    assert "and **scaled** to" in fewer and "s (scaled) |" in fewer and "(**scaled**) |" in fewer
