"""The older platform's three documents as resources: the Resource protocol (reconciler.resources.base)
with its client the PlatformClient, and `write` given the live document too (the platform has no PUT of a
whole document: it takes the items that change).

`Directory` holds the ids the API needs and the documents do not (profile ids by login, group ids by project
and name), learned while reading. Rank orders the writes: domain users (0), then members (1, in batches of
100), then groups (2). `write` returns the per-user failures of a 200 answer (`{"login", "message"}`), never
raising for them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.client.platform import PlatformClient
from reconciler.diff import FieldChange
from reconciler.errors import ApiError
from reconciler.plan_model import Change
from reconciler.platform import documents as docs

Failure = dict[str, str]


@dataclass
class Directory:
    """Profile ids by login and group ids by (project, name), as read."""

    profiles: dict[str, str] = field(default_factory=dict)
    groups: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def learn(self, items: list[dict[str, Any]]) -> None:
        with self.lock:
            for u in items:
                if isinstance(u.get("login"), str) and isinstance(u.get("id"), str) and u["id"]:
                    self.profiles[u["login"].lower()] = u["id"]

    def profile(self, login: str) -> str | None:
        """The profile id of a login (a group member read without a login is `profile:<id>`); None for a
        login the domain lacks (its creation failed: reported with the apply's failures)."""
        with self.lock:
            return login[len("profile:") :] if login.startswith("profile:") else self.profiles.get(login)

    def login_of(self, profile_id: str) -> str | None:
        with self.lock:
            return next((login for login, i in self.profiles.items() if i == profile_id), None)


class PlatformResource(Protocol):
    """One older-platform document kind (the same protocol as reconciler.resources.base.Resource)."""

    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def rank(self) -> int: ...
    def read(self, client: PlatformClient) -> dict[str, Any]: ...
    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]: ...
    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]: ...
    def write(
        self, client: PlatformClient, live: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> list[Failure]: ...
    def to_file(self, doc: Mapping[str, Any]) -> Any: ...
    def from_file(self, data: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DomainUsers:
    """Every user of the domain (`platform.users`); users are created and updated, never deleted."""

    directory: Directory
    key: str = docs.USERS_KEY
    label: str = "the domain's users"
    rank: int = 0

    def read(self, client: PlatformClient) -> dict[str, Any]:
        users = client.domain_users()
        self.directory.learn(users)
        return docs.canonical_users({"users": users})

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return docs.canonical_users(doc)

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        before = {u["login"]: u for u in self.canonical(live)["users"]}
        out = []
        for u in self.canonical(desired)["users"]:
            was = before.get(u["login"])
            fields = tuple(
                FieldChange(k, old=None if was is None else was[k], new=u[k])
                for k in ("email", "firstName", "lastName")
                if (was is None and u[k] is not None) or (was is not None and was[k] != u[k])
            )
            if was is None:
                out.append(Change("create", "user", u["login"], fields))
            elif fields:
                out.append(Change("update", "user", u["login"], fields))
        return tuple(out)

    def write(
        self, client: PlatformClient, live: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> list[Failure]:
        failures: list[Failure] = []
        for change in self.diff(live, desired):
            user = {"login": change.id, **{f.field: f.new for f in change.fields}}
            try:
                if change.op == "create":
                    self.directory.learn([{"login": change.id, "id": client.create_domain_user(user)}])
                else:
                    client.update_domain_user(self.directory.profiles[change.id], user)
            except ApiError as e:
                if e.status != 400:  # the server's trouble, not this user's: stop
                    raise
                # This user's (e.g. a login registered in another domain, API.md §2.1): the others go on,
                # as the users brick does, and the apply reports it by login.
                failures.append({"login": change.id, "message": str(e)})
        return failures

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return self.canonical(doc)

    def from_file(self, data: Any) -> dict[str, Any]:
        return docs.check_shape(self.key, data)


def _member_text(m: Mapping[str, Any] | None) -> str | None:
    return None if m is None else f"{m['role'] or 'no role'}, {m['status']}"


@dataclass(frozen=True)
class ProjectMembers:
    """The members of one project with their role and status (`projects/<pid>.users`)."""

    pid: str
    directory: Directory
    rank: int = 1

    @property
    def key(self) -> str:
        return docs.members_key(self.pid)

    @property
    def label(self) -> str:
        return f"the members of project {self.pid}"

    def read(self, client: PlatformClient) -> dict[str, Any]:
        members = client.project_users(self.pid)
        self.directory.learn(members)
        return docs.canonical_members({"members": members})

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return docs.canonical_members(doc)

    def changed(
        self, live: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
        """(login, live member or None, desired member or None) for every member that differs."""
        before = {m["login"]: m for m in self.canonical(live)["members"]}
        after = {m["login"]: m for m in self.canonical(desired)["members"]}
        return [
            (login, before.get(login), after.get(login))
            for login in sorted(before.keys() | after.keys())
            if before.get(login) != after.get(login)
        ]

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        fields = tuple(
            FieldChange(f"members[{login}]", old=_member_text(was), new=_member_text(now))
            for login, was, now in self.changed(live, desired)
        )
        return (Change("update", "workspace", self.pid, fields),) if fields else ()

    def write(
        self, client: PlatformClient, live: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> list[Failure]:
        items: list[dict[str, Any]] = []
        removed: list[str] = []
        for login, _, now in self.changed(live, desired):
            if now is None:
                removed.append(login)
                continue
            who = self.directory.profiles.get(login)
            items.append(
                {**({"id": who} if who else {"login": login}), "role": now["role"], "status": now["status"]}
            )
        failures = (
            [_by_login(f, self.directory) for f in client.set_project_users(self.pid, items)] if items else []
        )
        for login in removed:
            client.remove_project_user(self.pid, self.directory.profiles[login])
        return failures

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return self.canonical(doc)

    def from_file(self, data: Any) -> dict[str, Any]:
        return docs.check_shape(self.key, data)


def _by_login(failure: Mapping[str, Any], directory: Directory) -> Failure:
    login = failure.get("login") or directory.login_of(str(failure.get("id") or "")) or str(failure.get("id"))
    return {"login": str(login), "message": str(failure.get("message") or "failed")}


@dataclass(frozen=True)
class ProjectGroups:
    """The user groups of one project and their members (`projects/<pid>.userGroups`)."""

    pid: str
    directory: Directory
    rank: int = 2

    @property
    def key(self) -> str:
        return docs.groups_key(self.pid)

    @property
    def label(self) -> str:
        return f"the user groups of project {self.pid}"

    def read(self, client: PlatformClient) -> dict[str, Any]:
        out = []
        for g in client.user_groups(self.pid):
            with self.directory.lock:
                self.directory.groups[(self.pid, str(g["name"]))] = str(g["id"])
            members = [self.directory.login_of(str(p)) or f"profile:{p}" for p in g.get("members") or ()]
            out.append({"name": g["name"], "members": members})
        return docs.canonical_groups({"userGroups": out})

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return docs.canonical_groups(doc)

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        before = {g["name"]: set(g["members"]) for g in self.canonical(live)["userGroups"]}
        fields = []
        for g in self.canonical(desired)["userGroups"]:
            was = before.get(g["name"])
            now = set(g["members"])
            if was is None or was != now:
                old = was or set()
                fields.append(
                    FieldChange(
                        f"userGroups[{g['name']}]",
                        old="absent" if was is None else None,
                        new="created" if was is None else None,
                        added=tuple(sorted(now - old)),
                        removed=tuple(sorted(old - now)),
                    )
                )
        return (Change("update", "workspace", self.pid, tuple(fields)),) if fields else ()

    def write(
        self, client: PlatformClient, live: Mapping[str, Any], desired: Mapping[str, Any]
    ) -> list[Failure]:
        before = {g["name"]: set(g["members"]) for g in self.canonical(live)["userGroups"]}
        for g in self.canonical(desired)["userGroups"]:
            if before.get(g["name"]) == set(g["members"]):
                continue
            gid = self.directory.groups.get((self.pid, g["name"]))
            if gid is None:
                gid = client.create_user_group(self.pid, g["name"])
                with self.directory.lock:
                    self.directory.groups[(self.pid, g["name"])] = gid
            ids = [self.directory.profile(login) for login in g["members"]]
            client.set_group_members(gid, [i for i in ids if i is not None])
        return []

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return self.canonical(doc)

    def from_file(self, data: Any) -> dict[str, Any]:
        return docs.check_shape(self.key, data)


def resources(keys: list[str], directory: Directory) -> list[PlatformResource]:
    """The resources of documents named by key, in write order (unknown keys skipped)."""
    out: list[PlatformResource] = []
    for key in keys:
        if key == docs.USERS_KEY:
            out.append(DomainUsers(directory))
        elif (found := docs.project_of(key)) is not None:
            pid, kind = found
            out.append(ProjectMembers(pid, directory) if kind == "members" else ProjectGroups(pid, directory))
    return sorted(out, key=lambda r: (r.rank, r.key))
