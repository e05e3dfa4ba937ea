"""The test token layer: SoftHSM2 tokens that count PIN tries and lock like a DNIe.

SoftHSM2 accepts any number of wrong PINs and never sets COUNT_LOW / FINAL_TRY / LOCKED. This layer keeps
a tries counter per token in `pinstate.json` (shared by every process through a file lock), refuses the
login of a locked token with CKR_PIN_LOCKED, and reports the PKCS#11 flags a DNIe would show. The PIN
itself is still checked by SoftHSM2's real C_Login, and the certificate read and signature are SoftHSM2's:
only the counting is ours. `eid.token.CardToken` maps the flags to tries left, as for a real card.

Which token plays the card in a reader comes from `inserted.json`, written by the test-card daemon when
it inserts a virtual card (a real OpenSC slot is named after its reader instead).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pkcs11.exceptions as p11
from pkcs11 import TokenFlag

from eid.errors import TokenNotFound
from eid.token import DNIE_MAX_TRIES, CardToken, Pkcs11Tokens

PINSTATE_FILE = "pinstate.json"
INSERTED_FILE = "inserted.json"


class PinCounter:
    """Tries left per token label, in `<root>/pinstate.json`, under an exclusive file lock."""

    def __init__(self, root: Path) -> None:
        self.path = root / PINSTATE_FILE
        self._lock_path = root / (PINSTATE_FILE + ".lock")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, int]]:
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state: dict[str, int] = json.loads(self.path.read_text()) if self.path.exists() else {}
                before = dict(state)
                yield state
                if state != before:
                    tmp = self.path.with_suffix(".tmp")
                    tmp.write_text(json.dumps(state, indent=1))
                    tmp.replace(self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def reset(self, tries: dict[str, int]) -> None:
        with self._locked() as state:
            state.clear()
            state.update(tries)

    def set(self, label: str, tries: int) -> None:
        with self._locked() as state:
            state[label] = tries

    def get(self, label: str) -> int:
        with self._locked() as state:
            return state.get(label, DNIE_MAX_TRIES)

    def failed(self, label: str) -> int:
        with self._locked() as state:
            state[label] = max(0, state.get(label, DNIE_MAX_TRIES) - 1)
            return state[label]

    def succeeded(self, label: str) -> None:
        with self._locked() as state:
            state[label] = DNIE_MAX_TRIES  # a correct PIN resets the counter, as on a DNIe


class TestCardToken(CardToken):
    """A SoftHSM2 token whose PIN tries are counted by `PinCounter`."""

    __test__ = False  # not a pytest class

    def __init__(
        self, token: Any, *, counter: PinCounter, present: Callable[[], bool] = lambda: True
    ) -> None:
        super().__init__(token, max_tries=DNIE_MAX_TRIES)
        self._counter = counter
        self._present = present

    def _check_present(self) -> None:
        # SoftHSM2 tokens never leave; a real card does. Answer as OpenSC does for a card pulled out.
        if not self._present():
            raise p11.TokenNotPresent()

    def _token_flags(self) -> TokenFlag:
        flags = super()._token_flags()
        flags &= ~(TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_LOCKED)
        tries = self._counter.get(self.label)
        if tries == 0:
            flags |= TokenFlag.USER_PIN_LOCKED
        elif tries == 1:
            flags |= TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_COUNT_LOW
        elif tries < DNIE_MAX_TRIES:
            flags |= TokenFlag.USER_PIN_COUNT_LOW
        return flags

    def _open_user_session(self, pin: str) -> Any:
        tries = self._counter.get(self.label)
        if tries == 0:
            raise p11.PinLocked()
        try:
            session = super()._open_user_session(pin)
        except p11.PinIncorrect:
            self._counter.failed(self.label)
            raise
        if tries != DNIE_MAX_TRIES:  # the usual login leaves the counter (and its lock file) alone
            self._counter.succeeded(self.label)
        return session


class TestCardTokens:
    """`TokenProvider` for the virtual test cards: reader → inserted card → its SoftHSM2 token."""

    __test__ = False

    def __init__(self, inner: Pkcs11Tokens, root: Path) -> None:
        self._inner = inner
        self._root = root
        self._counter = PinCounter(root)
        self._labels: dict[str, str] | None = None

    def card_in(self, reader: str) -> str | None:
        path = self._root / INSERTED_FILE
        try:
            inserted: dict[str, str] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return inserted.get(reader)

    def find(self, reader: str) -> CardToken:
        card = self.card_in(reader)
        if card is None:
            raise TokenNotFound("no test card in this reader")
        if self._labels is None or card not in self._labels:
            # Written once when the test cards are provisioned; read again only for a card it lacked.
            manifest: dict[str, dict[str, str]] = json.loads((self._root / "cards.json").read_text())
            self._labels = {name: e["token_label"] for name, e in manifest.items() if "token_label" in e}
        label = self._labels.get(card)
        if label is None:
            raise TokenNotFound("this test card has no PKCS#11 token")
        return self._inner.find_by_label(
            label, TestCardToken, counter=self._counter, present=lambda: self.card_in(reader) == card
        )
