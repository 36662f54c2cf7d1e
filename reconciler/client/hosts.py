"""Which hosts the client may talk to, and in which form."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from reconciler.errors import ConfigError


def is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def normalize_host(host: str, insecure_http: bool) -> tuple[str, bool]:
    """Return the base URL and whether it is loopback; ConfigError for what cannot be a GoodData host."""
    try:
        parts = urlsplit(host.strip())
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as e:
        raise ConfigError(f"invalid config: host {host!r} is not a valid URL ({e})") from e
    if parts.scheme not in ("http", "https") or not hostname:
        raise ConfigError(
            f"invalid config: host {host!r} must be a URL such as https://acme.cloud.gooddata.com"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(
            f"invalid config: host {parts.scheme}://{hostname} must not carry credentials, "
            "a query or a fragment"
        )
    loopback = is_loopback(hostname)
    if parts.scheme == "http" and not loopback and not insecure_http:
        raise ConfigError(
            f"invalid config: refusing plain http:// for {hostname}: the token would travel in clear text "
            "(use https://, or --insecure-http if you really mean it)"
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", loopback
