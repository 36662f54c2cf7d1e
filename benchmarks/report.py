"""The harness's Markdown report: the machine, the tables, the targets of issues 7, 13 and 14 with pass/fail
(and by how much a missed goal is missed)."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.targets import issue13, issue14

RTT = 0.050  # a realistic round trip to a GoodData Cloud region, seconds

ROWS = (
    ("validate", "reconciler validate"),
    ("plan_nochange", "reconciler plan, no changes"),
    ("plan_changed", "reconciler plan, 1% changed"),
    ("apply_changed", "reconciler apply, 1% changed (git repo: the backup is committed)"),
    ("plan_after_apply", "reconciler plan after the apply"),
    ("import", "reconciler import"),
    ("render", "reconciler render (offline)"),
    ("load_csv", "reconciler load of the CSV export (full, 1% changed) into the YAML"),
    ("floor", "floor: PyYAML C loader + json.loads (process)"),
    ("floor_nogc", "floor, garbage collector off (process)"),
    ("csv_floor", "load's floor: csv module + C loader, collector off (process)"),
    ("csv_floor_ours", "load's floor: csv module + the reconciler's own loader, collector off (process)"),
    ("plandiff", "reconciler's comparison stage, in one process"),
    ("naive", "naive: DeepDiff(live, desired, ignore_order=True) (process)"),
)


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _get(sizes: dict[str, Any], size: int, step: str, key: str = "seconds") -> Any:
    return sizes.get(str(size), {}).get(step, {}).get(key)


def naive_projection(sizes: dict[str, Any], target: int) -> float | None:
    """DeepDiff time at `target` users, extrapolated from the two largest measured sizes (power law)."""
    measured = sorted((int(n), s["naive"]["deepdiff"]) for n, s in sizes.items() if "naive" in s)
    if len(measured) < 2:
        return None
    (n1, t1), (n2, t2) = measured[-2], measured[-1]
    exponent = math.log(t2 / t1) / math.log(n2 / n1)
    return float(t2 * (target / n2) ** exponent)


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("**pass**" if ok else "**FAIL**")


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(target, measured, ratio, passed) for each target the run has the data for."""
    sizes = results["sizes"]
    out: list[tuple[str, str, str, bool | None]] = []
    big = 100_000 if "100000" in sizes else max((int(n) for n in sizes), default=0)
    plan, floor = _get(sizes, big, "plan_changed"), _get(sizes, big, "floor")
    if plan and floor:
        out.append(
            (
                f"1. plan of {big:,} users, 1% changed, end to end (process) ≤ 2× the floor (process)",
                f"plan {plan:.2f} s, floor {floor:.2f} s",
                f"{plan / floor:.2f}×",
                plan / floor <= 2,
            )
        )
    plan10, naive10 = _get(sizes, 10_000, "plan_changed"), _get(sizes, 10_000, "naive", "deepdiff")
    stage10 = _get(sizes, 10_000, "plandiff", "make_plan")
    if plan10 and naive10:
        out.append(
            (
                "2a. at 10,000 users: plan end to end (process) ≥ 50× faster than the DeepDiff call alone",
                f"DeepDiff {naive10:.2f} s, plan {plan10:.2f} s",
                f"{naive10 / plan10:.1f}×",
                naive10 / plan10 >= 50,
            )
        )
    if stage10 and naive10:
        out.append(
            (
                "2b. at 10,000 users: the plan's comparison (make_plan) ≥ 50× faster than DeepDiff",
                f"DeepDiff {naive10:.2f} s, make_plan {stage10:.3f} s",
                f"{naive10 / stage10:.0f}×",
                naive10 / stage10 >= 50,
            )
        )
    p = next((e for e in results.get("loads", ()) if e["latency"] == 0 and "pipelines" in e["sides"]), None)
    if p and "apply" in p["sides"]:
        theirs, ours = p["sides"]["pipelines"]["full"]["seconds"], p["sides"]["apply"]["full"]["seconds"]
        out.append(
            (
                f"3. creating {p['users']:,} users ≥ 50× faster than gooddata-pipelines (same emulator)",
                f"pipelines {theirs:.1f} s, reconciler apply {ours:.2f} s",
                f"{theirs / ours:.1f}×",
                theirs / ours >= 50,
            )
        )
    rss = _get(sizes, big, "plan_changed", "rss_mib")
    if rss:
        out.append(
            (
                f"4a. peak RSS of plan at {big:,} users < 1 GiB",
                f"{rss:.0f} MiB",
                f"{rss / 1024:.2f} GiB",
                rss < 1024,
            )
        )
    for step, name in (("validate", "validate"), ("plan_changed", "plan (1% changed)")):
        a, b = _get(sizes, 10_000, step), _get(sizes, 100_000, step)
        if a and b:
            out.append(
                (
                    f"4b. {name} scales linearly: 10k → 100k ≤ 12×",
                    f"{a:.2f} s → {b:.2f} s",
                    f"{b / a:.1f}×",
                    b / a <= 12,
                )
            )
    put = sizes.get(str(big), {}).get("emulator_put")
    if put:
        out.append(
            (
                f"5. emulator stores a {big:,}-user PUT ≤ 2× json.loads of its body",
                f"PUT {put['seconds']:.2f} s, json.loads {put['json_loads']:.2f} s (medians of 3)",
                f"{put['seconds'] / put['json_loads']:.2f}×",
                put["seconds"] / put["json_loads"] <= 2,
            )
        )
    return out


def _requests(counts: dict[str, int]) -> int:
    return sum(counts.values())


def markdown(results: dict[str, Any]) -> str:
    """The whole report."""
    m, sizes = results["machine"], results["sizes"]
    names = sorted(sizes, key=int)
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM, Python {m['python']}, {m['os']}.",
        f"Command: `{results['command']}` (total {results.get('total_seconds', 0):.0f} s).",
        f"Date: {results.get('date', 'not recorded')}; commit `{results.get('commit', 'not recorded')}`; "
        f"load average (1, 5, 15 min) at the start {results.get('load_average_start', '?')}, at the end "
        f"{results.get('load_average_now', '?')} (2 cores shared with other work).",
        "",
        "| step | " + " | ".join(f"{int(n):,} users" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for key, label in ROWS:
        cells = []
        for n in names:
            step = sizes[n].get(key)
            if step is not None and step.get("timed_out"):
                cells.append(f"> {step['seconds']:.0f} s (stopped)")
            else:
                cells.append("–" if step is None else f"{step['seconds']:.2f} s, {step['rss_mib']:.0f} MiB")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    projected = naive_projection(sizes, 100_000)
    if "100000" in sizes and "naive" not in sizes["100000"] and projected is not None:
        lines[-1] = lines[-1][: lines[-1].rfind("|", 0, -1)] + f"| ~{projected:.0f} s (**projection**) |"
    for key, label in (("yaml", "floor: C loader only"), ("json", "floor: json.loads of the live document")):
        lines.append(
            f"| {label} | " + " | ".join(_s(sizes[n].get("floor", {}).get(key)) for n in names) + " |"
        )
    lines.append(
        "| reconciler's comparison alone (make_plan) | "
        + " | ".join(_s(sizes[n].get("plandiff", {}).get("make_plan")) for n in names)
        + " |"
    )
    lines.append(
        "| naive: DeepDiff alone | "
        + " | ".join(_s(sizes[n].get("naive", {}).get("deepdiff")) for n in names)
        + " |"
    )
    lines.append(
        "| emulator: PUT of the whole layout (median of 3) | "
        + " | ".join(_s(sizes[n].get("emulator_put", {}).get("seconds")) for n in names)
        + " |"
    )
    lines.append(
        "| json.loads of that PUT body (median of 3) | "
        + " | ".join(_s(sizes[n].get("emulator_put", {}).get("json_loads")) for n in names)
        + " |"
    )
    lines.append(
        "| state files / live document | "
        + " | ".join(f"{sizes[n]['state_mib']} MiB / {sizes[n]['live_mib']} MiB" for n in names)
        + " |"
    )
    lines.append(
        "| plan after apply (must be empty) | "
        + " | ".join(sizes[n]["plan_after_apply"]["summary"].split(".")[0] for n in names)
        + " |"
    )
    lines.append(
        "| plan after loading the CSV (must be empty; run up to 10,000 users) | "
        + " | ".join(sizes[n].get("load_csv", {}).get("plan_after", "–").split(".")[0] for n in names)
        + " |"
    )
    lines += _sdk_rows(sizes, names)
    lines += _small(results.get("small"))
    for entry in results.get("loads", ()):
        lines += _loads(entry)
    lines += ["", "| target | measured | ratio | result |", "|---|---|---:|---|"]
    for name, measured, ratio, ok in targets(results):
        lines.append(f"| {name} | {measured} | {ratio} | {_verdict(ok)} |")
    for row in issue14(results) + issue13(results):
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _sdk_rows(sizes: dict[str, Any], names: list[str]) -> list[str]:
    out = []
    for mode, label in (
        ("getput", "gooddata-sdk get + put_declarative_users_user_groups (process)"),
        ("store", "gooddata-sdk store_declarative_users_user_groups to a directory (process)"),
        ("loadput", "gooddata-sdk load_and_put_declarative_users_user_groups from it (process)"),
    ):
        cells = []
        for n in names:
            step = sizes[n].get("sdk", {}).get(mode)
            cells.append("–" if step is None else f"{step['seconds']:.2f} s, {step['rss_mib']:.0f} MiB")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def _small(small: dict[str, Any] | None) -> list[str]:
    if not small:
        return []
    runs = small["version"].get("runs", 5)
    out = ["", f"Start-up (medians of {runs} processes, the repository's 25-user example):", ""]
    out += ["| command | wall | peak RSS |", "|---|---:|---:|"]
    for key, label in (
        ("version", "`reconciler --version`"),
        ("validate_example", "`reconciler validate` of the example"),
        ("import_yaml_jsonschema", "`python -c 'import yaml, jsonschema'`"),
        ("python_pass", "`python -c pass`"),
    ):
        out.append(f"| {label} | {small[key]['seconds']:.3f} s | {small[key]['rss_mib']:.0f} MiB |")
    return out


LOAD_SIDES = (
    ("pipelines", "gooddata-pipelines UserProvisioner"),
    ("provisioning", "reconciler.provisioning.UserProvisioner"),
    ("load_apply", "`reconciler load --apply` (CSV)"),
    ("apply", "`reconciler apply` (state files; incremental = the 1%-changed state)"),
)


def _loads(entry: dict[str, Any]) -> list[str]:
    ms = int(entry["latency"] * 1000)
    separate = entry.get("separate_run")
    out = [
        "",
        (
            f"In a separate run (`{separate['command']}`, {separate['date']}, commit `{separate['commit']}`, "
            f"load average at its end {separate['load_average']}; every side below is from that one run): "
            if separate
            else ""
        )
        + f"Provisioning {entry['users']:,} users at {ms} ms latency: a full load into an organization with "
        f"only the groups, then an incremental load of {entry['changed_users']:,} changed users; each side "
        "on a fresh emulator (`--latency`; TLS, except plain HTTP for the drop-in provisioner), requests "
        "counted client-side:",
        "",
        "| side | full load | requests | incremental 1% | requests | same users as expected |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key, label in LOAD_SIDES:
        side = entry["sides"].get(key)
        if side is None:
            out.append(f"| {label} | not run at this size and latency | | | | |")
            continue
        cells = [label]
        for mode in ("full", "incremental"):
            cells += [f"{side[mode]['seconds']:.2f} s", f"{_requests(side[mode]['requests']):,}"]
        cells.append("yes" if side["same_users"] else "NO (" + ", ".join(side["differing_users"]) + ")")
        out.append("| " + " | ".join(cells) + " |")
    return out


if __name__ == "__main__":  # `python -m benchmarks.report results.json`: the report of a saved run
    import json
    import sys
    from pathlib import Path

    print(markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), end="")
