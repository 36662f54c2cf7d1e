"""Synthetic organizations for the harness: users, a three-level group hierarchy, state files and layouts.

Deterministic for a given size (seeded), realistic enough to exercise every code path the plan touches:
emails, names, OIDC auth ids, 1-3 memberships per user, groups = users/50 in top/middle/leaf levels.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.yamlio import dump

USER_FILES = 20
CHANGED_EVERY = 100  # 1% of users change
FIRST = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jakub", "Kim", "Lena"]
LAST = ["Novak", "Smith", "Garcia", "Muller", "Rossi", "Dubois", "Tanaka", "Kowalski", "Jensen", "Silva"]
DEPARTMENTS = ["sales", "finance", "engineering", "marketing", "support", "legal", "ops", "data", "hr"]


@dataclass(frozen=True)
class Org:
    """One generated organization: state-shaped groups and users (the changed copy shares the groups)."""

    groups: list[dict[str, Any]]
    users: list[dict[str, Any]]


def organization(size: int, seed: int = 7) -> Org:
    """`size` users in size/50 groups (three levels), 1-3 memberships per user."""
    rnd = random.Random(seed)
    n_groups = max(5, size // 50)
    n_top = max(1, n_groups // 50)
    n_mid = max(1, n_groups // 7)
    groups: list[dict[str, Any]] = []
    top = [f"{DEPARTMENTS[i % len(DEPARTMENTS)]}-{i:03d}" for i in range(n_top)]
    for gid in top:
        groups.append({"id": gid, "name": gid.replace("-", " ").title()})
    mid = [f"{top[i % n_top]}-region-{i:04d}" for i in range(n_mid)]
    for i, gid in enumerate(mid):
        groups.append({"id": gid, "name": f"Region {i}", "parents": [top[i % n_top]]})
    leaves = [f"team-{i:05d}" for i in range(n_groups - n_top - n_mid)]
    for i, gid in enumerate(leaves):
        groups.append(
            {
                "id": gid,
                "name": f"Team {i} ({DEPARTMENTS[i % len(DEPARTMENTS)]})",
                "parents": [mid[i % n_mid]],
            }
        )
    users: list[dict[str, Any]] = []
    for i in range(size):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        memberships = sorted(rnd.sample(leaves, min(len(leaves), rnd.randint(1, 3))))
        user: dict[str, Any] = {
            "id": f"u{i:06d}",
            "email": f"{first.lower()}.{last.lower()}.{i}@customer{i % 97}.example.com",
            "firstname": first,
            "lastname": last,
            "authId": f"oidc|{rnd.getrandbits(64):016x}",
            "userGroups": memberships,
        }
        users.append(user)
    return Org(groups, users)


def changed(org: Org, seed: int = 11) -> Org:
    """The same organization with 1% of the users changed (a name, a membership or an email each)."""
    rnd = random.Random(seed)
    leaves = [g["id"] for g in org.groups if g["id"].startswith("team-")]
    users = []
    for i, user in enumerate(org.users):
        if i % CHANGED_EVERY == CHANGED_EVERY // 2:
            user = dict(user)
            kind = (i // CHANGED_EVERY) % 3
            if kind == 0:
                user["lastname"] = user["lastname"] + "-Moreau"
            elif kind == 1:
                extra = rnd.choice(leaves)
                user["userGroups"] = sorted(set(user["userGroups"]) | {extra})
                if len(user["userGroups"]) == len(org.users[i]["userGroups"]):
                    user["userGroups"] = sorted(set(user["userGroups"]) - {user["userGroups"][0]}) or [extra]
            else:
                user["email"] = "new." + user["email"]
        users.append(user)
    return Org(org.groups, users)


def changed_ids(before: Org, after: Org) -> list[str]:
    """Ids of the users that differ between two generated organizations."""
    return [a["id"] for a, b in zip(before.users, after.users, strict=True) if a != b]


CONFIG = """\
state: state
default_target: bench
targets:
  bench:
    host: {host}
    token: $BENCH_TOKEN
policy:
  prune: true
  max_deletions: {{users: 10, groups: 5, percent: 25}}
"""


def write_state(org: Org, root: Path, host: str = "http://127.0.0.1:9") -> None:
    """A project directory: reconciler.yaml plus state/groups.yaml and 20 users files."""
    state = root / "state" / "users"
    state.mkdir(parents=True, exist_ok=True)
    (root / "reconciler.yaml").write_text(CONFIG.format(host=host), encoding="utf-8")
    (root / "state" / "groups.yaml").write_text(dump({"groups": org.groups}), encoding="utf-8")
    per_file = -(-len(org.users) // USER_FILES)
    for f in range(USER_FILES):
        chunk = org.users[f * per_file : (f + 1) * per_file]
        (state / f"part{f:02d}.yaml").write_text(dump({"users": chunk}), encoding="utf-8")


def set_host(root: Path, host: str) -> None:
    """Point a project directory's bench target at `host`."""
    (root / "reconciler.yaml").write_text(CONFIG.format(host=host), encoding="utf-8")


def layout(org: Org, bootstrap_user: str = "admin", bootstrap_group: str = "adminGroup") -> dict[str, Any]:
    """The organization as a usersAndUserGroups layout document (with the bootstrap pair)."""

    def refs(ids: list[str]) -> list[dict[str, str]]:
        return [{"id": g, "type": "userGroup"} for g in ids]

    groups = [{"id": bootstrap_group, "name": bootstrap_group, "permissions": []}]
    for g in org.groups:
        out = {"id": g["id"], "name": g["name"], "permissions": []}
        if g.get("parents"):
            out["parents"] = refs(g["parents"])
        groups.append(out)
    users = [{"id": bootstrap_user, "userGroups": refs([bootstrap_group]), "permissions": [], "settings": []}]
    for u in org.users:
        out = {k: v for k, v in u.items() if k != "userGroups"}
        out.update(userGroups=refs(u["userGroups"]), permissions=[], settings=[])
        users.append(out)
    return {"userGroups": groups, "users": users}


def layout_bytes(org: Org) -> bytes:
    """The layout document as the compact JSON a client PUTs."""
    return json.dumps(layout(org), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


CSV_COLUMNS = ("user_id", "firstname", "lastname", "email", "auth_id", "user_groups", "is_active")


def write_csv(users: list[dict[str, Any]], path: Path) -> None:
    """The users as the productivity tools' CSV export (`user_groups` joined with `|`, all active)."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for u in users:
            row = (u["id"], u["firstname"], u["lastname"], u["email"], u["authId"], "|".join(u["userGroups"]))
            writer.writerow((*row, "true"))
