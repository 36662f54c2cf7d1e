"""Is the live organization still the one the plan was computed against? The apply's freshness checks.

A plan saved earlier, or a second apply racing this one, must never overwrite a change it has not seen: right
before the first PUT every document the plan covers is read again and compared with what the plan read (one
round trip of window). What the plan read is a `LiveRead`: the users-and-groups layout (canonical) with the
SHA-256 of the body it was parsed from, and the permissions documents by key.

- An apply of a plan made in the same session, with nothing else run in between (the target's lock was free),
  backs up the documents that plan read instead of reading them again (`reused`): they are the live state the
  plan was computed against, and the check before the PUT proves they still are.
- A saved plan, or one that waited for another apply, reads everything first and compares its digest with
  the plan's (`read_live` + `check`): stale before any backup is written.
- The check before the PUT hashes the layout's raw body: the same bytes as the read before mean the same
  document, so a 25 MB layout is parsed and digested only when its body changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.errors import StalePlanError
from reconciler.layout import canonical, digest
from reconciler.plan_documents import combined_digest, document_digest
from reconciler.plan_model import Plan
from reconciler.resources.base import Resource

ReadDocuments = Callable[[Sequence[Resource]], dict[str, dict[str, Any]]]


@dataclass
class LiveRead:
    """The live documents as read once: the layout (None once freed), its body's SHA-256, the others."""

    live_digest: str  # the combined digest of all of them, as a plan records it
    users: Mapping[str, Any] | None
    users_sha256: str | None
    documents: dict[str, dict[str, Any]]

    def digests(self) -> dict[str, str]:
        return {k: document_digest(d) for k, d in self.documents.items()}


def read_live(
    client: GoodDataClient, read_documents: ReadDocuments, resources: Sequence[Resource]
) -> LiveRead:
    """Read the layout and the documents of `resources` now."""
    doc, sha = client.read_layout()
    assert doc is not None  # no known digest: always parsed
    users = canonical(doc)
    del doc
    documents = read_documents(resources)
    return LiveRead(combined_digest(digest(users), documents), users, sha, documents)


def check(plan: Plan, read: LiveRead, when: str) -> None:
    """StalePlanError unless `read` is the live state `plan` was computed against."""
    if read.live_digest != plan.live_digest:
        raise stale(when)


def check_again(
    client: GoodDataClient,
    read_documents: ReadDocuments,
    resources: Sequence[Resource],
    plan: Plan,
    known: LiveRead,
    when: str,
) -> None:
    """Read every document again and refuse (StalePlanError) when any differs from `known`, the read the
    plan was checked against; the layout is parsed only when its body is not the same bytes."""
    doc, _ = client.read_layout(known.users_sha256)
    documents = read_documents(resources)
    if doc is not None:  # another body: the same document only when its canonical digest says so
        users_digest = digest(canonical(doc))
        del doc
        if combined_digest(users_digest, documents) != plan.live_digest:
            raise stale(when)
    elif known.live_digest != plan.live_digest or known.digests() != {
        k: document_digest(d) for k, d in documents.items()
    }:
        raise stale(when)


def stale(when: str) -> StalePlanError:
    return StalePlanError(
        f"refused: the live organization changed since the plan was made (stale plan, noticed {when}); "
        "plan again"
    )
