"""Staff PIN: scrypt hashes in config, checked in constant time, never logged or kept; and the back-off
after wrong PINs (`StaffLock`), which the app keeps so that no new PIN modal starts it afresh."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable

_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` (base64) for config's `[staff] pin_hash`."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, encoded: str) -> bool:
    """True when `pin` matches the hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=64 * 2**20
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


class StaffLock:
    """The wait after wrong staff PINs: "locked until", held by the app for as long as the kiosk runs.

    A PIN modal asks `begin()` before it checks a PIN and reports the answer with `finish(ok)`. After the
    n-th wrong PIN in a row nothing more is checked for `base_delay * 2**(n-1)` seconds (at most
    `MAX_DELAY`), and neither during a check: closing the modal and opening a new one (Escape, then
    Ctrl+F12 or F12 three times) skips no part of the wait, as it did when each modal kept its own timer.
    `finish` may be called from the worker thread that ran the check, even after its modal was closed.
    """

    #: The longest wait after a wrong PIN, however many came before it.
    MAX_DELAY = 300.0

    def __init__(self, base_delay: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.base_delay = base_delay
        self._clock = clock
        self._guard = threading.Lock()
        self._failures = 0
        self._locked_until = 0.0
        self._checking = False

    @property
    def failures(self) -> int:
        """Wrong PINs in a row since the last right one."""
        return self._failures

    @property
    def checking(self) -> bool:
        """A PIN is being checked now (possibly for a modal that was closed since)."""
        return self._checking

    def remaining(self) -> float:
        """Seconds before the next PIN may be checked (0 when it may be now, or once the check ends)."""
        return max(0.0, self._locked_until - self._clock())

    def ready(self) -> bool:
        """Whether a PIN typed now would be checked."""
        return not self._checking and self.remaining() == 0

    def begin(self) -> bool:
        """Claim the right to check one PIN now; False while locked or while another check runs."""
        with self._guard:
            if self._checking or self.remaining() > 0:
                return False
            self._checking = True
            return True

    def finish(self, ok: bool) -> float:
        """Record the answer of the check `begin()` allowed; the wait it starts, in seconds."""
        with self._guard:
            self._checking = False
            if ok:
                self._failures = 0
                self._locked_until = 0.0
                return 0.0
            self._failures += 1
            delay = min(self.base_delay * 2.0 ** min(self._failures - 1, 32), self.MAX_DELAY)
            self._locked_until = self._clock() + delay
            return delay
