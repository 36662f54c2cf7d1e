"""Reading and writing many older-platform documents with bounded concurrency: the domain's users first
(their ids name the group members), then every project's documents, at most WORKERS at a time, each thread
on its own fork of the client (one login, one token)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from reconciler.client.platform import PlatformClient
from reconciler.platform.resources import PlatformResource

WORKERS = 8
T = TypeVar("T")


def each(client: PlatformClient, items: Sequence[T], work: Callable[[PlatformClient, T], Any]) -> list[Any]:
    """`work(client, item)` for every item, WORKERS at a time on forks of `client`; results in order. The
    first failure is raised once the others finished."""
    if len(items) <= 1:
        return [work(client, item) for item in items]
    local = threading.local()
    forks: list[PlatformClient] = []
    lock = threading.Lock()

    def run(item: T) -> Any:
        fork = getattr(local, "client", None)
        if fork is None:
            fork = local.client = client.fork()
            with lock:
                forks.append(fork)
        return work(fork, item)

    try:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as ex:
            futures = [ex.submit(run, item) for item in items]
        errors = [e for f in futures if (e := f.exception()) is not None]
        if errors:
            raise errors[0]
        return [f.result() for f in futures]
    finally:
        for fork in forks:
            fork.close()


def read_all(client: PlatformClient, resources: Sequence[PlatformResource]) -> dict[str, dict[str, Any]]:
    """Every resource's live document by key, by rank: the ranks in turn, the documents of one rank in
    parallel."""
    out: dict[str, dict[str, Any]] = {}
    for rank in sorted({r.rank for r in resources}):
        group = [r for r in resources if r.rank == rank]
        for r, doc in zip(group, each(client, group, lambda c, r: r.read(c)), strict=True):
            out[r.key] = doc
    return out
