"""Targets on the older GoodData platform (`platform: gooddata-platform`): their checks, resolution, client.

```yaml
targets:
  legacy:
    platform: gooddata-platform
    host: https://secure.gooddata.com   # the default
    domain: acme
    login: admin@acme.com
    password: $GDC_PASSWORD             # read from the environment; a literal password is refused
    projects: {sales: a1b2c3...}        # optional: state workspace id -> project id
```

`platform_findings` checks what the schema cannot (which keys go together), by path (config places them);
`resolve_platform_target` reads the password from the environment the CLI passes in; `open_platform_client`
logs in, yields a `PlatformClient` and logs out at the end, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from reconciler.errors import ConfigError
from reconciler.progress import NULL, Progress
from reconciler.targets import TargetSpec, read_secret

if TYPE_CHECKING:  # the client (and requests) only when a target is used: validate needs neither
    from reconciler.client.options import ClientOptions
    from reconciler.client.platform import PlatformClient

PLATFORM_KIND = "gooddata-platform"
DEFAULT_PLATFORM_HOST = "https://secure.gooddata.com"
REQUIRED = ("domain", "login", "password")
PLATFORM_ONLY = ("domain", "login", "password", "projects", "roles", "remove_members")
CLOUD_ONLY = ("token", "profile")


@dataclass(frozen=True)
class PlatformTarget:
    """A gooddata-platform target ready to connect to: the password read, the host settled."""

    name: str
    host: str
    domain: str
    login: str
    password: str = field(repr=False)
    projects: Mapping[str, str] = field(default_factory=dict)  # state workspace id -> project id
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role bundles (reconciler.platform)
    remove_members: bool = False  # hard removal instead of DISABLED
    source: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.host}, domain {self.domain})"

    def project_id(self, workspace_id: str) -> str:
        """The project a state workspace is: the `projects` mapping's, else the workspace id itself."""
        return self.projects.get(workspace_id, workspace_id)

    def workspace_id(self, project_id: str) -> str:
        """The state workspace id of a project (the inverse of `project_id`)."""
        for workspace, project in self.projects.items():
            if project == project_id:
                return workspace
        return project_id


def is_platform(spec: TargetSpec | None) -> bool:
    """Whether a declared target is on the older GoodData platform."""
    return spec is not None and spec.platform == PLATFORM_KIND


def spec_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The TargetSpec keywords of the platform keys of one (schema-valid) target entry."""
    projects = entry.get("projects") or {}
    return {
        "platform": entry.get("platform"),
        "domain": entry.get("domain"),
        "login": entry.get("login"),
        "password": entry.get("password"),
        "projects": tuple((str(k), str(v)) for k, v in projects.items()),
        "roles": tuple((str(k), tuple(map(str, v))) for k, v in (entry.get("roles") or {}).items()),
        "remove_members": entry.get("remove_members") is True,
    }


class Finding(NamedTuple):
    """A key of reconciler.yaml that does not go with the others: where (the key's path) and what is wrong.

    reconciler.config places it in the file (`file:line:col: targets.x.key: message`); `at_key` False
    points at the value instead of the key.
    """

    path: tuple[str, ...]
    message: str
    at_key: bool = True


def platform_findings(data: Any) -> list[Finding]:
    """The keys that do not go together in the targets of reconciler.yaml (its parsed, schema-valid data)."""
    targets = data.get("targets") if isinstance(data, dict) else None
    out: list[Finding] = []
    if not isinstance(targets, dict):
        return out
    for name, entry in targets.items():
        if not isinstance(entry, dict):
            continue
        here = ("targets", name)
        if entry.get("platform") == PLATFORM_KIND:
            for key in REQUIRED:
                if key not in entry:
                    needs = "password: $NAME" if key == "password" else key
                    out.append(Finding(here, f"a {PLATFORM_KIND} target needs `{needs}`"))
            for key in CLOUD_ONLY:
                if key in entry:
                    said = f"a {PLATFORM_KIND} target logs in with `login` and `password`; `{key}` is for "
                    out.append(Finding((*here, key), said + "GoodData Cloud targets"))
            out += _duplicate_projects(here, entry.get("projects"))
        else:
            for key in PLATFORM_ONLY:
                if key in entry:
                    out.append(
                        Finding((*here, key), f"only a `platform: {PLATFORM_KIND}` target has `{key}`")
                    )
    return out


def _duplicate_projects(here: tuple[str, ...], projects: Any) -> list[Finding]:
    out: list[Finding] = []
    if not isinstance(projects, dict):
        return out
    seen: dict[str, str] = {}
    for workspace, project in projects.items():
        if isinstance(project, str) and project in seen:
            said = f"project {project} is already the project of workspace {seen[project]}; each workspace "
            out.append(Finding((*here, "projects", workspace), said + "needs a project of its own", False))
        elif isinstance(project, str):
            seen[project] = str(workspace)
    return out


def resolve_platform_target(
    targets: Mapping[str, TargetSpec],
    name: str,
    *,
    env: Mapping[str, str],
    host: str | None = None,
    token_env: str | None = None,
    profile: str | None = None,
) -> PlatformTarget:
    """The platform target `name` with its password read from `env` (the CLI passes the environment).

    The host: `--host`, else the target's `host`, else the public platform host. `--token-env` and
    `--profile` are GoodData Cloud's and are refused here; GOODDATA_HOST/GOODDATA_TOKEN are not used.
    """
    spec = targets.get(name)
    if spec is None or not is_platform(spec):
        raise ConfigError(f"invalid config: target {name!r} is not a {PLATFORM_KIND} target")
    for flag, given in (("--token-env", token_env), ("--profile", profile)):
        if given:
            raise ConfigError(
                f"invalid config: {flag} is for GoodData Cloud targets; target {name!r} is a {PLATFORM_KIND} "
                "target and logs in with its login and password"
            )
    if not spec.domain or not spec.login or not spec.password:
        raise ConfigError(f"invalid config: target {name!r} needs domain, login and password: $NAME")
    password, variable = read_secret(env, name, "password", spec.password)
    resolved_host = host or spec.host or DEFAULT_PLATFORM_HOST
    host_source = "--host" if host else (f"reconciler.yaml target {name!r}" if spec.host else "the default")
    return PlatformTarget(
        name=name,
        host=resolved_host,
        domain=spec.domain,
        login=spec.login,
        password=password,
        projects=dict(spec.projects),
        roles=dict(spec.roles),
        remove_members=spec.remove_members,
        source=f"host from {host_source}; login {spec.login}; password from ${variable}",
    )


@contextmanager
def open_platform_client(
    target: PlatformTarget,
    *,
    options: ClientOptions | None = None,
    progress: Progress = NULL,
) -> Iterator[PlatformClient]:
    """A logged-in client of `target`; it logs out when the block ends, on success or error."""
    from reconciler.client.options import ClientOptions
    from reconciler.client.platform import PlatformClient

    client = PlatformClient(
        target.host,
        domain=target.domain,
        login=target.login,
        password=target.password,
        options=options or ClientOptions(),
        target_name=target.name,
        progress=progress,
    )
    try:
        client.log_in()
        yield client
    finally:
        client.close()
