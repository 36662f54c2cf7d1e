"""PlatformEmulator: the older GoodData platform (`/gdc/...`) served over HTTP from a daemon thread."""

from __future__ import annotations

from reconciler.emulator.platform.handler import PlatformHandler
from reconciler.emulator.platform.state import PlatformState
from reconciler.emulator.serving import Serving


class PlatformEmulator(Serving, PlatformState):
    """The older platform on loopback; `start()` it, or use it as a context manager (`with ... as emu`)."""

    handler = PlatformHandler

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:41234."""
        if self._url is None:
            raise RuntimeError("emulator not started")
        return self._url
