"""GoodData's profiles.yaml and `$NAME` references to environment variables (SPEC §4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigError
from reconciler.yamlio import YamlSyntaxError, load_plain

_ENV_REF = re.compile(r"^\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$")


def env_reference(value: str) -> str | None:
    """The variable name in a `$NAME` / `${NAME}` reference, or None when the value is a literal."""
    match = _ENV_REF.match(value.strip())
    return (match.group("braced") or match.group("bare")) if match else None


def read_env(env: Mapping[str, str], name: str, what: str) -> str:
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
        token = read_env(env, variable, f"the token of profile {name!r} in {path}")
    ca = entry.get("ssl_ca_cert")
    ca_bundle = str(Path(ca).expanduser()) if isinstance(ca, str) and ca.strip() else None
    return host.strip(), token.strip(), ca_bundle
