"""The test token layer: SoftHSM2 tokens that count PIN tries and lock like a DNIe.

SoftHSM2 accepts any number of wrong PINs and never sets COUNT_LOW / FINAL_TRY / LOCKED. This layer keeps
a tries counter per token in `pinstate.json` (shared by every process through a file lock), refuses the
login of a locked token with CKR_PIN_LOCKED, and reports the PKCS#11 flags a DNIe would show. The PIN
itself is still checked by SoftHSM2's real C_Login, and the certificate read and signature are SoftHSM2's:
only the counting is ours. `eid.token.CardToken` maps the flags to tries left, as for a real card.

`TestCardTokens` is the test cards' `eid.token.TokenProvider`, beside `eid.token.Pkcs11Tokens` for real
cards (eid/ never imports this package: the kiosk's composition root picks it from the config, in
training mode only). Which token plays the card in a reader comes from `inserted.json`, written by the
test-card daemon when it inserts a virtual card (a real OpenSC slot is named after its reader instead).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pkcs11.exceptions as p11
from pkcs11 import TokenFlag

from eid.errors import TokenNotFound
from eid.token import DNIE_MAX_TRIES, PKCS11_LOCK, CardToken, Pkcs11Tokens

PINSTATE_FILE = "pinstate.json"
INSERTED_FILE = "inserted.json"
#: The test cards' folder, set (with SOFTHSM2_CONF) by devstack.pcsc for the stack's processes.
ENV_TESTCARDS_DIR = "OVAC_TESTCARDS_DIR"
#: Where a running demo announces its test cards' folder (a one-line file holding the path).
ANNOUNCE_FILE = Path("/run/ovac-kiosk/testcards.current")
#: The daemon's socket in the test cards' folder (a folder without one has no test cards running).
CONTROL_SOCKET = "control.sock"


def find_root(explicit: Path | None = None) -> Path | None:
    """The running test cards' folder: `explicit`, else `$OVAC_TESTCARDS_DIR` (the stack's own processes),
    else the one `make demo` announced in ANNOUNCE_FILE (a trainer's second shell); None when none runs."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(ENV_TESTCARDS_DIR):
        return Path(env)
    try:
        announced = Path(ANNOUNCE_FILE.read_text().strip())
    except OSError:
        return None
    return announced if (announced / CONTROL_SOCKET).exists() else None


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
    """`TokenProvider` for the virtual test cards: reader → inserted card → its SoftHSM2 token.

    `module` is SoftHSM2; `root` the test cards' folder (None: `find_root()` at each look-up, so a kiosk
    started before the demo's cards finds them once they run). Nothing is loaded before the first card.
    """

    __test__ = False

    def __init__(self, module: Path, root: Path | None = None) -> None:
        self._pkcs11 = Pkcs11Tokens(module)
        self._root = root
        self._labels: dict[str, str] | None = None
        self._slot_by_label: dict[str, Any] = {}

    def _folder(self) -> Path:
        root = find_root(self._root)
        if root is None:
            raise TokenNotFound("the test cards are not running (start them with `make demo`)")
        return root

    def load(self) -> None:
        """Load SoftHSM2 on the test cards' token store (blocking; otherwise done by the first card)."""
        root = self._folder()
        # SoftHSM2 reads SOFTHSM2_CONF at C_Initialize: the stack sets it for its processes; a kiosk
        # pointed at the folder by its config alone finds the folder's own.
        os.environ.setdefault("SOFTHSM2_CONF", str(root / "softhsm2.conf"))
        self._pkcs11.load()

    def card_in(self, reader: str) -> str | None:
        path = self._folder() / INSERTED_FILE
        try:
            inserted: dict[str, str] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return inserted.get(reader)

    def find(self, reader: str) -> CardToken:
        card = self.card_in(reader)
        if card is None:
            raise TokenNotFound("no test card in this reader")
        root = self._folder()
        if self._labels is None or card not in self._labels:
            # Written once when the test cards are provisioned; read again only for a card it lacked.
            manifest: dict[str, dict[str, str]] = json.loads((root / "cards.json").read_text())
            self._labels = {name: e["token_label"] for name, e in manifest.items() if "token_label" in e}
        label = self._labels.get(card)
        if label is None:
            raise TokenNotFound("this test card has no PKCS#11 token")
        self.load()
        return TestCardToken(
            self._labelled(label), counter=PinCounter(root), present=lambda: self.card_in(reader) == card
        )

    def _labelled(self, label: str) -> Any:
        """The python-pkcs11 token labelled `label`."""
        with PKCS11_LOCK:
            # The slot that held this label last time, checked with one C_GetTokenInfo: looking through
            # every slot of a store with many tokens costs a few calls per token.
            slot = self._slot_by_label.get(label)
            if slot is not None:
                try:
                    token = slot.get_token()
                except p11.PKCS11Error:
                    token = None
                if token is not None and token.label == label:
                    return token
                self._slot_by_label.pop(label, None)
            for attempt in range(2):
                for token in self._pkcs11.present_tokens():
                    if token.label == label:
                        self._slot_by_label[label] = token.slot
                        return token
                if attempt == 0:
                    # SoftHSM2 reads its token store at C_Initialize: look again after a restart of
                    # the library, for tokens created since (`testcards.extra`; slot ids may change).
                    self._slot_by_label.clear()
                    self._pkcs11.load().reinitialize()
        raise TokenNotFound("no PKCS#11 token with that label")
