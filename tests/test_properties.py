"""Invariants of the reconcile loop over generated organizations and edits (issue 6), through the library
API against one in-process emulator per test (the document is reset for every example)."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.apply import ApplyOptions, apply_plan
from reconciler.config import Config, MaxDeletions, Policy
from reconciler.emulator import Emulator
from reconciler.engine import Session, TargetChoice, load_desired, open_session
from reconciler.errors import StateError
from reconciler.importer import write_state
from reconciler.layout import canonical, render
from reconciler.source.model import DesiredState, Entry, Location
from reconciler.targets import TargetSpec

TOKEN = "tok-properties-6402"
SETTINGS = settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
GROUP_POOL = [f"g{i}" for i in range(5)]
USER_POOL = [f"u{i}" for i in range(7)]
IGNORED = ["svc-a", "svc-b"]


@st.composite
def groups(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Groups in state shape; parents only name earlier groups, so there is never a cycle."""
    ids = draw(st.lists(st.sampled_from(GROUP_POOL), unique=True, max_size=len(GROUP_POOL)))
    out = []
    for i, gid in enumerate(ids):
        group: dict[str, Any] = {"id": gid}
        if draw(st.booleans()):
            group["name"] = draw(st.sampled_from(["Team", "Ops", "Ünïcode ✓", ""]))
        parents = draw(st.lists(st.sampled_from(ids[:i]), unique=True)) if i else []
        # An omitted `parents` is not managed: the live one is carried over (tested separately below).
        if parents or draw(st.booleans()):
            group["parents"] = parents
        out.append(group)
    return out


@st.composite
def users(draw: st.DrawFn, group_ids: list[str]) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(USER_POOL), unique=True, max_size=len(USER_POOL)))
    out = []
    for uid in ids:
        user: dict[str, Any] = {"id": uid}
        for key, values in (
            ("email", [f"{uid}@example.com", f"{uid}@other.example"]),
            ("firstname", ["Jane", "Jöe", "李"]),
            ("authId", [f"auth0|{uid}"]),
        ):
            if draw(st.booleans()):
                user[key] = draw(st.sampled_from(values))
        if group_ids and draw(st.booleans()):
            user["userGroups"] = draw(st.lists(st.sampled_from(group_ids), unique=True, min_size=1))
        out.append(user)
    return out


@st.composite
def states(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    gs = draw(groups())
    return {"groups": gs, "users": draw(users([g["id"] for g in gs]))}


def to_layout(state: dict[str, list[dict[str, Any]]], ignored: list[str]) -> dict[str, Any]:
    """A live organization: the state in layout shape, the bootstrap pair, and some ignored users."""

    def refs(ids: list[str]) -> list[dict[str, str]]:
        return [{"id": i, "type": "userGroup"} for i in ids]

    groups_ = [{"id": "adminGroup"}] + [
        {**{k: v for k, v in g.items() if k != "parents"}, "parents": refs(g.get("parents", []))}
        for g in state["groups"]
    ]
    users_ = [{"id": "admin", "userGroups": refs(["adminGroup"])}]
    users_ += [
        {**{k: v for k, v in u.items() if k != "userGroups"}, "userGroups": refs(u.get("userGroups", []))}
        for u in state["users"]
    ]
    first = state["groups"][0]["id"] if state["groups"] else "adminGroup"
    users_ += [{"id": i, "userGroups": refs([first])} for i in ignored]
    return {"users": users_, "userGroups": groups_}


def to_desired(state: dict[str, list[dict[str, Any]]], *, reverse: bool = False) -> DesiredState:
    def entries(kind: str, items: list[dict[str, Any]]) -> dict[str, Entry]:
        ordered = list(reversed(items)) if reverse else items
        return {
            item["id"]: Entry(
                kind,  # type: ignore[arg-type]
                item["id"],
                {k: v for k, v in item.items() if k != "id"},
                Location("generated.yaml", n + 1, 1),
            )
            for n, item in enumerate(ordered)
        }

    return DesiredState(users=entries("user", state["users"]), groups=entries("group", state["groups"]))


def make_config(root: Path, url: str) -> Config:
    return Config(
        path=None,
        root=root,
        state_dir=root / "state",
        backups_dir=root / "backups",
        default_target="test",
        targets={"local": TargetSpec("local"), "test": TargetSpec("test", host=url, token="$PROP_TOKEN")},
        policy=Policy(
            ignore_users=("svc-*",), max_deletions=MaxDeletions(users=None, groups=None, percent=None)
        ),
    )


@contextmanager
def organization(tmp_path: Path) -> Iterator[tuple[Emulator, Session]]:
    with Emulator(token=TOKEN) as emu:
        config = make_config(tmp_path, emu.url)
        with open_session(config, TargetChoice(name="test", env={"PROP_TOKEN": TOKEN})) as session:
            yield emu, session


def ids(doc: dict[str, Any], key: str) -> set[str]:
    return {e["id"] for e in doc[key]}


CYCLES: list[int] = []
NO_COMMIT = ApplyOptions(commit=False, lock_wait=0)


def test_apply_then_plan_is_empty_and_nothing_declared_or_protected_is_lost(tmp_path: Path) -> None:
    with organization(tmp_path) as (emu, session):

        @SETTINGS
        @given(live=states(), desired=states(), ignored=st.lists(st.sampled_from(IGNORED), unique=True))
        @example(  # g1 keeps its live parent g0 (parents omitted), and g0 declares g1: a cycle
            live={"groups": [{"id": "g0"}, {"id": "g1", "parents": ["g0"]}], "users": []},
            desired={"groups": [{"id": "g1"}, {"id": "g0", "parents": ["g1"]}], "users": []},
            ignored=[],
        )
        def check(live: dict[str, Any], desired: dict[str, Any], ignored: list[str]) -> None:
            before = to_layout(live, ignored)
            emu.replace_document(before)
            state = to_desired(desired)
            emu.clear_request_log()
            try:
                plan = session.plan_state(state)
            except StateError as e:
                # Carried-over live parents close a cycle with declared ones: refused before any write.
                assert "cycle once the live parents of" in str(e)
                assert not [r for r in emu.request_log if r.method == "PUT"]
                CYCLES.append(1)
                return
            apply_plan(session, plan, NO_COMMIT)
            after = emu.document()
            assert not session.plan_state(state).has_changes
            users_after = ids(after, "users")
            assert {u["id"] for u in desired["users"]} <= users_after
            assert set(ignored) <= users_after  # protected by policy.ignore
            for svc in ignored:
                was = next(u for u in canonical(before)["users"] if u["id"] == svc)
                assert next(u for u in canonical(after)["users"] if u["id"] == svc) == was
            assert "admin" in users_after and "adminGroup" in ids(after, "userGroups")
            admin = next(u for u in after["users"] if u["id"] == "admin")
            assert {"id": "adminGroup", "type": "userGroup"} in admin["userGroups"]
            if not ignored:
                assert users_after == {"admin"} | {u["id"] for u in desired["users"]}  # prune: nothing else

        check()
        assert CYCLES, "the generator should produce some carried-over cycles"


def test_import_then_plan_is_empty(tmp_path: Path) -> None:
    with organization(tmp_path) as (emu, session):
        config = session.config

        @SETTINGS
        @given(live=states(), ignored=st.lists(st.sampled_from(IGNORED), unique=True))
        def check(live: dict[str, Any], ignored: list[str]) -> None:
            emu.replace_document(to_layout(live, ignored))
            shutil.rmtree(config.state_dir, ignore_errors=True)
            write_state(
                session.import_state(),
                config.state_dir,
                split=False,
                force=True,
                backups_dir=config.backups_dir,
                schema_file=None,
            )
            assert not session.plan_state(load_desired(config)).has_changes

        check()


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    with organization(tmp_path) as (_emu, session):
        options = session.render_options()

        @SETTINGS
        @given(live=states(), desired=states(), seed=st.integers(0, 2**16))
        def check(live: dict[str, Any], desired: dict[str, Any], seed: int) -> None:
            doc = to_layout(live, [])
            first = render(to_desired(desired), doc, options)
            again = render(to_desired(desired), json.loads(json.dumps(doc)), options)
            assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
            # Neither the declaration order nor the live document's order changes what is sent.
            shuffled = json.loads(json.dumps(doc))
            random.Random(seed).shuffle(shuffled["users"])
            random.Random(seed).shuffle(shuffled["userGroups"])
            assert canonical(render(to_desired(desired, reverse=True), shuffled, options)) == canonical(first)

        check()
