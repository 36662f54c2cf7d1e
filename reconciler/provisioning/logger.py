"""The provisioner's log: `provisioner.logger.subscribe(logging_logger)`, as in the provisioning library."""

from __future__ import annotations

from typing import Any, Protocol


class LoggerLike(Protocol):
    """What a subscriber needs: a `logging.Logger` is one."""

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None: ...

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None: ...

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None: ...


class LogObserver:
    """Passes each message to every subscriber; with none, messages are dropped (errors are raised anyway)."""

    def __init__(self) -> None:
        self.subscribers: list[LoggerLike] = []

    def subscribe(self, subscriber: LoggerLike) -> None:
        """Send the provisioner's messages to `subscriber` too."""
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)

    def unsubscribe(self, subscriber: LoggerLike) -> None:
        """Stop sending to `subscriber`."""
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    def info(self, msg: str) -> None:
        for s in self.subscribers:
            s.info(msg)

    def warning(self, msg: str) -> None:
        for s in self.subscribers:
            s.warning(msg)

    def error(self, msg: str) -> None:
        for s in self.subscribers:
            s.error(msg)
