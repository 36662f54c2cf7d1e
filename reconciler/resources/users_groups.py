"""The users-and-groups layout (`/api/v1/layout/usersAndUserGroups`) as a resource: today's layout and plan
code (reconciler.layout, reconciler.plan) behind the resource protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.client import GoodDataClient
from reconciler.layout import RenderOptions, canonical, render
from reconciler.plan import diff_documents
from reconciler.plan_documents import USERS_GROUPS_KEY
from reconciler.plan_model import Change
from reconciler.source.model import DesiredState


@dataclass(frozen=True)
class UsersGroups:
    """Every user and user group of the organization, in one document."""

    options: RenderOptions = RenderOptions()
    rank: int = 0
    key: str = USERS_GROUPS_KEY
    label: str = "the users and groups"

    def canonical(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return canonical(doc)

    def read(self, client: GoodDataClient) -> dict[str, Any]:
        return canonical(client.get_layout(), consume=True)

    def render(self, state: DesiredState, live: Mapping[str, Any]) -> dict[str, Any]:
        return render(state, live, self.options)

    def diff(self, live: Mapping[str, Any], desired: Mapping[str, Any]) -> tuple[Change, ...]:
        return diff_documents(canonical(live), canonical(desired), describe_deletes=False)

    def write(self, client: GoodDataClient, doc: Mapping[str, Any]) -> None:
        client.put_layout(doc)

    def to_file(self, doc: Mapping[str, Any]) -> Any:
        return canonical(doc)

    def from_file(self, data: Any) -> dict[str, Any]:
        if not (
            isinstance(data, dict)
            and isinstance(data.get("users"), list)
            and isinstance(data.get("userGroups"), list)
        ):
            raise ValueError("not a usersAndUserGroups layout document")
        return canonical(data)
