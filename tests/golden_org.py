"""The organization of the golden test (tests/test_golden.py): 2,000 users, seeded, and its changed state.

Self-contained on purpose: the state files are written here with a few lines of string formatting (JSON's
quoting is YAML's double-quoted style), not with the reconciler's YAML writer or the benchmark generator, so a
change to either can never change the golden test's input along with its output.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USERS = 2_000
USER_FILES = 5
FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Grace", "Hugo", "Inès", "Jakub", "Kim", "Łucja"]
LAST = ["Novák", "Smith", "García", "Müller", "Rossi", "O'Brien", "Tanaka", "Kowalski", "Jensen", "Silva"]
DEPARTMENTS = ["sales", "finance", "engineering", "marketing", "support"]
# Values a YAML writer must quote, fold or escape; each goes to one user's lastname (i = its index * 97).
AWKWARD = [
    "yes",
    "123",
    "null",
    "2027-03-31",
    "-leading dash",
    "colon: inside",
    "hash #inside",
    "trailing:",
    "'quoted'",
    '"double"',
    "tab\there",
    "~",
    "0x1F",
    "1e3",
    "Þórður 山田 Дмитрий",
    "a long surname that goes past the eightieth column so the writer has to fold it somewhere",
    " leading space",
    "trailing space ",
    "back\\slash",
    "percent % and @at",
]


@dataclass(frozen=True)
class Org:
    """State-shaped groups and users."""

    groups: list[dict[str, Any]]
    users: list[dict[str, Any]]


def organization(seed: int = 14) -> Org:
    """2,000 users in 40 groups (three levels), 1-3 memberships each; a few with settings or odd names."""
    rnd = random.Random(seed)
    top = [f"{d}" for d in DEPARTMENTS]
    groups: list[dict[str, Any]] = [{"id": g, "name": g.title()} for g in top]
    mid = [f"{top[i % len(top)]}-region-{i:02d}" for i in range(10)]
    groups += [{"id": g, "name": f"Region {i}", "parents": [top[i % len(top)]]} for i, g in enumerate(mid)]
    leaves = [f"team-{i:03d}" for i in range(25)]
    groups += [
        {"id": g, "name": f"Team {i} ({DEPARTMENTS[i % len(DEPARTMENTS)]})", "parents": [mid[i % len(mid)]]}
        for i, g in enumerate(leaves)
    ]
    users: list[dict[str, Any]] = []
    for i in range(USERS):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        if i % 97 == 0 and i // 97 < len(AWKWARD):
            last = AWKWARD[i // 97]
        user: dict[str, Any] = {
            "id": f"u{i:05d}",
            "email": f"{first.lower()}.{i}@customer{i % 13}.example.com",
            "firstname": first,
            "lastname": last,
            "authId": f"oidc|{rnd.getrandbits(64):016x}",
            "userGroups": sorted(rnd.sample(leaves, rnd.randint(1, 3))),
        }
        if i % 250 == 7:
            user["settings"] = [{"id": "locale", "type": "LOCALE", "content": {"value": "en-US"}}]
        if i % 400 == 9:
            user["systemAccount"] = False
        users.append(user)
    return Org(groups, users)


def changed(org: Org, seed: int = 41) -> Org:
    """Some of everything: 1% of users edited, some added and deleted, a group added, renamed, re-parented."""
    rnd = random.Random(seed)
    leaves = [g["id"] for g in org.groups if g["id"].startswith("team-")]
    users: list[dict[str, Any]] = []
    for i, user in enumerate(org.users):
        if i % 300 == 150:
            continue  # deleted (7 users)
        if i % 100 == 50:
            user = dict(user)
            kind = (i // 100) % 4
            if kind == 0:
                user["lastname"] = user["lastname"] + "-Moreau"
            elif kind == 1:
                user["userGroups"] = sorted(set(user["userGroups"]) ^ {rnd.choice(leaves)}) or [leaves[0]]
            elif kind == 2:
                user["email"] = "new." + user["email"]
            else:
                user.pop("authId")  # unmanaged from now on: the live value is carried over
        users.append(user)
    for n in range(5):
        users.append(
            {
                "id": f"new{n}",
                "email": f"new{n}@example.com",
                "firstname": "New",
                "lastname": f"Person {n}",
                "userGroups": ["team-new"],
            }
        )
    groups = [dict(g) for g in org.groups]
    groups[1]["name"] = "Finance & Controlling"
    groups[6]["parents"] = ["marketing"]
    groups.append({"id": "team-new", "name": "Newcomers", "parents": ["sales"]})
    return Org(groups, users)


def layout(org: Org) -> dict[str, Any]:
    """The organization as a usersAndUserGroups layout document, with the emulator's bootstrap pair."""

    def refs(ids: list[str]) -> list[dict[str, str]]:
        return [{"id": g, "type": "userGroup"} for g in ids]

    groups: list[dict[str, Any]] = [{"id": "adminGroup", "name": "adminGroup"}]
    for g in org.groups:
        groups.append({"id": g["id"], "name": g["name"], "parents": refs(g.get("parents", []))})
    users: list[dict[str, Any]] = [{"id": "admin", "userGroups": refs(["adminGroup"])}]
    for u in org.users:
        users.append({**u, "userGroups": refs(u["userGroups"])})
    return {"userGroups": groups, "users": users}


def _entry(entity: dict[str, Any]) -> str:
    lines = []
    for n, (key, value) in enumerate(entity.items()):
        lines.append(("- " if n == 0 else "  ") + f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def _file(key: str, entities: list[dict[str, Any]]) -> str:
    return f"# generated by tests/golden_org.py\n{key}:\n" + "".join(_entry(e) for e in entities)


def write_state(org: Org, state: Path) -> None:
    """state/groups.yaml and state/users/part0..4.yaml (block style, JSON-quoted scalars)."""
    for old in state.rglob("*.yaml"):
        old.unlink()
    (state / "users").mkdir(parents=True, exist_ok=True)
    (state / "groups.yaml").write_text(_file("groups", org.groups), encoding="utf-8")
    per_file = -(-len(org.users) // USER_FILES)
    for f in range(USER_FILES):
        chunk = org.users[f * per_file : (f + 1) * per_file]
        (state / "users" / f"part{f}.yaml").write_text(_file("users", chunk), encoding="utf-8")
