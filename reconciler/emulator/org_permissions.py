"""Organization permissions: `GET/PUT /api/v1/layout/organization/permissions` and
`POST /api/v1/actions/organization/managePermissions`, kept in the `--data` file.

The layout is a bare array of `{name: MANAGE|SELF_CREATE_TOKEN|BASE_UI_ACCESS, assignee: {id, type}}`; a new
organization grants the bootstrap group MANAGE and SELF_CREATE_TOKEN. Refused with 400: a name outside the
API's enum, an assignee that is not a user or group of the organization, and a document that takes MANAGE
from the bootstrap group (its members would lose the organization). Deleting a user or group drops its
organization permissions with it, like its workspace permissions.
"""

from __future__ import annotations

import bisect
from typing import Any

from reconciler.emulator import rules, user_rules

NAMES = ("MANAGE", "SELF_CREATE_TOKEN", "BASE_UI_ACCESS")
DEFAULT_NAMES = ("MANAGE", "SELF_CREATE_TOKEN")
SECTION = "organizationPermissions"
ASSIGNEE_TYPES = ("user", "userGroup")


class Invalid(ValueError):
    """A refused organization permissions body: `problems` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(str(rules.InvalidDocument(problems)))


def _key(p: dict[str, Any]) -> tuple[str, str, str]:
    return (p["assignee"]["type"], p["assignee"]["id"], p["name"])


def normalized(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries reduced to their fields, without duplicates, sorted the way the server lists them."""
    unique = {
        _key(p): {"assignee": {"id": p["assignee"]["id"], "type": p["assignee"]["type"]}, "name": p["name"]}
        for p in entries
    }
    return [unique[k] for k in sorted(unique, key=lambda k: (k[1], k[0], NAMES.index(k[2])))]


def exists(doc: dict[str, Any], kind: str, principal_id: str) -> bool:
    """Whether the document has this user ("user") or group ("userGroup"); its lists are sorted by id."""
    entities: list[dict[str, Any]] = doc["users" if kind == "user" else "userGroups"]
    i = bisect.bisect_left(entities, principal_id, key=lambda e: e["id"])
    return i < len(entities) and entities[i]["id"] == principal_id


def _check_assignee(where: str, assignee: Any, doc: dict[str, Any]) -> list[str]:
    problems = list(user_rules._check_ref(where, assignee, ASSIGNEE_TYPES))
    if not problems and not exists(doc, assignee["type"], assignee["id"]):
        problems.append(f"{where}: {assignee['type']} {assignee['id']!r} does not exist")
    return problems


def check_layout(raw: Any, doc: dict[str, Any]) -> list[str]:
    """Problems of a PUT body (a bare array of DeclarativeOrganizationPermission) against `doc`."""
    if not isinstance(raw, list):
        return [f"expected a JSON array of organization permissions, got {type(raw).__name__}"]
    problems: list[str] = []
    for i, p in enumerate(raw):
        at = f"[{i}]"
        if not isinstance(p, dict):
            problems.append(f"{at}: expected an object")
            continue
        if p.get("name") not in NAMES:
            problems.append(f"{at}.name: {p.get('name')!r} is not one of {list(NAMES)}")
        if "assignee" not in p:
            problems.append(f"{at}: 'assignee' is required")
        else:
            problems += _check_assignee(f"{at}.assignee", p["assignee"], doc)
    return problems


def check_manage(raw: Any, doc: dict[str, Any]) -> list[str]:
    """Problems of a managePermissions body: `[{assigneeIdentifier, permissions: [name, ...]}]`."""
    if not isinstance(raw, list):
        return [f"expected a JSON array of permission assignments, got {type(raw).__name__}"]
    problems: list[str] = []
    for i, a in enumerate(raw):
        at = f"[{i}]"
        if not isinstance(a, dict):
            problems.append(f"{at}: expected an object")
            continue
        if "assigneeIdentifier" not in a:
            problems.append(f"{at}: 'assigneeIdentifier' is required")
        else:
            problems += _check_assignee(f"{at}.assigneeIdentifier", a["assigneeIdentifier"], doc)
        names = a.get("permissions")
        if not isinstance(names, list):
            problems.append(f"{at}.permissions: expected an array of permission names")
            continue
        problems += [f"{at}.permissions: {n!r} is not one of {list(NAMES)}" for n in names if n not in NAMES]
    return problems


def _keeps_bootstrap(entries: list[dict[str, Any]], bootstrap_group: str) -> list[str]:
    if {"assignee": {"id": bootstrap_group, "type": "userGroup"}, "name": "MANAGE"} in entries:
        return []
    return [f"the bootstrap userGroup {bootstrap_group!r} must keep the MANAGE permission"]


class OrganizationPermissions:
    """The organization's permissions; a section of the `--data` file (store.Section).

    Writers call `replace`/`manage`/`prune` under the store's write lock (`Store.save`, `on_publish`), with
    the current layout document; readers take the reference of the current list.
    """

    def __init__(self, bootstrap_group: str) -> None:
        self.bootstrap_group = bootstrap_group
        self._entries: list[dict[str, Any]] | None = None  # None: a new organization's defaults

    def _default(self) -> list[dict[str, Any]]:
        assignee = {"id": self.bootstrap_group, "type": "userGroup"}
        return [{"assignee": dict(assignee), "name": name} for name in DEFAULT_NAMES]

    def get(self) -> list[dict[str, Any]]:
        """The layout GET: what was last put (a new organization's defaults until then)."""
        entries = self._default() if self._entries is None else self._entries
        return [{"assignee": dict(p["assignee"]), "name": p["name"]} for p in entries]

    def replace(self, raw: Any, doc: dict[str, Any]) -> None:
        """Replace every organization permission (raises Invalid; nothing changes then)."""
        problems = check_layout(raw, doc)
        if problems:
            raise Invalid(problems)
        entries = normalized(raw)
        problems = _keeps_bootstrap(entries, self.bootstrap_group)
        if problems:
            raise Invalid(problems)
        self._entries = entries

    def manage(self, raw: Any, doc: dict[str, Any]) -> None:
        """managePermissions: each named assignee gets exactly the listed permissions; others keep theirs."""
        problems = check_manage(raw, doc)
        if problems:
            raise Invalid(problems)
        entries = self.get()
        for a in raw:
            who = a["assigneeIdentifier"]
            assignee = {"id": who["id"], "type": who["type"]}
            entries = [p for p in entries if p["assignee"] != assignee]
            entries += [{"assignee": assignee, "name": n} for n in a["permissions"]]
        entries = normalized(entries)
        problems = _keeps_bootstrap(entries, self.bootstrap_group)
        if problems:
            raise Invalid(problems)
        self._entries = entries

    def of_user(self, user_id: str, doc: dict[str, Any]) -> list[str]:
        """The organization permissions a user holds directly or through its groups (and their parents)."""
        if not exists(doc, "user", user_id):
            return []
        users: list[dict[str, Any]] = doc["users"]
        user = users[bisect.bisect_left(users, user_id, key=lambda u: u["id"])]
        parents = {g["id"]: [p["id"] for p in g.get("parents", ())] for g in doc["userGroups"]}
        groups: set[str] = set()
        stack = [r["id"] for r in user.get("userGroups", ())]
        while stack:
            group = stack.pop()
            if group not in groups:
                groups.add(group)
                stack.extend(parents.get(group, ()))
        held = {
            p["name"]
            for p in self.get()
            if (p["assignee"]["type"], p["assignee"]["id"]) == ("user", user_id)
            or (p["assignee"]["type"] == "userGroup" and p["assignee"]["id"] in groups)
        }
        return [name for name in NAMES if name in held]

    def prune(self, doc: dict[str, Any]) -> None:
        """Drop the permissions of users and groups that `doc` no longer has."""
        if self._entries is not None:
            self._entries = [
                p for p in self._entries if exists(doc, p["assignee"]["type"], p["assignee"]["id"])
            ]

    # -- store.Section ---------------------------------------------------------------------------------

    def dump(self) -> list[dict[str, Any]] | None:
        """What the data file keeps: nothing until something was put (a new organization's defaults)."""
        return self._entries

    def load(self, raw: Any) -> list[str]:
        """Take the data file's `organizationPermissions` (absent: the defaults); the problems."""
        if raw is None or raw == []:
            self._entries = None
            return []
        if not isinstance(raw, list):
            return [f"{SECTION}: expected an array"]
        problems = []
        for i, p in enumerate(raw):
            at = f"{SECTION}[{i}]"
            if not isinstance(p, dict) or p.get("name") not in NAMES:
                problems.append(f"{at}.name must be one of {list(NAMES)}")
            else:
                problems += list(user_rules._check_ref(f"{at}.assignee", p.get("assignee"), ASSIGNEE_TYPES))
        if problems:
            return problems
        self._entries = normalized(raw)
        return []
