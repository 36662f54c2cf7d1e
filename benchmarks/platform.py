"""Issue 16's benchmark (acceptance 6): `python -m benchmarks.platform [--users N] [--projects N]
[--latency MS] [--quick] [--json FILE]`.

`--users` users in `--projects` projects of the older GoodData platform (benchmarks.platform_org: each user a
member of two projects with one of four roles and in one group), on the older-platform emulator answering
after `--latency` ms. Two sides, each a fresh process against its own emulator process seeded alike, measured
in one run:

- the reconciler: (a) `plan` of the state with no change; (b) the 1% change (1% of the users renamed, given
  another role, leaving, or new): `plan`, then `apply --auto-approve`, then a `plan` that must be empty;
- the users brick's call pattern (benchmarks.platform_brick, a model of its HTTP calls from API.md §7, not the
  brick): (a) a run over the unchanged input CSV, (b) a run over the changed CSV.

Requests are counted by the emulator (every request it served, by method). Both sides must end with the
same domain users, project members (role, status) and group members, and those must be what the change
declares. Ratios are brick seconds ÷ reconciler seconds (wall time of each process, start-up included).
Prints a Markdown table and writes `--json` (default benchmarks/platform-results.json).

`python -m benchmarks.platform serve USERS PROJECTS LATENCY_MS` is the emulator process: it prints
`listening on URL DOMAIN` on stderr, then answers lines on stdin: `count` (the requests served since the last
`count`, by method, as JSON), `state` (the end state as JSON); it stops at end of input.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks import platform_org as org_
from benchmarks.measure import PYTHON, bench_env, machine, run
from benchmarks.steps import reconciler

WRITES = ("POST", "PUT", "DELETE")
AUTH = ("/gdc/account/login", "/gdc/account/token")


def serve(users: int, projects: int, latency_ms: float) -> None:
    """The emulator process: seeded with `organization(users, projects)`, answering stdin's commands."""
    from reconciler.emulator.platform import PlatformEmulator

    counts: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    with PlatformEmulator(admin_login=org_.ADMIN, admin_password=org_.PASSWORD) as emu:
        org_.seed(emu, org_.organization(users, projects))
        record = emu.record

        def counted(method: str, path: str, status: int | None, trace_id: str, body: bytes | None) -> None:
            with lock:
                counts["auth" if path.startswith(AUTH) else method] += 1
            record(method, path, status, trace_id, body)

        emu.record = counted  # type: ignore[method-assign]  # every request the emulator logs, counted
        emu.latency = latency_ms / 1000
        print(f"listening on {emu.url} {emu.domain}", file=sys.stderr, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                with lock:
                    out: Any = dict(counts)
                    counts.clear()
            else:
                out = org_.end_state(emu)
            print(json.dumps(out), flush=True)


@dataclass
class Emulator:
    """A running emulator process: its URL, domain, and its stdin/stdout for commands."""

    url: str
    domain: str
    proc: subprocess.Popen[str]

    def ask(self, command: str) -> Any:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(command + "\n")
        stdin.flush()
        return json.loads(stdout.readline())


@contextmanager
def emulator(users: int, projects: int, latency_ms: float) -> Iterator[Emulator]:
    args = [PYTHON, "-m", "benchmarks.platform", "serve", str(users), str(projects), str(latency_ms)]
    proc = subprocess.Popen(  # noqa: S603
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        err: IO[str] | None = proc.stderr
        assert err is not None
        first = err.readline().strip()
        if not first.startswith("listening on "):
            raise RuntimeError(f"emulator did not start: {first!r} {err.read()[-2000:]}")
        _, _, url, domain = first.split()
        yield Emulator(url, domain, proc)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _step(seconds: float, counts: dict[str, int], **extra: Any) -> dict[str, Any]:
    requests = sum(counts.values())
    writes = sum(counts.get(m, 0) for m in WRITES)  # the log-in and log-out are counted under "auth"
    return {
        "seconds": round(seconds, 3),
        "requests": requests,
        "by_method": counts,
        "writes": writes,
        **extra,
    }


def ours(users: int, projects: int, latency: float, work: Path) -> dict[str, Any]:
    """The reconciler's side: plan with no change, then the 1% change planned and applied."""
    before = org_.organization(users, projects)
    after, _ = org_.changed(before, projects)
    groups = org_.all_groups(before, after)
    d = work / "reconciler"
    env = {"BENCH_PASSWORD": org_.PASSWORD}
    d.mkdir(parents=True)
    out: dict[str, Any] = {}
    with emulator(users, projects, latency) as emu:
        org_.write_config(d, emu.url, emu.domain, projects)
        org_.write_state(before, groups, d)
        for step, args, ok, state in (
            ("plan_no_change", ("plan", "--detailed-exitcode"), (0,), None),
            ("plan_change", ("plan", "--detailed-exitcode"), (2,), after),
            ("apply_change", ("apply", "--auto-approve", "--no-commit"), (0,), None),
            ("plan_after_apply", ("plan", "--detailed-exitcode"), (0,), None),
        ):
            if state is not None:
                org_.write_state(state, groups, d)
            m, _ = reconciler(d, *args, ok=ok, extra_env=env)
            out[step] = _step(m.seconds, emu.ask("count"), rss_mib=round(m.rss_mib, 1))
        out["end_state"] = emu.ask("state")
    return out


def brick(users: int, projects: int, latency: float, work: Path) -> dict[str, Any]:
    """The users brick model's side: a run over the unchanged CSV, then over the changed one."""
    before = org_.organization(users, projects)
    after, _ = org_.changed(before, projects)
    d = work / "brick"
    d.mkdir(parents=True)
    out: dict[str, Any] = {}
    with emulator(users, projects, latency) as emu:
        for step, org in (("run_no_change", before), ("run_change", after)):
            rows = d / f"{step}.csv"
            org_.write_brick_csv(org, rows)
            args = [PYTHON, "-m", "benchmarks.platform_brick", emu.url, emu.domain, org_.ADMIN, str(rows)]
            m = run(args, cwd=d, env=bench_env(BENCH_PASSWORD=org_.PASSWORD)).check(f"brick model {step}")
            inner = json.loads(m.stdout.strip().splitlines()[-1])
            if inner["failed"]:
                raise RuntimeError(f"brick model {step}: the server failed {inner['failed'][:5]}")
            out[step] = _step(m.seconds, emu.ask("count"), rss_mib=round(m.rss_mib, 1))
        out["end_state"] = emu.ask("state")
    return out


def measure(users: int, projects: int, latency: float) -> dict[str, Any]:
    """Both sides, the end states compared, the ratios."""
    before = org_.organization(users, projects)
    after, parts = org_.changed(before, projects)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reconciler-platform-bench-") as tmp:
        r = ours(users, projects, latency, Path(tmp))
        b = brick(users, projects, latency, Path(tmp))
    expected = org_.expected_end_state(before, after)
    ours_end, brick_end = r.pop("end_state"), b.pop("end_state")
    plan, apply = r["plan_no_change"]["seconds"], r["apply_change"]["seconds"]
    plan_apply = r["plan_change"]["seconds"] + apply
    return {
        "users": users,
        "projects": projects,
        "latency_ms": latency,
        "memberships": sum(len(m) for m in before.members.values()),
        "change": parts,
        "reconciler": r,
        "brick_model": b,
        "ratios": {
            "no_change": round(b["run_no_change"]["seconds"] / plan, 2),
            "change_apply": round(b["run_change"]["seconds"] / apply, 2),
            "change_plan_and_apply": round(b["run_change"]["seconds"] / plan_apply, 2),
        },
        "same_end_state": ours_end == brick_end,
        "end_state_as_declared": {"reconciler": ours_end == expected, "brick_model": brick_end == expected},
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def markdown(res: dict[str, Any]) -> str:
    """The table: seconds, requests (writes) and the ratio of each step."""
    r, b, q = res["reconciler"], res["brick_model"], res["ratios"]
    declared = res["end_state_as_declared"]

    def yes(ok: bool) -> str:
        return "yes" if ok else "**no**"

    def cell(s: dict[str, Any]) -> str:
        return f"{s['seconds']:.2f} s, {s['requests']:,} requests ({s['writes']:,} writes)"

    plan_apply = {
        "seconds": r["plan_change"]["seconds"] + r["apply_change"]["seconds"],
        "requests": r["plan_change"]["requests"] + r["apply_change"]["requests"],
        "writes": r["plan_change"]["writes"] + r["apply_change"]["writes"],
    }
    lines = [
        f"{res['users']:,} users, {res['memberships']:,} memberships in {res['projects']} projects, "
        f"{res['latency_ms']:g} ms per request; the change: {res['change']} users.",
        "",
        "| step | reconciler | users brick (model) | brick ÷ reconciler |",
        "|---|---|---|---:|",
        f"| (a) no change: `plan` vs a brick run | {cell(r['plan_no_change'])} | "
        f"{cell(b['run_no_change'])} | {q['no_change']:.2f}× |",
        f"| (b) 1% change: `apply --auto-approve` vs a brick run | {cell(r['apply_change'])} | "
        f"{cell(b['run_change'])} | {q['change_apply']:.2f}× |",
        f"| (b) 1% change: `plan` + `apply` vs a brick run | {cell(plan_apply)} | {cell(b['run_change'])} | "
        f"{q['change_plan_and_apply']:.2f}× |",
        "",
        f"Same end state on both sides: {yes(res['same_end_state'])}; as the change declares: reconciler "
        f"{yes(declared['reconciler'])}, brick model {yes(declared['brick_model'])}; the plan after the "
        f"apply is empty. Total {res['total_seconds']} s.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the flags, run both sides, write the JSON, print the Markdown."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "serve":
        serve(int(args[1]), int(args[2]), float(args[3]))
        return {}
    parser = argparse.ArgumentParser(prog="python -m benchmarks.platform", description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--latency", type=float, default=50.0, help="milliseconds before each answer")
    parser.add_argument(
        "--quick", action="store_true", help="400 users in 8 projects, no latency (a smoke run)"
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/platform-results.json"))
    opts = parser.parse_args(args)
    if opts.quick:
        opts.users, opts.projects, opts.latency = 400, 8, 0.0
    results = measure(opts.users, opts.projects, opts.latency)
    results["command"] = "python -m benchmarks.platform " + " ".join(args)
    results["machine"] = machine()
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
