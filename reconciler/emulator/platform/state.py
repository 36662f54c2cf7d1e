"""The platform emulator's state: records, sessions, faults and request log, and the seeding API for tests.

A domain admin (`admin_login` / `admin_password`) administers `domain`; a second user (`user_login` /
`user_password`) lives in another domain and administers nothing, for the 403s.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator.faults import FaultQueue, RandomFailures
from reconciler.emulator.platform import roles
from reconciler.emulator.platform.model import (
    SETTINGS,
    DomainUser,
    Group,
    Member,
    PlatformData,
    Project,
    new_group_id,
    new_profile_id,
)
from reconciler.emulator.platform.roles import Rotation
from reconciler.emulator.platform.sessions import Sessions
from reconciler.emulator.requestlog import RequestLog

DOMAIN = "emulator"
ADMIN_LOGIN = "admin@emulator.example"
ADMIN_PASSWORD = "admin-password"
USER_LOGIN = "viewer@elsewhere.example"
USER_PASSWORD = "viewer-password"
OTHER_DOMAIN = "elsewhere"


class PlatformState(RequestLog):
    """The older GoodData platform in memory, shared by the request threads."""

    def __init__(
        self,
        *,
        domain: str = DOMAIN,
        admin_login: str = ADMIN_LOGIN,
        admin_password: str = ADMIN_PASSWORD,
        fail_rate: float = 0.0,
        latency: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.domain = domain
        self.admin_login = admin_login
        self.admin_password = admin_password
        self.user_login = USER_LOGIN
        self.user_password = USER_PASSWORD
        self.latency = latency
        self.random_failures = RandomFailures(fail_rate, seed)
        self.faults = FaultQueue()
        self.sessions = Sessions()
        self.data = PlatformData()
        self.role_order = Rotation()
        self.outbox: list[dict[str, Any]] = []  # invitations accepted, oldest first (no e-mail is sent)
        self._admins: dict[str, str] = {}  # profile id -> the domain it administers
        self.admin_id = self._seed_user(admin_login, admin_password, domain, "Domain", "Admin")
        self._admins[self.admin_id] = domain
        self.user_id = self._seed_user(USER_LOGIN, USER_PASSWORD, OTHER_DOMAIN, "Plain", "Viewer")

    # -- who may do what ------------------------------------------------------------------------------

    def administered_domain(self, user_id: str) -> str | None:
        """The domain `user_id` is the admin of, if any."""
        return self._admins.get(user_id)

    def check_password(self, login: str, password: str) -> DomainUser | None:
        """The user these credentials log in, None for bad ones."""
        user = self.data.user_by_login(login)
        return user if user is not None and user.password == password else None

    # -- tokens ----------------------------------------------------------------------------------------

    @property
    def tt_lifetime(self) -> float:
        """Seconds a TT lives (600 like the documented ten minutes, unless a test sets it)."""
        return self.sessions.tt_lifetime

    @tt_lifetime.setter
    def tt_lifetime(self, seconds: float) -> None:
        self.sessions.tt_lifetime = seconds

    @property
    def sst_lifetime(self) -> float:
        """Seconds an SST lives."""
        return self.sessions.sst_lifetime

    @sst_lifetime.setter
    def sst_lifetime(self, seconds: float) -> None:
        self.sessions.sst_lifetime = seconds

    def expire_tokens(self, *, tt: bool = True, sst: bool = False) -> None:
        """End every TT (with `sst=True` every SST too) issued so far: the next call meets the 401."""
        if tt:
            self.sessions.expire_tts()
        if sst:
            self.sessions.expire_ssts()

    # -- seeding, for tests ----------------------------------------------------------------------------

    def add_domain_user(
        self,
        login: str,
        *,
        first_name: str = "First",
        last_name: str = "Last",
        email: str | None = None,
        password: str = "password123",
        user_id: str | None = None,
        domain: str | None = None,
        **settings: Any,
    ) -> str:
        """Create a domain user (in `domain`, default the emulator's) and return its profile id."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown accountSetting fields: {sorted(unknown)}")
        if self.data.user_by_login(login) is not None:
            raise ValueError(f"login {login} is already registered")
        return self._seed_user(
            login, password, domain or self.domain, first_name, last_name, email, user_id, settings
        )

    def add_project(self, pid: str, title: str = "") -> None:
        """Create a project (no members: add them with add_member)."""
        with self.data.lock:
            if pid in self.data.projects:
                raise ValueError(f"project {pid} exists")
            self.data.projects[pid] = Project(pid, title or pid)

    def add_member(
        self, pid: str, login: str, role: str = "readOnlyUserRole", status: str = "ENABLED"
    ) -> str:
        """Make a domain user a member of a project with a role (by identifier); returns its profile id."""
        if role not in roles.BY_IDENTIFIER:
            raise ValueError(f"unknown role {role}; one of {sorted(roles.BY_IDENTIFIER)}")
        if status not in ("ENABLED", "DISABLED"):
            raise ValueError("status is ENABLED or DISABLED")
        with self.data.lock:
            user = self._user(login)
            self._project(pid).members[user.id] = Member(user.id, [roles.BY_IDENTIFIER[role].number], status)
            return user.id

    def add_group(self, pid: str, name: str, members: list[str] | None = None, description: str = "") -> str:
        """Create a user group in a project with these members (logins); returns the group id."""
        with self.data.lock:
            self._project(pid)
            ids = [self._user(login).id for login in members or []]
            group = Group(new_group_id(), pid, name, description, list(dict.fromkeys(ids)))
            self.data.groups[group.id] = group
            return group.id

    # -- reading, for tests ----------------------------------------------------------------------------

    def domain_users(self) -> list[dict[str, Any]]:
        """The emulator domain's users: `{"id","login","email","firstName","lastName"}`, oldest first."""
        return [
            {
                "id": u.id,
                "login": u.login,
                "email": u.email,
                "firstName": u.first_name,
                "lastName": u.last_name,
            }
            for u in self.data.domain_users(self.domain)
        ]

    def members(self, pid: str) -> list[dict[str, Any]]:
        """A project's members: `{"id","login","roles":[identifiers],"status"}`."""
        with self.data.lock:
            return [
                {
                    "id": m.user_id,
                    "login": self.data.users[m.user_id].login,
                    "roles": [roles.BY_NUMBER[n].identifier for n in m.roles],
                    "status": m.status,
                }
                for m in self._project(pid).members.values()
            ]

    def groups(self, pid: str) -> list[dict[str, Any]]:
        """A project's groups: `{"id","name","members":[logins]}`."""
        with self.data.lock:
            return [
                {"id": g.id, "name": g.name, "members": [self.data.users[m].login for m in g.members]}
                for g in self.data.groups_of(pid)
            ]

    def clear_outbox(self) -> None:
        """Forget the invitations accepted so far."""
        with self.data.lock:
            self.outbox.clear()

    # -- helpers ---------------------------------------------------------------------------------------

    def _seed_user(
        self,
        login: str,
        password: str,
        domain: str,
        first_name: str,
        last_name: str,
        email: str | None = None,
        user_id: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> str:
        user = DomainUser(
            user_id or new_profile_id(),
            login,
            domain,
            email or login,
            first_name,
            last_name,
            password,
            settings or {},
        )
        self.data.add_user(user)
        return user.id

    def _user(self, login: str) -> DomainUser:
        user = self.data.user_by_login(login)
        if user is None:
            raise ValueError(f"no domain user {login}")
        return user

    def _project(self, pid: str) -> Project:
        project = self.data.projects.get(pid)
        if project is None:
            raise ValueError(f"no project {pid}")
        return project
