"""Progress of long operations: loading state files, the GET and PUT of a layout, retry waits, the lock wait.

The engine, the client and the lock report *stages* (what is happening, counts so far) and *notices* (a
retry) to a `Progress`. The default, `NULL`, shows nothing, so library use stays silent. The CLI picks one
with `for_stream`: on a terminal `TerminalProgress` redraws a spinner (or a bar, when the total is known) in
place with `\\r`; elsewhere (CI logs) `LineProgress` writes a line per finished stage with its duration.

Stages count files, workspaces or bytes, never users: `Stage.advance` is an integer addition, and the
terminal is redrawn from a timer thread, not per call.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

__all__ = ["NULL", "LineProgress", "Progress", "Stage", "TerminalProgress", "for_stream", "plural"]

_REDRAW = 0.1  # seconds between redraws of the terminal line
_BAR = 20


class Writable(Protocol):
    """Where log lines go: a text stream, or one that clears the progress line first."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Stage:
    """One running stage: what is happening and how far it got; `done()` says what it did, when it ends."""

    __slots__ = ("doing", "summary", "total", "count", "unit", "started")

    def __init__(self, doing: str, done: str | None, total: int | None, unit: str) -> None:
        self.doing = doing
        self.summary = done or doing
        self.total = total
        self.count = 0
        self.unit = unit
        self.started = time.monotonic()

    def advance(self, n: int = 1) -> None:
        """`n` more files, bytes, … done."""
        self.count += n

    def set_total(self, total: int | None) -> None:
        """How many there are in all, once known (None: unknown, a spinner instead of a bar)."""
        self.total = total

    def done(self, summary: str) -> None:
        """What the stage did, in the past tense (`loaded 20 state files`); its duration is added."""
        self.summary = summary

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def counts(self) -> str:
        """`3 of 20 files`, `1.2 of 31.0 MB`, `5 workspaces`, or '' when nothing is counted."""
        if self.unit == "bytes":
            if not self.count and not self.total:
                return ""
            done = _megabytes(self.count)
            return f"{done} of {_megabytes(self.total)} MB" if self.total else f"{done} MB"
        if not self.unit or (not self.count and not self.total):
            return ""
        if self.total:
            return f"{self.count:,} of {self.total:,} {self.unit}"
        return f"{self.count:,} {self.unit}"


class Progress:
    """Shows nothing: the default for library use. Subclasses show the stages."""

    @contextmanager
    def stage(
        self, doing: str, *, done: str | None = None, total: int | None = None, unit: str = ""
    ) -> Iterator[Stage]:
        """A stage for the duration of the block: `doing` while it runs, `done` (or `Stage.done`) after."""
        stage = Stage(doing, done, total, unit)
        self._started(stage)
        ok = False
        try:
            yield stage
            ok = True
        finally:
            self._ended(stage, ok)

    def notice(self, text: str) -> None:
        """A one-line message about something that happened (a retry), shown at once."""

    def log_stream(self, default: TextIO) -> Writable:
        """The stream log lines should go to so that they do not garble the progress display."""
        return default

    def _started(self, stage: Stage) -> None:
        pass

    def _ended(self, stage: Stage, ok: bool) -> None:
        pass


NULL = Progress()


class LineProgress(Progress):
    """For logs (no terminal): a line per finished stage with its duration, and each notice as a line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def notice(self, text: str) -> None:
        self._write(text)

    def _ended(self, stage: Stage, ok: bool) -> None:
        if ok:  # a failed stage is told by its error
            self._write(f"{stage.summary} in {stage.elapsed():.1f} s")

    def _write(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


class TerminalProgress(Progress):
    """For a terminal: the innermost running stage as one line, redrawn in place; cleared when it ends."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.RLock()
        self._stages: list[Stage] = []
        self._drawn = False
        self._frame = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        unicode = (getattr(stream, "encoding", None) or "").lower().replace("-", "") == "utf8"
        self._frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if unicode else "|/-\\"

    def notice(self, text: str) -> None:
        with self._lock:
            self._clear()
            self._stream.write(text + "\n")
            self._draw()

    def log_stream(self, default: TextIO) -> Writable:
        return _ClearingStream(self, default)

    def _started(self, stage: Stage) -> None:
        with self._lock:
            self._stages.append(stage)
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
                self._thread.start()

    def _ended(self, stage: Stage, ok: bool) -> None:
        thread = None
        with self._lock:
            if stage in self._stages:
                self._stages.remove(stage)
            self._clear()
            if not self._stages:
                thread, self._thread = self._thread, None
                self._stop.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while not self._stop.wait(_REDRAW):
            with self._lock:
                if self._stages:
                    self._frame += 1
                    try:
                        self._draw()
                    except (OSError, ValueError):  # the terminal went away: stop drawing, carry on
                        return

    def _draw(self) -> None:
        if not self._stages or self._stop.is_set():
            return
        stage = self._stages[-1]
        parts = [self._frames[self._frame % len(self._frames)], stage.doing]
        if stage.total and stage.count <= stage.total:
            filled = round(_BAR * stage.count / stage.total)
            parts.append("[" + "#" * filled + "-" * (_BAR - filled) + "]")
        counts = stage.counts()
        if counts:
            parts.append(counts)
        parts.append(f"{stage.elapsed():.1f} s")
        line = " ".join(parts)[: self._width() - 1]
        self._stream.write("\r" + line + "\x1b[K")
        self._stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    def _width(self) -> int:
        try:
            columns = os.get_terminal_size(self._stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return 80
        return max(columns, 20) if columns else 80  # a terminal that does not know its size says 0


class _ClearingStream:
    """A stream whose writes first clear the progress line (it is redrawn at the next tick)."""

    def __init__(self, progress: TerminalProgress, stream: TextIO) -> None:
        self._progress = progress
        self._stream = stream

    def write(self, text: str) -> int:
        with self._progress._lock:
            self._progress._clear()
            return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()


def for_stream(stream: TextIO, *, quiet: bool, terminal: bool) -> Progress:
    """What the CLI shows on `stream`: nothing when quiet, a redrawn line on a terminal, else stage lines."""
    if quiet:
        return NULL
    return TerminalProgress(stream) if terminal else LineProgress(stream)


def plural(n: int, noun: str) -> str:
    """`1 state file`, `20 state files`, `100,000 users`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _megabytes(n: int | None) -> str:
    return f"{(n or 0) / 1_000_000:.1f}"
