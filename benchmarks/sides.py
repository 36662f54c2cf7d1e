"""The alternatives the harness measures beside the reconciler, each run as `python -m benchmarks.sides KIND`.

Every kind prints one JSON object on stdout with its own inner timings (seconds):
- `floor DIR LIVE [gc|nogc]`: PyYAML's C loader on every state file under DIR/state, then `json.loads` of
  LIVE's bytes; `nogc`: with the garbage collector off for the whole process;
- `csvfloor CSV DIR [c|ours]`: the csv module over CSV's rows, then the C loader (or `ours`: the reconciler's
  own `yamlio.load_marked`) over DIR/state (collector off): what `reconciler load` of that CSV into that
  state must at least read;
- `loads FILE`: `json.loads` of a file's bytes, three times (what the emulator's PUT is compared with);
- `naive LIVE DESIRED`: `DeepDiff(live, desired, ignore_order=True)` over the two whole documents;
- `plandiff LIVE DESIRED`: the reconciler's comparison stage (`make_plan`) over the same two documents;
- `pipelines URL LOADS_JSON` / `provisioning URL LOADS_JSON CA`: gooddata-pipelines' `UserProvisioner` /
  the reconciler's drop-in `reconciler.provisioning.UserProvisioner`, one load per `[mode, users]` entry of
  LOADS_JSON (`full`: `full_load`; `incremental`: `incremental_load` with `is_active`), requests counted
  client-side;
- `sdk URL getput|store|loadput DIR`: gooddata-sdk's `get_declarative_users_user_groups` +
  `put_declarative_users_user_groups`, `store_declarative_users_user_groups(DIR)`, or
  `load_and_put_declarative_users_user_groups(DIR)`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def floor(state_root: Path, live: Path, collector: str = "gc") -> dict[str, Any]:
    """The floor: the C loader over the same files and json.loads of the live document."""
    import gc

    import yaml

    if collector == "nogc":
        gc.disable()
    files = sorted(p for p in (state_root / "state").rglob("*") if p.suffix in (".yaml", ".yml"))
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe C loader
    parsed = time.perf_counter()
    json.loads(live.read_bytes())
    done = time.perf_counter()
    return {"yaml": parsed - started, "json": done - parsed, "files": len(files)}


def csvfloor(csv_file: Path, state_root: Path, loader: str = "c") -> dict[str, Any]:
    """Reading what a load reads: every CSV row (csv module), every state file (`c`: PyYAML's C loader;
    `ours`: the reconciler's own loader, `reconciler.yamlio.load_marked`), collector off."""
    import csv
    import gc

    import yaml

    from reconciler.yamlio import load_marked

    gc.disable()
    started = time.perf_counter()
    with csv_file.open(newline="", encoding="utf-8") as fh:
        rows = sum(1 for _ in csv.DictReader(fh))
    parsed = time.perf_counter()
    for path in sorted(p for p in (state_root / "state").rglob("*") if p.suffix in (".yaml", ".yml")):
        if loader == "ours":
            load_marked(path.read_bytes())
            continue
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe C loader
    done = time.perf_counter()
    return {"csv": parsed - started, "yaml": done - parsed, "rows": rows}


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


def _records(module: Any, mode: str, users: list[dict[str, Any]]) -> list[Any]:
    model = module.UserFullLoad if mode == "full" else module.UserIncrementalLoad
    extra = {} if mode == "full" else {"is_active": True}
    return [
        model(
            user_id=u["id"],
            firstname=u["firstname"],
            lastname=u["lastname"],
            email=u["email"],
            auth_id=u["authId"],
            user_groups=u["userGroups"],
            **extra,
        )
        for u in users
    ]


def _loads(module: Any, provisioner: Any, loads_file: Path) -> dict[str, Any]:
    from benchmarks import counted

    out: dict[str, Any] = {"runs": []}
    for mode, users in json.loads(loads_file.read_text(encoding="utf-8")):
        source = _records(module, mode, users)
        counted.COUNTS.clear()
        started = time.perf_counter()
        if mode == "full":
            provisioner.full_load(source)
        else:
            provisioner.incremental_load(source)
        out["runs"].append(
            {"mode": mode, "seconds": time.perf_counter() - started, "requests": dict(counted.COUNTS)}
        )
    return out


def pipelines(url: str, loads_file: Path) -> dict[str, Any]:
    """gooddata-pipelines' UserProvisioner against the emulator, each load timed and counted."""
    from benchmarks import counted

    counted.install()
    import gooddata_pipelines

    provisioner = gooddata_pipelines.UserProvisioner.create(host=url, token=_token())
    return _loads(gooddata_pipelines, provisioner, loads_file)


def provisioning(url: str, loads_file: Path, ca_bundle: str) -> dict[str, Any]:
    """The reconciler's drop-in UserProvisioner, the same loads (backups into ./prov-backups)."""
    from benchmarks import counted

    counted.install()
    from reconciler import provisioning as module

    provisioner = module.UserProvisioner.create(
        host=url, token=_token(), ca_bundle=ca_bundle, backups_dir=Path("prov-backups")
    )
    return _loads(module, provisioner, loads_file)


def sdk(url: str, mode: str, directory: Path) -> dict[str, Any]:
    """gooddata-sdk's declarative users-and-groups calls, as an admin would script them."""
    from benchmarks import counted

    counted.install()
    from gooddata_sdk import GoodDataSdk

    catalog = GoodDataSdk.create(host_=url, token_=_token()).catalog_user
    started = time.perf_counter()
    if mode == "getput":
        catalog.put_declarative_users_user_groups(catalog.get_declarative_users_user_groups())
    elif mode == "store":
        catalog.store_declarative_users_user_groups(directory)
    else:
        catalog.load_and_put_declarative_users_user_groups(directory)
    return {"seconds": time.perf_counter() - started, "requests": dict(counted.COUNTS)}


def _token() -> str:
    from benchmarks.measure import TOKEN

    return TOKEN


def main(argv: list[str]) -> None:
    """Dispatch on the kind and print its JSON."""
    kind, args = argv[0], argv[1:]
    if kind == "floor":
        result = floor(Path(args[0]), Path(args[1]), *args[2:])
    elif kind == "csvfloor":
        result = csvfloor(Path(args[0]), Path(args[1]), *args[2:])
    elif kind == "loads":
        result = loads(Path(args[0]))
    elif kind == "naive":
        result = naive(Path(args[0]), Path(args[1]))
    elif kind == "plandiff":
        result = plandiff(Path(args[0]), Path(args[1]))
    elif kind == "pipelines":
        result = pipelines(args[0], Path(args[1]))
    elif kind == "provisioning":
        result = provisioning(args[0], Path(args[1]), args[2])
    elif kind == "sdk":
        result = sdk(args[0], args[1], Path(args[2]))
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
