"""CI smoke test of the performance harness (issues 7, 13, 14): a `--quick` run (1,000 users, small
provisioning loads) works end to end and is correct.

No timing is asserted: the numbers depend on the machine. What must hold is that every step ran, the
reconciler's results are right (the 1% change is planned, the plan after the apply is empty, both provisioning
sides reach the same users) and the report has its table and targets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmarks import generate
from benchmarks.measure import PYTHON, run
from benchmarks.report import _loads, naive_projection
from benchmarks.run import main
from benchmarks.targets import issue13, pipelines_derived, verdict

pytest.importorskip("gooddata_pipelines", reason="gooddata-pipelines is not installed")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not on PATH; the pipelines comparison needs a TLS certificate")
    tmp = tmp_path_factory.mktemp("bench")
    report = tmp / "report.md"
    data = main(
        [
            "--quick",
            "--workdir",
            str(tmp / "work"),
            "--json",
            str(tmp / "r.json"),
            "--markdown",
            str(report),
        ]
    )
    assert json.loads((tmp / "r.json").read_text()) == data
    return data, report.read_text()


def test_every_step_ran_in_its_own_process(results: tuple[dict[str, Any], str]) -> None:
    size = results[0]["sizes"]["1000"]
    steps = [
        "validate",
        "plan_nochange",
        "plan_changed",
        "apply_changed",
        "plan_after_apply",
        "import",
        "render",
        "load_csv",
        "floor",
        "floor_nogc",
        "csv_floor",
        "plandiff",
        "naive",
    ]
    for step in steps:
        assert size[step]["seconds"] > 0, step
        assert 5 < size[step]["rss_mib"] < 1024, step
    assert size["floor"]["yaml"] > 0 and size["floor"]["json"] > 0
    assert size["emulator_put"]["json_loads"] > 0 and size["emulator_put"]["bytes"] > 100_000


def test_the_reconciler_results_are_correct(results: tuple[dict[str, Any], str]) -> None:
    size = results[0]["sizes"]["1000"]
    assert (size["users"], size["groups"], size["changed_users"]) == (1000, 20, 10)
    assert size["plan_changed"]["summary"] == "Plan: 0 to add, 10 to change, 0 to destroy."
    assert size["plan_after_apply"]["summary"] == "No changes. The organization matches the state."
    # a plan reads the profile, the layout and the organization permissions; an apply writes once
    assert sum(size["plan_changed"]["requests"].values()) <= 4
    assert size["apply_changed"]["requests"].get("PUT") == 1
    assert size["naive"]["reported"] > 0  # DeepDiff saw the changes too
    assert size["plandiff"]["changes"] == 10  # and make_plan on the same two documents finds exactly them


def test_every_provisioning_side_reaches_the_expected_users(results: tuple[dict[str, Any], str]) -> None:
    loads = results[0]["loads"]
    assert [(e["users"], e["latency"]) for e in loads] == [(60, 0.0), (60, 0.01)]
    for entry in loads:
        for name, side in entry["sides"].items():
            assert side["same_users"], (entry["users"], entry["latency"], name, side["differing_users"])
    ours, theirs = loads[0]["sides"]["provisioning"], loads[0]["sides"]["pipelines"]
    assert (
        ours["full"]["requests"].get("PUT") == 1
        and loads[0]["sides"]["load_apply"]["full"]["requests"]["PUT"] == 1
    )
    assert sum(theirs["full"]["requests"].values()) > 60  # at least one request per user
    assert loads[0]["changed_users"] == 1


def test_the_sdk_peers_and_the_loaded_yaml_are_correct(results: tuple[dict[str, Any], str]) -> None:
    size = results[0]["sizes"]["1000"]
    pytest.importorskip("gooddata_sdk")
    assert (
        size["sdk"]["users_after"] == 1001
    )  # the SDK put back what it read: every user and the bootstrap one
    assert size["sdk"]["getput"]["requests"].get("PUT") == 1
    # `load` of the changed organization's CSV gives the state that was applied: its plan is empty
    assert size["load_csv"]["plan_after"] == "No changes. The organization matches the state."
    assert results[0]["small"]["python_pass"]["rss_mib"] < 50


def test_a_child_s_peak_rss_is_its_own_not_the_harness_s(tmp_path: Path) -> None:
    grown = b"x" * (300 * 2**20)  # the harness grows by 300 MiB (touched pages)
    m = run([PYTHON, "-c", "pass"], cwd=tmp_path)
    assert len(grown) == 300 * 2**20 and m.returncode == 0
    assert 0 < m.rss_mib < 50, m.rss_mib


def test_the_report_has_the_table_and_the_targets(results: tuple[dict[str, Any], str]) -> None:
    text = results[1]
    assert "| reconciler plan, 1% changed |" in text
    assert "| gooddata-pipelines UserProvisioner |" in text and "at 10 ms latency" in text
    assert "1. plan of 1,000 users" in text and "4a. peak RSS" in text and "5. emulator stores" in text
    assert "14. plan ÷ the GC-off C-loader floor" in text and "14. `reconciler --version`" in text
    assert "13. full load of 60 users at 0 ms" in text and "13. full load of 60 users at 10 ms" in text
    assert "13. `reconciler load` of a 1,000-row CSV" in text
    assert "Machine: " in text and "Command: `python -m benchmarks.run --quick" in text


def test_the_naive_projection_follows_the_measured_power_law() -> None:
    sizes = {"1000": {"naive": {"deepdiff": 1.0}}, "10000": {"naive": {"deepdiff": 20.0}}}
    assert naive_projection(sizes, 100_000) == pytest.approx(400.0)
    assert naive_projection({"1000": sizes["1000"]}, 100_000) is None


def test_pipelines_time_at_a_latency_it_did_not_run_at_is_derived_from_its_requests() -> None:
    def entry(users: int, latency: float, seconds: float | None, requests: int) -> dict[str, Any]:
        sides: dict[str, Any] = {}
        if seconds is not None:
            run = {"seconds": seconds, "requests": {"GET": requests}}
            sides["pipelines"] = {"full": run, "incremental": run}
        return {"users": users, "latency": latency, "changed_users": 1, "sides": sides}

    results = {
        "sizes": {},
        "loads": [
            entry(10_000, 0.0, 100.0, 50_000),
            entry(1000, 0.0, 10.0, 5000),
            entry(1000, 0.05, 260.0, 5000),
        ],
    }
    # 0.05 s added per request at 1,000 users: 100 s + 50,000 × 0.05 s
    assert pipelines_derived(results, 10_000, 0.05, "full") == (pytest.approx(2600.0), 50_000)
    assert pipelines_derived(results, 500, 0.05, "full") is None  # no 0 ms run at that size


def test_a_separately_run_load_is_reported_as_such_and_carries_the_goal_at_its_latency() -> None:
    def side(seconds: float) -> dict[str, Any]:
        run = {"seconds": seconds, "requests": {"GET": 2}}
        return {"full": run, "incremental": run, "same_users": True, "differing_users": []}

    def entry(users: int, theirs: float, ours: float) -> dict[str, Any]:
        sides = {"pipelines": side(theirs), "provisioning": side(ours), "apply": side(ours * 4)}
        return {"users": users, "latency": 0.05, "changed_users": 1, "sides": sides}

    separate = entry(10_000, 2600.0, 2.0)
    separate["separate_run"] = {
        "command": "python -m benchmarks.loads --users 10000 --latency 0.05",
        "date": "2026-12-02 03:15 UTC",
        "commit": "abc1234",
        "load_average": [1.0],
    }
    results = {"sizes": {}, "loads": [entry(1000, 270.0, 0.6), separate]}
    rows = {r[0]: r for r in issue13(results)}
    small = (
        "13. full load of 1,000 users at 50 ms: gooddata-pipelines ÷ reconciler.provisioning.UserProvisioner"
    )
    large = (
        "13. full load of 10,000 users at 50 ms: gooddata-pipelines ÷ reconciler.provisioning.UserProvisioner"
    )
    assert rows[small + " (no goal)"][3] == "–"  # the goal is the largest load's, 450× is not judged
    assert rows[large + " ≥ 500×"][1:] == (
        "pipelines 2600.00 s (measured), ours 2.00 s",
        "1300.0×",
        "**pass**",
    )
    applied = "13. full load of 10,000 users at 50 ms: gooddata-pipelines ÷ `reconciler apply` of state files"
    assert rows[applied + " (no goal: not a load)"][2:] == ("325.0×", "–")  # judged are the loads only
    text = "\n".join(_loads(separate))
    assert "In a separate run (`python -m benchmarks.loads --users 10000 --latency 0.05`" in text
    assert "commit `abc1234`" in text and "| gooddata-pipelines UserProvisioner | 2600.00 s |" in text


def test_a_missed_goal_says_by_how_much() -> None:
    assert verdict(0.9, 1.0) == "**pass**"
    assert verdict(1.39, 1.0) == "**FAIL**: 1.39× the goal (1.39× > 1×)"
    assert verdict(25.0, 50, at_most=False, derived=True) == "**FAIL** (derived): 2.00× short (25.0× < 50×)"


def test_generated_organizations_have_the_specified_shape(tmp_path: Path) -> None:
    org = generate.organization(5000)
    assert len(org.groups) == 100
    ids = {g["id"] for g in org.groups}
    by_id = {g["id"]: g for g in org.groups}
    levels = {len(_ancestors(by_id, g)) for g in ids}
    assert levels == {0, 1, 2}  # three levels: top, middle, leaf
    assert all(1 <= len(u["userGroups"]) <= 3 and set(u["userGroups"]) <= ids for u in org.users)
    new = generate.changed(org)
    assert len(generate.changed_ids(org, new)) == 50
    generate.write_state(org, tmp_path)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "state").rglob("*.yaml"))
    assert len(files) == 21 and files[0] == "state/groups.yaml"


def _ancestors(groups: dict[str, Any], gid: str) -> list[str]:
    out: list[str] = []
    current = groups[gid]
    while current.get("parents"):
        out.append(current["parents"][0])
        current = groups[current["parents"][0]]
    return out
