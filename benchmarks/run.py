"""The harness: `python -m benchmarks.run --sizes 1000,10000,100000` measures the reconciler beside the
alternatives on the same generated data, in one run, and writes a JSON file and a Markdown report.

Every measured step is a fresh process started through a small launcher (benchmarks/launch.py: wall time from
fork to exit, peak RSS of exactly that process); the emulator is a separate process on loopback, in memory.
`--quick` is the CI smoke run: 1,000 users, tiny provisioning loads.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from benchmarks import generate
from benchmarks.loads import SIDES, bench_loads
from benchmarks.measure import HEADERS, LAYOUT, PYTHON, bench_env, emulator, machine, median_of
from benchmarks.report import markdown
from benchmarks.steps import reconciler, side, step

PUT_REPEATS = 3  # the PUT and json.loads are single calls of ~1 s: the median of three
SMALL_REPEATS = 5  # sub-second commands: the median of five
EXAMPLE = Path(__file__).resolve().parent.parent  # the repository's own example (reconciler.yaml + state/)


def _git_init(project: Path) -> None:
    """Make `project` a git work tree with everything committed (apply then commits its backup)."""
    env = bench_env()
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "state"]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True)  # noqa: S603, S607


def bench_small(work: Path, repeats: int = SMALL_REPEATS) -> dict[str, Any]:
    """Start-up costs: `reconciler --version`, `validate` of the example, `import yaml, jsonschema`."""
    d = work / "example"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    shutil.copy(EXAMPLE / "reconciler.yaml", d)
    shutil.copytree(EXAMPLE / "state", d / "state", ignore=shutil.ignore_patterns("backups"))
    cli = Path(PYTHON).with_name("reconciler")
    cmd = [str(cli)] if cli.exists() else [PYTHON, "-m", "reconciler"]
    env = bench_env()
    out = {}
    for name, args in (
        ("version", [*cmd, "--version"]),
        ("validate_example", [*cmd, "validate"]),
        ("import_yaml_jsonschema", [PYTHON, "-c", "import yaml, jsonschema"]),
        ("python_pass", [PYTHON, "-c", "pass"]),
    ):
        out[name] = step(median_of(repeats, args, cwd=d, env=env).check(name), runs=repeats)
    return out


def bench_size(
    size: int,
    work: Path,
    naive_max: int,
    sdk: bool,
    load_timeout: float,
    record: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Every step at one size, against one emulator process; `record` saves what has run so far."""
    d = work / str(size)
    shutil.rmtree(d, ignore_errors=True)
    base, changed = d / "base", d / "changed"
    org = generate.organization(size)
    new = generate.changed(org)
    generate.write_state(org, base)
    generate.write_state(new, changed)
    seed = d / "seed.json"
    seed.write_bytes(generate.layout_bytes(org))
    desired = d / "desired.json"
    desired.write_bytes(generate.layout_bytes(new))
    csv_file = d / "users.csv"
    generate.write_csv(new.users, csv_file)
    loaded = d / "loaded"
    shutil.copytree(base, loaded)
    out: dict[str, Any] = {
        "users": size,
        "groups": len(org.groups),
        "changed_users": len(generate.changed_ids(org, new)),
    }
    out["state_mib"] = round(sum(p.stat().st_size for p in (changed / "state").rglob("*.yaml")) / 2**20, 1)
    with emulator(d) as emu:
        for project in (base, changed, loaded):
            generate.set_host(project, emu.url)
        _git_init(changed)
        with requests.Session() as http:
            body, put_times = seed.read_bytes(), []
            for _ in range(PUT_REPEATS):  # the first into a fresh organization, then replacing it
                started = time.perf_counter()
                r = http.put(emu.url + LAYOUT, data=body, headers=HEADERS, timeout=600)
                put_times.append(time.perf_counter() - started)
                r.raise_for_status()
            live = http.get(emu.url + LAYOUT, headers=HEADERS, timeout=600)
            live.raise_for_status()
        (d / "live.json").write_bytes(live.content)
        _, loads = side("loads", str(seed), cwd=d)
        out["emulator_put"] = {
            "seconds": round(statistics.median(put_times), 3),
            "json_loads": round(statistics.median(loads["json"]), 3),
            "runs": [round(t, 3) for t in put_times],
            "json_loads_runs": [round(t, 3) for t in loads["json"]],
            "bytes": loads["bytes"],
        }
        out["live_mib"] = round(len(live.content) / 2**20, 1)
        m, _ = reconciler(base, "validate")
        out["validate"] = step(m)
        m, c = reconciler(base, "plan", "--detailed-exitcode")
        out["plan_nochange"] = step(m, requests=c)
        m, c = reconciler(changed, "plan", "--detailed-exitcode", ok=(2,))
        out["plan_changed"] = step(m, requests=c, summary=m.stdout.strip().splitlines()[-1])
        m, _ = reconciler(changed, "render")
        out["render"] = step(m)
        m, c = reconciler(changed, "apply", "--auto-approve")
        out["apply_changed"] = step(m, requests=c)
        # correctness: after the apply, the plan is empty (exit 0 with --detailed-exitcode)
        m, c = reconciler(changed, "plan", "--detailed-exitcode")
        out["plan_after_apply"] = step(m, requests=c, summary=m.stdout.strip().splitlines()[-1])
        m, c = reconciler(changed, "import", "--out", "imported", "--force")
        out["import"] = step(m, requests=c)
        record(out)
        m, floor = side("floor", str(changed), str(d / "live.json"), "gc", cwd=d)
        out["floor"] = step(m, yaml=round(floor["yaml"], 3), json=round(floor["json"], 3))
        m, floor = side("floor", str(changed), str(d / "live.json"), "nogc", cwd=d)
        out["floor_nogc"] = step(m, yaml=round(floor["yaml"], 3), json=round(floor["json"], 3))
        m, read = side("csvfloor", str(csv_file), str(base), cwd=d)
        out["csv_floor"] = step(m, csv=round(read["csv"], 3), yaml=round(read["yaml"], 3))
        m, read = side("csvfloor", str(csv_file), str(base), "ours", cwd=d)
        out["csv_floor_ours"] = step(m, csv=round(read["csv"], 3), yaml=round(read["yaml"], 3))
        m, stage = side("plandiff", str(d / "live.json"), str(desired), cwd=d)
        out["plandiff"] = step(m, make_plan=round(stage["make_plan"], 3), changes=stage["changes"])
        if size <= naive_max:
            m, naive = side("naive", str(d / "live.json"), str(desired), cwd=d)
            out["naive"] = step(m, deepdiff=round(naive["deepdiff"], 3), reported=naive["reported"])
        record(out)
        if sdk:
            out["sdk"] = _bench_sdk(emu.url, d)
            record(out)
        # `reconciler load` of the changed organization's CSV export into the base state's YAML
        load = ("load", str(csv_file), "--kind", "users", "--mode", "full")
        m, _ = reconciler(loaded, *load, ok=(0, -9), timeout=load_timeout)
        out["load_csv"] = step(m, rows=size, timed_out=m.returncode == -9)
        # correctness: the loaded state is what was applied (a 100k plan costs ~12 s: up to 10,000 only)
        if size <= 10_000 and m.returncode == 0:
            m, _ = reconciler(loaded, "plan", "--detailed-exitcode")
            out["load_csv"]["plan_after"] = m.stdout.strip().splitlines()[-1]
        record(out)
    return out


def _bench_sdk(url: str, d: Path) -> dict[str, Any]:
    """gooddata-sdk on the same organization: get + put, store into a directory, load and put from it."""
    out: dict[str, Any] = {}
    folder = d / "sdk-layouts"
    for mode in ("getput", "store", "loadput"):
        m, inner = side("sdk", url, mode, str(folder), cwd=d)
        out[mode] = step(m, inner_seconds=round(inner["seconds"], 3), requests=inner["requests"])
    r = requests.get(url + LAYOUT, headers=HEADERS, timeout=600).json()
    out["users_after"] = len(r["users"])
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the flags, run every size and the pipelines comparison, write JSON and Markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated user counts")
    parser.add_argument(
        "--naive-max", type=int, default=10_000, help="largest size the naive DeepDiff runs at"
    )
    parser.add_argument(
        "--loads-users", type=int, default=10_000, help="users of the provisioning loads at 0 ms (0: skip)"
    )
    parser.add_argument(
        "--latency-users",
        type=int,
        default=1_000,
        help="users of the loads gooddata-pipelines also runs at --latency (each of its ~5 requests per user "
        "waits the latency)",
    )
    parser.add_argument(
        "--load-timeout", type=float, default=480, help="stop `reconciler load` of the CSV after S seconds"
    )
    parser.add_argument("--latency", type=float, default=0.05, help="the emulator's answer delay, seconds")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the CI smoke run: 1,000 users; loads of 60 users at 0 and at 10 ms latency",
    )
    parser.add_argument(
        "--workdir", type=Path, help="where to generate data (default: a temporary directory)"
    )
    parser.add_argument(
        "--loads-from",
        type=Path,
        action="append",
        default=[],
        help="add the loads of a separate `python -m benchmarks.loads --users N --latency S` run (its JSON "
        "output; every side of it measured in that one run), reported with its own date and commit",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="results as JSON")
    parser.add_argument("--markdown", type=Path, help="write the Markdown report here (default: stdout only)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.sizes, opts.naive_max, opts.loads_users, opts.latency_users = "1000", 1000, 60, 60
        opts.latency = 0.01
    sizes = [int(s.replace("_", "")) for s in opts.sizes.split(",") if s]
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="reconciler-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
    results: dict[str, Any] = {"command": command.strip(), "machine": machine(), "sizes": {}}
    results["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = subprocess.run(  # noqa: S603, S607
        ["git", "rev-parse", "--short", "HEAD"], cwd=EXAMPLE, capture_output=True, text=True, check=False
    )
    results["commit"] = head.stdout.strip() or "unknown"
    results["load_average_start"] = [round(x, 1) for x in os.getloadavg()]
    started = time.perf_counter()
    try:
        results["small"] = bench_small(work, 1 if opts.quick else SMALL_REPEATS)
        sdk = importlib.util.find_spec("gooddata_sdk") is not None

        # the largest size runs last, after the loads: a run stopped near its end keeps the loads
        def record(size: int) -> Callable[[dict[str, Any]], None]:
            def save(out: dict[str, Any]) -> None:  # a run stopped later still leaves what finished
                results["sizes"][str(size)] = out
                _write(results, opts, started)

            return save

        for size in sizes[:-1]:
            bench_size(size, work, opts.naive_max, sdk, opts.load_timeout, record(size))
        if opts.loads_users and importlib.util.find_spec("gooddata_pipelines") is None:
            print("gooddata-pipelines is not installed (pip install -e '.[bench]'): loads skipped")
        elif opts.loads_users:
            plan: list[tuple[int, float, tuple[str, ...]]] = [(opts.loads_users, 0.0, SIDES)]
            plan.append((opts.latency_users, 0.0, SIDES))
            plan.append((opts.latency_users, opts.latency, SIDES))
            if opts.loads_users != opts.latency_users:  # pipelines' time at this size is derived, not run
                plan.append((opts.loads_users, opts.latency, SIDES[1:]))
            results["loads"] = []
            for n, lat, sides in dict.fromkeys(plan):  # in order, once each
                results["loads"].append(bench_loads(n, lat, work, sides))
                _write(results, opts, started)
        for extra in opts.loads_from:  # a load too long for this run (10,000 users at 50 ms: ~45 minutes)
            results.setdefault("loads", []).append(json.loads(extra.read_text(encoding="utf-8")))
            _write(results, opts, started)
        for size in sizes[-1:]:
            bench_size(size, work, opts.naive_max, sdk, opts.load_timeout, record(size))
    finally:
        if not opts.keep and opts.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    text = _write(results, opts, started)
    print(text)
    return results


def _write(results: dict[str, Any], opts: argparse.Namespace, started: float) -> str:
    """Write the JSON and (with --markdown) the report of what has run so far; the report's text."""
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["load_average_now"] = [round(x, 1) for x in os.getloadavg()]
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = markdown(results)
    if opts.markdown:
        opts.markdown.parent.mkdir(parents=True, exist_ok=True)
        opts.markdown.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
