"""What the platform emulator holds: domain users, projects with members and invitations, user groups.

Plain records under one lock; the route modules read and change them, the emulator seeds them for tests.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

# Bodies carry "YYYY-MM-DD HH:MM:SS" in Central European time, without a zone ([rec]); the emulator uses
# UTC+1 all year (it has no evidence about daylight saving).
_CET = timezone(timedelta(hours=1))
PROFILE = "/gdc/account/profile/"
# accountSetting fields a create or update may set besides login, names, e-mail and password ([rec] items).
SETTINGS = (
    "companyName",
    "position",
    "country",
    "phoneNumber",
    "timezone",
    "language",
    "authenticationModes",
    "ssoProvider",
    "ipWhitelist",
)


def now() -> str:
    """The platform's timestamp format."""
    return datetime.now(UTC).astimezone(_CET).strftime("%Y-%m-%d %H:%M:%S")


def new_profile_id() -> str:
    """32 hex characters, like the recorded profile ids."""
    return uuid.uuid4().hex


def new_group_id() -> str:
    """A base64url-like id of 23 characters, like the recorded group ids."""
    return secrets.token_urlsafe(17)[:23]


def profile_uri(user_id: str) -> str:
    """/gdc/account/profile/{id}."""
    return PROFILE + user_id


@dataclass
class DomainUser:
    """A user of a domain (`accountSetting`)."""

    id: str
    login: str
    domain: str
    email: str
    first_name: str
    last_name: str
    password: str
    settings: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)


@dataclass
class Member:
    """One user's membership of one project: its roles (numbers) and status."""

    user_id: str
    roles: list[int]
    status: str  # ENABLED | DISABLED
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)


@dataclass
class Invitation:
    """A project invitation; `status` WAITING until cancelled (CANCELED)."""

    id: str
    pid: str
    email: str
    role: int
    firstname: str | None
    lastname: str | None
    message: str | None
    status: str = "WAITING"
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)


@dataclass
class Project:
    """A project: title, members by profile id (insertion order) and invitations by id."""

    pid: str
    title: str
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    created: str = field(default_factory=now)


@dataclass
class Group:
    """A project-scoped user group; members are profile ids in the order they were added."""

    id: str
    pid: str
    name: str
    description: str
    members: list[str] = field(default_factory=list)
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)


class PlatformData:
    """Every record, and the lock every reader and writer takes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, DomainUser] = {}
        self.projects: dict[str, Project] = {}
        self.groups: dict[str, Group] = {}
        self._by_login: dict[str, str] = {}

    # -- users ----------------------------------------------------------------------------------------

    def add_user(self, user: DomainUser) -> None:
        """Store a new user (the caller checked that its login is free)."""
        with self.lock:
            self.users[user.id] = user
            self._by_login[user.login.lower()] = user.id

    def user_by_login(self, login: str) -> DomainUser | None:
        """The user with this login, compared without case (the SDKs lower-case logins)."""
        with self.lock:
            user_id = self._by_login.get(login.lower())
            return self.users.get(user_id) if user_id is not None else None

    def user_by_uri(self, uri: object) -> DomainUser | None:
        """The user a profile URI names, by id or by login (`/gdc/account/profile/<email>`, [rec])."""
        if not isinstance(uri, str) or not uri.startswith(PROFILE):
            return None
        key = uri[len(PROFILE) :].rstrip("/")
        with self.lock:
            return self.users.get(key) or self.user_by_login(key)

    def delete_user(self, user_id: str) -> None:
        """Remove a user from the domain, its memberships and group memberships (the emulator's choice)."""
        with self.lock:
            user = self.users.pop(user_id)
            self._by_login.pop(user.login.lower(), None)
            for project in self.projects.values():
                project.members.pop(user_id, None)
            for group in self.groups.values():
                if user_id in group.members:
                    group.members.remove(user_id)

    def domain_users(self, domain: str) -> list[DomainUser]:
        """The users of a domain, in the order they were created."""
        with self.lock:
            return [u for u in self.users.values() if u.domain == domain]

    # -- projects and groups ----------------------------------------------------------------------------

    def remove_member(self, pid: str, user_id: str) -> None:
        """Hard removal: the membership, and the user from the project's groups (the emulator's choice)."""
        with self.lock:
            self.projects[pid].members.pop(user_id, None)
            for group in self.groups_of(pid):
                if user_id in group.members:
                    group.members.remove(user_id)

    def groups_of(self, pid: str) -> list[Group]:
        """The project's groups, in the order they were created."""
        with self.lock:
            return [g for g in self.groups.values() if g.pid == pid]
