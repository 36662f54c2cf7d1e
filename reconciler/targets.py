"""Targets: which GoodData organization a command talks to, and with which credentials (SPEC §4).

Pure: reconciler.yaml's targets, the flags and the environment in, a host and a token out. Running the
embedded organization the `local` target resolves to is reconciler.local_organization's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.errors import ConfigError
from reconciler.profiles import env_reference, load_profile_entry, read_env
from reconciler.profiles import load_profile as load_profile  # re-exported: targets read profiles

HOST_ENV = "GOODDATA_HOST"
TOKEN_ENV = "GOODDATA_TOKEN"
LOCAL_TARGET = "local"


@dataclass(frozen=True)
class TargetSpec:
    """A target as reconciler.yaml declares it; `token` and `password` are `$NAME` references, never secrets.

    `platform` is None for GoodData Cloud; `gooddata-platform` (the older platform) adds `domain`, `login`,
    `password` and `projects` (state workspace id → project id), see `reconciler.platform_targets`.
    """

    name: str
    host: str | None = None
    token: str | None = None
    profile: str | None = None
    platform: str | None = None
    domain: str | None = None
    login: str | None = None
    password: str | None = None
    projects: tuple[tuple[str, str], ...] = ()
    roles: tuple[
        tuple[str, tuple[str, ...]], ...
    ] = ()  # role identifier -> permissions (reconciler.platform)
    remove_members: bool = False

    @property
    def is_local(self) -> bool:
        """The embedded organization: no host, no profile, no other platform."""
        return self.host is None and self.profile is None and self.platform is None


@dataclass(frozen=True)
class ResolvedTarget:
    """A target ready to connect to: host and token resolved; `source` says where they came from."""

    name: str
    host: str | None
    token: str | None = field(repr=False)
    is_local: bool
    source: str
    ca_bundle: str | None = None  # from a profile's ssl_ca_cert
    notes: tuple[str, ...] = ()  # what the user should be told about where the host came from

    def __str__(self) -> str:
        return f"{self.name} ({self.host or 'embedded organization'})"


def same_host(a: str, b: str) -> bool:
    """True when two host URLs name the same server (scheme, host name and port; case and `/` ignored)."""
    return _host_key(a) == _host_key(b)


def _host_key(url: str) -> tuple[object, ...]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return (url.strip().rstrip("/"),)
    scheme = parts.scheme.lower()
    default_port = {"http": 80, "https": 443}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port or default_port, parts.path.rstrip("/"))


def read_secret(env: Mapping[str, str], target: str, key: str, reference: str) -> tuple[str, str]:
    """The secret a target's `key: $NAME` names, read from `env`, and NAME; a literal secret is refused.

    A GoodData Cloud target's `token` and an older-platform target's `password` are both read here.
    """
    variable = env_reference(reference)
    if variable is None:
        raise ConfigError(
            f"invalid config: target {target!r}: a literal {key} in reconciler.yaml is refused; "
            f"write `{key}: $ENV_VAR` and put the {key} in that environment variable"
        )
    return read_env(env, variable, f"the {key} of target {target!r}"), variable


def resolve_target(
    targets: Mapping[str, TargetSpec],
    name: str,
    *,
    env: Mapping[str, str],
    host: str | None = None,
    token_env: str | None = None,
    profile: str | None = None,
    profiles_path: Path | None = None,
) -> ResolvedTarget:
    """Resolve target `name` into a host and token: flags > the target in reconciler.yaml > environment.

    Host, first that applies:

    1. `--host URL`, then `--profile NAME` (that profile's host in profiles.yaml);
    2. the target's own `host`, or the host of its `profile`;
    3. `GOODDATA_HOST`, only for a target that names neither host nor profile (it fills in what the target
       leaves open and never redirects a target with a host of its own);
    4. none: the embedded local organization (`is_local`, no host, no token).

    Token, first that applies: `--token-env NAME`; `--profile NAME`; the target's own `token: $NAME` (a
    literal token is refused) or its profile's token; `GOODDATA_TOKEN`, only for a target that leaves its
    token open, and only when `GOODDATA_HOST` is unset or names the same host (a token exported for another
    organization is never sent to this one: that conflict is refused, naming both hosts).

    `notes` says what would surprise: a flag that overrides the target's configured host, a `GOODDATA_HOST`
    that was ignored because the target names its own host, a host taken from `GOODDATA_HOST`.
    The target `local` exists even when not declared.
    """
    spec = targets.get(name)
    if spec is None:
        if name != LOCAL_TARGET:
            known = ", ".join(sorted(set(targets) | {LOCAL_TARGET}))
            raise ConfigError(f"invalid config: unknown target {name!r} (targets: {known})")
        spec = TargetSpec(name=LOCAL_TARGET)
    if spec.platform is not None:
        raise ConfigError(
            f"invalid config: target {spec.name!r} is a {spec.platform} target (the older GoodData "
            "platform); this command works with GoodData Cloud targets only"
        )

    profile_cache: dict[str, tuple[str, str, str | None]] = {}

    def from_profile(profile_name: str) -> Callable[[], tuple[str, str, str | None]]:
        def load() -> tuple[str, str, str | None]:
            if profile_name not in profile_cache:
                if profiles_path is None:
                    raise ConfigError(
                        f"invalid config: profile {profile_name!r} requested but no profiles file is known"
                    )
                profile_cache[profile_name] = load_profile_entry(profiles_path, profile_name, env=env)
            return profile_cache[profile_name]

        return load

    flag_profile = from_profile(profile) if profile else None
    spec_profile = from_profile(spec.profile) if spec.profile else None
    env_host = env.get(HOST_ENV, "").strip() or None
    env_token = env.get(TOKEN_ENV, "").strip() or None
    target_desc = f"reconciler.yaml target {spec.name!r}"
    ca_bundle: str | None = None
    notes: list[str] = []

    def spec_profile_host() -> str | None:
        """The host of the target's profile; None when it cannot be read (a flag made it unnecessary)."""
        try:
            return spec_profile()[0] if spec_profile is not None else None
        except ConfigError:
            return None

    def note_override(flag: str, new_host: str) -> None:
        configured = spec.host or spec_profile_host()
        if configured is not None and same_host(configured, new_host):
            return
        what = spec.host or f"{configured or 'the host'} of profile {spec.profile!r}"
        notes.append(f"{flag} overrides the host of target {spec.name!r}: using {new_host}, not {what}")

    own_host = False  # whether the host is the target's own (then GOODDATA_HOST, if set, is ignored)
    resolved_host: str | None
    if host:
        resolved_host, host_source = host, "--host"
        if spec.host or spec_profile is not None:
            note_override("--host", host)
    elif flag_profile is not None:
        resolved_host, _, ca_bundle = flag_profile()
        host_source = f"--profile {profile}"
        if spec.host or spec_profile is not None:
            note_override(f"--profile {profile}", resolved_host)
    elif spec.host:
        resolved_host, host_source, own_host = spec.host, target_desc, True
    elif spec_profile is not None:
        resolved_host, _, ca_bundle = spec_profile()
        host_source, own_host = f"profile {spec.profile!r} of {target_desc}", True
    elif env_host:
        resolved_host, host_source = env_host, f"${HOST_ENV}"
        notes.append(f"target {spec.name!r} names no host of its own: using ${HOST_ENV} ({env_host})")
    else:
        resolved_host, host_source = None, ""
    if own_host and env_host and resolved_host and not same_host(env_host, resolved_host):
        notes.append(
            f"${HOST_ENV} ({env_host}) is ignored: target {spec.name!r} names its own host ({resolved_host})"
        )

    if resolved_host is None:
        if token_env:
            raise ConfigError(
                f"invalid config: --token-env given, but target {spec.name!r} is the embedded organization "
                "and has no host (give --host too, or choose another --target)"
            )
        if spec.token:
            raise ConfigError(f"invalid config: target {spec.name!r} has a token but no host")
        return ResolvedTarget(
            name=spec.name, host=None, token=None, is_local=True, source="embedded organization"
        )

    # Token: --token-env > --profile > the target's own token ($NAME, or its profile's) > GOODDATA_TOKEN.
    if token_env:
        token = read_env(env, token_env, "--token-env")
        token_source = f"${token_env} (--token-env)"
    elif flag_profile is not None:
        token = flag_profile()[1]
        token_source = f"--profile {profile}"
    elif spec.token:
        token, variable = read_secret(env, spec.name, "token", spec.token)
        token_source = f"${variable} ({target_desc})"
    elif spec_profile is not None:
        token = spec_profile()[1]
        token_source = f"profile {spec.profile!r} of {target_desc}"
    elif env_token:
        if env_host and not same_host(env_host, resolved_host):
            raise ConfigError(
                f"invalid config: target {spec.name!r} connects to {resolved_host} but names no token of its "
                f"own, and ${TOKEN_ENV} belongs to ${HOST_ENV} ({env_host}), another host: refusing to send "
                f"it there; give the target `token: $NAME` or pass --token-env NAME (or unset {HOST_ENV})"
            )
        token, token_source = env_token, f"${TOKEN_ENV}"
    else:
        raise ConfigError(
            f"invalid config: no token for target {spec.name!r} ({resolved_host}): set {TOKEN_ENV}, "
            "or `token: $ENV_VAR` / `profile:` in reconciler.yaml, or pass --token-env NAME"
        )
    return ResolvedTarget(
        name=spec.name,
        host=resolved_host,
        token=token,
        is_local=False,
        source=f"host from {host_source}; token from {token_source}",
        ca_bundle=ca_bundle,
        notes=tuple(notes),
    )
