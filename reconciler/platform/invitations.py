"""Which planned invitations are still to send: not those the project already holds WAITING for the same
e-mail (case-insensitive); a CANCELED, ACCEPTED or REFUSED invitation does not count (API.md §5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.client.platform import PlatformClient

PENDING = "WAITING"


def unsent(client: PlatformClient, planned: Sequence[dict[str, str]]) -> tuple[dict[str, str], ...]:
    """The planned invitations whose project has no WAITING invitation for their e-mail (one read per
    project that has planned invitations)."""
    pending: dict[str, set[str]] = {}
    for pid in dict.fromkeys(i["project"] for i in planned):
        pending[pid] = {
            str(x["email"]).lower()
            for x in client.invitations(pid)
            if x.get("status") == PENDING and isinstance(x.get("email"), str)
        }
    return tuple(i for i in planned if i["email"].lower() not in pending[i["project"]])
