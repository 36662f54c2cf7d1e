"""The older platform's group documents at size: each project's groups hold the declared members of the
project that list them (and carried-over members), and the users' `userGroups` are read once per render —
not once per project and group, which made a plan of 10,000 users in 200 projects with 10 groups spend 70
of its 92 s there (benchmarks/platform.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.platform.documents import groups_key
from reconciler.platform.mapping import desired
from reconciler.platform.options import PlatformOptions
from reconciler.source import load_state
from reconciler.source.model import Entry

OPTIONS = PlatformOptions(executing_login="admin@acme.com")
USERS, GROUPS = 40, 10


def state_text(projects: int) -> str:
    lines = ["users:"]
    for i in range(USERS):
        lines.append(f"  - {{id: u{i}, email: u{i}@acme.com, userGroups: [g{i % GROUPS}]}}")
    lines.append("  - {id: carried, email: carried@acme.com}")  # does not own userGroups
    lines.append("groups:")
    lines += [f"  - {{id: g{g}, name: G{g}}}" for g in range(GROUPS)]
    lines.append("workspaces:")
    for p in range(projects):
        lines += [f"  - id: p{p}", "    permissions:"]
        lines += [f"      - {{user: u{i}, grant: [VIEW]}}" for i in range(USERS) if i % projects == p]
        lines.append("      - {user: carried, grant: [VIEW]}")
    return "\n".join(lines) + "\n"


def live(projects: int) -> dict[str, dict[str, object]]:
    """Every group live in every project, holding `carried` and u0."""
    groups = [{"name": f"G{g}", "members": ["carried@acme.com", "u0@acme.com"]} for g in range(GROUPS)]
    return {groups_key(f"p{p}"): {"userGroups": groups} for p in range(projects)}


def render(tmp_path: Path, projects: int, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, object], int]:
    """The desired documents, and how often a user entry was asked whether it owns `userGroups`."""
    root = tmp_path / str(projects)
    (root / "state").mkdir(parents=True)
    (root / "state" / "s.yaml").write_text(state_text(projects), encoding="utf-8")
    state = load_state(load_config(cwd=root), today=date(2026, 12, 1))
    asked = 0
    owns = Entry.owns

    def counting(self: Entry, name: str) -> bool:
        nonlocal asked
        asked += name == "userGroups"
        return owns(self, name)

    monkeypatch.setattr(Entry, "owns", counting)
    documents = desired(state, live(projects), OPTIONS).documents
    monkeypatch.setattr(Entry, "owns", owns)
    return documents, asked


def test_each_projects_groups_hold_its_members_that_list_them_and_the_carried_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents, _ = render(tmp_path, 4, monkeypatch)
    for p in range(4):
        doc = documents[groups_key(f"p{p}")]
        assert isinstance(doc, dict)
        got = {g["name"]: g["members"] for g in doc["userGroups"]}
        for g in range(GROUPS):
            wanted = {f"u{i}@acme.com" for i in range(USERS) if i % 4 == p and i % GROUPS == g}
            assert set(got[f"G{g}"]) == wanted | {"carried@acme.com"}  # u0 listed only where it belongs


def test_the_users_groups_are_read_once_per_render_not_per_project_and_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, two = render(tmp_path, 2, monkeypatch)
    _, eight = render(tmp_path, 8, monkeypatch)
    assert two == eight  # was (1 + groups) x users per project: 902 at 2 projects, 3,608 at 8
