"""The alternatives the harness measures beside the reconciler, each run as `python -m benchmarks.sides KIND`.

Every kind prints one JSON object on stdout with its own inner timings (seconds):
- `floor DIR LIVE`: PyYAML's C loader on every state file under DIR/state, then `json.loads` of LIVE's bytes;
- `loads FILE`: `json.loads` of a file's bytes, three times (what the emulator's PUT is compared with);
- `naive LIVE DESIRED`: `DeepDiff(live, desired, ignore_order=True)` over the two whole documents;
- `plandiff LIVE DESIRED`: the reconciler's comparison stage (`make_plan`) over the same two documents;
- `pipelines URL USERS_JSON`: gooddata-pipelines `UserProvisioner.full_load` of the users in USERS_JSON
  (a list of full loads: the first creates, the next ones change), counting requests client-side.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def floor(state_root: Path, live: Path) -> dict[str, Any]:
    """The floor: the C loader over the same files and json.loads of the live document."""
    import yaml

    files = sorted(p for p in (state_root / "state").rglob("*") if p.suffix in (".yaml", ".yml"))
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe C loader
    parsed = time.perf_counter()
    json.loads(live.read_bytes())
    done = time.perf_counter()
    return {"yaml": parsed - started, "json": done - parsed, "files": len(files)}


def loads(path: Path) -> dict[str, Any]:
    """json.loads of a file's bytes (read before the clock starts), three times."""
    body = path.read_bytes()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        json.loads(body)
        times.append(time.perf_counter() - started)
    return {"json": times, "bytes": len(body)}


def naive(live: Path, desired: Path) -> dict[str, Any]:
    """The naive design: one DeepDiff over both whole documents (loading not timed)."""
    from deepdiff import DeepDiff

    a, b = json.loads(live.read_bytes()), json.loads(desired.read_bytes())
    started = time.perf_counter()
    result = DeepDiff(a, b, ignore_order=True)
    return {"deepdiff": time.perf_counter() - started, "reported": sum(len(v) for v in result.values())}


def plandiff(live: Path, desired: Path) -> dict[str, Any]:
    """The reconciler's design on the naive side's inputs: canonical forms, keyed compare, detail, digests."""
    from reconciler.plan import PlanContext, make_plan

    a, b = json.loads(live.read_bytes()), json.loads(desired.read_bytes())
    started = time.perf_counter()
    plan = make_plan(a, b, target="bench", context=PlanContext())
    return {"make_plan": time.perf_counter() - started, "changes": len(plan.changes)}


def pipelines(url: str, loads_file: Path) -> dict[str, Any]:
    """gooddata-pipelines full loads against the emulator, timed and counted one by one."""
    from benchmarks import counted

    counted.install()
    from gooddata_pipelines import UserFullLoad, UserProvisioner

    out: dict[str, Any] = {"runs": []}
    for users in json.loads(loads_file.read_text(encoding="utf-8")):
        source = [
            UserFullLoad(
                user_id=u["id"],
                firstname=u["firstname"],
                lastname=u["lastname"],
                email=u["email"],
                auth_id=u["authId"],
                user_groups=u["userGroups"],
            )
            for u in users
        ]
        counted.COUNTS.clear()
        started = time.perf_counter()
        provisioner = UserProvisioner.create(host=url, token=_token())
        provisioner.full_load(source)
        out["runs"].append({"seconds": time.perf_counter() - started, "requests": dict(counted.COUNTS)})
    return out


def _token() -> str:
    from benchmarks.measure import TOKEN

    return TOKEN


def main(argv: list[str]) -> None:
    """Dispatch on the kind and print its JSON."""
    kind, args = argv[0], argv[1:]
    if kind == "floor":
        result = floor(Path(args[0]), Path(args[1]))
    elif kind == "loads":
        result = loads(Path(args[0]))
    elif kind == "naive":
        result = naive(Path(args[0]), Path(args[1]))
    elif kind == "plandiff":
        result = plandiff(Path(args[0]), Path(args[1]))
    elif kind == "pipelines":
        result = pipelines(args[0], Path(args[1]))
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
