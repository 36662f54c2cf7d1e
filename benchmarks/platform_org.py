"""The older platform's benchmark data (issue 16, acceptance 6), made deterministically from two numbers.

`organization(users, projects)`: user i (`user00042@acme.example`, `First42 Last42`) is a member of
projects `i % P` and `(7i + 3) % P` with one of four roles, and of one group, `Group <(i % P) % 10>`; each
project holds the groups of its members, with exactly those of its members. The executing admin is an
adminRole member of every project and of no group.

`changed(org)`: the 1% change: 1% of the users, in four equal parts — renamed (a domain PUT), another role in
their first project (a membership change), leavers (gone from the input: DISABLED in both their projects and
out of their groups), and new users (created in the domain, added to one project and its group).

From an organization: the seed of the emulator (`seed`), the reconciler's state files (`write_state`), the
users brick's input CSV (`write_brick_csv`, one row per membership), and the end state both sides must reach
(`expected_end_state`, compared with what the emulator holds: `end_state`).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ADMIN = "bench-admin@acme.example"
PASSWORD = "bench-password-1"
ROLES = ("adminRole", "editorRole", "readOnlyUserRole", "dashboardOnlyRole")
BUNDLES = {
    "adminRole": ["MANAGE"],
    "editorRole": ["ANALYZE", "EXPORT"],
    "readOnlyUserRole": ["VIEW", "EXPORT"],
    "dashboardOnlyRole": ["VIEW"],
}
BRICK_COLUMNS = ("login", "first_name", "last_name", "email", "role", "user_groups", "project_id")


@dataclass(frozen=True)
class User:
    """A domain user of the benchmark (not the admin)."""

    login: str
    first: str
    last: str
    group: str


@dataclass
class Org:
    """Users by login, and each project's members: project id → login → role identifier."""

    users: dict[str, User] = field(default_factory=dict)
    members: dict[str, dict[str, str]] = field(default_factory=dict)

    def groups(self, pid: str) -> dict[str, list[str]]:
        """A project's groups: name → the logins of its members in that group, sorted."""
        out: dict[str, list[str]] = {}
        for login in sorted(self.members[pid]):
            out.setdefault(self.users[login].group, []).append(login)
        return out


def pid(p: int) -> str:
    """Project p's id (32 characters, like the platform's)."""
    return f"b{p:031d}"


def login(i: int) -> str:
    return f"user{i:05d}@acme.example"


def _user(i: int, projects: int) -> User:
    return User(login(i), f"First{i}", f"Last{i}", f"Group {(i % projects) % 10}")


def organization(users: int, projects: int) -> Org:
    """The organization before the change."""
    org = Org(members={pid(p): {} for p in range(projects)})
    for i in range(users):
        user = _user(i, projects)
        org.users[user.login] = user
        for p in sorted({i % projects, (i * 7 + 3) % projects}):
            org.members[pid(p)][user.login] = ROLES[(i + p) % len(ROLES)]
    return org


def changed(org: Org, projects: int) -> tuple[Org, dict[str, int]]:
    """The organization after the 1% change, and how many users each part of the change touches."""
    n = len(org.users)
    k = max(1, n // 400)
    new = Org(dict(org.users), {p: dict(m) for p, m in org.members.items()})
    picks = random.Random(1).sample(range(n), 3 * k)
    renamed, rerolled, leavers = picks[:k], picks[k : 2 * k], picks[2 * k :]
    for i in renamed:
        new.users[login(i)] = replace(new.users[login(i)], last=f"Last{i}-renamed")
    for i in rerolled:
        p = pid(i % projects)
        new.members[p][login(i)] = ROLES[(ROLES.index(new.members[p][login(i)]) + 1) % len(ROLES)]
    for i in leavers:
        del new.users[login(i)]
        for members in new.members.values():
            members.pop(login(i), None)
    for j in range(n, n + k):
        user = _user(j, projects)
        new.users[user.login] = user
        new.members[pid(j % projects)][user.login] = ROLES[j % len(ROLES)]
    parts = {"renamed": k, "role_changed": k, "left": k, "new": k}
    return new, parts


def seed(emu: Any, org: Org) -> None:
    """Load `org` into a PlatformEmulator (domain users, projects, members, groups)."""
    for user in org.users.values():
        emu.add_domain_user(user.login, first_name=user.first, last_name=user.last)
    for p, members in org.members.items():
        emu.add_project(p)
        emu.add_member(p, ADMIN, "adminRole")
        for who, role in members.items():
            emu.add_member(p, who, role)
        for name, inside in org.groups(p).items():
            emu.add_group(p, name, inside)


def state_id(login_: str) -> str:
    """The state id `import` gives a login."""
    return login_.replace("@", "_at_")


def group_id(name: str) -> str:
    return name.replace(" ", "_")


def write_state(org: Org, groups: set[str], root: Path) -> None:
    """The reconciler's state files for `org` under root/state (`groups`: every group name to declare)."""
    state = root / "state"
    state.mkdir(parents=True, exist_ok=True)
    admin = {
        "id": state_id(ADMIN),
        "email": ADMIN,
        "firstname": "Domain",
        "lastname": "Admin",
        "userGroups": [],
    }
    users = [admin] + [
        {
            "id": state_id(u.login),
            "email": u.login,
            "firstname": u.first,
            "lastname": u.last,
            "userGroups": [group_id(u.group)],
        }
        for u in sorted(org.users.values(), key=lambda u: u.login)
    ]
    workspaces = [
        {
            "id": f"w{p}",
            "permissions": [{"user": state_id(ADMIN), "role": "adminRole"}]
            + [{"user": state_id(who), "role": role} for who, role in sorted(org.members[pid(p)].items())],
        }
        for p in range(len(org.members))
    ]
    docs: dict[str, Any] = {
        "users.yaml": {"users": users},
        "groups.yaml": {"groups": [{"id": group_id(g), "name": g} for g in sorted(groups)]},
        "roles.yaml": {"roles": BUNDLES},
        "workspaces.yaml": {"workspaces": workspaces},
    }
    for name, doc in docs.items():
        (state / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def write_config(root: Path, url: str, domain: str, projects: int) -> None:
    """reconciler.yaml: one gooddata-platform target on the emulator, no deletion limits."""
    config = {
        "state": "state",
        "default_target": "legacy",
        "targets": {
            "legacy": {
                "platform": "gooddata-platform",
                "host": url,
                "domain": domain,
                "login": ADMIN,
                "password": "$BENCH_PASSWORD",
                "projects": {f"w{p}": pid(p) for p in range(projects)},
            }
        },
        "policy": {"max_deletions": {"users": None, "groups": None, "percent": None, "grants": None}},
    }
    (root / "reconciler.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def write_brick_csv(org: Org, path: Path) -> None:
    """The users brick's input: one row per membership, its columns (API.md §7.1), by project then login."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(BRICK_COLUMNS)
        for p in sorted(org.members):
            for who, role in sorted(org.members[p].items()):
                u = org.users[who]
                writer.writerow([u.login, u.first, u.last, u.login, role, u.group, p])


def all_groups(*orgs: Org) -> set[str]:
    return {u.group for org in orgs for u in org.users.values()}


EndState = dict[str, Any]


def expected_end_state(before: Org, after: Org) -> EndState:
    """What the emulator must hold once `after` is applied over `before`: every domain user (none deleted),
    each project's members (those no longer in it DISABLED with their role) and groups (emptied, not
    deleted)."""
    users = {u.login: [u.login, u.first, u.last] for u in (*before.users.values(), *after.users.values())}
    users[ADMIN] = [ADMIN, "Domain", "Admin"]
    projects: dict[str, Any] = {}
    for p in sorted(after.members):
        members = {ADMIN: ["adminRole", "ENABLED"]}
        for who, role in before.members[p].items():
            members[who] = [role, "DISABLED"]
        for who, role in after.members[p].items():
            members[who] = [role, "ENABLED"]
        groups: dict[str, list[str]] = {name: [] for name in before.groups(p)} | after.groups(p)
        projects[p] = {"members": dict(sorted(members.items())), "groups": dict(sorted(groups.items()))}
    return {"users": dict(sorted(users.items())), "projects": projects}


def end_state(emu: Any) -> EndState:
    """What a PlatformEmulator holds, in `expected_end_state`'s shape (profile ids left out: each side's new
    users get their own)."""
    users = {u["login"]: [u["email"], u["firstName"], u["lastName"]] for u in emu.domain_users()}
    projects: dict[str, Any] = {}
    for p in sorted(emu.data.projects):
        members = {m["login"]: [m["roles"][0] if m["roles"] else None, m["status"]] for m in emu.members(p)}
        groups = {g["name"]: sorted(g["members"]) for g in emu.groups(p)}
        projects[p] = {"members": dict(sorted(members.items())), "groups": dict(sorted(groups.items()))}
    return {"users": dict(sorted(users.items())), "projects": projects}
