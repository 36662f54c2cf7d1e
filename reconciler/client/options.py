"""Transport settings of the client: timeouts, retries, TLS."""

from __future__ import annotations

from dataclasses import dataclass, field

# Permissions documents (one per workspace) read and written at once (reconciler.resources.reading): at 50 ms
# a round trip, 2,000 of them take ~3 s each way at 32, 12.5 s at 8 (then the client's CPU starts to count).
# A server that answers 429 is waited for (Retry-After) and retried; --concurrency N lowers it.
DEFAULT_CONCURRENCY = 32
MAX_CONCURRENCY = 64


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and for how long a failing request is retried; `total` retries follow the first attempt."""

    total: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    backoff_jitter: float = 0.25
    max_elapsed: float = 120.0


@dataclass(frozen=True, kw_only=True)
class ClientOptions:
    """Transport settings of the client, built at the edge from flags and config."""

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    insecure_http: bool = False
    ca_bundle: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY  # permissions documents read and written at once
