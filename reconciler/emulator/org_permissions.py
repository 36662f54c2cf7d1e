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

from reconciler.emulator import rules
from reconciler.emulator.store import Store

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
    problems = list(rules._check_ref(where, assignee, ASSIGNEE_TYPES))
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
    """The organization's permissions, held as a section of the emulator's Store (one lock, one file)."""

    def __init__(self, store: Store, bootstrap_group: str) -> None:
        self.store = store
        self.bootstrap_group = bootstrap_group
        store.add_pruner(SECTION, self._prune)

    def _default(self) -> list[dict[str, Any]]:
        assignee = {"id": self.bootstrap_group, "type": "userGroup"}
        return [{"assignee": dict(assignee), "name": name} for name in DEFAULT_NAMES]

    def get(self) -> list[dict[str, Any]]:
        """The layout GET: what was last put (a new organization's defaults until then)."""
        value = self.store.section(SECTION)
        entries = self._default() if value is None else value
        return [{"assignee": dict(p["assignee"]), "name": p["name"]} for p in entries]

    def put(self, raw: Any) -> None:
        """Replace every organization permission (raises Invalid; nothing changes then)."""

        def change(_current: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
            problems = check_layout(raw, doc)
            if problems:
                raise Invalid(problems)
            entries = normalized(raw)
            problems = _keeps_bootstrap(entries, self.bootstrap_group)
            if problems:
                raise Invalid(problems)
            return entries

        self.store.set_section(SECTION, change)

    def manage(self, raw: Any) -> None:
        """managePermissions: each named assignee gets exactly the listed permissions; others keep theirs."""

        def change(current: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
            problems = check_manage(raw, doc)
            if problems:
                raise Invalid(problems)
            entries = self._default() if current is None else list(current)
            for a in raw:
                who = a["assigneeIdentifier"]
                assignee = {"id": who["id"], "type": who["type"]}
                entries = [p for p in entries if p["assignee"] != assignee]
                entries += [{"assignee": assignee, "name": n} for n in a["permissions"]]
            entries = normalized(entries)
            problems = _keeps_bootstrap(entries, self.bootstrap_group)
            if problems:
                raise Invalid(problems)
            return entries

        self.store.set_section(SECTION, change)

    def of_user(self, user_id: str) -> list[str]:
        """The organization permissions a user holds directly or through its groups (and their parents)."""
        doc = self.store.snapshot.doc
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

    @staticmethod
    def _prune(value: Any, doc: dict[str, Any]) -> Any:
        return [p for p in value if exists(doc, p["assignee"]["type"], p["assignee"]["id"])]
