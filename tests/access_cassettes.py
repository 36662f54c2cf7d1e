"""Replaying GoodData's recorded conversations (../shared/gooddata/cassettes) against the emulator, compared
the way the cassettes' README says the recorder normalized them, for the permission and token endpoints.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from reconciler.emulator import DEFAULT_TOKEN, Emulator

CASSETTES = Path(__file__).resolve().parent.parent.parent / "shared" / "gooddata" / "cassettes"
ORIGIN = "http://localhost:3000"
WORKSPACE_NAMES = {"demo": "Demo", "demo_west": "Demo West", "demo_west_california": "Demo West California"}
_BASE64ISH = re.compile(r"^[A-Za-z0-9+/=_-]{16,}$")


def load(name: str) -> list[dict[str, Any]]:
    """The interactions of a cassette (skip when ../shared is absent)."""
    path = CASSETTES / name
    if not path.is_file():
        pytest.skip(f"GoodData cassettes not found at {CASSETTES} (../shared is absent)")
    interactions: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]
    return interactions


def seed_baseline(emu: Emulator) -> None:
    """The organization the SDK's tests run against (cassettes README): users and groups of the first layout
    GET of users/get_declarative_users_user_groups.yaml, the permissions of workspace demo, the data source
    that the user-management recordings show, and adminGroup holding MANAGE."""
    first = load("users/get_declarative_users_user_groups.yaml")[0]
    emu.replace_document(first["response"]["body"]["string"])
    demo = load("permissions/get_declarative_permissions.yaml")[0]["response"]["body"]["string"]
    emu.set_workspace_permissions("demo", demo["permissions"], demo["hierarchyPermissions"])
    emu.set_workspace_permissions("demo_west")
    emu.set_workspace_permissions("demo_west_california")
    if not hasattr(emu.workspaces, "name"):  # until workspaces carry names, the test names them
        emu.workspaces.name = WORKSPACE_NAMES.get  # type: ignore[attr-defined]
    emu.set_data_source_permissions(
        "demo-test-ds",
        [
            {"name": "MANAGE", "assignee": {"id": "demo2", "type": "user"}},
            {"name": "USE", "assignee": {"id": "demoGroup", "type": "userGroup"}},
        ],
        name="demo-test-ds",
    )
    emu.org_permissions.put([{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"}])


def normalize(value: Any, base: str) -> Any:
    """What the recorder did to a body: trace ids, auth ids, bearer tokens, origin, sorted userGroups."""
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            if key == "traceId":
                v = "NORMALIZED_TRACE_ID_000000000000"
            elif key in ("authId", "authenticationId") and isinstance(v, str) and _BASE64ISH.match(v):
                v = "NORMALIZED_AUTH_ID"
            elif key == "bearerToken":
                v = "NORMALIZED_BEARER_TOKEN"
            else:
                v = normalize(v, base)
                if key == "userGroups" and isinstance(v, list):
                    v = sorted(v, key=lambda e: json.dumps(e, sort_keys=True))
            out[key] = v
        return out
    if isinstance(value, list):
        return [normalize(v, base) for v in value]
    if isinstance(value, str):
        return value.replace(base, ORIGIN)
    return value


def replay(emu: Emulator, name: str) -> list[str]:
    """Send every recorded request; mismatches in status, media type or normalized body (none: all match)."""
    mismatches = []
    for i, interaction in enumerate(load(name)):
        request, response = interaction["request"], interaction["response"]
        headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        for key in ("Accept", "Content-Type"):
            if key in request["headers"]:
                headers[key] = request["headers"][key][0]
        body = request.get("body")
        got = requests.request(
            request["method"],
            emu.url + request["uri"].removeprefix(ORIGIN),
            data=None if body is None else json.dumps(body),
            headers=headers,
            timeout=30,
        )
        want_type = (response["headers"].get("Content-Type") or [None])[0]
        got_type = got.headers.get("Content-Type")
        want_body = response["body"]["string"]
        got_body = normalize(got.json(), emu.url) if got.content else ""
        where = f"{name}#{i} {request['method']} {request['uri']}"
        if got.status_code != response["status"]["code"]:
            mismatches.append(
                f"{where}: status {got.status_code} != {response['status']['code']}: {got.text}"
            )
        elif got_type != want_type:
            mismatches.append(f"{where}: Content-Type {got_type} != {want_type}")
        elif got_body != want_body:
            mismatches.append(f"{where}: body {got_body} != {want_body}")
    return mismatches
