"""Targets: which GoodData organization a command talks to, and with which credentials (SPEC §4)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from reconciler.errors import ConfigError, ReconcilerError
from reconciler.yamlio import YamlSyntaxError, load_plain

HOST_ENV = "GOODDATA_HOST"
TOKEN_ENV = "GOODDATA_TOKEN"
LOCAL_TARGET = "local"
_ENV_REF = re.compile(r"^\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$")


@dataclass(frozen=True)
class TargetSpec:
    """A target as reconciler.yaml declares it; `token` is the `$NAME` reference, never a secret."""

    name: str
    host: str | None = None
    token: str | None = None
    profile: str | None = None

    @property
    def is_local(self) -> bool:
        """The embedded organization: no host and no profile."""
        return self.host is None and self.profile is None


@dataclass(frozen=True)
class ResolvedTarget:
    """A target ready to connect to: host and token resolved; `source` says where they came from."""

    name: str
    host: str | None
    token: str | None = field(repr=False)
    is_local: bool
    source: str
    ca_bundle: str | None = None  # from a profile's ssl_ca_cert

    def __str__(self) -> str:
        return f"{self.name} ({self.host or 'embedded organization'})"


def env_reference(value: str) -> str | None:
    """The variable name in a `$NAME` / `${NAME}` reference, or None when the value is a literal."""
    match = _ENV_REF.match(value.strip())
    return (match.group("braced") or match.group("bare")) if match else None


def _read_env(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"invalid config: {what} reads the environment variable {name}, which is not set")
    return value


def load_profile(path: Path, name: str, *, env: Mapping[str, str]) -> tuple[str, str]:
    """(host, token) of profile `name` in GoodData's profiles.yaml, new or legacy format."""
    host, token, _ = load_profile_entry(path, name, env=env)
    return host, token


def load_profile_entry(path: Path, name: str, *, env: Mapping[str, str]) -> tuple[str, str, str | None]:
    """(host, token, ssl_ca_cert) of profile `name`; a `$NAME` token is read from `env`."""
    if not path.is_file():
        raise ConfigError(f"invalid config: profile {name!r}: GoodData profiles file {path} not found")
    try:
        data = load_plain(path)
    except YamlSyntaxError as e:
        raise ConfigError(f"invalid config: {path}:{e.line}:{e.column}: {e}") from e
    except OSError as e:
        raise ConfigError(f"invalid config: cannot read {path}: {e.strerror or e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"invalid config: {path} is not a mapping of profiles")
    profiles: Any = data.get("profiles")
    if isinstance(profiles, dict):  # the new format: {profiles: {NAME: …}, default_profile: NAME}
        entry = profiles.get(name)
        if entry is None and name == "default" and isinstance(data.get("default_profile"), str):
            entry = profiles.get(data["default_profile"])
    else:  # the legacy format: profile names at the top level
        profiles = data
        entry = data.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(str(k) for k, v in profiles.items() if isinstance(v, dict))) or "none"
        raise ConfigError(f"invalid config: profile {name!r} not found in {path} (profiles: {known})")
    host, token = entry.get("host"), entry.get("token")
    if not isinstance(host, str) or not host.strip():
        raise ConfigError(f"invalid config: profile {name!r} in {path} has no host")
    if not isinstance(token, str) or not token.strip():
        raise ConfigError(f"invalid config: profile {name!r} in {path} has no token")
    variable = env_reference(token)
    if variable is not None:
        token = _read_env(env, variable, f"the token of profile {name!r} in {path}")
    ca = entry.get("ssl_ca_cert")
    ca_bundle = str(Path(ca).expanduser()) if isinstance(ca, str) and ca.strip() else None
    return host.strip(), token.strip(), ca_bundle


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
    """Resolve target `name` into a host and token.

    Host and token are each taken from the first layer that supplies them:

    1. flags: `--host URL`; `--token-env NAME` (the token is read from that variable); `--profile NAME`
       (host and token from that profile in profiles.yaml; `--host`/`--token-env` still win over it);
    2. the environment: `GOODDATA_HOST`, `GOODDATA_TOKEN`;
    3. the target in reconciler.yaml: `host` with `token: $NAME` (read from the variable NAME; a literal
       token is refused), or `profile: NAME` (host and token from profiles.yaml).

    A target with neither host nor profile, when no flag or GOODDATA_HOST gives a host, is the embedded
    local organization (`is_local`, no host, no token). The target `local` exists even when not declared.
    """
    spec = targets.get(name)
    if spec is None:
        if name != LOCAL_TARGET:
            known = ", ".join(sorted(set(targets) | {LOCAL_TARGET}))
            raise ConfigError(f"invalid config: unknown target {name!r} (targets: {known})")
        spec = TargetSpec(name=LOCAL_TARGET)

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
    ca_bundle: str | None = None

    # Host: --host > --profile > GOODDATA_HOST > target host > target profile.
    resolved_host: str | None
    if host:
        resolved_host, host_source = host, "--host"
    elif flag_profile is not None:
        resolved_host, _, ca_bundle = flag_profile()
        host_source = f"--profile {profile}"
    elif env.get(HOST_ENV, "").strip():
        resolved_host, host_source = env[HOST_ENV].strip(), f"${HOST_ENV}"
    elif spec.host:
        resolved_host, host_source = spec.host, f"reconciler.yaml target {spec.name!r}"
    elif spec_profile is not None:
        resolved_host, _, ca_bundle = spec_profile()
        host_source = f"profile {spec.profile!r} of reconciler.yaml target {spec.name!r}"
    else:
        resolved_host = None
        host_source = ""

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

    # Token: --token-env > --profile > GOODDATA_TOKEN > target token ($NAME) > target profile.
    if token_env:
        token = _read_env(env, token_env, "--token-env")
        token_source = f"${token_env} (--token-env)"
    elif flag_profile is not None:
        token = flag_profile()[1]
        token_source = f"--profile {profile}"
    elif env.get(TOKEN_ENV, "").strip():
        token, token_source = env[TOKEN_ENV].strip(), f"${TOKEN_ENV}"
    elif spec.token:
        variable = env_reference(spec.token)
        if variable is None:
            raise ConfigError(
                f"invalid config: target {spec.name!r}: a literal token in reconciler.yaml is refused; "
                "write `token: $ENV_VAR` and put the token in that environment variable"
            )
        token = _read_env(env, variable, f"the token of target {spec.name!r}")
        token_source = f"${variable} (reconciler.yaml target {spec.name!r})"
    elif spec_profile is not None:
        token = spec_profile()[1]
        token_source = f"profile {spec.profile!r} of reconciler.yaml target {spec.name!r}"
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
    )


class LocalOrganization:
    """The embedded organization (SPEC §8): the emulator in-process on loopback, data in `data_file`."""

    def __init__(
        self,
        data_file: Path,
        *,
        bootstrap_user: str = "admin",
        bootstrap_group: str = "adminGroup",
        seed_service_account: str | None = "svc-ci",
    ) -> None:
        self.data_file = Path(data_file)
        self.bootstrap_user = bootstrap_user
        self.bootstrap_group = bootstrap_group
        self.seed_service_account = seed_service_account
        self._emulator: Any = None

    def __repr__(self) -> str:
        return f"LocalOrganization(data_file={str(self.data_file)!r})"

    def __enter__(self) -> ResolvedTarget:
        from reconciler.emulator import Emulator  # the server only when the local target is used

        first_time = not self.data_file.exists()
        token = secrets.token_urlsafe(32)
        try:
            self.data_file.parent.mkdir(parents=True, exist_ok=True)
            emulator = Emulator(
                token=token,
                data_file=self.data_file,
                bootstrap_user=self.bootstrap_user,
                bootstrap_group=self.bootstrap_group,
            )
            emulator.__enter__()
        except ValueError as e:  # the emulator's InvalidDocument: a corrupt or foreign data file
            raise ReconcilerError(
                f"local organization: {self.data_file} is not a usable organization ({e}); "
                "move it away to start a fresh one"
            ) from e
        except OSError as e:
            raise ReconcilerError(
                f"local organization: cannot start it with data in {self.data_file}: {e.strerror or e}"
            ) from e
        self._emulator = emulator
        try:
            if first_time and self.seed_service_account:
                self._seed(emulator)
        except BaseException:
            self._stop(None, None, None)
            raise
        return ResolvedTarget(
            name=LOCAL_TARGET,
            host=emulator.url,
            token=token,
            is_local=True,
            source=f"embedded organization ({self.data_file})",
        )

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop(exc_type, exc, tb)

    def _stop(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        emulator, self._emulator = self._emulator, None
        if emulator is not None:
            emulator.__exit__(exc_type, exc, tb)

    def _seed(self, emulator: Any) -> None:
        # A service account, so the example config's `ignore: users: ["svc-*"]` has something to protect.
        doc = emulator.document()
        users = doc.setdefault("users", [])
        if not any(u.get("id") == self.seed_service_account for u in users):
            users.append(
                {
                    "id": self.seed_service_account,
                    "firstname": "CI",
                    "lastname": "Service account",
                    "systemAccount": True,
                    "permissions": [],
                    "settings": [],
                }
            )
            emulator.replace_document(doc)
