"""A GoodData-compatible server for the user/group API (SPEC §8): tests, demos and the `local` target.

with Emulator() as emu:
    requests.get(emu.url + "/api/v1/layout/usersAndUserGroups",
                 headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
"""

from __future__ import annotations

from reconciler.emulator.faults import Fault, FaultQueue
from reconciler.emulator.rules import InvalidDocument
from reconciler.emulator.server import DEFAULT_TOKEN, Emulator, RequestRecord, tls_context

__all__ = [
    "DEFAULT_TOKEN",
    "Emulator",
    "Fault",
    "FaultQueue",
    "InvalidDocument",
    "RequestRecord",
    "tls_context",
]
