"""Issue 12's benchmark of permissions:
`python -m benchmarks.permissions [--workspaces N] [--users N] [--latency MS] [--quick]`.

1. The same change to the permissions of every workspace (benchmarks.permissions_org), made by
   `reconciler plan` + `reconciler apply --auto-approve` and by gooddata-pipelines' PermissionProvisioner
   (`incremental_load`, then on a fresh emulator `full_load`), each side in its own process against its own
   emulator process (TLS, as pipelines needs it) answering after `--latency` ms. Pipelines makes several
   sequential requests per workspace, so it runs on `--pipelines-workspaces` workspaces and its time is
   scaled linearly to `--workspaces` (the table says which numbers are scaled). Both sides must end with the
   permissions the change declares.
2. `reconciler plan` of `--plan-users` users with `--workspaces` workspaces against the users-only plan of
   the same users (1% of users changed in both; the workspace change in the first), same latency.
   `--scale-only` runs this part alone and replaces its numbers in the `--json` file (part 1's are kept).

Prints a Markdown table with pass/fail against the targets and writes benchmarks/permissions-results.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from benchmarks import generate
from benchmarks import permissions_org as po
from benchmarks.measure import PYTHON, TOKEN, bench_env, machine, make_certificate, run
from benchmarks.run import reconciler

SPEEDUP_TARGET = 20.0
PLAN_RATIO_TARGET = 2.0


@contextmanager
def emulator(seed: dict[str, Any], d: Path, latency: float, tls: tuple[Path, Path] | None) -> Iterator[str]:
    """An emulator process serving `seed` (benchmarks.permissions_org), its URL; stopped on exit."""
    d.mkdir(parents=True, exist_ok=True)
    seed_file = d / "seed.json"
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    args = [PYTHON, "-m", "benchmarks.permissions_org", str(seed_file), str(latency)]
    args += [str(p) for p in tls or ()]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().decode().strip()
        if not first.startswith("listening on "):
            raise RuntimeError(f"emulator did not start: {first!r} {proc.stderr.read().decode()[-2000:]}")
        yield first.split()[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()


def live_grants(url: str, ids: list[str], cert: Path | None) -> po.Grants:
    """The direct permissions of workspaces `ids` as the server holds them (read 16 at a time)."""

    def one(ws: str) -> tuple[str, dict[tuple[str, str], frozenset[str]]]:
        r = requests.get(
            f"{url}/api/v1/layout/workspaces/{ws}/permissions",
            headers={"Authorization": f"Bearer {TOKEN}"},
            verify=str(cert) if cert else True,
            timeout=120,
        )
        r.raise_for_status()
        held: dict[tuple[str, str], set[str]] = {}
        for p in r.json().get("permissions", []):
            held.setdefault((p["assignee"]["type"], p["assignee"]["id"]), set()).add(p["name"])
        return ws, {a: frozenset(n) for a, n in held.items()}

    with ThreadPoolExecutor(max_workers=16) as ex:
        return dict(ex.map(one, ids))


def pipelines_side(url: str, rows_file: Path, mode: str) -> dict[str, Any]:
    """Run in its own process: PermissionProvisioner.{mode} of the rows, timed and requests counted."""
    from benchmarks import counted

    counted.install()
    import gooddata_pipelines as gp

    rows = json.loads(rows_file.read_text(encoding="utf-8"))
    started = time.perf_counter()
    provisioner = gp.PermissionProvisioner.create(host=url, token=TOKEN)
    if mode == "full_load":
        provisioner.full_load([gp.PermissionFullLoad(**r) for r in rows])
    else:
        provisioner.incremental_load([gp.PermissionIncrementalLoad(**r) for r in rows])
    return {"seconds": time.perf_counter() - started, "requests": dict(counted.COUNTS), "rows": len(rows)}


def _same(a: po.Grants, b: po.Grants) -> bool:
    return {w: {k: v for k, v in g.items() if v} for w, g in a.items()} == {
        w: {k: v for k, v in g.items() if v} for w, g in b.items()
    }


def compare(n_ws: int, n_pipe: int, users: int, latency: float, work: Path) -> dict[str, Any]:
    """Part 1: reconciler at `n_ws` workspaces, pipelines at `n_pipe`, the same change, same latency."""
    d = work / "compare"
    d.mkdir(parents=True)
    cert, key = make_certificate(d)
    tls_env = {"REQUESTS_CA_BUNDLE": str(cert), "SSL_CERT_FILE": str(cert)}
    org = generate.organization(users)
    out: dict[str, Any] = {"workspaces": n_ws, "pipelines_workspaces": n_pipe, "users": users}
    spaces = po.hierarchy(n_ws)
    before = po.grants(spaces, org)
    after = po.changed_grants(before, org)
    out["grants_before"] = sum(len(n) for g in before.values() for n in g.values())
    out["grants_after"] = sum(len(n) for g in after.values() for n in g.values())
    with emulator(po.seed(org, spaces, before), d / "ours", latency, (cert, key)) as url:
        project = d / "ours"
        po.write_project(project, org, url, after)
        ca = ("--ca-bundle", str(cert))
        for step, args, ok in (
            ("plan", ("plan", "--detailed-exitcode", *ca), (2,)),
            ("apply", ("apply", "--auto-approve", "--no-commit", *ca), (0,)),
            ("plan_after_apply", ("plan", "--detailed-exitcode", *ca), (0,)),
        ):
            m, c = reconciler(project, *args, ok=ok, extra_env=tls_env)
            out[step] = {"seconds": round(m.seconds, 3), "rss_mib": round(m.rss_mib, 1), "requests": c}
        ours = live_grants(url, list(after), cert)
    out["reconciler_reaches_change"] = _same(ours, after)
    sub = {w["id"] for w in spaces[:n_pipe]}
    sub_spaces = [w for w in spaces if w["id"] in sub]
    sub_before = {w: g for w, g in before.items() if w in sub}
    sub_after = {w: g for w, g in after.items() if w in sub}
    for mode, rows in (
        ("incremental_load", po.incremental_rows(sub_before, sub_after)),
        ("full_load", po.full_load_rows(sub_after)),
    ):
        with emulator(po.seed(org, sub_spaces, sub_before), d / mode, latency, (cert, key)) as url:
            rows_file = d / mode / "rows.json"
            rows_file.write_text(json.dumps(rows), encoding="utf-8")
            m = run(
                [PYTHON, "-m", "benchmarks.permissions", "pipelines", url, str(rows_file), mode],
                cwd=d / mode,
                env=bench_env(**tls_env),
            ).check(f"gooddata-pipelines {mode}")
            inner = json.loads(m.stdout.strip().splitlines()[-1])
            theirs = live_grants(url, sorted(sub), cert)
        # the process's fixed cost (start, imports) once, the provisioning itself per workspace
        fixed = max(0.0, m.seconds - inner["seconds"])
        scaled = fixed + inner["seconds"] / max(1, n_pipe) * n_ws
        out[mode] = {
            "seconds": round(m.seconds, 3),
            "inner_seconds": round(inner["seconds"], 3),
            "rss_mib": round(m.rss_mib, 1),
            "requests": inner["requests"],
            "rows": inner["rows"],
            "scaled_seconds": round(scaled, 1),
            "measured_at_workspaces": n_pipe,
            "same_permissions_as_reconciler": _same(theirs, {w: ours[w] for w in sub}),
        }
    return out


def plan_scale(users: int, n_ws: int, latency: float, work: Path) -> dict[str, Any]:
    """Part 2: plan with workspaces against the users-only plan of the same users (1% changed)."""
    d = work / "scale"
    org = generate.organization(users)
    new = generate.changed(org)
    spaces = po.hierarchy(n_ws)
    before = po.grants(spaces, org)
    after = po.changed_grants(before, org)
    out: dict[str, Any] = {"users": users, "workspaces": n_ws}
    for name, seeded, held in (("users_only", [], None), ("with_workspaces", spaces, after)):
        with emulator(po.seed(org, seeded, before if seeded else None), d / name, latency, None) as url:
            project = d / name
            po.write_project(project, new, url, held)
            m, c = reconciler(project, "plan", "--detailed-exitcode", ok=(2,))
            out[name] = {"seconds": round(m.seconds, 3), "rss_mib": round(m.rss_mib, 1), "requests": c}
    return out


def _row(what: str, measured: str, ratio: float, target: str, ok: bool) -> str:
    return f"| {what} | {measured} | {ratio:.1f}× | {target} | {'**pass**' if ok else '**FAIL**'} |"


def markdown(r: dict[str, Any]) -> str:
    """The table of ratios, with which numbers are measured and which scaled."""
    c, s = r["compare"], r["scale"]
    n, p = c["workspaces"], c["pipelines_workspaces"]
    plan, apply = c["plan"]["seconds"], c["apply"]["seconds"]
    how = "measured" if p == n else "scaled"  # pipelines run at the benchmark's own size is not scaled
    theirs_at = (
        f"gooddata-pipelines measured at the same {n:,} workspaces (not scaled)"
        if p == n
        else f"gooddata-pipelines measured at {p:,} workspaces and **scaled** to {n:,} (its process start "
        f"once, its provisioning time ×{n / max(1, p):g}: it makes the same requests for every workspace)"
    )
    lines = [
        f"Command: `{r['command']}`; latency {r['latency_ms']:g} ms per request; "
        f"{r['machine']['nproc']} CPUs; total {r['total_seconds']} s.",
        "",
        f"Reconciler measured at {n:,} workspaces ({c['users']:,} users); {theirs_at}.",
        "",
        "| side | measured | requests | at the benchmark's size |",
        "|---|---:|---:|---:|",
        f"| reconciler plan | {plan:.2f} s | {sum(c['plan']['requests'].values())} | "
        f"{plan:.2f} s (measured) |",
        f"| reconciler apply | {apply:.2f} s | {sum(c['apply']['requests'].values())} | "
        f"{apply:.2f} s (measured) |",
    ]
    for mode in ("incremental_load", "full_load"):
        m = c[mode]
        lines.append(
            f"| pipelines {mode} ({p:,} workspaces) | {m['seconds']:.2f} s | {sum(m['requests'].values())} | "
            f"{m['scaled_seconds']:.1f} s ({how if p == n else '**scaled**'}) |"
        )
    lines += [
        "",
        "| target | measured | ratio | target | result |",
        "|---|---|---:|---|---|",
    ]
    for mode in ("incremental_load", "full_load"):
        theirs = c[mode]["scaled_seconds"]
        for label, ours in (("apply", apply), ("plan + apply", plan + apply)):
            ratio = theirs / ours
            lines.append(
                _row(
                    f"{label} of {n:,} workspaces vs pipelines {mode}",
                    f"{ours:.2f} s vs {theirs:.1f} s ({how})",
                    ratio,
                    f"≥ {SPEEDUP_TARGET:g}×",
                    ratio >= SPEEDUP_TARGET,
                )
            )
    ws, uo = s["with_workspaces"]["seconds"], s["users_only"]["seconds"]
    ratio = ws / uo
    lines.append(
        _row(
            f"plan of {s['users']:,} users + {s['workspaces']:,} workspaces vs users-only plan",
            f"{ws:.2f} s vs {uo:.2f} s (both measured)",
            ratio,
            f"≤ {PLAN_RATIO_TARGET:g}×",
            ratio <= PLAN_RATIO_TARGET,
        )
    )
    if "command" in s:  # part 2 rerun alone (--scale-only): say when and how
        lines += ["", f"The plan-scaling row is from a later run of part 2 alone: `{s['command']}`."]
    same = c["reconciler_reaches_change"] and all(
        c[m]["same_permissions_as_reconciler"] for m in ("incremental_load", "full_load")
    )
    lines += ["", f"Both sides end with the same workspace permissions: {'yes' if same else '**no**'}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the flags, run both parts, write the JSON, print the Markdown."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "pipelines":
        result = pipelines_side(args[1], Path(args[2]), args[3])
        print(json.dumps(result))
        return result
    parser = argparse.ArgumentParser(prog="python -m benchmarks.permissions", description=__doc__)
    parser.add_argument("--workspaces", type=int, default=2000)
    parser.add_argument("--users", type=int, default=1000, help="users of the pipelines comparison")
    parser.add_argument("--plan-users", type=int, default=100_000, help="users of the plan-scaling part")
    parser.add_argument("--pipelines-workspaces", type=int, default=200)
    parser.add_argument("--latency", type=float, default=50.0, help="milliseconds per request")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no latency (a smoke test)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/permissions-results.json"))
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="run only part 2 (the plan-scaling plans) and replace its results in --json, keeping part 1's",
    )
    opts = parser.parse_args(args)
    if opts.quick:
        opts.workspaces, opts.users, opts.plan_users, opts.pipelines_workspaces = 12, 60, 200, 6
        opts.latency = 0.0
    work = Path(tempfile.mkdtemp(prefix="reconciler-perm-bench-"))
    started = time.perf_counter()
    latency = opts.latency / 1000
    try:
        n_pipe = min(opts.pipelines_workspaces, opts.workspaces)
        command = "python -m benchmarks.permissions " + " ".join(args)
        if opts.scale_only:
            results = json.loads(opts.json.read_text(encoding="utf-8"))
            results["scale"] = plan_scale(opts.plan_users, opts.workspaces, latency, work)
            results["scale"]["command"] = command
            results["scale"]["machine"] = machine()
            results["scale"]["latency_ms"] = opts.latency
        else:
            results = {
                "command": command,
                "machine": machine(),
                "latency_ms": opts.latency,
                "compare": compare(opts.workspaces, n_pipe, opts.users, latency, work),
                "scale": plan_scale(opts.plan_users, opts.workspaces, latency, work),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (results["scale"] if opts.scale_only else results)["total_seconds"] = round(
        time.perf_counter() - started, 1
    )
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
