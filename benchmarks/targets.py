"""The targets of issues 13 and 14, from one run's results: (target, measured, ratio, verdict)."""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str, str]


def verdict(
    value: float, goal: float, *, at_most: bool = True, unit: str = "×", derived: bool = False
) -> str:
    """'**pass**', or '**FAIL**' and by how much the goal is missed."""
    ok = value <= goal if at_most else value >= goal
    tag = " (derived)" if derived else ""
    if ok:
        return f"**pass**{tag}"
    if at_most:
        return f"**FAIL**{tag}: {value / goal:.2f}× the goal ({value:.2f}{unit} > {goal:g}{unit})"
    return f"**FAIL**{tag}: {goal / value:.2f}× short ({value:.1f}{unit} < {goal:g}{unit})"


def _sec(sizes: dict[str, Any], n: str, step: str, key: str = "seconds") -> Any:
    return sizes.get(n, {}).get(step, {}).get(key)


def issue14(results: dict[str, Any]) -> list[Row]:
    """Issue 14's table, at the largest size measured."""
    sizes, out = results["sizes"], []
    n = max(sizes, key=int, default="0")
    at = f"{int(n):,} users"
    plan = _sec(sizes, n, "plan_changed")
    if plan:
        for step, name, goal in (
            ("floor_nogc", "the GC-off C-loader floor", 1.0),
            ("floor", "the C-loader floor with the collector on (issue 7's)", None),
        ):
            f = _sec(sizes, n, step)
            if f:
                v = plan / f
                out.append(
                    (
                        f"14. plan ÷ {name}, {at}" + (f" ≤ {goal}×" if goal else " (reported, no goal)"),
                        f"plan {plan:.2f} s, floor {f:.2f} s",
                        f"{v:.2f}×",
                        verdict(v, goal) if goal else "–",
                    )
                )
        for step, name, goal in (
            ("apply_changed", "apply", 1.4),
            ("import", "import", 1.0),
            ("render", "render", 0.8),
        ):
            t = _sec(sizes, n, step)
            if t:
                out.append(
                    (
                        f"14. {name} ÷ plan, {at}, ≤ {goal}×",
                        f"{name} {t:.2f} s, plan {plan:.2f} s",
                        f"{t / plan:.2f}×",
                        verdict(t / plan, goal),
                    )
                )
    for step, name, goal in (("apply_changed", "apply", 500), ("plan_changed", "plan", 400)):
        rss = _sec(sizes, n, step, "rss_mib")
        if rss:
            out.append(
                (
                    f"14. peak RSS of {name}, {at}, ≤ {goal} MiB",
                    f"{rss:.0f} MiB",
                    f"{rss / goal:.2f}× the goal",
                    verdict(rss, goal, unit=" MiB"),
                )
            )
    small = results.get("small")
    if small:
        v, y = small["validate_example"]["seconds"], small["import_yaml_jsonschema"]["seconds"]
        out.append(
            (
                "14. `validate` of the 25-user example ÷ `python -c 'import yaml, jsonschema'` ≤ 1.3× "
                f"(medians of {small['version'].get('runs', 5)})",
                f"validate {v:.3f} s, import {y:.3f} s",
                f"{v / y:.2f}×",
                verdict(v / y, 1.3),
            )
        )
        t = small["version"]["seconds"]
        out.append(
            (
                f"14. `reconciler --version` ≤ 0.06 s (median of {small['version'].get('runs', 5)})",
                f"{t:.3f} s",
                "–",
                verdict(t, 0.06, unit=" s"),
            )
        )
    put = sizes.get(n, {}).get("emulator_put")
    if put:
        v = put["seconds"] / put["json_loads"]
        out.append(
            (
                f"14. emulator's {int(n):,}-user PUT ÷ `json.loads` of its body ≤ 1.3×",
                f"PUT {put['seconds']:.2f} s, json.loads {put['json_loads']:.2f} s (medians of 3)",
                f"{v:.2f}×",
                verdict(v, 1.3),
            )
        )
    sdk, apply_t = sizes.get(n, {}).get("sdk"), _sec(sizes, n, "apply_changed")
    if sdk and apply_t:
        for mode, name in (
            ("getput", "gooddata-sdk get + put_declarative_users_user_groups"),
            ("store", "gooddata-sdk store_declarative_users_user_groups (to a directory)"),
            ("loadput", "gooddata-sdk load_and_put_declarative_users_user_groups (from it)"),
        ):
            t = sdk[mode]["seconds"]
            out.append(
                (
                    f"14. peer: {name} ÷ our apply, {at} (no goal)",
                    f"{t:.2f} s vs apply {apply_t:.2f} s",
                    f"{t / apply_t:.2f}×",
                    "–",
                )
            )
    return out


def _load(results: dict[str, Any], users: int, latency: float) -> dict[str, Any] | None:
    for entry in results.get("loads", ()):
        if entry["users"] == users and entry["latency"] == latency:
            return entry  # type: ignore[no-any-return]
    return None


def pipelines_derived(
    results: dict[str, Any], users: int, latency: float, mode: str
) -> tuple[float, int] | None:
    """gooddata-pipelines' time for a load not run at `latency`: its 0 ms time plus its request count times
    the added time per request measured at the size that did run at that latency."""
    base = _load(results, users, 0.0)
    measured = [e for e in results.get("loads", ()) if e["latency"] == latency and "pipelines" in e["sides"]]
    if base is None or "pipelines" not in base["sides"] or not measured:
        return None
    m, m0 = measured[0], _load(results, measured[0]["users"], 0.0)
    if m0 is None or "pipelines" not in m0["sides"]:
        return None
    req = sum(m["sides"]["pipelines"][mode]["requests"].values())
    per_request = (m["sides"]["pipelines"][mode]["seconds"] - m0["sides"]["pipelines"][mode]["seconds"]) / req
    n = sum(base["sides"]["pipelines"][mode]["requests"].values())
    return base["sides"]["pipelines"][mode]["seconds"] + n * per_request, n


def issue13(results: dict[str, Any]) -> list[Row]:
    """Issue 13 acceptance 6: full and incremental loads, ours vs gooddata-pipelines; load of the CSV."""
    out: list[Row] = []
    largest = max((e["users"] for e in results.get("loads", ())), default=0)
    for entry in results.get("loads", ()):
        sides, users, ms = entry["sides"], entry["users"], int(entry["latency"] * 1000)
        theirs = sides.get("pipelines")
        derived = None
        if theirs is None:
            full = pipelines_derived(results, users, entry["latency"], "full")
            inc = pipelines_derived(results, users, entry["latency"], "incremental")
            if full is None or inc is None:
                continue
            derived = {"full": full[0], "incremental": inc[0]}
        for mode in ("full", "incremental"):
            t = derived[mode] if derived else theirs[mode]["seconds"]
            for side, name in (
                ("provisioning", "reconciler.provisioning.UserProvisioner"),
                ("load_apply", "`reconciler load --apply`"),
                ("apply", "`reconciler apply` of state files"),
            ):
                if side not in sides:
                    continue
                ours = sides[side][mode]["seconds"]
                what = "full load" if mode == "full" else f"incremental load of {entry['changed_users']:,}"
                goal = {0: 50, 50: 500}.get(ms) if mode == "full" else None  # the issue's two latencies
                if users < largest:  # the goals are the largest load's (10,000 users)
                    goal = None
                label = f"13. {what} of {users:,} users at {ms} ms: gooddata-pipelines ÷ {name}"
                if side == "apply":  # the engine the loads run on, from state files: context, not a load
                    goal = None
                    label += " (no goal: not a load)"
                else:
                    label += f" ≥ {goal}×" if goal else " (no goal)"
                source = "derived" if derived else "measured"
                out.append(
                    (
                        label,
                        f"pipelines {t:.2f} s ({source}), ours {ours:.2f} s",
                        f"{t / ours:.1f}×",
                        verdict(t / ours, goal, at_most=False, derived=bool(derived)) if goal else "–",
                    )
                )
    sizes = results["sizes"]
    n = max(sizes, key=int, default="0")
    load = _sec(sizes, n, "load_csv")
    # the floor: the csv module and the reconciler's own loader (PyYAML's C loader in older results)
    ours = _sec(sizes, n, "csv_floor_ours")
    floor, by = (ours, "our loader") if ours else (_sec(sizes, n, "csv_floor"), "C loader")
    if load and floor:
        out.append(
            (
                f"13. `reconciler load` of a {int(n):,}-row CSV into the YAML ≤ 2× reading the CSV and the "
                "state files",
                f"load {'> ' if sizes[n]['load_csv'].get('timed_out') else ''}{load:.2f} s, "
                f"csv + {by} {floor:.2f} s",
                f"{load / floor:.2f}×",
                verdict(load / floor, 2.0),
            )
        )
    return out
