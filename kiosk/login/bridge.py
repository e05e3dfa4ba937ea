"""The bridge from the card watcher's thread to the app: PC/SC events become Textual messages.

`install_card_watcher(app)` (from the app's `on_mount`) starts an `eid.pcsc.PcscWatcher` whose callback
posts a `CardEvent` message to the app (`post_message` is thread-safe); the app hands each one back to
`CardBridge.handle()` on its event loop (`@on(CardEvent)`), and calls `bridge.stop()` in `on_unmount`.

What `handle()` does: a card inserted while no card is in use starts the login flow (`LoginScreen`);
the login screen is built ahead, while nobody waits for it (at start, after each session, after a change
of language), so that a card's holder is on screen sooner: it holds no citizen's data until a card is
inserted, and it is used once and removed with its session like any other screen;
the removal of the session's card, or of its reader, ends the session at once (`EndReason.CARD_REMOVED`
/ `READER_REMOVED`: the app wipes it, the backend session is revoked by the wipe listener the login
flow registered); when the card went with its reader (the reader unplugged, pcscd stopped) the citizen is
told so in their language, once the session has ended; no reader at all (at start, or when the last one
goes), and a reader appearing later, are told to the people in front.

The bridge never touches the screen stack: what the app must do with a screen, or with the session,
goes to it as a message (`BuildAhead`, `LoginScreen.Show`, `CardLeft`), and the app decides.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from eid import pcsc
from kiosk.config import Settings
from kiosk.i18n import _, current_language
from kiosk.session import CitizenSession, EndReason

if TYPE_CHECKING:
    # Imported where they are first used, after the attract screen's first frame: the login screen (and
    # the backend client and eid.identity it imports) when the first one is built ahead, the notices
    # when there is one to give, the PKCS#11 tokens in the thread that opens them.
    from eid.token import TokenProvider
    from kiosk.backend.client import BackendClient
    from kiosk.login.screen import LoginScreen

log = logging.getLogger(__name__)

#: Seconds after start-up before "no card reader" is said (pcscd lists its readers quickly).
NO_READER_GRACE_SECONDS = 2.0
#: Seconds after start-up, or after a session ended, before the next login screen is built ahead.
STANDBY_DELAY_SECONDS = 0.3
#: Seconds the citizen whose card reader stopped working is given to read why their session ended.
READER_LOST_NOTICE_SECONDS = 20.0


def reader_lost() -> str:
    """What the citizen reads when the reader with their card in it stops working (unplugged, or the
    card service stopped): their session has ended; what to do."""
    return _(
        "The card reader has stopped working, so your session has ended and nothing of it has been kept. "
        "Take your card out. You can start again when the reader is ready, or ask at the counter."
    )


@dataclass
class CardEvent(Message):
    """A reader or card event from the watcher's thread; `event` is the `eid.pcsc` event."""

    event: pcsc.WatchEvent


class CardHost(Protocol):
    """What the bridge needs of the app: the kiosk's services, its timers, notices and messages."""

    @property
    def settings(self) -> Settings: ...
    @property
    def session(self) -> CitizenSession | None: ...
    @property
    def backend(self) -> BackendClient: ...
    @property
    def cards(self) -> TokenProvider | None: ...
    @property
    def open_cards(self) -> Callable[[], TokenProvider] | None: ...
    @property
    def is_running(self) -> bool: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    def begin_session(self) -> CitizenSession: ...
    def is_screen_installed(self, screen: Screen[Any] | str) -> bool: ...
    def post_message(self, message: Message) -> bool: ...
    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...
    def set_timer(self, delay: float, callback: Any = None, *, name: str | None = None) -> Timer: ...
    def notify(  # App.notify, as the bridge calls it
        self, message: str, *, severity: SeverityLevel = ..., timeout: float | None = ..., markup: bool = ...
    ) -> None: ...


class CardBridge:
    @dataclass
    class BuildAhead(Message):
        """For the app: compose and mount `screen` now, off the screen stack (the next card's login)."""

        screen: LoginScreen

    @dataclass
    class CardLeft(Message):
        """For the app: the session's card, or its reader, went away; the session ends with `reason`."""

        reason: EndReason

    def __init__(self, app: CardHost, *, start_watcher: bool = True) -> None:
        self.app = app
        self.readers: set[str] = set()
        self._watcher = pcsc.PcscWatcher(self._from_thread, readers=app.settings.eid.readers)
        self._start_watcher = start_watcher
        self._tokens: TokenProvider | None = app.cards  # None: opened from [eid] when first needed
        self._tokens_lock = threading.Lock()
        self._told_no_reader = False
        self._standby: LoginScreen | None = None
        #: The session ended because its reader went (its card's and its reader's removal end it once).
        self._lost_session: CitizenSession | None = None

    # -- lifecycle (app.on_mount / app.on_unmount) ----------------------------------------------------------
    def start(self) -> None:
        if self._start_watcher:
            self._watcher.start()
            # Load the PKCS#11 module now rather than when the first citizen's card goes in.
            threading.Thread(target=self._open_tokens, name="pkcs11-open", daemon=True).start()
        self.app.set_timer(NO_READER_GRACE_SECONDS, self._check_readers)
        self.prepare_login_later()

    def _open_tokens(self) -> None:
        try:
            self.tokens()
        except Exception as exc:  # said to the citizen (and logged) when a card is read
            log.warning("could not open the PKCS#11 module: %s", type(exc).__name__)

    def stop(self) -> None:
        self._watcher.stop()

    def _from_thread(self, event: pcsc.WatchEvent) -> None:
        self.app.post_message(CardEvent(event))

    # -- what the card flow needs, on demand ---------------------------------------------------------------
    def tokens(self) -> TokenProvider:
        """The PKCS#11 tokens, opened once (blocking: loading a module takes time; call from a thread)."""
        with self._tokens_lock:
            if self._tokens is None and self.app.open_cards is not None:
                self._tokens = self.app.open_cards()
            if self._tokens is None:
                from eid.token import open_tokens

                self._tokens = open_tokens(self.app.settings.eid.pkcs11_module)
            return self._tokens

    @property
    def backend(self) -> BackendClient:
        return self.app.backend

    @property
    def session(self) -> CitizenSession | None:
        """The kiosk's current session (the one a card inserted now belongs to)."""
        return self.app.session

    def revoke_later(self, token: str) -> None:
        """Revoke a backend session without blocking the event loop (card pulled, session wiped)."""
        backend = self.backend

        def run() -> None:
            try:
                backend.logout(token)
            except Exception as exc:  # the backend also expires sessions by itself
                log.warning("could not revoke a backend session: %s", type(exc).__name__)

        threading.Thread(target=run, name="revoke-session", daemon=True).start()

    # -- events, on the app's event loop -------------------------------------------------------------------
    def handle(self, message: CardEvent) -> None:
        event = message.event
        session = self.app.session
        if isinstance(event, pcsc.CardInserted):
            log.info("card inserted in %s (%s)", event.reader, event.kind.value)
            self._card_inserted(event)
        elif isinstance(event, pcsc.CardRemoved):
            log.info("card removed from %s%s", event.reader, " with its reader" if event.with_reader else "")
            if session is not None and session.reader == event.reader:
                if event.with_reader:
                    self._reader_lost()
                else:
                    self.app.post_message(self.CardLeft(EndReason.CARD_REMOVED))
        elif isinstance(event, pcsc.ReaderAdded):
            self.readers.add(event.reader)
            if self._told_no_reader:
                from kiosk.login import messages

                self._told_no_reader = False
                self.app.notify(messages.reader_back(), timeout=5, markup=False)
        elif isinstance(event, pcsc.ReaderRemoved):
            log.warning("card reader %s removed", event.reader)
            self.readers.discard(event.reader)
            if session is not None and session.reader == event.reader:
                self._reader_lost()
            if not self.readers:
                self.app.set_timer(NO_READER_GRACE_SECONDS, self._check_readers)
        elif isinstance(event, pcsc.ServiceLost):
            log.warning("PC/SC service lost")
            self.app.set_timer(NO_READER_GRACE_SECONDS, self._check_readers)
        elif isinstance(event, pcsc.ServiceBack):
            log.info("PC/SC service back")

    def _reader_lost(self) -> None:
        """The session's card went with its reader: the session ends, and the citizen is told why and what
        to do in their language (the text is made now, before the session's end sets the default one),
        once the end has cleared the screens and their notices."""
        session = self.app.session
        if session is None or session.ended is not None or session is self._lost_session:
            return  # ended once, whichever of the card's and the reader's removal comes first
        self._lost_session = session
        text = reader_lost()
        self._told_no_reader = True  # "the card reader is ready" when it comes back
        self.app.post_message(self.CardLeft(EndReason.READER_REMOVED))
        self.app.call_later(self._tell_reader_lost, text)

    def _tell_reader_lost(self, text: str) -> None:
        self.app.notify(text, severity="warning", timeout=READER_LOST_NOTICE_SECONDS, markup=False)

    def _check_readers(self) -> None:
        if not self.readers and not self._told_no_reader:
            from kiosk.login import messages

            self._told_no_reader = True
            log.warning("no card reader connected")
            self.app.notify(messages.no_reader(), severity="warning", timeout=30, markup=False)

    def _card_inserted(self, event: pcsc.CardInserted) -> None:
        from kiosk.login.screen import LoginScreen

        session = self.app.session
        if session is not None and session.reader is not None:
            return  # a card is already in use in this session
        if any(isinstance(screen, LoginScreen) for screen in self.app.screen_stack):
            return
        session = self.app.begin_session()
        session.reader = event.reader
        standby = self._take_standby()
        if standby is not None:
            standby.start(event.reader, event.atr)  # it asks to be shown once the holder can be drawn
        else:
            self.app.post_message(LoginScreen.Show(LoginScreen(self, event.reader, event.atr)))

    # -- the login screen built ahead ----------------------------------------------------------------------
    @property
    def standby(self) -> LoginScreen | None:
        """The login screen built ahead for the next card, once the app has mounted it (None before)."""
        screen = self._standby
        if screen is None or not screen.is_mounted or self.app.is_screen_installed(screen):
            return None
        return screen

    def prepare_login_later(self) -> None:
        """Build the next login screen in a moment (after start-up, a session, a change of language)."""
        self.app.set_timer(STANDBY_DELAY_SECONDS, self._prepare_login)

    def _prepare_login(self) -> None:
        if self._standby is not None and self._standby.language == current_language():
            return
        self._discard_standby()
        if self.app.session is not None or not self.app.is_running:
            return  # during a visit the screen is built when a card arrives; the next one after it
        from kiosk.login.screen import LoginScreen

        screen = LoginScreen(self)
        self._standby = screen
        self.app.post_message(self.BuildAhead(screen))  # composed and mounted by the app, not shown

    def _take_standby(self) -> LoginScreen | None:
        """The screen built ahead, handed over once; one not ready or in another language is dropped."""
        screen = self.standby
        if screen is not None and screen.language == current_language():
            self._standby = None
            return screen
        self._discard_standby()
        return None

    def _discard_standby(self) -> None:
        screen, self._standby = self._standby, None
        if screen is not None:
            screen.remove()


def install_card_watcher(app: CardHost) -> CardBridge:
    """Start watching readers for `app` (call from `on_mount`); stop with `bridge.stop()` in `on_unmount`."""
    bridge = CardBridge(app)
    bridge.start()
    return bridge
