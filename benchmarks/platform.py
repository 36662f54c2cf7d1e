"""Issue 16's benchmark (acceptance 6): `python -m benchmarks.platform [--users N] [--projects N]
[--latency MS] [--quick] [--json FILE]`.

An older-platform emulator (in this process, answering after `--latency` ms) holds `--users` domain users in
`--projects` projects (each user a member of two projects, four roles, two groups per project). Measured in
one run, with the same emulator:

1. `reconciler plan` of the imported state (no change), against the users brick's calls for the same
   no-change run;
2. a 1% change (1% of the users get another role in one of their projects): `reconciler plan` + `apply`,
   against the users brick's calls for it.

The users brick is modelled from API.md §7 and issued as real HTTP calls through the same client, one after
the other as the brick makes them: GET every domain user (pages of 1,000); per project GET its roles, its
members and its groups, POST the changed members in batches of 100, and SET the members of every group
the input mentions (the brick does so on every run). Ratios are brick time ÷ reconciler time. Prints a
Markdown table and writes the JSON given by `--json`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.client.platform import PlatformClient
from reconciler.emulator.platform import PlatformEmulator

ADMIN = "bench-admin@acme.example"
PASSWORD = "bench-password-1"
ROLES = ("adminRole", "editorRole", "readOnlyUserRole", "dashboardOnlyRole")


def pid(i: int) -> str:
    return f"b{i:031d}"


def seed(emu: PlatformEmulator, users: int, projects: int) -> dict[str, list[tuple[str, str]]]:
    """The organization; project id → [(login, role)] of its members."""
    rnd = random.Random(16)
    logins = [f"user{i:05d}@acme.example" for i in range(users)]
    for i, login in enumerate(logins):
        emu.add_domain_user(login, first_name=f"First{i}", last_name=f"Last{i}")
    members: dict[str, list[tuple[str, str]]] = {}
    for p in range(projects):
        emu.add_project(pid(p))
        emu.add_member(pid(p), ADMIN, "adminRole")
        members[pid(p)] = []
    for i, login in enumerate(logins):
        for p in {i % projects, (i * 7 + 3) % projects}:
            role = rnd.choice(ROLES)
            emu.add_member(pid(p), login, role)
            members[pid(p)].append((login, role))
    for p in range(projects):
        inside = sorted(login for login, _ in members[pid(p)])
        emu.add_group(pid(p), f"Group {p % 10}", inside[::2])
        emu.add_group(pid(p), f"Group {(p + 1) % 10}", inside[1::2])
    return members


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def reconciler(root: Path, *args: str) -> str:
    env = {"BENCH_PASSWORD": PASSWORD, "NO_COLOR": "1", "GOODDATA_HOST": None, "GOODDATA_TOKEN": None}
    result = CliRunner().invoke(
        cli, ["--config", str(root / "reconciler.yaml"), "-q", *args], env=env, catch_exceptions=False
    )
    if result.exit_code != 0:
        raise SystemExit(f"reconciler {' '.join(args)} failed ({result.exit_code}): {result.output[-2000:]}")
    return result.output


def brick_run(emu: PlatformEmulator, projects: list[str], changed: dict[str, list[tuple[str, str]]]) -> int:
    """The users brick's calls (API.md §7.3–7.4) for a run whose input changes `changed` (project →
    [(login, new role)]); the number of requests it made."""
    before = len(emu.request_log)
    client = PlatformClient(emu.url, domain=emu.domain, login=ADMIN, password=PASSWORD, page_size=1000)
    try:
        client.domain_users()  # §7.3 1: every domain user, to diff the rows' fields
        for p in projects:
            client.roles(p)  # §7.4 1: roles and members
            client.project_users(p)
            groups = client.user_groups(p)  # §7.4 2: the groups the rows name
            items = [
                {"login": login, "role": role, "status": "ENABLED"} for login, role in changed.get(p, [])
            ]
            if items:
                client.set_project_users(p, items)  # §7.4 6: added and changed, batches of 100
            for g in groups:  # §7.4 8: every mentioned group SET to its members, on every run
                client.set_group_members(g["id"], g["members"])
    finally:
        client.close()
    return len(emu.request_log) - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--latency", type=float, default=50.0, help="ms before each answer")
    parser.add_argument("--quick", action="store_true", help="200 users in 5 projects at 2 ms (a smoke run)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.projects, args.latency = 200, 5, 2.0
    with (
        tempfile.TemporaryDirectory() as tmp,
        PlatformEmulator(admin_login=ADMIN, admin_password=PASSWORD) as emu,
    ):
        root = Path(tmp)
        members = seed(emu, args.users, args.projects)
        config = {
            "state": "state",
            "default_target": "legacy",
            "targets": {
                "legacy": {
                    "platform": "gooddata-platform",
                    "host": emu.url,
                    "domain": emu.domain,
                    "login": ADMIN,
                    "password": "$BENCH_PASSWORD",
                    "projects": {f"w{p}": pid(p) for p in range(args.projects)},
                }
            },
            "policy": {"max_deletions": {"users": None, "groups": None, "percent": None, "grants": None}},
        }
        (root / "reconciler.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        (root / "state").mkdir()
        import_s, _ = timed(lambda: reconciler(root, "import", "--force"))
        emu.latency = args.latency / 1000
        emu.clear_request_log()
        plan_s, _ = timed(lambda: reconciler(root, "plan"))
        plan_requests = len(emu.request_log)
        brick_plan_s, brick_plan_requests = timed(lambda: brick_run(emu, sorted(members), {}))

        # 1% of the users get another role in their first project.
        rnd = random.Random(1)
        path = root / "state" / "workspaces.yaml"
        doc = yaml.safe_load(path.read_text())
        chosen = rnd.sample(range(args.users), max(1, args.users // 100))
        changed: dict[str, list[tuple[str, str]]] = {}
        by_ws = {w["id"]: w for w in doc["workspaces"]}
        for i in chosen:
            p = i % args.projects
            uid = f"user{i:05d}_at_acme.example"
            for grant in by_ws[f"w{p}"]["permissions"]:
                if grant["user"] == uid:
                    grant["role"] = ROLES[(ROLES.index(grant["role"]) + 1) % len(ROLES)]
                    changed.setdefault(pid(p), []).append((f"user{i:05d}@acme.example", grant["role"]))
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        emu.clear_request_log()
        apply_s, _ = timed(lambda: reconciler(root, "apply", "--auto-approve", "--no-commit"))
        apply_requests = len(emu.request_log)
        # The brick's run with the same change in its input: its calls are the same whether or not the
        # reconciler applied it first (it POSTs what its input changes; the emulator takes a same-role POST).
        brick_apply_s, brick_apply_requests = timed(lambda: brick_run(emu, sorted(members), changed))
        again = reconciler(root, "plan")

    results = {
        "users": args.users,
        "projects": args.projects,
        "latency_ms": args.latency,
        "changed_memberships": sum(len(v) for v in changed.values()),
        "import_s": round(import_s, 3),
        "plan": {
            "reconciler_s": round(plan_s, 3),
            "reconciler_requests": plan_requests,
            "brick_s": round(brick_plan_s, 3),
            "brick_requests": brick_plan_requests,
            "ratio": round(brick_plan_s / plan_s, 2),
        },
        "change_1pct": {
            "reconciler_s": round(apply_s, 3),
            "reconciler_requests": apply_requests,
            "brick_s": round(brick_apply_s, 3),
            "brick_requests": brick_apply_requests,
            "ratio": round(brick_apply_s / apply_s, 2),
        },
        "plan_after_apply_empty": "No changes" in again or again.strip() == "",
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }
    size = f"{args.users} users, {args.projects} projects, {args.latency:g} ms"
    print(f"| {size} | reconciler | users brick (model) | brick ÷ reconciler |")
    print("|---|---|---|---|")
    for name, key in (("plan, no change", "plan"), ("1% change (plan + apply)", "change_1pct")):
        r = results[key]
        print(
            f"| {name} | {r['reconciler_s']} s, {r['reconciler_requests']} requests | {r['brick_s']} s, "
            f"{r['brick_requests']} requests | {r['ratio']}x |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
