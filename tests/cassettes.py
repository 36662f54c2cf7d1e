"""GoodData's recorded conversations (../shared/gooddata/cassettes): loading, the baseline organization, and
the recorder's normalization, so an emulator's answers compare to the recorded ones.

The cassettes are third-party data (the SDK's VCR recordings, MIT): read in place, never copied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from reconciler.emulator import Emulator

CASSETTES = Path(__file__).resolve().parent.parent.parent / "shared" / "gooddata" / "cassettes"
ORIGIN = "http://localhost:3000"
TRACE_ID = "NORMALIZED_TRACE_ID_000000000000"
AUTH_ID = "NORMALIZED_AUTH_ID"
BEARER = "NORMALIZED_BEARER_TOKEN"
_BASE64ISH = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
# What the baseline holds besides the organization: the SDK tests' workspaces (demo_workspace_list).
WORKSPACES = (
    ("demo", "Demo", None),
    ("demo_west", "Demo West", "demo"),
    ("demo_west_california", "Demo West California", "demo_west"),
)


@dataclass(frozen=True)
class Interaction:
    """One recorded request and its answer; `body` is parsed JSON (None when empty)."""

    cassette: str
    index: int
    method: str
    path: str  # path and query, without the origin
    headers: dict[str, str]
    body: Any
    status: int
    media_type: str | None
    response_headers: dict[str, str]
    response: Any

    @property
    def endpoint(self) -> str:
        """`METHOD /path` with ids of the baseline kept: what the per-endpoint report groups by."""
        return f"{self.method} {urlsplit(self.path).path}"


def require() -> Path:
    """The cassette directory, or skip the test with the reason."""
    if not CASSETTES.is_dir():
        pytest.skip(f"GoodData's recorded cassettes not found at {CASSETTES} (../shared is absent)")
    return CASSETTES


def names() -> list[str]:
    """Every cassette, as `folder/name` without `.yaml` (empty when ../shared is absent)."""
    if not CASSETTES.is_dir():
        return []
    return sorted(str(p.relative_to(CASSETTES).with_suffix("")) for p in CASSETTES.glob("*/*.yaml"))


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


def load(name: str) -> list[Interaction]:
    """The interactions of cassette `name` (`users/list_users`), in order."""
    raw = yaml.safe_load((require() / f"{name}.yaml").read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(raw["interactions"]):
        request, response = entry["request"], entry["response"]
        uri: str = request["uri"]
        assert uri.startswith(ORIGIN), uri
        wanted = ("Accept", "Content-Type")
        headers = {k: v for k in wanted if (v := _first(request["headers"], k)) is not None}
        content_type = _first(response["headers"], "Content-Type")
        body = response["body"]["string"]
        out.append(
            Interaction(
                cassette=name,
                index=i,
                method=request["method"],
                path=uri[len(ORIGIN) :],
                headers=headers,
                body=request["body"],
                status=response["status"]["code"],
                media_type=content_type.split(";")[0].strip() if content_type else None,
                response_headers={k: str(v[0]) for k, v in response["headers"].items() if v},
                response=None if body == "" else body,
            )
        )
    return out


def normalize(value: Any, base: str = ORIGIN, key: str | None = None) -> Any:
    """What the recorder did to a body (README): trace ids, auth ids, bearer tokens, sorted `userGroups`;
    and the emulator's origin written as the recorder's."""
    if isinstance(value, dict):
        return {k: normalize(v, base, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [normalize(v, base) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if key == "userGroups" else items
    if isinstance(value, str):
        if key == "traceId":
            return TRACE_ID
        if key == "bearerToken":
            return BEARER
        if key in ("authId", "authenticationId") and _BASE64ISH.fullmatch(value):
            return AUTH_ID
        return value.replace(base, ORIGIN) if base != ORIGIN else value
    return value


def baseline_organization() -> dict[str, Any]:
    """The `demo` organization the SDK's tests start from (get_declarative_users_user_groups' first GET)."""
    doc: dict[str, Any] = load("users/get_declarative_users_user_groups")[0].response
    return doc


def baseline_permissions() -> dict[str, Any]:
    """The permissions of workspace `demo` (the first GET of get_declarative_permissions)."""
    doc: dict[str, Any] = load("permissions/get_declarative_permissions")[0].response
    return doc


# The data source the user-management recordings show (users/test_get_user_permissions and ..._group_...).
DATA_SOURCE_PERMISSIONS = [
    {"name": "MANAGE", "assignee": {"id": "demo2", "type": "user"}},
    {"name": "USE", "assignee": {"id": "demoGroup", "type": "userGroup"}},
]
# What put_declarative_organization_permissions and manage_organization_permissions restore at their end.
ORGANIZATION_PERMISSIONS = [{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"}]


def seed(emu: Emulator) -> None:
    """Make `emu` the baseline: the demo organization, its three workspaces and demo's permissions, the
    data source demo-test-ds and its permissions, and adminGroup holding MANAGE on the organization."""
    emu.replace_document(baseline_organization())
    for workspace_id, name, parent in WORKSPACES:
        emu.add_workspace(workspace_id, name=name, parent=parent)
    perms = baseline_permissions()
    emu.set_workspace_permissions("demo", perms["permissions"], perms["hierarchyPermissions"])
    emu.set_data_source_permissions("demo-test-ds", DATA_SOURCE_PERMISSIONS, name="demo-test-ds")
    emu.set_organization_permissions(ORGANIZATION_PERMISSIONS)
