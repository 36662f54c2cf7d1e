"""The older platform's benchmark (issue 16, acceptance 6) at a tiny size: both sides run end to end, each
against its own emulator process, and reach the same end state — the one the change declares. No timing is
asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import platform as bench
from benchmarks import platform_org as org
from benchmarks.platform_brick import read_rows


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("platform-bench") / "results.json"
    return bench.main(["--users", "400", "--projects", "8", "--latency", "0", "--json", str(out)]), out


def test_both_sides_reach_the_same_end_state_the_change_declares(
    results: tuple[dict[str, Any], Path],
) -> None:
    res, out = results
    assert json.loads(out.read_text()) == res
    assert res["same_end_state"] is True
    assert res["end_state_as_declared"] == {"reconciler": True, "brick_model": True}
    assert res["change"] == {"renamed": 1, "role_changed": 1, "left": 1, "new": 1}  # 1% of 400 users


def test_every_step_ran_and_was_counted_by_the_emulator(results: tuple[dict[str, Any], Path]) -> None:
    res, _ = results
    r, b = res["reconciler"], res["brick_model"]
    assert r["plan_no_change"]["writes"] == 0 and r["plan_after_apply"]["writes"] == 0  # plans only read
    assert r["apply_change"]["writes"] > 0
    # the brick model's no-change run still SETs every group of every project (API.md §7.4 step 8)
    groups = sum(len(org.organization(400, 8).groups(org.pid(p))) for p in range(8))
    assert b["run_no_change"]["by_method"]["POST"] == groups
    # the change: one PUT (renamed) and one POST + GET (new) in the domain; per project its reads
    assert b["run_change"]["by_method"]["PUT"] == 1
    assert b["run_change"]["requests"] > b["run_no_change"]["requests"]
    for step in (*r.values(), *b.values()):
        assert step["requests"] == sum(step["by_method"].values()) > 0
    assert set(res["ratios"]) == {"no_change", "change_apply", "change_plan_and_apply"}
    assert "| (a) no change: `plan` vs a brick run |" in bench.markdown(res)


def test_the_data_is_deterministic_and_the_brick_input_has_its_columns(tmp_path: Path) -> None:
    a, b = org.organization(50, 3), org.organization(50, 3)
    assert a == b and org.changed(a, 3) == org.changed(b, 3)
    after, _ = org.changed(a, 3)
    org.write_brick_csv(after, tmp_path / "users.csv")
    header = (tmp_path / "users.csv").read_text().splitlines()[0]
    assert header == ",".join(org.BRICK_COLUMNS)
    rows = read_rows(tmp_path / "users.csv")
    assert len(rows) == sum(len(m) for m in after.members.values())
    assert {r["login"] for r in rows} == set(after.users)
