"""The one cycle search shared by the validator, the engine and the emulator."""

from __future__ import annotations

from reconciler.graph import iter_cycles


def test_no_cycles_in_a_tree_and_unknown_references_ignored() -> None:
    assert list(iter_cycles({"a": ["b"], "b": ["c", "nowhere"], "c": []})) == []


def test_each_back_edge_yields_its_cycle() -> None:
    parents = {"a": ["b"], "b": ["a", "c"], "c": ["c"], "d": ["a"]}
    assert list(iter_cycles(parents)) == [["a", "b", "a"], ["c", "c"]]


def test_deep_chains_do_not_recurse() -> None:
    n = 50_000
    parents = {f"g{i}": [f"g{i + 1}"] for i in range(n)} | {f"g{n}": ["g0"]}
    (cycle,) = list(iter_cycles(parents))
    assert len(cycle) == n + 2 and cycle[0] == cycle[-1] == "g0"
