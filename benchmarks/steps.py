"""One measured step: a reconciler CLI run (requests counted) or an alternative from benchmarks.sides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.measure import PYTHON, Measurement, bench_env, run


def step(m: Measurement, **extra: Any) -> dict[str, Any]:
    """A measurement as the results' JSON keeps it."""
    return {"seconds": round(m.seconds, 3), "rss_mib": round(m.rss_mib, 1), **extra}


def reconciler(
    project: Path,
    *args: str,
    ok: tuple[int, ...] = (0,),
    extra_env: dict[str, str] | None = None,
    timeout: float = 3600,
) -> tuple[Measurement, dict[str, int]]:
    """One reconciler CLI run in `project`, with its requests counted (benchmarks.counted); killed after
    `timeout` seconds (exit code -9, which `ok` may accept)."""
    counts_file = project / ".bench-counts.json"
    counts_file.unlink(missing_ok=True)
    env = bench_env(BENCH_COUNTS=str(counts_file), **(extra_env or {}))
    m = run([PYTHON, "-m", "benchmarks.counted", *args], cwd=project, env=env, timeout=timeout).check(
        f"reconciler {' '.join(args)}", ok
    )
    counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    counts_file.unlink(missing_ok=True)
    return m, counts


def side(kind: str, *args: str, cwd: Path) -> tuple[Measurement, dict[str, Any]]:
    """One alternative (benchmarks.sides) in a fresh process: its measurement and its inner timings."""
    m = run([PYTHON, "-m", "benchmarks.sides", kind, *args], cwd=cwd, env=bench_env()).check(kind)
    return m, json.loads(m.stdout.strip().splitlines()[-1])
