"""The protocol every GoodData document kind follows, so engine, apply, backup and restore walk them alike.

A *resource* is one document on the server (the users-and-groups layout, one workspace's permissions, the
organization's permissions): read it live, render the desired document from the state with the live fields
carried over, diff the two into Changes, write it, verify it. Documents are named by a `key`
(`usersAndUserGroups`, `workspaces/sales.permissions`, `organization.permissions`); the backup file is
`<key>.json`, in the API's own shape. `rank` orders writes: users and groups first (new assignees exist),
then workspace permissions, then organization permissions. The next document kind is one new module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from reconciler.client import GoodDataClient
from reconciler.document_keys import (
    ORGANIZATION_KEY,
    workspace_key,
    workspace_of,
)
from reconciler.plan_documents import USERS_GROUPS_KEY, combined_digest, document_digest
from reconciler.plan_model import Change
from reconciler.source.model import DesiredState

__all__ = [
    "ORGANIZATION_KEY",
    "USERS_GROUPS_KEY",
    "Resource",
    "combined_digest",
    "document_digest",
    "workspace_key",
    "workspace_of",
]


class Resource(Protocol):
    """One document kind's small protocol (see the module docstring)."""

    @property
    def key(self) -> str:
        """The document's name: its backup file is `<key>.json`."""

    @property
    def label(self) -> str:
        """How messages name the document: "the permissions of workspace sales"."""

    @property
    def rank(self) -> int:
        """Write order: lower first."""

    def read(self, client: GoodDataClient) -> dict[str, Any]:
        """GET the live document, canonical."""

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The document as the server normalizes it (so equal documents compare equal)."""

    def render(self, state: DesiredState, live: Mapping[str, Any]) -> dict[str, Any]:
        """The desired document: what the state declares, every field it does not own carried over."""

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        """The changes that turn `live` into `desired`."""

    def write(self, client: GoodDataClient, doc: Mapping[str, Any]) -> None:
        """PUT the whole document."""

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        """The backup file's content (the API's shape)."""

    def from_file(self, data: Any) -> dict[str, Any]:
        """A backup file's content as the document (ValueError when it is not one)."""
