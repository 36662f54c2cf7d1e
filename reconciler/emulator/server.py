"""The Emulator: a GoodData-compatible organization served over HTTP from a daemon thread."""

from __future__ import annotations

from reconciler.emulator.handler import Handler
from reconciler.emulator.requestlog import RequestRecord
from reconciler.emulator.serving import Serving, tls_context
from reconciler.emulator.state import DEFAULT_TOKEN, EmulatorState

__all__ = ["DEFAULT_TOKEN", "Emulator", "RequestRecord", "tls_context"]


class Emulator(Serving, EmulatorState):
    """A GoodData-compatible organization on loopback; `start()` it, or use it as a context manager."""

    handler = Handler
