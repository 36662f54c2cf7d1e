"""Every recorded conversation with a real GoodData server, replayed against a fresh emulator.

Each cassette in ../shared/gooddata/cassettes starts from the baseline organization (tests/cassettes.py);
every request is sent as recorded (method, path and query, Accept, Content-Type, body) and the answer is
compared with the recorded one: status, media type, Location and the cache headers, and the parsed JSON body
after the recorder's normalization. A mismatch fails unless ALLOWED lists it with a reason; an ALLOWED entry
that now matches fails too, so the list stays exactly as small as it can be.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import cassettes
import pytest
import requests
from cassettes import Interaction

from reconciler.emulator import DEFAULT_TOKEN, Emulator

_DASHBOARDS = "workspace content (dashboards) is out of the emulator's scope"
# Interactions the emulator does not reproduce: `cassette#index` (0-based) -> why. Reviewed; keep it small.
ALLOWED: dict[str, str] = {
    "permissions/list_available_assignees#0": _DASHBOARDS,
    **{f"permissions/list_dashboard_permissions#{i}": _DASHBOARDS for i in range(4)},
    **{f"permissions/manage_dashboard_permissions_declarative_workspace#{i}": _DASHBOARDS for i in range(5)},
}


# Headers compared where the recording has them (DATE and the trace id are the recorder's placeholders).
HEADERS = ("Location", "Expires", "Pragma", "X-Content-Type-Options")


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str | None
    headers: dict[str, str]
    body: Any


def _answer(emu: Emulator, interaction: Interaction) -> Answer:
    base = emu.url.replace("127.0.0.1", "localhost")  # the organization's hostname is the Host's, as recorded
    headers = {**interaction.headers, "Authorization": f"Bearer {DEFAULT_TOKEN}"}
    data = None if interaction.body is None else json.dumps(interaction.body).encode()
    r = requests.request(
        interaction.method,
        base + interaction.path,
        headers=headers,
        data=data,
        allow_redirects=False,
        timeout=30,
    )
    media = r.headers.get("Content-Type")
    if not r.content:
        body: Any = None
    else:
        try:
            body = json.loads(r.content)
        except ValueError:
            body = r.text
    return Answer(
        r.status_code,
        media.split(";")[0].strip() if media else None,
        {name: cassettes.normalize(r.headers[name], base) for name in HEADERS if name in r.headers},
        cassettes.normalize(body, base),
    )


def _differences(interaction: Interaction, got: Answer) -> list[str]:
    out = []
    if got.status != interaction.status:
        out.append(f"status {got.status}, recorded {interaction.status}")
    if got.media_type != interaction.media_type:
        out.append(f"media type {got.media_type}, recorded {interaction.media_type}")
    for name in HEADERS:
        recorded_header = interaction.response_headers.get(name)
        if recorded_header is not None and got.headers.get(name) != recorded_header:
            out.append(f"{name} {got.headers.get(name)}, recorded {recorded_header}")
    recorded_body = cassettes.normalize(interaction.response)
    if got.body != recorded_body:
        shown, recorded = (json.dumps(b, sort_keys=True)[:600] for b in (got.body, recorded_body))
        out.append(f"body {shown}, recorded {recorded}")
    return out


def _replay(name: str) -> dict[str, tuple[Interaction, list[str]]]:
    out = {}
    with Emulator() as emu:
        cassettes.seed(emu)
        for interaction in cassettes.load(name):
            out[f"{name}#{interaction.index}"] = (
                interaction,
                _differences(interaction, _answer(emu, interaction)),
            )
    return out


@pytest.fixture(scope="module")
def replayed() -> dict[str, tuple[Interaction, list[str]]]:
    """Every interaction of every cassette -> (the interaction, how the emulator's answer differs)."""
    cassettes.require()
    out: dict[str, tuple[Interaction, list[str]]] = {}
    for name in cassettes.names():
        out |= _replay(name)
    return out


@pytest.mark.parametrize("name", cassettes.names() or ["(no cassettes)"])
def test_cassette_is_reproduced(replayed: dict[str, tuple[Interaction, list[str]]], name: str) -> None:
    mine = {key: value for key, value in replayed.items() if key.startswith(name + "#")}
    assert mine, f"no interactions in {name}"
    unexpected = {
        key: f"{i.method} {i.path}: " + "; ".join(diffs)
        for key, (i, diffs) in mine.items()
        if diffs and key not in ALLOWED
    }
    assert not unexpected, "\n".join(f"{k}: {v}" for k, v in unexpected.items())
    stale = [key for key, (_, diffs) in mine.items() if not diffs and key in ALLOWED]
    assert not stale, f"these now match: remove them from ALLOWED: {stale}"


def test_report_per_endpoint(replayed: dict[str, tuple[Interaction, list[str]]], capsys: Any) -> None:
    """Print how many interactions of each endpoint match (run with -s to see it); ALLOWED names real ones."""
    per_endpoint: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for interaction, diffs in replayed.values():
        counts = per_endpoint[interaction.endpoint]
        counts[0] += not diffs
        counts[1] += 1
    matching = sum(not diffs for _, diffs in replayed.values())
    with capsys.disabled():
        print(f"\nconformance: {matching} of {len(replayed)} recorded interactions reproduced exactly")
        for endpoint, (ok, total) in sorted(per_endpoint.items()):
            print(f"  {ok:3} of {total:3}  {endpoint}")
    assert set(ALLOWED) <= set(replayed), (
        f"ALLOWED names unknown interactions: {set(ALLOWED) - set(replayed)}"
    )
    assert matching + len(ALLOWED) >= len(replayed)
