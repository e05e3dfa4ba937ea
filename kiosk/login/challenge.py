"""The login challenge, fetched while the citizen types the PIN: the PIN's Enter then costs one signature
and one request (`POST /v1/auth/sessions`) instead of two round trips.

A challenge is single use and valid for two minutes (docs/backend-contract.md). `EarlyChallenge` holds
at most one, hands it to exactly one login attempt (`take()` drops it whatever the attempt's outcome),
and fetches a fresh one instead when the held one is close to its expiry, is older than
`USE_WITHIN_SECONDS` (the kiosk's clock may be behind the backend's), or could not be fetched. The PIN
has nothing to do here: it stays in the login call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from contract.v1 import ChallengeOut as Challenge

log = logging.getLogger(__name__)

#: A challenge fetched ahead is used only with at least this much time left before its `expires_at`...
EXPIRY_MARGIN_SECONDS = 30.0
#: ... and within this many seconds of being fetched (measured on the kiosk's monotonic clock).
USE_WITHIN_SECONDS = 60.0


@dataclass(frozen=True)
class _Fetched:
    challenge: Challenge
    at: float  # monotonic clock
    usable_for: float  # seconds from `at`


class EarlyChallenge:
    """At most one challenge, fetched ahead in a thread and handed to one login attempt only."""

    def __init__(
        self,
        fetch: Callable[[], Challenge],
        *,
        margin: float = EXPIRY_MARGIN_SECONDS,
        use_within: float = USE_WITHIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch = fetch
        self._margin = margin
        self._use_within = use_within
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._pending: Future[_Fetched] | None = None

    def _fetch_now(self) -> _Fetched:
        at = self._clock()
        challenge = self._fetch()
        left = (challenge.expires_at - self._now()).total_seconds()
        return _Fetched(challenge, at, min(left - self._margin, self._use_within))

    def prefetch(self) -> None:
        """Start fetching a challenge in the background, unless one is held or on its way."""
        with self._lock:
            if self._pending is not None:
                return
            pending: Future[_Fetched] = Future()
            self._pending = pending

        def run() -> None:
            if not pending.set_running_or_notify_cancel():
                return
            try:
                pending.set_result(self._fetch_now())
            except BaseException as exc:  # noqa: BLE001 - handed to take(), which fetches again
                log.info("could not fetch a login challenge ahead: %s", type(exc).__name__)
                pending.set_exception(exc)

        threading.Thread(target=run, name="login-challenge", daemon=True).start()

    def take(self) -> Challenge:
        """A challenge for one login attempt (blocking: call it from a worker thread).

        The one fetched ahead when it is still good (waiting for it if it is on its way), else a fresh
        one. Either way nothing is held afterwards: the next attempt gets another challenge. Raises what
        `fetch` raises.
        """
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            try:
                fetched = pending.result()
            except Exception:
                fetched = None
            if fetched is not None and self._clock() - fetched.at < fetched.usable_for:
                return fetched.challenge
        return self._fetch_now().challenge

    def discard(self) -> None:
        """Forget the challenge held (the session ended); one on its way is dropped when it arrives."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
