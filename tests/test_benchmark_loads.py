"""`python -m benchmarks.loads --load-csv N` (issue 13): the CSV load beside its floor, each side a process.

No timing is asserted (the numbers depend on the machine): every side runs, and the load writes the change.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import generate
from benchmarks.loads import bench_load_csv


def test_the_csv_load_beside_its_floor_runs_each_side_and_loads_the_change(tmp_path: Path) -> None:
    result = bench_load_csv(300, tmp_path, rounds=1)
    for name in ("load", "floor_ours", "floor_c"):
        assert len(result[name]["runs"]) == 1 and result[name]["rss_mib"] > 0
    assert result["load_over_floor_ours"] > 0
    loaded = tmp_path / "load-csv-300" / "loaded" / "state" / "users"
    changed = generate.changed(generate.organization(300))
    text = "".join(p.read_text() for p in sorted(loaded.glob("*.yaml")))
    assert all(u["email"] in text for u in changed.users)
