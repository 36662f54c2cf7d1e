"""The harness: `python -m benchmarks.run --sizes 1000,10000,100000` measures the reconciler beside the
alternatives on the same generated data, in one run, and writes a JSON file and a Markdown report.

Every measured step is a fresh process (wall time from spawn to exit, peak RSS via wait4); the emulator is
a separate process on loopback, in memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from benchmarks import generate
from benchmarks.measure import PYTHON, TOKEN, Measurement, bench_env, emulator, machine, make_certificate, run
from benchmarks.report import markdown

LAYOUT = "/api/v1/layout/usersAndUserGroups"
PUT_REPEATS = 3  # the PUT and json.loads are single calls of ~1 s: the median of three
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _step(m: Measurement, **extra: Any) -> dict[str, Any]:
    return {"seconds": round(m.seconds, 3), "rss_mib": round(m.rss_mib, 1), **extra}


def reconciler(
    project: Path,
    *args: str,
    ok: tuple[int, ...] = (0,),
    extra_env: dict[str, str] | None = None,
) -> tuple[Measurement, dict[str, int]]:
    """One reconciler CLI run in `project`, with its requests counted (benchmarks.counted)."""
    counts_file = project / ".bench-counts.json"
    counts_file.unlink(missing_ok=True)
    env = bench_env(BENCH_COUNTS=str(counts_file), **(extra_env or {}))
    m = run([PYTHON, "-m", "benchmarks.counted", *args], cwd=project, env=env).check(
        f"reconciler {' '.join(args)}", ok
    )
    counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
    return m, counts


def side(kind: str, *args: str, cwd: Path) -> tuple[Measurement, dict[str, Any]]:
    """One alternative (benchmarks.sides) in a fresh process: its measurement and its inner timings."""
    m = run([PYTHON, "-m", "benchmarks.sides", kind, *args], cwd=cwd, env=bench_env()).check(kind)
    return m, json.loads(m.stdout.strip().splitlines()[-1])


def bench_size(size: int, work: Path, naive_max: int) -> dict[str, Any]:
    """Every step at one size, against one emulator process."""
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
    out: dict[str, Any] = {
        "users": size,
        "groups": len(org.groups),
        "changed_users": len(generate.changed_ids(org, new)),
    }
    out["state_mib"] = round(sum(p.stat().st_size for p in (changed / "state").rglob("*.yaml")) / 2**20, 1)
    with emulator(d) as emu:
        for project in (base, changed):
            generate.set_host(project, emu.url)
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
        out["validate"] = _step(m)
        m, c = reconciler(base, "plan", "--detailed-exitcode")
        out["plan_nochange"] = _step(m, requests=c)
        m, c = reconciler(changed, "plan", "--detailed-exitcode", ok=(2,))
        out["plan_changed"] = _step(m, requests=c, summary=m.stdout.strip().splitlines()[-1])
        m, c = reconciler(changed, "apply", "--auto-approve", "--no-commit")
        out["apply_changed"] = _step(m, requests=c)
        # correctness: after the apply, the plan is empty (exit 0 with --detailed-exitcode)
        m, c = reconciler(changed, "plan", "--detailed-exitcode")
        out["plan_after_apply"] = _step(m, requests=c, summary=m.stdout.strip().splitlines()[-1])
        m, c = reconciler(changed, "import", "--out", "imported", "--force")
        out["import"] = _step(m, requests=c)
    m, floor = side("floor", str(changed), str(d / "live.json"), cwd=d)
    out["floor"] = _step(m, yaml=round(floor["yaml"], 3), json=round(floor["json"], 3))
    m, stage = side("plandiff", str(d / "live.json"), str(desired), cwd=d)
    out["plandiff"] = _step(m, make_plan=round(stage["make_plan"], 3), changes=stage["changes"])
    if size <= naive_max:
        m, naive = side("naive", str(d / "live.json"), str(desired), cwd=d)
        out["naive"] = _step(m, deepdiff=round(naive["deepdiff"], 3), reported=naive["reported"])
    return out


def _organization_of(url: str, cert: Path) -> dict[str, tuple[Any, ...]]:
    doc = requests.get(url + LAYOUT, headers=HEADERS, verify=str(cert), timeout=600).json()
    return {
        u["id"]: (
            u.get("email"),
            u.get("firstname"),
            u.get("lastname"),
            u.get("authId"),
            tuple(sorted(r["id"] for r in u.get("userGroups", ()))),
        )
        for u in doc["users"]
    }


def bench_pipelines(size: int, work: Path) -> dict[str, Any]:
    """Create `size` users, change 1%: gooddata-pipelines and the reconciler, each on a fresh TLS emulator."""
    d = work / f"pipelines-{size}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    cert, key = make_certificate(d)
    org = generate.organization(size)
    new = generate.changed(org)
    groups = json.dumps({"userGroups": generate.layout(org)["userGroups"]}).encode()
    tls_env = {"REQUESTS_CA_BUNDLE": str(cert), "SSL_CERT_FILE": str(cert)}
    out: dict[str, Any] = {"users": size, "changed_users": len(generate.changed_ids(org, new))}
    seen: dict[str, dict[str, tuple[Any, ...]]] = {}
    with emulator(d, certfile=cert, keyfile=key) as emu:
        requests.put(
            emu.url + "/api/v1/layout/userGroups", data=groups, headers=HEADERS, verify=str(cert), timeout=600
        ).raise_for_status()
        loads = d / "loads.json"
        loads.write_text(json.dumps([org.users, new.users]))
        m = run(
            [PYTHON, "-m", "benchmarks.sides", "pipelines", emu.url, str(loads)],
            cwd=d,
            env=bench_env(**tls_env),
        ).check("gooddata-pipelines")
        runs = json.loads(m.stdout.strip().splitlines()[-1])["runs"]
        out["pipelines"] = {
            "create": runs[0],
            "change": runs[1],
            "process_seconds": round(m.seconds, 3),
            "rss_mib": round(m.rss_mib, 1),
        }
        seen["pipelines"] = _organization_of(emu.url, cert)
    with emulator(d, certfile=cert, keyfile=key) as emu:
        requests.put(
            emu.url + "/api/v1/layout/userGroups", data=groups, headers=HEADERS, verify=str(cert), timeout=600
        ).raise_for_status()
        sides = {}
        for name, data in (("create", org), ("change", new)):
            project = d / name
            generate.write_state(data, project, host=emu.url)
            m, c = reconciler(
                project,
                "apply",
                "--auto-approve",
                "--no-commit",
                "--ca-bundle",
                str(cert),
                extra_env=tls_env,
            )
            sides[name] = {"seconds": round(m.seconds, 3), "rss_mib": round(m.rss_mib, 1), "requests": c}
        out["reconciler"] = sides
        seen["reconciler"] = _organization_of(emu.url, cert)
    a, b = seen["pipelines"], seen["reconciler"]
    out["same_users"] = a == b
    out["differing_users"] = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))[:10]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the flags, run every size and the pipelines comparison, write JSON and Markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated user counts")
    parser.add_argument(
        "--naive-max", type=int, default=10_000, help="largest size the naive DeepDiff runs at"
    )
    parser.add_argument(
        "--pipelines-users", type=int, default=10_000, help="users gooddata-pipelines creates (0: skip)"
    )
    parser.add_argument(
        "--workdir", type=Path, help="where to generate data (default: a temporary directory)"
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="results as JSON")
    parser.add_argument("--markdown", type=Path, help="write the Markdown report here (default: stdout only)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    opts = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in opts.sizes.split(",") if s]
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="reconciler-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
    results: dict[str, Any] = {"command": command.strip(), "machine": machine(), "sizes": {}}
    started = time.perf_counter()
    try:
        for size in sizes:
            results["sizes"][str(size)] = bench_size(size, work, opts.naive_max)
        if opts.pipelines_users and importlib.util.find_spec("gooddata_pipelines") is None:
            print("gooddata-pipelines is not installed (pip install -e '.[bench]'): comparison skipped")
        elif opts.pipelines_users:
            results["pipelines"] = bench_pipelines(opts.pipelines_users, work)
    finally:
        if not opts.keep and opts.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    text = markdown(results)
    if opts.markdown:
        opts.markdown.parent.mkdir(parents=True, exist_ok=True)
        opts.markdown.write_text(text, encoding="utf-8")
    print(text)
    return results


if __name__ == "__main__":
    main()
