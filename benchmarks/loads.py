"""Provisioning loads side by side (issues 13 and 14): creating users and changing 1% of them, by
gooddata-pipelines' `UserProvisioner`, the reconciler's drop-in `reconciler.provisioning.UserProvisioner`,
`reconciler load --apply` from a CSV export, and `reconciler apply` of state files, each side on a fresh TLS
emulator (groups seeded) answering every request after the same latency.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import requests

from benchmarks import generate
from benchmarks.measure import HEADERS, LAYOUT, PYTHON, bench_env, emulator, make_certificate, run
from benchmarks.steps import reconciler

SIDES: tuple[str, ...] = ("pipelines", "provisioning", "load_apply", "apply")


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
        if u["id"] != "admin"
    }


def _expected(org: generate.Org) -> dict[str, tuple[Any, ...]]:
    return {
        u["id"]: (u["email"], u["firstname"], u["lastname"], u["authId"], tuple(sorted(u["userGroups"])))
        for u in org.users
    }


def _step(seconds: float, counts: dict[str, int], rss: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": round(seconds, 3), "requests": counts}
    if rss is not None:
        out["rss_mib"] = round(rss, 1)
    return out


def bench_loads(size: int, latency: float, work: Path, sides: tuple[str, ...] = SIDES) -> dict[str, Any]:
    """Full load of `size` users into an organization with only the groups, then an incremental 1%."""
    d = work / f"loads-{size}-{int(latency * 1000)}ms"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    cert, key = make_certificate(d)
    org = generate.organization(size)
    new = generate.changed(org)
    ids = set(generate.changed_ids(org, new))
    delta = [u for u in new.users if u["id"] in ids]
    groups = json.dumps({"userGroups": generate.layout(org)["userGroups"]}).encode()
    tls = {"REQUESTS_CA_BUNDLE": str(cert), "SSL_CERT_FILE": str(cert)}
    loads_file = d / "loads.json"
    loads_file.write_text(json.dumps([["full", org.users], ["incremental", delta]]))
    generate.write_csv(org.users, d / "full.csv")
    generate.write_csv(delta, d / "incremental.csv")
    out: dict[str, Any] = {"users": size, "changed_users": len(delta), "latency": latency, "sides": {}}
    expected = _expected(new)
    for name in sides:
        # reconciler.provisioning's `ca_bundle` does not reach its client yet: that side talks plain HTTP
        # (loopback), the others TLS, as gooddata-pipelines insists on https://
        tls_files = {} if name == "provisioning" else {"certfile": cert, "keyfile": key}
        with emulator(d, latency=latency, **tls_files) as emu:
            requests.put(
                emu.url + "/api/v1/layout/userGroups",
                data=groups,
                headers=HEADERS,
                verify=str(cert),
                timeout=600,
            ).raise_for_status()
            result: dict[str, Any] = {}
            if name in ("pipelines", "provisioning"):
                args = [PYTHON, "-m", "benchmarks.sides", name, emu.url, str(loads_file)]
                m = run(args + ([str(cert)] if name == "provisioning" else []), cwd=d, env=bench_env(**tls))
                m.check(name)
                runs = json.loads(m.stdout.strip().splitlines()[-1])["runs"]
                result = {
                    "full": _step(runs[0]["seconds"], runs[0]["requests"]),
                    "incremental": _step(runs[1]["seconds"], runs[1]["requests"]),
                    "process_seconds": round(m.seconds, 3),
                    "rss_mib": round(m.rss_mib, 1),
                }
            elif name == "load_apply":
                project = d / "load-project"
                shutil.rmtree(project, ignore_errors=True)
                (project / "state").mkdir(parents=True)
                generate.set_host(project, emu.url)
                for mode in ("full", "incremental"):
                    m, c = reconciler(
                        project,
                        "load",
                        str(d / f"{mode}.csv"),
                        "--kind",
                        "users",
                        "--mode",
                        mode,
                        "--apply",
                        "--auto-approve",
                        "--ca-bundle",
                        str(cert),
                        extra_env=tls,
                    )
                    result[mode] = _step(m.seconds, c, m.rss_mib)
            else:
                for mode, data in (("full", org), ("incremental", new)):
                    project = d / f"apply-{mode}"
                    generate.write_state(data, project, host=emu.url)
                    m, c = reconciler(
                        project,
                        "apply",
                        "--auto-approve",
                        "--no-commit",
                        "--ca-bundle",
                        str(cert),
                        extra_env=tls,
                    )
                    result[mode] = _step(m.seconds, c, m.rss_mib)
            seen = _organization_of(emu.url, cert)
        result["same_users"] = seen == expected
        result["differing_users"] = sorted(
            k for k in seen.keys() | expected.keys() if seen.get(k) != expected.get(k)
        )[:10]
        out["sides"][name] = result
    return out


def bench_load_csv(size: int, work: Path, rounds: int = 3, against: str | None = None) -> dict[str, Any]:
    """`reconciler load` of a `size`-row CSV export (1% of the users changed) into the state YAML, beside
    its floor (the csv module over the CSV, then the C loader or the reconciler's own loader over the state
    files, collector off), interleaved `rounds` times on a fresh copy of the state; medians, and the ratio of
    each round's load to that round's floors (the machine is shared: ratios, not seconds). `against`: another
    checkout's interpreter (its venv's python), whose `reconciler load` runs in the same rounds ("before")."""
    import statistics

    from benchmarks.steps import side

    d = work / f"load-csv-{size}"
    shutil.rmtree(d, ignore_errors=True)
    base = d / "base"
    org = generate.organization(size)
    generate.write_state(org, base)
    csv_file = d / "users.csv"
    generate.write_csv(generate.changed(org).users, csv_file)
    runs: dict[str, list[float]] = {"load": [], "floor_c": [], "floor_ours": []}
    if against is not None:
        runs["before"] = []
    rss: dict[str, float] = {}
    args = ("load", str(csv_file), "--kind", "users", "--mode", "full")
    for _ in range(rounds):
        for name in runs if against is not None else ("load", "floor_ours", "floor_c"):
            if name in ("floor_ours", "floor_c"):
                m, _ = side("csvfloor", str(csv_file), str(base), name.removeprefix("floor_"), cwd=d)
            else:
                project = d / "loaded"
                shutil.rmtree(project, ignore_errors=True)
                shutil.copytree(base, project)
                if name == "load":
                    m, _ = reconciler(project, *args)
                else:
                    assert against is not None  # noqa: S101 - "before" runs only with it
                    counts = str(project / ".bench-counts.json")  # the same launcher as `reconciler`'s
                    command = [against, "-m", "benchmarks.counted", *args]
                    m = run(command, cwd=project, env=bench_env(BENCH_COUNTS=counts)).check("before")
            runs[name].append(m.seconds)
            rss[name] = max(rss.get(name, 0.0), m.rss_mib)
    out: dict[str, Any] = {"users": size, "rounds": rounds}
    for name, times in runs.items():
        out[name] = {
            "median": round(statistics.median(times), 3),
            "runs": [round(t, 3) for t in times],
            "rss_mib": round(rss[name], 1),
        }
    for name in ("load", "before") if against is not None else ("load",):
        suffix = "" if name == "load" else "_before"
        ours = [t / f for t, f in zip(runs[name], runs["floor_ours"], strict=True)]
        out[f"load_over_floor_ours{suffix}"] = round(statistics.median(ours), 2)
        out[f"load_over_floor_c{suffix}"] = round(out[name]["median"] / out["floor_c"]["median"], 2)
        out[f"load_over_floor_ours_rounds{suffix}"] = [round(r, 2) for r in ours]
    return out


def _commit() -> str:
    import subprocess

    head = subprocess.run(  # noqa: S603, S607
        ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True
    )
    return head.stdout.strip() or "unknown"


def main() -> None:
    """`python -m benchmarks.loads --load-csv N [--rounds R] [--workdir DIR] [--against PYTHON]`: the CSV
    load, its floor (and another checkout's load); `python -m benchmarks.loads --users N --latency S`: the
    provisioning loads of N users, every side, in one run at that latency (10,000 at 50 ms takes
    gooddata-pipelines 45 min: longer than the full run)."""
    import argparse
    import os
    import tempfile
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--load-csv", type=int, default=100_000, help="rows of the CSV (users in the state)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, help="run the provisioning loads of this many users instead")
    parser.add_argument("--latency", type=float, default=0.05, help="the emulator's answer delay (--users)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--against", help="--load-csv: another checkout's python, its load run as `before`")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = opts.workdir or Path(tmp)
        if opts.users:
            result = bench_loads(opts.users, opts.latency, work)
            result["separate_run"] = {
                "command": f"python -m benchmarks.loads --users {opts.users} --latency {opts.latency:g}",
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "commit": _commit(),
                "load_average": [round(x, 1) for x in os.getloadavg()],
            }
        else:
            result = bench_load_csv(opts.load_csv, work, opts.rounds, opts.against)
            result["load_average"] = [round(x, 1) for x in os.getloadavg()]
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
