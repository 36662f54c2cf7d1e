"""Reading many documents: workspace permissions with bounded concurrency, one client session per worker.

Embedded-analytics organizations have thousands of child workspaces: reading their permissions one after
the other would take a round trip each. A pool of at most `workers` clients (`--concurrency`, default
`WORKERS`), each used by one thread at a time, reads (and writes) them in parallel; the first failure is
raised (after the other requests finished or were skipped).
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.client.options import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from reconciler.resources.base import Resource

WORKERS = DEFAULT_CONCURRENCY
MAX_WORKERS = MAX_CONCURRENCY


class ClientPool:
    """Up to `size` clients made by `factory`, handed to one thread at a time; closed by `close()`."""

    def __init__(self, factory: Callable[[], GoodDataClient], size: int = WORKERS) -> None:
        self._factory = factory
        self._idle: queue.LifoQueue[GoodDataClient] = queue.LifoQueue()
        self._made: list[GoodDataClient] = []
        self._slots = queue.Queue[None]()
        for _ in range(size):
            self._slots.put(None)

    @contextmanager
    def client(self) -> Iterator[GoodDataClient]:
        try:
            c = self._idle.get_nowait()
        except queue.Empty:
            self._slots.get()
            c = self._factory()
            self._made.append(c)
        try:
            yield c
        finally:
            self._idle.put(c)

    def close(self) -> None:
        for c in self._made:
            c.close()
        self._made.clear()


def read_documents(
    resources: Sequence[Resource],
    client: GoodDataClient,
    factory: Callable[[], GoodDataClient] | None,
    workers: int = WORKERS,
) -> dict[str, dict[str, Any]]:
    """Every resource's live document by key; up to `workers` at once when a client factory is given."""
    workers = min(max(1, workers), MAX_WORKERS, len(resources))
    if factory is None or workers <= 1:
        return {r.key: r.read(client) for r in resources}
    pool = ClientPool(factory, workers)

    def read(r: Resource) -> dict[str, Any]:
        with pool.client() as c:
            return r.read(c)

    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            docs = list(ex.map(read, resources))
    finally:
        pool.close()
    return {r.key: d for r, d in zip(resources, docs, strict=True)}


def write_documents(
    items: Sequence[tuple[Resource, Any]],
    client: GoodDataClient,
    factory: Callable[[], GoodDataClient] | None,
    written: list[str],
    workers: int = WORKERS,
) -> None:
    """Write each (resource, document), up to `workers` at once when a client factory is given; the label of
    every one written is appended to `written` (also when another fails: the first failure is raised after
    the rest)."""
    workers = min(max(1, workers), MAX_WORKERS, len(items))
    if factory is None or workers <= 1:
        for r, doc in items:
            r.write(client, doc)
            written.append(r.label)
        return
    pool = ClientPool(factory, workers)
    done: dict[str, str] = {}

    def write(item: tuple[Resource, Any]) -> None:
        r, doc = item
        with pool.client() as c:
            r.write(c, doc)
        done[r.key] = r.label

    try:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            futures = [ex.submit(write, item) for item in items]
        errors = [f.exception() for f in futures if f.exception() is not None]
    finally:
        pool.close()
        written += [r.label for r, _ in items if r.key in done]  # in write order
    if errors:
        raise errors[0]  # type: ignore[misc]
