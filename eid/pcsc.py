"""Reader and card events from PC/SC. The only module of the project that imports pyscard.

`PcscWatcher` is a plain thread behind the small `CardWatcher` ABC; it reports `ReaderAdded`,
`ReaderRemoved`, `CardInserted` (reader, ATR, `CardKind`), `CardRemoved` (`with_reader` when the card
went with its reader or with pcscd), `ServiceLost` and `ServiceBack` to one callback, on its own thread
(the kiosk turns them into Textual messages).

Why not pyscard's `CardMonitor`/`ReaderMonitor`: both are process-wide singletons whose threads stop for
good (after printing a traceback to stderr) when pcscd goes away, and cannot be restarted without poking
at their private state. This watcher uses the same pyscard calls they use (`SCardGetStatusChange` with
the PnP notification pseudo-reader for reader changes), and survives pcscd restarting: every
reader and card is reported gone, then, once pcscd answers again, reported anew.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from smartcard import scard as S

from eid.atr import CardKind, classify
from eid.errors import PcscUnavailable

log = logging.getLogger(__name__)

PNP_READER = "\\\\?PnP?\\Notification"


@dataclass(frozen=True)
class ReaderAdded:
    reader: str


@dataclass(frozen=True)
class ReaderRemoved:
    reader: str


@dataclass(frozen=True)
class CardInserted:
    reader: str
    atr: bytes

    @property
    def kind(self) -> CardKind:
        return classify(self.atr)


@dataclass(frozen=True)
class CardRemoved:
    reader: str
    #: The card went with its reader (the reader unplugged, or pcscd gone), not taken out by a hand. Not
    #: part of equality: it is the same removal either way.
    with_reader: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ServiceLost:
    """pcscd stopped answering; every reader and card has been reported removed."""


@dataclass(frozen=True)
class ServiceBack:
    """pcscd answers again; its readers and cards follow as added/inserted."""


WatchEvent = ReaderAdded | ReaderRemoved | CardInserted | CardRemoved | ServiceLost | ServiceBack
Callback = Callable[[WatchEvent], None]


class CardWatcher(ABC):
    """Reports reader and card events to `callback` from a background thread until `stop()`."""

    def __init__(self, callback: Callback) -> None:
        self._callback = callback

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def _emit(self, event: WatchEvent) -> None:
        try:
            self._callback(event)
        except Exception:  # a broken listener must not stop the watching
            log.exception("card event listener failed on %s", type(event).__name__)


def _check(hresult: int) -> None:
    if hresult != S.SCARD_S_SUCCESS:
        raise PcscUnavailable(S.SCardGetErrorMessage(hresult))


def list_readers() -> list[str]:
    """Readers PC/SC sees now. Raises PcscUnavailable when pcscd does not answer."""
    hresult, context = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
    _check(hresult)
    try:
        hresult, readers = S.SCardListReaders(context, [])
        if hresult == S.SCARD_E_NO_READERS_AVAILABLE:
            return []
        _check(hresult)
        return list(readers)
    finally:
        S.SCardReleaseContext(context)


class PcscWatcher(CardWatcher):
    """Watches every reader (or those whose name starts with one of `readers`)."""

    def __init__(
        self, callback: Callback, readers: Sequence[str] = (), *, poll_ms: int = 500, retry_s: float = 0.3
    ) -> None:
        super().__init__(callback)
        self._prefixes = tuple(readers)
        self._poll_ms = poll_ms
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: int | None = None
        self._context_lock = threading.Lock()
        self._readers: dict[str, int] = {}
        self._cards: dict[str, bytes] = {}
        self._service_up: bool | None = None
        self.ready = threading.Event()
        """Set once the first full picture (readers and cards present at start) has been reported."""

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="eid-pcsc-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._context_lock:
            if self._context is not None:
                S.SCardCancel(self._context)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def cards(self) -> dict[str, bytes]:
        """Cards present now, by reader (a copy)."""
        return dict(self._cards)

    @property
    def readers(self) -> list[str]:
        return list(self._readers)

    # -- the loop ------------------------------------------------------------------------------------------
    def _wanted(self, reader: str) -> bool:
        return not self._prefixes or reader.startswith(self._prefixes)

    def _run(self) -> None:
        while not self._stop.is_set():
            hresult, context = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
            if hresult != S.SCARD_S_SUCCESS:
                self._lost()
                self._stop.wait(self._retry_s)
                continue
            with self._context_lock:
                self._context = context
            try:
                self._watch(context)
            finally:
                with self._context_lock:
                    self._context = None
                S.SCardReleaseContext(context)

    def _watch(self, context: int) -> None:
        if self._service_up is False:
            self._emit(ServiceBack())
        self._service_up = True
        while not self._stop.is_set():
            hresult, names = S.SCardListReaders(context, [])
            if hresult == S.SCARD_E_NO_READERS_AVAILABLE:
                names = []
            elif hresult != S.SCARD_S_SUCCESS:
                self._lost()
                return
            all_count = len(names)
            names = [n for n in names if self._wanted(n)]
            for gone in [r for r in self._readers if r not in names]:
                self._forget_reader(gone)
            for new in [r for r in names if r not in self._readers]:
                self._readers[new] = S.SCARD_STATE_UNAWARE
                self._emit(ReaderAdded(new))
            query = [(r, self._readers[r]) for r in self._readers]
            query.append((PNP_READER, all_count << 16))
            first_round = not self.ready.is_set()
            hresult, states = S.SCardGetStatusChange(context, 0 if first_round else self._poll_ms, query)
            if hresult in (S.SCARD_E_TIMEOUT, S.SCARD_E_UNKNOWN_READER):
                if first_round and hresult == S.SCARD_E_TIMEOUT:
                    self.ready.set()
                continue  # nothing happened, or a reader went away between the calls: list again
            if hresult == S.SCARD_E_CANCELLED or self._stop.is_set():
                return
            if hresult != S.SCARD_S_SUCCESS:
                self._lost()
                return
            for reader, event_state, atr in states:
                if reader == PNP_READER or reader not in self._readers:
                    continue
                self._update(reader, event_state, bytes(atr))
            self.ready.set()

    def _update(self, reader: str, event_state: int, atr: bytes) -> None:
        # Keep the event counter (high word) so that a quick remove + insert is still seen.
        self._readers[reader] = event_state & ~S.SCARD_STATE_CHANGED
        present = bool(event_state & S.SCARD_STATE_PRESENT)
        # A USB reader pulled out: pcscd reports it unknown (then drops it from its list).
        gone = bool(event_state & (S.SCARD_STATE_UNAVAILABLE | S.SCARD_STATE_UNKNOWN | S.SCARD_STATE_IGNORE))
        if gone:
            present = False
        had = self._cards.get(reader)
        if present and (had is None or had != atr):
            if had is not None:
                del self._cards[reader]
                self._emit(CardRemoved(reader))
            self._cards[reader] = atr
            self._emit(CardInserted(reader, atr))
        elif not present and had is not None:
            del self._cards[reader]
            self._emit(CardRemoved(reader, with_reader=gone))

    def _forget_reader(self, reader: str) -> None:
        if self._cards.pop(reader, None) is not None:
            self._emit(CardRemoved(reader, with_reader=True))
        self._readers.pop(reader, None)
        self._emit(ReaderRemoved(reader))

    def _lost(self) -> None:
        for reader in list(self._readers):
            self._forget_reader(reader)
        if self._service_up is not False:
            self._service_up = False
            self.ready.set()
            self._emit(ServiceLost())
