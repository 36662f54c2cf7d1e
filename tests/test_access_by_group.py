"""Merging a user's groups' own deltas (reconciler.access.by_group) gives exactly what computing the user
whole gives: random organizations (hypothesis) where only grants change, or grants and memberships."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_access_properties import GROUPS, PERMS, WORKSPACES, build, organizations, ref

from reconciler.access import by_group
from reconciler.access.changes import access_changes
from reconciler.access.model import AccessModel


def whole(before: AccessModel, after: AccessModel, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as m:
        m.setattr(by_group.ByGroup, "merged", lambda self, key, bootstrap: None)
        return [c.to_dict() for c in access_changes(before, after, bootstrap_group="g0")]


@st.composite
def regranted(draw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An organization and the same one with other workspace grants (same users, groups and tree)."""
    before = draw(organizations())
    other = draw(organizations())
    after = {**before, "perms": other["perms"]}
    return before, after


@settings(max_examples=300, deadline=None)
@given(regranted())
def test_merged_deltas_are_the_whole_ones_when_grants_change(
    pair: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    before, after = build(pair[0]), build(pair[1])
    with pytest.MonkeyPatch.context() as mp:
        expected = whole(before, after, mp)
    assert [c.to_dict() for c in access_changes(before, after, bootstrap_group="g0")] == expected


@settings(max_examples=200, deadline=None)
@given(organizations(), organizations())
def test_merged_deltas_are_the_whole_ones(before_docs: dict[str, Any], after_docs: dict[str, Any]) -> None:
    before, after = build(before_docs), build(after_docs)
    with pytest.MonkeyPatch.context() as mp:
        expected = whole(before, after, mp)
    assert [c.to_dict() for c in access_changes(before, after, bootstrap_group="g0")] == expected


def test_disjoint_groups_are_merged_and_overlapping_ones_are_not() -> None:
    ug = {
        "users": [
            {"id": "u1", "userGroups": [ref("g1"), ref("g2")]},
            {"id": "u2", "userGroups": [ref("g2"), ref("g3")]},
        ],
        "userGroups": [{"id": g} for g in GROUPS],
    }
    tree = dict.fromkeys(WORKSPACES)

    def grant(name: str, group: str) -> dict[str, Any]:
        return {"name": name, "assignee": ref(group)}

    before = AccessModel.from_documents(
        ug,
        tree,
        {
            "a": {"permissions": [grant("VIEW", "g1")]},
            "b": {"permissions": [grant("VIEW", "g2"), grant("VIEW", "g3")]},
        },
    )
    after = AccessModel.from_documents(
        ug,
        tree,
        {
            "a": {"permissions": [grant("VIEW", "g1"), grant(PERMS[2], "g1")]},
            "b": {"permissions": [grant("VIEW", "g2"), grant("VIEW", "g3"), grant(PERMS[2], "g3")]},
        },
    )
    calls: list[tuple[str, ...]] = []
    real = by_group.ByGroup.merged

    def spy(self: Any, key: Any, bootstrap: str | None) -> Any:
        found = real(self, key, bootstrap)
        if found is not None:
            calls.append(key[0])
        return found

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(by_group.ByGroup, "merged", spy)
        changes = access_changes(before, after)
    assert calls == [("g1", "g2")]  # u2's g3 gains EXPORT on b, where g2 holds VIEW: computed whole
    lines = {
        c.principal: [(d.permissions, d.workspaces, d.reasons[0].via) for d in c.deltas] for c in changes
    }
    assert lines == {"u1": [(("EXPORT",), ("a",), ("g1",))], "u2": [(("EXPORT",), ("b",), ("g3",))]}
