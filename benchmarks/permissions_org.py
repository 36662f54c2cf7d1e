"""Generated workspace permissions for `benchmarks.permissions`, and the emulator process that serves them.

`workspaces(n, org)` is a three-level hierarchy (n/100 top, n/10 middle, the rest leaves) where every
workspace grants a team group ANALYZE, a region group VIEW and one user VIEW. `changed_grants` is the change
both sides make: in every workspace the team group gains EXPORT and a top-level group gains VIEW, and in every
fifth workspace the user loses VIEW. Only direct `permissions`: gooddata-pipelines' PUT carries no
`hierarchyPermissions` and so wipes them (../shared/gooddata/API.md §6): the two sides would differ.

`python -m benchmarks.permissions_org SEED LATENCY [CERT KEY]` serves SEED (users, groups, workspaces) from an
in-memory emulator with that latency (seconds), seeded in-process so no request is spent on seeding.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

from benchmarks import generate
from reconciler.yamlio import dump

Grants = dict[str, dict[tuple[str, str], frozenset[str]]]  # workspace -> (assignee type, id) -> names
REVOKE_EVERY = 5


def hierarchy(n: int) -> list[dict[str, Any]]:
    """`n` workspaces: ids, names and parents, parents before children."""
    n_top = max(1, n // 100)
    n_mid = max(1, n // 10) if n > 2 else 0
    out = [{"id": f"ws-{i:03d}", "name": f"Customer {i}"} for i in range(n_top)]
    mids = [f"ws-{i % n_top:03d}-r{i:04d}" for i in range(n_mid)]
    out += [{"id": m, "name": f"Region {i}", "parent": f"ws-{i % n_top:03d}"} for i, m in enumerate(mids)]
    leaves = n - len(out)
    parents = mids or [w["id"] for w in out]
    out += [
        {"id": f"ws-leaf-{i:05d}", "name": f"Team space {i}", "parent": parents[i % len(parents)]}
        for i in range(leaves)
    ]
    return out[:n]


def grants(workspaces: list[dict[str, Any]], org: generate.Org) -> Grants:
    """Every workspace's direct grants before the change."""
    teams = [g["id"] for g in org.groups if g["id"].startswith("team-")]
    regions = [g["id"] for g in org.groups if "-region-" in g["id"]]
    out: Grants = {}
    for i, w in enumerate(workspaces):
        out[w["id"]] = {
            ("userGroup", teams[i % len(teams)]): frozenset({"ANALYZE"}),
            ("userGroup", regions[i % len(regions)]): frozenset({"VIEW"}),
            ("user", org.users[i % len(org.users)]["id"]): frozenset({"VIEW"}),
        }
    return out


def changed_grants(before: Grants, org: generate.Org) -> Grants:
    """The change: team groups gain EXPORT, a top group gains VIEW everywhere, every fifth user grant goes."""
    top = next(g["id"] for g in org.groups if not g.get("parents"))
    out: Grants = {}
    for i, (ws, held) in enumerate(before.items()):
        new = {a: names | {"EXPORT"} if "ANALYZE" in names else names for a, names in held.items()}
        new[("userGroup", top)] = new.get(("userGroup", top), frozenset()) | {"VIEW"}
        if i % REVOKE_EVERY == 0:
            new = {a: names for a, names in new.items() if a[0] != "user"}
        out[ws] = new
    return out


def permissions_doc(held: dict[tuple[str, str], frozenset[str]]) -> list[dict[str, Any]]:
    """One workspace's grants as the layout's `permissions` list."""
    return [
        {"name": name, "assignee": {"id": aid, "type": kind}}
        for (kind, aid), names in sorted(held.items())
        for name in sorted(names)
    ]


def seed(org: generate.Org, workspaces: list[dict[str, Any]], held: Grants | None) -> dict[str, Any]:
    """The emulator's seed: the users layout plus the workspaces (with `held` permissions, if any)."""
    doc = generate.layout(org)
    doc["workspaces"] = [
        {**w, "permissions": permissions_doc(held[w["id"]]) if held else [], "hierarchyPermissions": []}
        for w in workspaces
    ]
    return doc


CONFIG = """\
state: state
default_target: bench
targets:
  bench:
    host: {host}
    token: $BENCH_TOKEN
policy:
  prune: true
  max_deletions: {{users: 10, groups: 5, grants: 1000000, percent: 100}}
"""


def write_project(root: Path, org: generate.Org, host: str, held: Grants | None) -> None:
    """A project: the users and groups state of benchmarks.generate, plus workspaces.yaml when `held`."""
    generate.write_state(org, root)
    (root / "reconciler.yaml").write_text(CONFIG.format(host=host), encoding="utf-8")
    if held is None:
        return
    kinds = {"user": "user", "userGroup": "group"}
    listed = [
        {
            "id": ws,
            "permissions": [{kinds[k]: aid, "grant": sorted(names)} for (k, aid), names in sorted(g.items())],
        }
        for ws, g in held.items()
    ]
    (root / "state" / "workspaces.yaml").write_text(dump({"workspaces": listed}), encoding="utf-8")


def full_load_rows(held: Grants) -> list[dict[str, str]]:
    """gooddata-pipelines full-load rows: every grant of every workspace."""
    return [
        {"permission": n, "workspace_id": ws, "entity_id": aid, "entity_type": kind}
        for ws, g in held.items()
        for (kind, aid), names in sorted(g.items())
        for n in sorted(names)
    ]


def incremental_rows(before: Grants, after: Grants) -> list[dict[str, Any]]:
    """Incremental rows: for each assignee whose grants change, its new ones active and lost ones inactive."""
    rows = []
    for ws, new in after.items():
        old = before[ws]
        for a in sorted(set(old) | set(new)):
            if old.get(a) == new.get(a):
                continue
            kind, aid = a
            for n in sorted(new.get(a, frozenset()) | old.get(a, frozenset())):
                active = n in new.get(a, frozenset())
                rows.append(
                    {"permission": n, "workspace_id": ws, "entity_id": aid, "entity_type": kind}
                    | {"is_active": active}
                )
    return rows


def serve(seed_file: Path, latency: float, cert: Path | None, key: Path | None) -> None:
    """Seed an in-memory emulator from `seed_file`, serve it, print the URL on stderr, run until SIGTERM."""
    from reconciler.emulator import Emulator, tls_context

    raw = json.loads(seed_file.read_bytes())
    emu = Emulator(latency=latency)
    emu.replace_document({"users": raw["users"], "userGroups": raw["userGroups"]})
    problems = emu.workspaces.load(raw.get("workspaces", []))
    if problems:
        raise SystemExit("; ".join(problems[:5]))
    url = emu.start(ssl_context=tls_context(cert, key) if cert else None)
    print(f"listening on {url}", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    emu.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    args = sys.argv[1:]
    serve(
        Path(args[0]),
        float(args[1]),
        Path(args[2]) if len(args) > 2 else None,
        Path(args[3]) if len(args) > 3 else None,
    )
