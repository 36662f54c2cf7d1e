"""Pausing the cyclic garbage collector while large acyclic documents are parsed, built and compared.

Millions of fresh containers (a 100,000-user organization is ~1.5 million dicts, lists and strings) make the
collector rescan the whole heap again and again, although none of them can be cyclic garbage: with it
paused, loading and planning take about two thirds of the time. Collection resumes when the pause ends.

With `freeze=True` the objects alive at the end of the pause also move to the permanent generation
(`gc.freeze`): re-enabling the collector would otherwise scan every object made during the pause once per
generation (a second per plan at 100,000 users) for nothing. They are still freed by reference counting;
only cyclic garbage that happened to exist at that moment is never collected, so the CLI's one-shot paths
ask for it (and only after a pause that made over FREEZE_AFTER containers), and the long-running emulator
freezes only a large layout PUT, after collecting the garbage of the requests before it
(reconciler/emulator/handler.py).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pausers = 0
_was_enabled = False
_freeze = False
FREEZE_AFTER = 50_000  # net new tracked objects: small documents (and test suites) never freeze


@contextlib.contextmanager
def paused_gc(*, freeze: bool = False) -> Iterator[None]:
    """Disable the cyclic collector for the block; nested and concurrent pauses are counted."""
    global _pausers, _was_enabled, _freeze
    with _lock:
        if _pausers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausers += 1
        _freeze = _freeze or freeze
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0:
                if _freeze and gc.get_count()[0] > FREEZE_AFTER:
                    gc.freeze()
                _freeze = False
                if _was_enabled:
                    gc.enable()
