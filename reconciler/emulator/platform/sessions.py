"""SST and TT (API.md §1): log in for a super-secured token, trade it for short-lived temporary tokens.

Lifetimes are attributes tests set (seconds); `expire_*` ends every token of a kind at once, so a test can
make the next request meet the recorded 401 challenge without waiting.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

TT_LIFETIME = 600.0  # [doc] ten minutes
SST_LIFETIME = 16 * 24 * 3600.0  # [doc] 16 days


@dataclass
class _Token:
    user_id: str
    expires: float
    sst: str | None = None  # for a TT: the SST it was issued for


class Sessions:
    """Issued tokens and their expiry, on a monotonic clock."""

    def __init__(self) -> None:
        self.tt_lifetime = TT_LIFETIME
        self.sst_lifetime = SST_LIFETIME
        self._ssts: dict[str, _Token] = {}
        self._tts: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self.issued_tts = 0  # how many TTs were handed out (tests count refreshes)

    def login(self, user_id: str) -> tuple[str, str]:
        """A new SST for `user_id`, and a first TT for it."""
        sst = "sst-" + secrets.token_urlsafe(24)
        with self._lock:
            self._ssts[sst] = _Token(user_id, time.monotonic() + self.sst_lifetime)
            return sst, self._issue(user_id, sst)

    def token(self, sst: str | None) -> str | None:
        """A new TT for a live SST; None when the SST is unknown or expired."""
        with self._lock:
            owner = self._live(self._ssts, sst)
            if owner is None or sst is None:
                return None
            return self._issue(owner, sst)

    def _issue(self, user_id: str, sst: str) -> str:
        tt = "tt-" + secrets.token_urlsafe(24)
        self._tts[tt] = _Token(user_id, time.monotonic() + self.tt_lifetime, sst)
        self.issued_tts += 1
        return tt

    def tt_owner(self, tt: str | None) -> str | None:
        """The profile id a live TT belongs to."""
        with self._lock:
            return self._live(self._tts, tt)

    def sst_owner(self, sst: str | None) -> str | None:
        """The profile id a live SST belongs to."""
        with self._lock:
            return self._live(self._ssts, sst)

    def logout(self, user_id: str, sst: str | None) -> None:
        """End the session of `sst` (every session of the user when no SST was sent), with its TTs."""
        with self._lock:
            ended = {s for s, t in self._ssts.items() if t.user_id == user_id and (sst is None or s == sst)}
            for s in ended:
                del self._ssts[s]
            for tt in [k for k, t in self._tts.items() if t.sst in ended]:
                del self._tts[tt]

    def expire_tts(self) -> None:
        """Make every TT issued so far expired."""
        with self._lock:
            for token in self._tts.values():
                token.expires = 0.0

    def expire_ssts(self) -> None:
        """Make every SST issued so far expired (their TTs stay until their own expiry)."""
        with self._lock:
            for token in self._ssts.values():
                token.expires = 0.0

    @staticmethod
    def _live(tokens: dict[str, _Token], value: str | None) -> str | None:
        if value is None:
            return None
        token = tokens.get(value)
        if token is None:
            return None
        if token.expires <= time.monotonic():
            del tokens[value]
            return None
        return token.user_id
